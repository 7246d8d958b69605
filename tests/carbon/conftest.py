from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from qdm.core.models import Grant
from tests.personas import World, make_world


@pytest.fixture
def world(db: None) -> World:
    """The standard personas, with eng_a also a carbon analyst at site A (site-scoped
    add/change/delete of activity data; eng_b keeps view-only on carbon)."""
    world = make_world()
    Grant.objects.create(
        user=world.user("eng_a"), role=Group.objects.get(name="carbon_analyst"), site=world.site_a
    )
    return world
