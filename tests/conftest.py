from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.personas import World, make_world


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def client_for(world: World):
    """A logged-in browser client for a persona."""

    def make(persona: str) -> Client:
        client = Client()
        client.force_login(world.user(persona))
        return client

    return make


@pytest.fixture
def api_for(world: World):
    """A token-authenticated API client for a persona."""
    from rest_framework.authtoken.models import Token

    def make(persona: str) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=world.user(persona))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def pytest_configure(config: pytest.Config) -> None:
    """Compile the translation catalogue when it is missing or older than its source, so a
    plain ``pytest`` run sees the same Chinese pages as ``make test``."""
    from pathlib import Path

    import polib

    locale = Path(__file__).resolve().parent.parent / "src" / "qdm" / "locale"
    for po_path in locale.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
