"""A password guesser is throttled at /admin/login/, without locking the editor out elsewhere."""

import pytest
from django.core.management import call_command
from django.test import Client

from tests.staff import make_staff

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"
RIGHT = "pass-word-123"  # tests/staff.py


def attempt(client, username, password, address="203.0.113.7", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address, **headers
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_forty_wrong_passwords_then_the_right_one_does_not_log_in(client):
    make_staff("Editor")
    answers = [attempt(client, "editor", f"guess-{n}").status_code for n in range(40)]
    assert answers[:4] == [200] * 4  # the login form again, with its error
    assert set(answers[5:]) == {429}
    response = attempt(client, "editor", RIGHT)
    assert not logged_in(response) and response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page and "axes_reset_username editor" in page
    assert client.get("/admin/").status_code == 302  # still not logged in


def test_a_guesser_cannot_lock_the_editor_out_from_their_own_address(client):
    make_staff("Editor")
    make_staff("Contributor")
    for n in range(10):
        attempt(client, "editor", f"guess-{n}", address="198.51.100.66")
    assert attempt(client, "editor", RIGHT, address="198.51.100.66").status_code == 429
    assert logged_in(attempt(Client(), "editor", RIGHT, address="192.0.2.10"))  # the editor, elsewhere
    assert logged_in(attempt(Client(), "contributor", RIGHT, address="198.51.100.66"))  # others, same address


def test_a_successful_login_clears_the_count(client):
    make_staff("Editor")
    for n in range(4):
        attempt(client, "editor", f"typo-{n}")
    assert logged_in(attempt(client, "editor", RIGHT))
    client.logout()
    for n in range(4):
        assert attempt(client, "editor", f"typo-again-{n}").status_code == 200
    assert logged_in(attempt(client, "editor", RIGHT))


def test_the_documented_command_unlocks_an_account(client):
    make_staff("Editor")
    for n in range(6):
        attempt(client, "editor", f"guess-{n}")
    assert attempt(client, "editor", RIGHT).status_code == 429
    call_command("axes_reset_username", "editor")
    assert logged_in(attempt(client, "editor", RIGHT))


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, settings):
    """Every request comes from the proxy; the client's own entry is the last in X-Forwarded-For,
    and what a client writes before it is ignored (it cannot dodge nor frame another address)."""
    settings.BEHIND_PROXY = True
    make_staff("Editor")
    for n in range(6):
        spoofed = f"10.9.{n}.1, 198.51.100.66"
        attempt(client, "editor", f"guess-{n}", address="127.0.0.1", HTTP_X_FORWARDED_FOR=spoofed)
    blocked = attempt(client, "editor", RIGHT, address="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.66")
    assert blocked.status_code == 429
    allowed = attempt(Client(), "editor", RIGHT, address="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert logged_in(allowed)
