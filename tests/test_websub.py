"""The WebSub hub, end to end: a real callback server (a thread here) and a real worker process
(`manage.py db_worker`, a subprocess on the test database)."""

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article, Delivery, PublishEvent, Subscription, SubscriptionRequest
from articles.websub.models import Job, claim_seconds
from articles.websub.tasks import fire_event
from tests.factories import make_article, make_author, make_tag

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "http://testserver/feed/"
ATOM = "{http://www.w3.org/2005/Atom}"


def wait_until(predicate, timeout=15.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


# A subscriber: verification GETs and deliveries, as a real HTTP server sees them.


class Callback:
    def __init__(self, path="/callback"):
        self.path = path
        self.verifications, self.posts = [], []
        self.status = 200
        self.echo_challenge = True
        self.hold = None  # a threading.Event: the next POST waits for it before answering
        self.redirect_to = None
        callback = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                callback.verifications.append({"path": urlsplit(self.path).path, **query})
                body = query.get("hub.challenge", "").encode() if callback.echo_challenge else b"no"
                self.send_response(200 if callback.echo_challenge else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                post = {"at": time.time(), "path": self.path, "headers": dict(self.headers), "body": body, "acknowledged": False}
                callback.posts.append(post)
                hold, callback.hold = callback.hold, None
                if hold is not None:
                    hold.wait(30)
                if not self._hub_still_waiting():
                    return  # the sender is gone: this delivery was never acknowledged
                if callback.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", callback.redirect_to)
                else:
                    self.send_response(callback.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                post["acknowledged"] = 200 <= callback.status < 300 and not callback.redirect_to

            def _hub_still_waiting(self) -> bool:
                """A hub waiting for the answer keeps its connection open and silent; a dead one closed it."""
                sock = self.connection
                sock.setblocking(False)
                try:
                    return sock.recv(1, socket.MSG_PEEK) != b""
                except BlockingIOError:
                    return True
                except OSError:
                    return False
                finally:
                    sock.setblocking(True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}{self.path}"

    def acknowledged(self):
        return [post for post in self.posts if post["acknowledged"]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def callback():
    server = Callback()
    yield server
    if server.hold is not None:
        server.hold.set()
    server.close()


# The worker: `manage.py db_worker` on the test database.


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        assert not name.startswith(("file:", ":memory:")), "the worker needs a file database (tests/conftest.py)"
        return f"sqlite:///{name}"
    user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


WORKER_ENV = {
    "WEBSUB_ALLOW_PRIVATE_CALLBACKS": "True",
    "WEBSUB_TIMEOUT": "2",
    "WEBSUB_RETRY_SECONDS": "1",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
}


class Worker:
    def __init__(self, tmp_path, **env):
        self.env = {**os.environ, **WORKER_ENV, "DATABASE_URL": database_url(), **env}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.log = tmp_path / "worker.log"
        self.process = None

    def start(self):
        command = [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self):
        return self.log.read_text() if self.log.exists() else ""


@pytest.fixture
def worker_for(transactional_db, tmp_path):
    workers = []

    def make(**env):
        workers.append(Worker(tmp_path, **env))
        return workers[-1].start()

    yield make
    for worker in workers:
        worker.stop()


@pytest.fixture
def worker(worker_for):
    return worker_for()


@pytest.fixture
def private_allowed(settings):
    settings.WEBSUB_ALLOW_PRIVATE_CALLBACKS = True


def subscribe(client, callback, topic=TOPIC, **extra):
    data = {"hub.mode": "subscribe", "hub.topic": topic, "hub.callback": callback.url, **extra}
    return client.post("/hub/", data)


def subscribed(client, callback, topic=TOPIC, **extra) -> Subscription:
    response = subscribe(client, callback, topic, **extra)
    assert response.status_code == 202, response.content
    found = wait_until(lambda: Subscription.objects.filter(callback=callback.url, topic=topic).first())
    assert found, f"not verified; requests: {list(SubscriptionRequest.objects.values())}"
    return found


def signature_ok(secret: str, post) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), post["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(post["headers"].get("X-Hub-Signature", ""), expected)


# Discovery.


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["site", "author", "tag"])
def test_every_feed_advertises_the_hub_and_itself(client, kind):
    make_article("Advertised", author=make_author("Ada Writer"), tags=["Essays"])
    base = {"site": "/", "author": "/authors/ada-writer/", "tag": "/tags/essays/"}[kind]
    for path in (base + "feed/", base + "feed/atom/", base.rstrip("/") + "/feed.json" if kind != "site" else "/feed.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        self_url = "http://testserver" + path
        assert response["Link"] == f'<http://testserver/hub/>; rel="hub", <{self_url}>; rel="self"'
        if path.endswith(".json"):
            document = json.loads(response.content)
            assert document["hubs"] == [{"type": "WebSub", "url": "http://testserver/hub/"}]
            assert document["feed_url"] == self_url
            continue
        root = ElementTree.fromstring(response.content)
        links = root.iter(f"{ATOM}link")
        rels = {(link.get("rel"), link.get("href")) for link in links}
        assert ("hub", "http://testserver/hub/") in rels and ("self", self_url) in rels, path


# The hub endpoint: what it refuses, synchronously and storing nothing.


@pytest.mark.django_db
def test_bad_subscription_requests_are_refused_with_a_reason(client, private_allowed):
    make_article("Exists", author=make_author("Ada Writer"))
    callback = "http://127.0.0.1:9/cb"
    cases = [
        ({"hub.mode": "publish", "hub.topic": TOPIC, "hub.callback": callback}, "hub.mode"),
        ({"hub.mode": "subscribe", "hub.topic": "http://elsewhere.example/feed/", "hub.callback": callback}, "hub.topic"),
        ({"hub.mode": "subscribe", "hub.topic": "http://testserver/articles/exists/", "hub.callback": callback}, "hub.topic"),
        ({"hub.mode": "subscribe", "hub.topic": "http://testserver/authors/nobody/feed/", "hub.callback": callback}, "nobody"),
        ({"hub.mode": "subscribe", "hub.topic": TOPIC + "?x=1", "hub.callback": callback}, "query"),
        ({"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": "ftp://127.0.0.1/cb"}, "http"),
        ({"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": ""}, "hub.callback"),
        ({"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": callback, "hub.lease_seconds": "soon"}, "lease"),
        ({"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": callback, "hub.lease_seconds": "-5"}, "lease"),
        ({"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": callback, "hub.secret": "s" * 200}, "200 bytes"),
        ({"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": callback, "hub.secret": "é" * 100}, "200 bytes"),
    ]
    for data, reason in cases:
        response = client.post("/hub/", data)
        assert response.status_code == 400, data
        assert response["Content-Type"].startswith("text/plain")
        assert reason in response.content.decode(), (data, response.content)
    assert client.get("/hub/").status_code == 405
    assert not SubscriptionRequest.objects.exists()
    # 199 bytes is accepted.
    assert client.post("/hub/", {**cases[-1][0], "hub.secret": "s" * 199}).status_code == 202


@pytest.mark.django_db
def test_private_callbacks_are_refused_by_default(client, settings):
    assert settings.WEBSUB_ALLOW_PRIVATE_CALLBACKS is False
    for callback in ("http://127.0.0.1:8000/cb", "http://localhost/cb", "http://10.0.0.7/cb", "http://192.168.1.1/cb",
                     "http://169.254.169.254/latest/meta-data/", "http://[::1]/cb", "http://[::ffff:127.0.0.1]/cb",
                     "http://0.0.0.0/cb", "http://100.64.0.1/cb"):
        response = client.post("/hub/", {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.callback": callback})
        assert response.status_code == 400, callback
        assert "WEBSUB_ALLOW_PRIVATE_CALLBACKS" in response.content.decode(), callback
    assert not SubscriptionRequest.objects.exists()


def test_a_private_address_is_refused_at_delivery_time_too(client, callback, worker_for, settings):
    """The check is made again when sending: a subscription stored while private callbacks
    were allowed (or a name that now resolves to a private address) gets nothing."""
    settings.WEBSUB_ALLOW_PRIVATE_CALLBACKS = True
    allowing = worker_for()
    subscribed(client, callback)
    allowing.stop()
    worker_for(WEBSUB_ALLOW_PRIVATE_CALLBACKS="False")
    make_article("Not For Loopback")
    delivery = wait_until(lambda: Delivery.objects.filter(last_error__startswith="refused").first())
    assert delivery and "non-public address" in delivery.last_error
    assert callback.posts == []


# Verification of intent, lease, unsubscribe.


def test_subscription_is_verified_by_the_worker_with_a_challenge(client, callback, worker, private_allowed):
    response = subscribe(client, callback, **{"hub.lease_seconds": "86400", "hub.secret": "s3cret"})
    assert response.status_code == 202
    subscription = wait_until(lambda: Subscription.objects.filter(callback=callback.url).first())
    assert subscription, worker.output()
    [check] = callback.verifications
    assert check["hub.mode"] == "subscribe" and check["hub.topic"] == TOPIC and check["hub.lease_seconds"] == "86400"
    assert len(check["hub.challenge"]) >= 32
    assert subscription.is_live and subscription.lease_seconds == 86400
    assert abs((subscription.expires_at - timezone.now()).total_seconds() - 86400) < 60
    assert SubscriptionRequest.objects.get().secret == ""  # kept on the subscription only


def test_a_callback_that_does_not_echo_the_challenge_is_not_subscribed(client, callback, worker, private_allowed):
    callback.echo_challenge = False
    assert subscribe(client, callback).status_code == 202
    request = wait_until(lambda: SubscriptionRequest.objects.filter(status=Job.FAILED).first())
    assert request and "challenge" in request.last_error
    assert not Subscription.objects.exists()


def test_leases_are_bounded_and_expire(client, callback, worker, settings, private_allowed):
    settings.WEBSUB_MIN_LEASE_SECONDS, settings.WEBSUB_MAX_LEASE_SECONDS = 1, 3600
    subscription = subscribed(client, callback, **{"hub.lease_seconds": "999999"})
    assert subscription.lease_seconds == 3600  # the hub's maximum
    assert subscribe(client, callback, **{"hub.lease_seconds": "1"}).status_code == 202  # a renewal
    assert wait_until(lambda: Subscription.objects.get().lease_seconds == 1)
    time.sleep(1.5)
    make_article("After The Lease")
    assert wait_until(lambda: PublishEvent.objects.filter(status=Job.DONE).exists())
    time.sleep(1)
    assert callback.posts == []
    assert not Subscription.objects.exists()  # expired leases are cleared


def test_unsubscribe_stops_deliveries(client, callback, worker, private_allowed):
    subscribed(client, callback)
    response = client.post("/hub/", {"hub.mode": "unsubscribe", "hub.topic": TOPIC, "hub.callback": callback.url})
    assert response.status_code == 202
    assert wait_until(lambda: not Subscription.objects.exists()), worker.output()
    assert callback.verifications[-1]["hub.mode"] == "unsubscribe"
    make_article("Nobody Hears This")
    assert wait_until(lambda: PublishEvent.objects.filter(status=Job.DONE).exists())
    time.sleep(1)
    assert callback.posts == [] and not Delivery.objects.exists()


# Deliveries at the moment.


def test_a_scheduled_article_is_delivered_at_its_moment_signed_once(client, callback, worker, private_allowed):
    author, tag = make_author("Grace Hopper"), make_tag("Compilers")
    secret = "a subscriber's secret"
    subscribed(client, callback, **{"hub.secret": secret})
    atom = Callback("/atom")
    try:
        subscribed(client, atom, topic="http://testserver/tags/compilers/feed/atom/")
        article = make_article("Right On Time", author=author, tags=["Compilers"], publish_in=timedelta(seconds=3))
        moment = article.publish_date.timestamp()
        # Duplicate triggers: saves with the same date, and the event's task enqueued again.
        article.save()
        Article.objects.get(pk=article.pk).save()
        event = PublishEvent.objects.get(kind=PublishEvent.PUBLISHED)
        fire_event.enqueue(event.pk)
        fire_event.enqueue(event.pk)

        assert wait_until(lambda: callback.acknowledged() and atom.acknowledged(), timeout=20), worker.output()
        time.sleep(2)  # anything further would arrive now
        [post] = callback.posts
        [atom_post] = atom.posts
    finally:
        atom.close()
    latency = post["at"] - moment
    assert 0 <= latency < 3, latency  # not before the moment; within a few seconds of it, no page requested
    assert b"Right On Time" in post["body"]
    assert post["headers"]["Content-Type"].startswith("application/rss+xml")
    assert signature_ok(secret, post)
    assert not signature_ok("another secret", post)
    assert f'<{TOPIC}>; rel="self"' in post["headers"]["Link"] and 'rel="hub"' in post["headers"]["Link"]
    assert atom_post["headers"]["Content-Type"].startswith("application/atom+xml")
    assert b"Right On Time" in atom_post["body"] and "X-Hub-Signature" not in atom_post["headers"]
    event.refresh_from_db()
    assert event.status == Job.DONE and event.deliveries.count() == 2
    assert PublishEvent.objects.filter(kind=PublishEvent.PUBLISHED).count() == 1


def test_a_changed_date_reschedules_and_unpublishing_cancels(client, callback, worker, private_allowed):
    subscribed(client, callback)
    moved = make_article("Moved Later", publish_in=timedelta(seconds=2))
    dropped = make_article("Taken Back", publish_in=timedelta(seconds=2))
    moved.publish_date = timezone.now() + timedelta(seconds=5)
    moved.save()
    dropped.draft = True
    dropped.save()
    new_moment = moved.publish_date.timestamp()

    assert wait_until(callback.acknowledged, timeout=20), worker.output()
    time.sleep(2)
    [post] = callback.posts
    assert post["at"] >= new_moment and b"Moved Later" in post["body"] and b"Taken Back" not in post["body"]
    statuses = dict(PublishEvent.objects.filter(kind=PublishEvent.PUBLISHED).values_list("due_at", "status"))
    assert sorted(statuses.values()) == [Job.CANCELLED, Job.CANCELLED, Job.DONE]
    assert statuses[moved.publish_date] == Job.DONE


def test_deleting_a_scheduled_article_cancels_its_event(client, callback, worker, private_allowed):
    subscribed(client, callback)
    make_article("Deleted Before Its Moment", publish_in=timedelta(seconds=2)).delete()
    time.sleep(3.5)
    assert callback.posts == []
    assert PublishEvent.objects.get().status == Job.CANCELLED


def test_exactly_one_delivery_when_the_worker_is_killed_mid_delivery(client, callback, worker_for, private_allowed):
    first = worker_for()
    subscribed(client, callback)
    callback.hold = hold = threading.Event()  # the subscriber takes its time answering the first POST
    make_article("Survives A Crash", publish_in=timedelta(seconds=1))
    assert wait_until(lambda: callback.posts, timeout=15), first.output()
    first.kill()  # mid-delivery: the POST is out, its answer not yet read
    hold.set()
    worker_for()  # a new worker takes the delivery over once the dead one's claim runs out
    assert wait_until(callback.acknowledged, timeout=claim_seconds() + 15)
    time.sleep(3)
    assert len(callback.acknowledged()) == 1
    assert len({post["headers"]["X-Hub-Delivery"] for post in callback.posts}) == 1  # one delivery, sent again
    [delivery] = Delivery.objects.all()
    assert delivery.status == Job.DONE and delivery.attempts == 2
    assert PublishEvent.objects.get().status == Job.DONE


def test_failing_callbacks_are_retried_with_backoff_then_dropped(client, callback, worker, private_allowed):
    subscription = subscribed(client, callback)
    callback.status = 500
    make_article("Keeps Failing")
    assert wait_until(lambda: len(callback.posts) >= 3, timeout=20)
    gaps = [b["at"] - a["at"] for a, b in zip(callback.posts, callback.posts[1:])]
    assert gaps[1] > gaps[0] * 1.5, gaps  # 1 s, then 2 s: the wait doubles
    delivery = Delivery.objects.get()
    assert delivery.status == Job.PENDING and "answered 500" in delivery.last_error
    # Failing for longer than WEBSUB_DROP_AFTER_DAYS: the next failure drops the subscriber.
    Subscription.objects.filter(pk=subscription.pk).update(failing_since=timezone.now() - timedelta(days=4))
    assert wait_until(lambda: Subscription.objects.get().status == Subscription.DROPPED, timeout=20)
    delivery.refresh_from_db()
    assert delivery.status == Job.FAILED and delivery.last_error.startswith("given up")
    count = len(callback.posts)
    make_article("Not To The Dropped")
    assert wait_until(lambda: PublishEvent.objects.filter(status=Job.DONE).count() == 2)
    time.sleep(1)
    assert len(callback.posts) == count


def test_redirects_are_not_followed(client, callback, worker, private_allowed):
    subscribed(client, callback)
    target = Callback("/elsewhere")
    try:
        callback.redirect_to = target.url
        make_article("Redirected")
        delivery = wait_until(lambda: Delivery.objects.filter(response_status=302).first())
        assert delivery and "redirects are not followed" in delivery.last_error
        time.sleep(0.5)
        assert target.posts == []
    finally:
        target.close()


@pytest.mark.django_db
def test_imported_scheduled_articles_get_their_event_and_a_date_change_on_reimport_reschedules_it(tmp_path):
    from django.core.management import call_command

    from tests.factories import ARTICLE_TEXT

    def write(date):
        text = ARTICLE_TEXT.replace("publish_date: '2024-02-16'", f"publish_date: '{date}'")
        (tmp_path / "scheduled.md").write_text(text.replace("title: 'A Test Article: With a Colon'", "title: 'Imported'\nslug: 'imported'"))
        call_command("import_articles", str(tmp_path / "scheduled.md"), stdout=open(os.devnull, "w"))

    write("2999-01-02T10:00:00+00:00")
    write("2999-01-02T10:00:00+00:00")  # the same file again: unchanged, nothing new
    [event] = PublishEvent.objects.all()
    assert event.status == Job.PENDING and event.due_at.year == 2999
    write("2999-03-04T10:00:00+00:00")
    statuses = sorted(PublishEvent.objects.values_list("due_at__month", "status"))
    assert statuses == [(1, Job.CANCELLED), (3, Job.PENDING)]
    # A back catalogue announces nothing.
    (tmp_path / "old.md").write_text(ARTICLE_TEXT.replace("title: 'A Test Article: With a Colon'", "title: 'Old'\nslug: 'old'"))
    call_command("import_articles", str(tmp_path / "old.md"), stdout=open(os.devnull, "w"))
    assert PublishEvent.objects.count() == 2
