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
