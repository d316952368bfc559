"""What the worker (`python manage.py db_worker`) runs.

Each task takes one row (`Job.claim`) and does its work once: a task that runs twice, or that
a restarted worker picks up after another died holding it, finds the work taken or done.

- `fire_event`: at the event's moment, check the article is still public at exactly that moment,
  then, in one transaction, mark the event fired and make one `Delivery` per destination:
  every live subscriber of each affected topic (the site's, the author's and each tag's feeds,
  in RSS, Atom and JSON), every webhook that wants the event, every external hub.
- `deliver`: one POST. A WebSub delivery carries the topic's feed as it is now, with its
  Content-Type, `Link` headers and `X-Hub-Signature: sha256=...` when the subscriber gave a
  secret. A failure is tried again later, the wait doubling from WEBSUB_RETRY_SECONDS up to
  `MAX_RETRY_SECONDS`; a subscriber whose callback has failed for WEBSUB_DROP_AFTER_DAYS days
  is dropped (a webhook is kept, its delivery given up).
- `verify_request`: the verification of intent (WebSub 5.3): a GET to the callback with
  `hub.challenge`, which must come back as the body of a 2xx answer.
"""

import datetime as dt
import hashlib
import hmac
import http.client
import io
import json
import logging
import secrets
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django_tasks import task

from ..feeds import FEED_URL_NAMES
from ..models import Article
from . import outbound
from .events import article_payload
from .links import link_header
from .models import Delivery, Job, PublishEvent, Subscription, SubscriptionRequest, Webhook

logger = logging.getLogger(__name__)

MAX_RETRY_SECONDS = 6 * 3600


class StaleClaim(Exception):
    """Another worker took the work over (this one was too slow): nothing of this run is kept."""


# Topics: which feeds an article is in.


def article_topics(article) -> list[str]:
    """The paths of every feed that carries `article`: the site's, its author's, each of its tags'."""
    scopes = [("site", {}), ("author", {"slug": article.author.slug})]
    scopes += [("tag", {"slug": tag.slug}) for tag in article.tags.all()]
    return [reverse(name, kwargs=kwargs) for kind, kwargs in scopes for name in FEED_URL_NAMES[kind]]


def render_topic(topic: str) -> tuple[str, bytes]:
    """The feed at `topic` (an absolute URL of this site) as a reader would get it now: (Content-Type, body)."""
    parts = urlsplit(topic)
    match = resolve(parts.path)
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": parts.path,
        "QUERY_STRING": "",
        "SERVER_NAME": parts.hostname,
        "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": parts.netloc,
        "HTTP_ACCEPT": "*/*",
        # The topic's own scheme and host, behind a proxy too (SECURE_PROXY_SSL_HEADER, USE_X_FORWARDED_HOST).
        "HTTP_X_FORWARDED_PROTO": parts.scheme,
        "HTTP_X_FORWARDED_HOST": parts.netloc,
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(b""),
    }
    response = match.func(WSGIRequest(environ), *match.args, **match.kwargs)
    if response.status_code != 200:
        raise ValueError(f"the feed {topic} answered {response.status_code}")
    return response["Content-Type"], response.content


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# Events.


def _still_public_at(event: PublishEvent):
    """The event's article if it is public at exactly the event's moment, else None."""
    article = Article.objects.select_related("author").filter(uuid=event.article_uuid).first()
    if article is None or article.draft or article.publish_date != event.due_at:
        return None
    return article


def _fan_out(event: PublishEvent, article) -> list[Delivery]:
    deliveries = []
    if event.kind == PublishEvent.PUBLISHED:
        paths = article_topics(article)
        Subscription.objects.filter(expires_at__lte=timezone.now()).delete()  # leases run out
        for subscription in Subscription.objects.filter(topic_path__in=paths, status=Subscription.ACTIVE):
            deliveries.append(
                Delivery(
                    event=event,
                    target=Delivery.WEBSUB,
                    subscription=subscription,
                    url=subscription.callback,
                    topic=subscription.topic,
                )
            )
        if settings.WEBSUB_EXTERNAL_HUBS:
            if settings.SITE_URL:
                for hub in settings.WEBSUB_EXTERNAL_HUBS:
                    for path in paths:
                        topic = settings.SITE_URL.rstrip("/") + path
                        deliveries.append(Delivery(event=event, target=Delivery.HUB_PING, url=hub, topic=topic))
            else:
                logger.warning("WEBSUB_EXTERNAL_HUBS is set but SITE_URL is not: the hubs were not pinged")
    for webhook in Webhook.wanting(event.kind):
        deliveries.append(Delivery(event=event, target=Delivery.WEBHOOK, webhook=webhook, url=webhook.url))
    for delivery in deliveries:
        delivery.save()
    return deliveries


@task()
def fire_event(event_id: int) -> str:
    token = PublishEvent.claim(event_id, fire_event)
    if token is None:
        return "nothing to do"
    event = PublishEvent.objects.get(pk=event_id)
    article = None
    if event.kind == PublishEvent.PUBLISHED:
        article = _still_public_at(event)
        if article is None:
            PublishEvent.finish(event_id, token, status=Job.CANCELLED, last_error="the article is not public at this moment")
            return "cancelled"
        event.payload = article_payload(article)
    with transaction.atomic():
        if not PublishEvent.finish(event_id, token, status=Job.DONE, fired_at=timezone.now(), payload=event.payload):
            raise StaleClaim(f"event {event_id} was taken over or cancelled meanwhile")
        deliveries = _fan_out(event, article)
        for delivery in deliveries:
            deliver.enqueue(delivery.pk)
    return f"{len(deliveries)} deliveries"


# Deliveries.


def _retry_delay(attempts: int) -> float:
    return min(settings.WEBSUB_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)


def _request_for(delivery: Delivery) -> tuple[bytes, dict] | None:
    """The body and headers of the POST, or None when there is nothing to send any more."""
    headers = {"X-Hub-Delivery": str(delivery.uuid)}
    if delivery.target == Delivery.WEBSUB:
        subscription = delivery.subscription
        if subscription is None or not subscription.is_live:
            return None
        content_type, body = render_topic(delivery.topic)
        headers.update({"Content-Type": content_type, "Link": link_header(delivery.topic)})
        if subscription.secret:
            headers["X-Hub-Signature"] = sign(subscription.secret, body)
        return body, headers
    if delivery.target == Delivery.WEBHOOK:
        webhook = delivery.webhook
        if webhook is None or not webhook.active:
            return None
        body = json.dumps(
            {"event": delivery.event.kind, "delivery": str(delivery.uuid), "article": delivery.event.payload},
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        headers.update(
            {
                "Content-Type": "application/json",
                "X-Masthead-Event": delivery.event.kind,
                "X-Masthead-Signature": sign(webhook.secret, body),
            }
        )
        return body, headers
    body = urlencode({"hub.mode": "publish", "hub.url": delivery.topic}).encode()
    return body, {**headers, "Content-Type": "application/x-www-form-urlencoded"}


def _failing_too_long(since) -> bool:
    return since is not None and timezone.now() - since >= dt.timedelta(days=settings.WEBSUB_DROP_AFTER_DAYS)


@task()
def deliver(delivery_id: int) -> str:
    token = Delivery.claim(delivery_id, deliver)
    if token is None:
        return "nothing to do"
    delivery = Delivery.objects.select_related("event", "subscription", "webhook").get(pk=delivery_id)
    answer, error = None, ""
    try:
        prepared = _request_for(delivery)
        if prepared is None:
            Delivery.finish(delivery_id, token, status=Job.CANCELLED, last_error="the subscription or webhook is gone")
            return "cancelled"
        answer = outbound.request("POST", delivery.url, *prepared)
    except outbound.RefusedAddress as refused:
        error = f"refused: {refused}"
    except (OSError, http.client.HTTPException, ValueError, Resolver404) as failure:
        error = f"{type(failure).__name__}: {failure}"
    now = timezone.now()
    if answer is not None and 200 <= answer.status < 300:
        Delivery.finish(delivery_id, token, status=Job.DONE, delivered_at=now, response_status=answer.status, last_error="")
        if delivery.subscription_id:
            Subscription.objects.filter(pk=delivery.subscription_id).update(failing_since=None)
        return "delivered"
    if answer is not None:
        error = f"answered {answer.status}" + (" (redirects are not followed)" if 300 <= answer.status < 400 else "")
    status = answer.status if answer is not None else None
    since = delivery.created
    if delivery.subscription_id:
        subscription = delivery.subscription
        if subscription.failing_since is None:
            Subscription.objects.filter(pk=subscription.pk, failing_since=None).update(failing_since=now)
        since = subscription.failing_since or now
    if _failing_too_long(since):
        Delivery.finish(delivery_id, token, status=Job.FAILED, response_status=status, last_error=f"given up: {error}")
        if delivery.subscription_id:
            Subscription.objects.filter(pk=delivery.subscription_id).update(status=Subscription.DROPPED)
        return "given up"
    retry_at = now + dt.timedelta(seconds=_retry_delay(delivery.attempts))
    with transaction.atomic():
        if Delivery.finish(delivery_id, token, due_at=retry_at, response_status=status, last_error=error):
            deliver.using(run_after=retry_at).enqueue(delivery_id)
    return f"retry at {retry_at.isoformat()}: {error}"


# Verification of intent.


def _with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


@task()
def verify_request(request_id: int) -> str:
    token = SubscriptionRequest.claim(request_id, verify_request)
    if token is None:
        return "nothing to do"
    intent = SubscriptionRequest.objects.get(pk=request_id)
    challenge = secrets.token_urlsafe(32)
    params = {"hub.mode": intent.mode, "hub.topic": intent.topic, "hub.challenge": challenge}
    if intent.mode == SubscriptionRequest.SUBSCRIBE:
        params["hub.lease_seconds"] = str(intent.lease_seconds)
    try:
        answer = outbound.request("GET", _with_query(intent.callback, params))
    except outbound.RefusedAddress as refused:
        answer, error = None, f"refused: {refused}"
    except (OSError, http.client.HTTPException) as failure:
        answer, error = None, f"{type(failure).__name__}: {failure}"
    if answer is not None:
        echoed = answer.body.decode("utf-8", "replace").strip() == challenge
        error = "" if 200 <= answer.status < 300 and echoed else f"answered {answer.status} without the challenge"
    if error:
        SubscriptionRequest.finish(request_id, token, status=Job.FAILED, last_error=error, challenge=challenge, secret="")
        return f"not verified: {error}"
    key = Subscription.key_for(intent.topic, intent.callback)
    with transaction.atomic():
        # The secret now lives only on the subscription.
        if not SubscriptionRequest.finish(request_id, token, status=Job.DONE, challenge=challenge, secret=""):
            raise StaleClaim(f"subscription request {request_id} was taken over meanwhile")
        if intent.mode == SubscriptionRequest.UNSUBSCRIBE:
            Subscription.objects.filter(key=key).delete()
            return "unsubscribed"
        now = timezone.now()
        Subscription.objects.update_or_create(
            key=key,
            defaults={
                "topic": intent.topic,
                "topic_path": urlsplit(intent.topic).path,
                "callback": intent.callback,
                "secret": intent.secret,
                "lease_seconds": intent.lease_seconds,
                "expires_at": now + dt.timedelta(seconds=intent.lease_seconds),
                "status": Subscription.ACTIVE,
                "failing_since": None,
                "verified_at": now,
            },
        )
    return "subscribed"
