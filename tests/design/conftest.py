from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from qdm.core.models import Grant
from tests.personas import World, make_world


@pytest.fixture
def world(db: None) -> World:
    """The standard personas, with eng_a also a design engineer at site A (so site-scoped
    add/change/delete of FMEAs is exercised; eng_b keeps view-only on design)."""
    world = make_world()
    Grant.objects.create(
        user=world.user("eng_a"), role=Group.objects.get(name="design_engineer"), site=world.site_a
    )
    return world
