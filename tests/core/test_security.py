"""Security settings that must not regress: Argon2, lockout, CSP, cookies, request id."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def test_argon2_is_the_production_hasher() -> None:
    # tests put a fast hasher first; production settings put Argon2 first
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in settings.PASSWORD_HASHERS
    from django.contrib.auth.hashers import make_password

    assert make_password("x", hasher="argon2").startswith("argon2$")
    from qdm import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[1].endswith("Argon2PasswordHasher")


def test_repeated_failed_logins_lock_the_account(world) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "eng_a", "password": "wrong"})
    response = client.post("/login/", {"username": "eng_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "locked" in response.content.decode().lower()
    assert "_auth_user_id" not in client.session


def test_pages_send_security_headers(world, client_for) -> None:
    response = client_for("eng_a").get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy  # no inline script anywhere
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(response["X-Request-ID"]) == 32


def test_session_cookie_is_http_only(world) -> None:
    response = Client().post("/login/", {"username": "eng_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"


def test_login_is_required_everywhere(world) -> None:
    for url in ("/", "/kernel/lines/", "/system/nonconformities/", "/data/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_csrf_is_enforced(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("eng_a"))
    response = client.post("/kernel/language/", {"language": "en"})
    assert response.status_code == 403
