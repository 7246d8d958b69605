"""``users_with_access`` turns scoping round ("who may act on this row?") and must agree
with ``for_user`` ("which rows may this user act on?") for every kind of scope."""

from __future__ import annotations

import pytest

from qdm.core.models import Customer, Grant, Line, NotificationChannel, Site, Supplier, User
from qdm.core.querysets import users_with_access
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db


def by_for_user(model, action: str, obj) -> set[str]:
    return {
        u.username
        for u in User.objects.all()
        if model.objects.for_user(u, action).filter(pk=obj.pk).exists()
    }


def by_access(model, action: str, obj) -> set[str]:
    return set(users_with_access(model, action, obj).values_list("username", flat=True))


@pytest.fixture
def people(world: World) -> World:
    make_user("cust_c", "customer_user", customer=world.customer_c)
    make_user("sqm_b", "site_quality_manager", site=world.site_b)
    make_user("admin", "administrator")
    boss = make_user("root")
    boss.is_superuser = True
    boss.save()
    gone = make_user("gone", "chief_quality_officer")
    gone.is_active = False
    gone.save()
    return world


def test_it_agrees_with_for_user_on_every_kind_of_scope(people: World) -> None:
    w = people
    group_channel = NotificationChannel.objects.create(name="集团", kind="email", email_to="q@x.cn")
    site_channel = NotificationChannel.objects.create(
        name="B", kind="email", email_to="b@x.cn", site=w.site_b
    )
    cases = [
        (Site, w.site_a),  # the row is the site
        (Line, w.line_b),  # a path to the site
        (Supplier, w.supplier_x),  # the row is the supplier
        (Customer, w.customer_c),  # the row is the customer
        (NotificationChannel, group_channel),  # site path, empty
        (NotificationChannel, site_channel),
        (Grant, Grant.objects.get(user__username="supplier_x")),  # all three paths
    ]
    for model, obj in cases:
        for action in ("view", "change", "delete"):
            expected = by_for_user(model, action, obj)
            assert by_access(model, action, obj) == expected, (model.__name__, action)


def test_the_expected_people_for_a_site_row(people: World) -> None:
    # eng_b (quality engineer at B) may change lines at B; eng_a may not; the supplier,
    # customer and outsider may not; the site quality manager at B, the administrator and
    # the superuser may; an inactive user never
    assert by_access(Line, "change", people.line_b) == {"eng_b", "sqm_b", "admin", "root"}
    assert by_access(Supplier, "view", people.supplier_x) >= {"supplier_x", "eng_a", "cqo"}
    assert "supplier_x" not in by_access(Supplier, "view", people.supplier_y)
    assert "gone" not in by_access(Site, "view", people.site_a)
