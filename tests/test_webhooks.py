"""Webhooks: added by editors in the admin, delivered by a real worker to a real HTTP server."""

import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Delivery, PublishEvent, Webhook
from articles.websub.models import Job
from tests.factories import make_article
from tests.staff import make_staff
from tests.test_websub import Callback, callback, private_allowed, wait_until, worker, worker_for  # noqa: F401


def add_webhook(client, url, **events) -> tuple[Webhook, str]:
    """Through the admin's add form, as an editor would; (the webhook, the secret shown once)."""
    data = {
        "url": url,
        "description": "Newsletter service",
        "active": "on",
        "deliveries-TOTAL_FORMS": "0",
        "deliveries-INITIAL_FORMS": "0",
        "deliveries-MIN_NUM_FORMS": "0",
        "deliveries-MAX_NUM_FORMS": "0",
        **{f"on_{name}": "on" for name, wanted in events.items() if wanted},
    }
    response = client.post("/admin/articles/webhook/add/", data, follow=True)
    assert response.status_code == 200
    shown = re.search(r"shown this once: <code>([^<]+)</code>", response.content.decode())
    assert shown, response.content.decode()[:3000]
    return Webhook.objects.get(url=url), shown.group(1)


def payload_of(post) -> dict:
    return json.loads(post["body"])


def signed_with(secret, post) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), post["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(post["headers"]["X-Masthead-Signature"], expected)


def test_editors_add_webhooks_and_receive_signed_events(client, callback, worker, private_allowed):
    client.force_login(make_staff("Editor"))
    webhook, secret = add_webhook(client, callback.url, published=True, updated=True, unpublished=True)
    assert secret == webhook.secret and len(secret) >= 32
    # The secret is never shown again.
    page = client.get(f"/admin/articles/webhook/{webhook.pk}/change/").content.decode()
    assert secret not in page and secret not in client.get("/admin/articles/webhook/").content.decode()

    article = make_article("Hooked", publish_in=timedelta(seconds=1))
    assert wait_until(lambda: len(callback.acknowledged()) == 1, timeout=15), worker.output()
    published = callback.posts[0]
    assert published["headers"]["X-Masthead-Event"] == "article.published"
    assert published["headers"]["Content-Type"] == "application/json"
    assert signed_with(secret, published) and not signed_with("guess", published)
    body = payload_of(published)
    assert body["event"] == "article.published" and body["delivery"] == published["headers"]["X-Hub-Delivery"]
    assert body["article"] == {
        "id": article.pk,
        "uuid": str(article.uuid),
        "url": "/articles/hooked/",
        "title": "Hooked",
        "publish_date": article.publish_date.isoformat(),
        "updated": body["article"]["updated"],
        "created": article.created_date.isoformat(),
    }
    assert published["at"] >= article.publish_date.timestamp()

    article.refresh_from_db()
    article.title = "Hooked, Revised"
    article.save()
    assert wait_until(lambda: len(callback.acknowledged()) == 2, timeout=15)
    assert payload_of(callback.posts[1])["event"] == "article.updated"
    assert payload_of(callback.posts[1])["article"]["title"] == "Hooked, Revised"

    article.draft = True
    article.save()
    assert wait_until(lambda: len(callback.acknowledged()) == 3, timeout=15)
    assert payload_of(callback.posts[2])["event"] == "article.unpublished"
    assert all(signed_with(secret, post) for post in callback.posts)

    # The delivery log, on the webhook's page.
    page = client.get(f"/admin/articles/webhook/{webhook.pk}/change/").content.decode()
    assert "delivery log" in page.lower()
    for kind in ("article.published Hooked", "article.updated Hooked, Revised", "article.unpublished Hooked, Revised"):
        assert kind in page, kind
    assert Delivery.objects.filter(webhook=webhook, status=Job.DONE).count() == 3


def test_a_webhook_hears_only_the_events_it_wants(client, callback, worker, private_allowed):
    client.force_login(make_staff("Editor"))
    add_webhook(client, callback.url, unpublished=True)
    article = make_article("Quietly Published")
    assert wait_until(lambda: PublishEvent.objects.filter(status=Job.DONE).exists())
    article.delete()
    assert wait_until(callback.acknowledged, timeout=15), worker.output()
    [post] = callback.posts
    body = payload_of(post)
    assert body["event"] == "article.unpublished" and body["article"]["title"] == "Quietly Published"


@pytest.mark.django_db
def test_webhooks_on_private_addresses_are_refused_in_the_admin(client, settings):
    assert settings.WEBSUB_ALLOW_PRIVATE_CALLBACKS is False
    client.force_login(make_staff("Editor"))
    response = client.post(
        "/admin/articles/webhook/add/",
        {"url": "http://127.0.0.1:8025/hook", "on_published": "on", "active": "on",
         "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200 and "non-public address" in response.content.decode()
    assert not Webhook.objects.exists()


@pytest.mark.django_db
def test_the_admin_lists_subscribers_and_deliveries_without_secrets(client):
    from articles.models import Subscription

    subscription = Subscription.objects.create(
        key="k", topic="http://testserver/feed/", topic_path="/feed/", callback="https://reader.example/cb",
        secret="never-shown-secret", lease_seconds=3600, expires_at=timezone.now() + timedelta(hours=1),
    )
    client.force_login(make_staff("Editor"))
    listing = client.get("/admin/articles/subscription/", follow=True).content.decode()
    assert "https://reader.example/cb" in listing and "/feed/: 1 live, 0 failing" in listing
    detail = client.get(f"/admin/articles/subscription/{subscription.pk}/change/").content.decode()
    assert "never-shown-secret" not in listing + detail
    assert client.get("/admin/articles/delivery/").status_code == 200
    assert client.get("/admin/articles/publishevent/").status_code == 200
