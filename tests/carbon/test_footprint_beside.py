"""The footprint page shows beside it the newest footprint of the other method that the user
may see — not the newest overall, hidden when out of scope. Footprints are scoped by site
(``ProductFootprint.scope``); ``ecs.latest`` prefers the footprint's own site and falls back
to the other sites, so the case arises when the model has no ECS score at the page's site."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from qdm.carbon.models import ProductFootprint
from qdm.carbon.views import footprint_context
from qdm.core.models import Grant, Site
from tests.carbon import builders as b
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db


def _footprint(model, site: Site, method: str, per_kwp: float, days_ago: int, lib):
    return ProductFootprint.objects.create(
        module_model=model, site=site, method=method, method_version="TEST-1", library=lib,
        basis="cradle-to-gate", per_module_kg=per_kwp * 0.4, per_kwp_kg=per_kwp,
        computed_at=timezone.now() - dt.timedelta(days=days_ago),
    )  # fmt: skip


def _setup(world: World):
    site_c = Site.objects.create(
        code="SC", name="丙基地", name_en="Site C", business_unit=world.site_a.business_unit,
        country="CN", timezone="Asia/Shanghai", stages=["module"],
    )  # fmt: skip
    lib, model = b.library(), b.module_model()
    iso = _footprint(model, world.site_a, "iso14067", 500.0, 1, lib)
    older = _footprint(model, world.site_b, "ecs", 430.0, 20, lib)  # visible to eng_ab
    newest = _footprint(model, site_c, "ecs", 470.0, 2, lib)  # site C: outside eng_ab's grants
    eng_ab = make_user("eng_ab", "quality_engineer", site=world.site_a)
    Grant.objects.create(
        user=eng_ab, role=Group.objects.get(name="quality_engineer"), site=world.site_b
    )
    return iso, older, newest, eng_ab


def test_the_newest_visible_other_method_is_shown(world: World) -> None:
    iso, older, newest, eng_ab = _setup(world)
    context = footprint_context(iso, eng_ab)
    assert context["iso"] == iso
    assert context["ecs"] == older  # the newest (site C) is out of scope: the older one
    # a user who sees every site gets the newest
    assert footprint_context(iso, world.user("cqo"))["ecs"] == newest
    # the other direction: the ECS page of site B shows the ISO footprint of site A
    assert footprint_context(older, eng_ab)["iso"] == iso


def test_the_page_shows_the_visible_score(world: World) -> None:
    iso, _older, _newest, eng_ab = _setup(world)
    client = Client()
    client.force_login(eng_ab)
    page = client.get(iso.get_absolute_url()).content.decode()
    assert 'data-testid="ecs-value">430<' in page
    client.force_login(world.user("cqo"))
    page = client.get(iso.get_absolute_url()).content.decode()
    assert 'data-testid="ecs-value">470<' in page


def test_nothing_beside_when_no_other_method_is_visible(world: World) -> None:
    iso, older, newest, _eng_ab = _setup(world)
    # eng_a sees site A only: both ECS scores are at other sites
    assert footprint_context(iso, world.user("eng_a"))["ecs"] is None
    assert ProductFootprint.objects.filter(pk__in=[older.pk, newest.pk]).count() == 2
