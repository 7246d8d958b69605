"""CAPA / SCAR / 8D: numbering, guards, the NC → 8D → closure journey (services and API),
the closed-record lock, escalation of overdue actions and the 8D export."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models.deletion import ProtectedError
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from qdm.core.models import DomainEvent, ElectronicSignature, Notification
from qdm.core.workflow import TransitionError, transition
from qdm.system.exports import eightd_workbook
from qdm.system.models import CapaAction, EightD, RootCause, TeamMember, Verification
from qdm.system.services.capa import (
    CapaLocked,
    escalate_overdue_actions,
    open_capa_from_nc,
    update_capa,
)
from tests.personas import PASSWORD, World, make_user
from tests.system.builders import (
    action,
    add_part,
    evidence,
    make_capa,
    make_nc,
    ready_to_close,
)

pytestmark = pytest.mark.django_db


def state(capa: EightD) -> str:
    return EightD.objects.values_list("status", flat=True).get(pk=capa.pk)


def test_numbers_per_kind_site_and_year(world: World) -> None:
    year = timezone.now().year
    first = make_capa(world, "A")
    scar = make_capa(world, "A", kind="scar", supplier=world.supplier_x)
    eight_d = make_capa(world, "A", kind="8d", customer=world.customer_c)
    second = make_capa(world, "A")
    other = make_capa(world, "B")
    assert first.number == f"CAPA-SA-{year}-00001"
    assert second.number == f"CAPA-SA-{year}-00002"
    assert scar.number == f"SCAR-SA-{year}-00001"
    assert eight_d.number == f"8D-SA-{year}-00001"
    assert other.number == f"CAPA-SB-{year}-00001"


def test_scar_needs_supplier_and_8d_needs_customer(world: World) -> None:
    before = EightD.objects.count()
    with pytest.raises(ValidationError) as exc:
        make_capa(world, "A", kind="scar")
    assert "supplier" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_capa(world, "A", kind="8d")
    assert "customer" in exc.value.message_dict
    assert EightD.objects.count() == before


def test_open_from_nc_carries_the_problem_over(world: World) -> None:
    nc = make_nc(world, "A", supplier=world.supplier_x, quantity=1200, item="3.2 mm glass")
    capa = open_capa_from_nc(nc, actor=world.user("eng_a"))
    assert capa.kind == "scar"
    assert capa.supplier == world.supplier_x
    assert capa.site == world.site_a
    assert capa.problem_what == nc.description
    assert capa.problem_how_many == "1200"
    assert list(capa.nonconformities.all()) == [nc]
    customer_nc = make_nc(world, "A", source="customer")
    with pytest.raises(ValidationError):
        open_capa_from_nc(customer_nc, actor=world.user("eng_a"))  # an 8D needs the customer
    eight_d = open_capa_from_nc(customer_nc, actor=world.user("eng_a"), customer=world.customer_c)
    assert eight_d.number.startswith("8D-SA-")


def assert_refused(capa: EightD, act: str, actor: Any, code: str, text: str = "", **kw: Any):
    before_state = state(capa)
    events = DomainEvent.objects.count()
    signatures = ElectronicSignature.objects.count()
    with pytest.raises(TransitionError) as exc:
        transition(capa, act, actor=actor, **kw)
    assert exc.value.code == code
    assert text in str(exc.value.message)
    assert state(capa) == before_state
    assert DomainEvent.objects.count() == events
    assert ElectronicSignature.objects.count() == signatures


def test_containment_guard_names_what_is_missing(world: World) -> None:
    eng = world.user("eng_a")
    capa = make_capa(world, "A", champion=None)
    assert_refused(capa, "contain", eng, "guard_failed", "champion")
    EightD.objects.filter(pk=capa.pk).update(champion=eng)
    capa.refresh_from_db()
    assert_refused(capa, "contain", eng, "guard_failed", "team member")
    add_part(capa, TeamMember, user=world.user("cqo"))
    assert_refused(capa, "contain", eng, "guard_failed", "Describe the problem")
    update_capa(capa, actor=eng, problem_what="Glass thin")
    assert_refused(capa, "contain", eng, "guard_failed", "containment action")
    action(capa, "d3", eng)
    transition(capa, "contain", actor=eng)
    assert state(capa) == "contained"


def test_d5_cannot_be_approved_without_a_root_cause(world: World) -> None:
    eng = world.user("eng_a")
    capa = make_capa(world, "A", problem_what="Glass thin")
    add_part(capa, TeamMember, user=world.user("cqo"))
    action(capa, "d3", eng)
    transition(capa, "contain", actor=eng)
    action(capa, "d5", eng)
    kw = {"password": PASSWORD, "reason": "D5"}
    assert_refused(capa, "approve_d5", eng, "guard_failed", "without a root cause", **kw)
    # an escape cause alone is not the root cause of the occurrence
    add_part(capa, RootCause, cause_type="escape", category="measurement", statement="Gauge")
    assert_refused(capa, "approve_d5", eng, "guard_failed", "without a root cause", **kw)
    add_part(capa, RootCause, category="machine", statement="Line speed drift")
    assert_refused(capa, "approve_d5", eng, "signature_password", password="nope", reason="D5")
    assert_refused(capa, "approve_d5", eng, "signature_reason", password=PASSWORD, reason=" ")
    transition(capa, "approve_d5", actor=eng, **kw)
    assert state(capa) == "approved"
    assert ElectronicSignature.objects.filter(object_id=str(capa.pk), action="approve_d5").exists()


def test_implementation_needs_every_corrective_action_done(world: World) -> None:
    eng = world.user("eng_a")
    capa = make_capa(world, "A")
    EightD.objects.filter(pk=capa.pk).update(status="approved")
    capa.refresh_from_db()
    first = action(capa, "d5", eng)
    action(capa, "d5", eng)
    CapaAction.objects.filter(pk=first.pk).update(status="done")
    assert_refused(capa, "implement", eng, "guard_failed", "1 permanent corrective")
    CapaAction.objects.filter(capa=capa).update(status="done")
    transition(capa, "implement", actor=eng)
    assert state(capa) == "implemented"


def test_closure_needs_effective_verification_with_evidence(world: World) -> None:
    capa, closer = ready_to_close(world)
    Verification.objects.filter(capa=capa).update(effective=False)
    kw = {"password": PASSWORD, "reason": "verified"}
    assert_refused(capa, "close", closer, "guard_failed", "evidence", **kw)
    Verification.objects.filter(capa=capa).update(effective=True)
    bare = add_part(capa, Verification, method="m", result="r", effective=True, verified_by=closer)
    Verification.objects.exclude(pk=bare.pk).filter(capa=capa).delete()
    assert_refused(capa, "close", closer, "guard_failed", "evidence", **kw)
    evidence(bare, closer)
    transition(capa, "close", actor=closer, **kw)
    assert state(capa) == "closed"


def test_closure_signature_must_not_be_the_champion(world: World) -> None:
    capa, closer = ready_to_close(world)
    kw = {"password": PASSWORD, "reason": "verified"}
    assert_refused(capa, "close", capa.champion, "guard_failed", "champion", **kw)
    assert_refused(capa, "close", closer, "signature_password", password="bad", reason="x")
    assert_refused(capa, "close", world.user("eng_b"), "permission_denied", **kw)
    transition(capa, "close", actor=closer, **kw)
    capa.refresh_from_db()
    assert capa.status == "closed" and capa.closed_at is not None
    signature = ElectronicSignature.objects.get(object_id=str(capa.pk), action="close")
    assert signature.signer == closer


def test_out_of_order_transition_is_refused(world: World) -> None:
    capa = make_capa(world, "A")
    kw = {"password": PASSWORD, "reason": "x"}
    assert_refused(capa, "close", world.user("cqo"), "transition_not_allowed", **kw)
    assert_refused(capa, "approve_d5", world.user("eng_a"), "transition_not_allowed", **kw)
    assert_refused(capa, "contain", world.user("outsider"), "permission_denied")
    assert_refused(capa, "contain", world.user("eng_b"), "permission_denied")  # other site


def test_a_closed_capa_cannot_be_edited(world: World, client_for, api_for) -> None:
    capa, closer = ready_to_close(world)
    transition(capa, "close", actor=closer, password=PASSWORD, reason="ok")
    capa.refresh_from_db()
    with pytest.raises(CapaLocked):
        update_capa(capa, actor=closer, title="changed")
    cause = RootCause.objects.filter(capa=capa).first()
    with pytest.raises(CapaLocked):
        add_part(capa, TeamMember, user=world.user("cqo"))
    response = api_for("eng_a").patch(f"/api/v1/system/capas/{capa.pk}/", {"title": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "capa_locked"
    response = api_for("eng_a").patch(
        f"/api/v1/system/capa-root-causes/{cause.pk}/", {"statement": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "capa_locked"
    page = client_for("eng_a").post(
        f"/system/capas-and-8ds/{capa.pk}/edit/",
        {"kind": "capa", "site": world.site_a.pk, "title": "changed"},
    )
    assert page.status_code == 400
    assert "can no longer be changed" in page.content.decode()
    manager = APIClient()
    manager.force_authenticate(make_user("sqm_a", "site_quality_manager", site=world.site_a))
    deleted = manager.delete(f"/api/v1/system/capa-root-causes/{cause.pk}/")
    assert deleted.status_code == 409, deleted.json()
    with pytest.raises(ProtectedError):
        cause.delete()
    capa.refresh_from_db()
    assert capa.title == "Glass thickness at A"
    assert RootCause.objects.filter(pk=cause.pk, statement=cause.statement).exists()
    assert not TeamMember.objects.filter(capa=capa, user=world.user("cqo")).exists()


def test_journey_nc_to_closed_8d_through_the_api(world: World, api_for) -> None:
    eng, closer_api = api_for("eng_a"), api_for("cqo")
    nc = make_nc(world, "A", source="customer")
    opened = eng.post(
        f"/api/v1/system/nonconformities/{nc.pk}/open-capa/",
        {"kind": "8d", "customer": world.customer_c.pk},
        format="json",
    )
    assert opened.status_code == 201, opened.json()
    capa_id = opened.json()["id"]
    assert opened.json()["number"].startswith("8D-SA-")
    assert opened.json()["nonconformities"] == [nc.pk]
    base = "/api/v1/system"

    def post(path: str, data: dict[str, Any], client: Any = eng) -> Any:
        response = client.post(f"{base}/{path}/", data, format="json")
        assert response.status_code in (200, 201), (path, response.json())
        return response.json()

    def move(act: str, client: Any = eng, **extra: Any) -> Any:
        return client.post(
            f"{base}/capas/{capa_id}/transition/", {"action": act, **extra}, format="json"
        )

    refused = move("contain")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "guard_failed"
    eng.patch(f"{base}/capas/{capa_id}/", {"problem_what": "Hot spot > 20 K"}, format="json")
    post("capa-team-members", {"capa": capa_id, "user": world.user("cqo").pk, "role": "leader"})
    owner = world.user("eng_a").pk
    post(
        "capa-actions",
        {
            "capa": capa_id,
            "discipline": "d3",
            "description": "Sort stock",
            "owner": owner,
            "due_date": "2026-03-01",
        },
    )
    assert move("contain").json()["status"] == "contained"
    d5 = {"act": "approve_d5", "password": PASSWORD, "reason": "agreed"}
    assert move(**d5).json()["error"]["code"] == "guard_failed"
    cause = post(
        "capa-root-causes",
        {"capa": capa_id, "category": "material", "statement": "Cell crack from stringer"},
    )
    pca = post(
        "capa-actions",
        {
            "capa": capa_id,
            "discipline": "d5",
            "description": "Stringer tension control",
            "owner": owner,
            "due_date": "2026-03-10",
            "root_cause": cause["id"],
        },
    )
    assert move(**d5).json()["status"] == "approved"
    eng.patch(f"{base}/capa-actions/{pca['id']}/", {"status": "done"}, format="json")
    assert move("implement").json()["status"] == "implemented"
    verification = post(
        "capa-verifications",
        {
            "capa": capa_id,
            "method": "EL on 3 months of output",
            "result": "no cracks",
            "effective": True,
            "verified_by": owner,
        },
    )
    close = {"act": "close", "password": PASSWORD, "reason": "effective"}
    assert move(client=closer_api, **close).json()["error"]["code"] == "guard_failed"
    evidence(Verification.objects.get(pk=verification["id"]), world.user("eng_a"))
    assert move(**close).json()["error"]["code"] == "guard_failed"  # eng_a is the champion
    done = move(client=closer_api, **close)
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "closed"
    assert done.json()["closed_at"]


def test_escalation_with_a_frozen_clock(world: World) -> None:
    tz = datetime.UTC
    owner = world.user("eng_a")
    manager = make_user("boss_a", "quality_engineer", site=world.site_a)
    fallback = make_user("sqm_fallback", "site_quality_manager", site=world.site_a)
    capa = make_capa(world, "A")
    late = action(capa, "d5", owner, manager=manager, description="Late PCA")
    done = action(capa, "d5", owner, status="done")
    no_manager = action(capa, "d3", owner, description="Nobody's boss named")
    Notification.objects.all().delete()

    def inbox(user: Any) -> list[str]:
        return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))

    assert escalate_overdue_actions(datetime.datetime(2026, 3, 1, 12, tzinfo=tz)) == []
    first = escalate_overdue_actions(datetime.datetime(2026, 3, 2, 1, tzinfo=tz))
    assert {(e.action.pk, e.level) for e in first} == {(late.pk, 1), (no_manager.pk, 1)}
    assert len(inbox(owner)) == 2 and "Overdue by 1 day" in inbox(owner)[0]
    assert inbox(manager) == []
    assert escalate_overdue_actions(datetime.datetime(2026, 3, 3, tzinfo=tz)) == []
    assert escalate_overdue_actions(datetime.datetime(2026, 3, 4, 23, tzinfo=tz)) == []
    second = escalate_overdue_actions(datetime.datetime(2026, 3, 5, 2, tzinfo=tz))
    assert {(e.action.pk, e.level) for e in second} == {(late.pk, 2), (no_manager.pk, 2)}
    assert len(inbox(manager)) == 1 and "Late" not in inbox(manager)[0]
    assert capa.number in inbox(manager)[0]
    assert len(inbox(fallback)) == 1  # no manager named: the site quality managers
    assert escalate_overdue_actions(datetime.datetime(2026, 4, 1, tzinfo=tz)) == []
    assert len(inbox(owner)) == 2
    done.refresh_from_db()
    assert done.escalation_level == 0
    late.refresh_from_db()
    assert late.escalation_level == 2 and late.escalated_at.day == 5


def test_escalate_command(world: World, capsys) -> None:
    capa = make_capa(world, "A")
    action(capa, "d3", world.user("eng_a"), due_date=timezone.localdate() - datetime.timedelta(2))
    call_command("capa", "escalate")
    assert "1 owner reminders, 0 manager escalations" in capsys.readouterr().out


def _cells(content: bytes) -> tuple[Any, dict[str, tuple[int, int]]]:
    ws = load_workbook(io.BytesIO(content)).active
    where = {}
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                where.setdefault(cell.value, (cell.row, cell.column))
    return ws, where


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_8d_export_layout(world: World, language: str) -> None:
    capa, _closer = ready_to_close(world)
    content, sections = eightd_workbook(capa, language)
    ws, where = _cells(content)
    assert list(sections) == ["D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"]
    rows = [sections[key] for key in sections]
    assert rows == sorted(rows)
    number_label = {"en": "Number", "zh-hans": "编号"}[language]
    site_label = {"en": "Site", "zh-hans": "基地"}[language]
    assert ws.cell(3, 1).value == number_label
    assert ws.cell(3, 2).value == capa.number
    assert where[site_label][0] == 4
    assert ws.cell(4, 4).value == {"en": "SA Site A", "zh-hans": "SA 甲基地"}[language]
    assert "Float line speed drift at supplier" in where
    assert where["Float line speed drift at supplier"][0] > sections["D4"]
    assert where["Supplier SPC on line speed"][0] > sections["D5"]
    assert where["Quarantine lot GL-2026-11-0412"][0] < sections["D4"]
    assert where["3 lots measured at IQC"][0] > sections["D6"]
    assert ws.cell(sections["D4"], 1).value.startswith("D4")


def test_8d_export_view_is_scoped(world: World, client_for) -> None:
    capa = make_capa(world, "A")
    response = client_for("eng_a").get(f"/system/capas-and-8ds/{capa.pk}/export/?lang=zh-hans")
    assert response.status_code == 200
    ws, _ = _cells(response.content)
    assert ws.cell(3, 2).value == capa.number
    assert client_for("eng_b").get(f"/system/capas-and-8ds/{capa.pk}/export/").status_code == 404
