"""``permitted_site_ids``: the kernel's one reading of "the sites where a user holds a
permission", shared by ingestion, quality costs, carbon activity and the NC desk."""

from __future__ import annotations

import pytest

from qdm.core.querysets import clear_grant_cache, permitted_site_ids
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db

PERM = "system.view_nonconformity"


def test_site_grant_gives_its_site_only(world: World) -> None:
    assert permitted_site_ids(world.user("eng_a"), PERM) == {world.site_a.pk}
    assert permitted_site_ids(world.user("eng_b"), PERM) == {world.site_b.pk}


def test_group_wide_grant_and_superuser_mean_every_site(world: World) -> None:
    assert permitted_site_ids(world.user("cqo"), PERM) is None
    boss = make_user("boss")
    boss.is_superuser = True
    boss.save()
    assert permitted_site_ids(boss, PERM) is None


def test_external_inactive_and_ungranted_users_get_no_site(world: World) -> None:
    assert permitted_site_ids(world.user("supplier_x"), PERM) == set()
    assert permitted_site_ids(world.user("outsider"), PERM) == set()
    eng = world.user("eng_a")
    eng.is_active = False
    eng.save()
    clear_grant_cache(eng)
    assert permitted_site_ids(eng, PERM) == set()


def test_a_permission_the_role_lacks_gives_no_site(world: World) -> None:
    assert permitted_site_ids(world.user("eng_a"), "core.delete_site") == set()
