"""The WebSub hub endpoint (W3C WebSub Recommendation, section 5): POST /hub/.

A subscriber POSTs `hub.mode` (subscribe or unsubscribe), `hub.topic` (one of this site's
feeds), `hub.callback`, and optionally `hub.lease_seconds` and `hub.secret`. A valid request is
answered 202 Accepted and its intent verified later by the worker (`tasks.verify_request`);
an invalid one is answered 400 with the reason as plain text, and nothing is stored.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..feeds import FEED_URL_NAMES
from ..models import Author, Tag
from . import outbound
from .models import Job, SubscriptionRequest
from .tasks import verify_request

MAX_SECRET_BYTES = 199  # "MUST be less than 200 bytes"
MAX_URL_LENGTH = 2000


def _feed_url_names() -> set[str]:
    return {name for names in FEED_URL_NAMES.values() for name in names}


def topic_problem(request, topic: str) -> str | None:
    """Why `topic` is not one of this site's feeds, or None."""
    expected = "hub.topic must be the address of one of this site's feeds (RSS, Atom or JSON; site, author or tag)"
    try:
        parts = urlsplit(topic)
    except ValueError:
        return expected
    if parts.scheme not in ("http", "https") or not parts.netloc or len(topic) > MAX_URL_LENGTH:
        return expected
    hosts = {request.get_host().lower()}
    if settings.SITE_URL:
        hosts.add(urlsplit(settings.SITE_URL).netloc.lower())
    if parts.netloc.lower() not in hosts:
        return f"{expected}; this site is {' or '.join(sorted(hosts))}"
    if parts.query or parts.fragment:
        return f"{expected}, without a query or fragment"
    try:
        match = resolve(parts.path)
    except Resolver404:
        return expected
    if match.url_name not in _feed_url_names():
        return expected
    slug = match.kwargs.get("slug")
    if slug is not None:
        model = Author if match.url_name.startswith("author") else Tag
        if not model.objects.filter(slug=slug).exists():
            return f"there is no {model._meta.verbose_name} {slug!r} on this site"
    return None


def lease_for(value: str | None) -> int:
    """The lease the hub grants: the subscriber's wish within the bounds, else the default."""
    if value in (None, ""):
        return settings.WEBSUB_LEASE_SECONDS
    lease = int(value)  # ValueError for the caller
    if lease <= 0:
        raise ValueError(value)
    return max(settings.WEBSUB_MIN_LEASE_SECONDS, min(lease, settings.WEBSUB_MAX_LEASE_SECONDS))


def _refuse(reason: str) -> HttpResponse:
    return HttpResponse(reason + "\n", status=400, content_type="text/plain; charset=utf-8")


@csrf_exempt  # called by feed readers and services, never by a browser form with a session
@never_cache
@require_POST
def hub(request):

    data = request.POST
    mode = data.get("hub.mode", "")
    if mode not in (SubscriptionRequest.SUBSCRIBE, SubscriptionRequest.UNSUBSCRIBE):
        return _refuse("hub.mode must be subscribe or unsubscribe (this hub publishes its own feeds only)")
    topic = data.get("hub.topic", "").strip()
    problem = topic_problem(request, topic)
    if problem:
        return _refuse(problem)
    callback = data.get("hub.callback", "").strip()
    if not callback or len(callback) > MAX_URL_LENGTH:
        return _refuse(f"hub.callback must be an http or https URL of at most {MAX_URL_LENGTH} characters")
    if urlsplit(callback).fragment:
        return _refuse("hub.callback may not have a fragment")
    try:
        outbound.check_url(callback)
    except outbound.RefusedAddress as refused:
        return _refuse(f"hub.callback is not accepted: {refused}")
    try:
        lease = lease_for(data.get("hub.lease_seconds"))
    except ValueError:
        return _refuse("hub.lease_seconds must be a positive whole number of seconds")
    secret = data.get("hub.secret", "")
    if len(secret.encode()) > MAX_SECRET_BYTES:
        return _refuse("hub.secret must be less than 200 bytes")
    with transaction.atomic():
        # The newest request for a subscription is the one that counts.
        SubscriptionRequest.objects.filter(topic=topic, callback=callback, status=Job.PENDING).update(
            status=Job.CANCELLED, last_error="superseded by a newer request", secret=""
        )
        intent = SubscriptionRequest.objects.create(
            mode=mode,
            topic=topic,
            callback=callback,
            lease_seconds=lease if mode == SubscriptionRequest.SUBSCRIBE else None,
            secret=secret if mode == SubscriptionRequest.SUBSCRIBE else "",
        )
        verify_request.enqueue(intent.pk)
    return HttpResponse(
        "Accepted: the hub will verify this request with a GET to the callback.\n",
        status=202,
        content_type="text/plain; charset=utf-8",
    )
