"""Custom permission actions (``Meta.permissions``) are scoped like view/add/change/delete:
``has_perm(perm, obj)`` and ``for_user(user, action)`` need a grant holding the permission
whose scope covers the object; an action the model does not declare is a clear error."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.http import Http404

from qdm.core.querysets import action_of, model_actions, scope_filter
from qdm.core.roles import role_permissions
from qdm.core.views.generic import get_scoped_object
from qdm.supplier.models import ScarRequest, SupplierProfile
from tests.personas import World, make_user
from tests.supplier.builders import judge, receive, setup_iqc, sqe
from tests.supplier.test_scar import ANSWER

pytestmark = pytest.mark.django_db


@pytest.fixture
def scar(world: World) -> ScarRequest:
    """A SCAR to supplier X raised at site A (scope: site A, supplier X)."""
    from qdm.supplier.services.scar import raise_scar_for_receipt

    setup_iqc(world)
    receipt = judge(world, receive(world), bad=2)
    return raise_scar_for_receipt(receipt, actor=sqe(world))


def test_models_list_their_declared_custom_actions() -> None:
    assert model_actions(ScarRequest) == ("view", "add", "change", "delete", "respond", "review")
    assert action_of("supplier.approve_supplierprofile", SupplierProfile) == "approve"
    assert action_of("supplier.change_supplierprofile", SupplierProfile) == "change"


def test_custom_action_inside_the_grant_scope_is_allowed(world: World, scar: ScarRequest) -> None:
    own = world.user("supplier_x")  # supplier_user of supplier X: holds respond_scarrequest
    assert own.has_perm("supplier.respond_scarrequest", scar)
    assert list(ScarRequest.objects.for_user(own, "respond")) == [scar]
    assert get_scoped_object(ScarRequest, own, "respond", scar.pk) == scar
    site_a_sqe = make_user("sqe_a", "supplier_quality_engineer", site=world.site_a)
    assert site_a_sqe.has_perm("supplier.review_scarrequest", scar)


def test_custom_action_outside_the_grant_scope_is_denied(world: World, scar: ScarRequest) -> None:
    other = make_user("supplier_y", "supplier_user", supplier=world.supplier_y)
    assert other.has_perm("supplier.respond_scarrequest")  # holds it, but for supplier Y
    assert not other.has_perm("supplier.respond_scarrequest", scar)
    assert ScarRequest.objects.for_user(other, "respond").count() == 0
    with pytest.raises(Http404):  # a view reading through the custom action answers 404
        get_scoped_object(ScarRequest, other, "respond", scar.pk)
    site_b_sqe = make_user("sqe_b", "supplier_quality_engineer", site=world.site_b)
    assert site_b_sqe.has_perm("supplier.view_scarrequest", scar) is False
    assert not site_b_sqe.has_perm("supplier.review_scarrequest", scar)
    # an engineer who may see the SCAR but lacks the custom permission
    assert world.user("eng_a").has_perm("supplier.view_scarrequest", scar)
    assert not world.user("eng_a").has_perm("supplier.respond_scarrequest", scar)


def test_the_supplier_view_refuses_an_answer_from_another_supplier(
    world: World, scar: ScarRequest, client
) -> None:
    other = make_user("supplier_y", "supplier_user", supplier=world.supplier_y)
    client.force_login(other)
    data = {**ANSWER, "why_1": "a", "why_2": "b", "why_3": "c"}
    response = client.post(f"/supplier/scars/{scar.pk}/answer/", data)
    assert response.status_code == 404
    scar.refresh_from_db()
    assert scar.response_status == "awaiting" and scar.capa.actions.count() == 0


def test_unknown_action_is_a_clear_error(world: World, scar: ScarRequest) -> None:
    with pytest.raises(ValueError, match=r"unknown action 'approve' for supplier\.scarrequest"):
        scope_filter(ScarRequest, world.user("supplier_x"), "approve")
    with pytest.raises(ValueError, match="respond"):  # names the actions it does accept
        ScarRequest.objects.for_user(world.user("supplier_x"), "frobnicate")
    # a custom permission checked on an object of a model that does not declare it
    profile = SupplierProfile.objects.get(supplier=world.supplier_x)
    with pytest.raises(ValueError, match=r"unknown action 'respond' for supplier\.supplierprofile"):
        world.user("supplier_x").has_perm("supplier.respond_scarrequest", profile)


def test_roles_grant_custom_actions_by_name() -> None:
    perms = list(
        Permission.objects.filter(content_type__app_label="supplier").values_list(
            "content_type__app_label", "content_type__model", "codename", "pk"
        )
    )
    by_pk = {pk: codename for _app, _model, codename, pk in perms}
    supplier_user = {by_pk[p] for p in role_permissions("supplier_user", perms)}
    assert "respond_scarrequest" in supplier_user
    assert "review_scarrequest" not in supplier_user
    assert "approve_supplierprofile" not in supplier_user
    sqe_role = {by_pk[p] for p in role_permissions("supplier_quality_engineer", perms)}
    assert {"approve_supplierprofile", "approve_switchingstate", "review_scarrequest"} <= sqe_role
