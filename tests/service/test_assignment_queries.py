"""``assignable_users`` answers in a fixed number of queries and lists exactly the users the
per-user check (``_may_handle``: ``has_perm`` + ``Complaint.objects.for_user(user,
"change")``) accepts: group-wide, site-scoped and in-customer engineers; not the inactive,
the wrong role, another customer's or a supplier-scoped engineer."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qdm.core.models import Customer, Grant, User
from qdm.service.services.assignment import ASSIGNABLE_ROLES, _may_handle, assignable_users
from tests.personas import World, make_user
from tests.service.builders import make_complaint

pytestmark = pytest.mark.django_db


def _per_user(complaint) -> list[str]:
    """The reference: the former implementation, one ``_may_handle`` per candidate."""
    candidates = (
        User.objects.filter(is_active=True, grants__role__name__in=ASSIGNABLE_ROLES)
        .distinct()
        .order_by("username")
    )
    return [u.username for u in candidates if _may_handle(u, complaint)]


def _fixture(world: World) -> Customer:
    other = Customer.objects.create(code="CUS-D", name="D客户", name_en="Customer D", country="ES")
    make_user("cse", "customer_service_engineer")  # group-wide
    make_user("cse_c", "customer_service_engineer", customer=world.customer_c)
    make_user("cse_d", "customer_service_engineer", customer=other)
    make_user("qe_x", "quality_engineer", supplier=world.supplier_x)  # reaches no complaint
    sleeper = make_user("sleeper", "customer_service_engineer")
    User.objects.filter(pk=sleeper.pk).update(is_active=False)
    make_user("viewer", "viewer")  # wrong role
    make_user("portal", "customer_user", customer=world.customer_c)  # wrong role
    # the assignable role at customer D, the permission from a site grant of another role
    mixed = make_user("mixed", "customer_service_engineer", customer=other)
    Grant.objects.create(
        user=mixed, role=Group.objects.get(name="site_quality_manager"), site=world.site_b
    )
    root = make_user("root", "quality_engineer", supplier=world.supplier_x)
    User.objects.filter(pk=root.pk).update(is_superuser=True)
    return other


def test_same_users_as_the_per_user_check(world: World) -> None:
    other = _fixture(world)
    complaint_c = make_complaint(world)
    complaint_d = make_complaint(world, customer=other)
    names_c = [u.username for u in assignable_users(complaint_c)]
    names_d = [u.username for u in assignable_users(complaint_d)]
    # expected by the scoping rules of qdm.core.querysets (Complaint.scope: customer only)
    assert names_c == ["cse", "cse_c", "eng_a", "eng_b", "mixed", "root"]
    assert names_d == ["cse", "cse_d", "eng_a", "eng_b", "mixed", "root"]
    assert names_c == _per_user(complaint_c)
    assert names_d == _per_user(complaint_d)


def test_query_count_does_not_grow_with_the_candidates(world: World) -> None:
    complaint = make_complaint(world)
    # eng_a and eng_b are the two candidates of the personas
    with CaptureQueriesContext(connection) as few:
        two = assignable_users(complaint)
    assert len(two) == 2
    for k in range(6):
        make_user(f"cse{k}", "customer_service_engineer", customer=world.customer_c)
    with CaptureQueriesContext(connection) as many:
        eight = assignable_users(complaint)
    assert len(eight) == 8
    # the complaint's customer, then the users: two queries for 2 or 8 candidates
    assert len(many.captured_queries) == len(few.captured_queries) == 2
