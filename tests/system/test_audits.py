"""Internal audits: independence of auditors, the checklist generated from the process-clause
mapping, findings opening NCs (and CAPAs), the workflow, the report page and workbook."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from qdm.core.models import NumberSequence
from qdm.core.workflow import TransitionError, transition
from qdm.system.models import (
    Audit,
    AuditProgramme,
    ChecklistItem,
    EightD,
    Finding,
    Nonconformity,
)
from qdm.system.services.audits import generate_checklist, record_finding, save_checklist_item
from tests.personas import PASSWORD, World, make_user
from tests.scoping import ScopedModelContract
from tests.system.builders_ims import (
    START,
    clauses,
    make_audit,
    make_process,
    make_programme,
    started_audit,
    system,
)

pytestmark = pytest.mark.django_db

INTERNAL = {"eng_a": {"A"}, "eng_b": {"B"}, "cqo": {"A", "B"}}


# --- independence ----------------------------------------------------------------------------


def test_an_auditor_may_not_audit_a_process_they_own(world: World) -> None:
    owner = world.user("eng_a")
    lamination = make_process(world, "P07", owner=owner, mapping={"ISO9001": ["8.5"]})
    make_programme(world)
    with pytest.raises(ValidationError) as err:
        make_audit(world, processes=[lamination], lead=owner)
    assert err.value.message_dict["auditors"] == ["eng_a may not audit P07: they own this process."]
    with pytest.raises(ValidationError):
        make_audit(world, processes=[lamination], lead=None, auditors=[owner])
    assert not Audit.objects.exists()
    assert not NumberSequence.objects.filter(prefix="AUD").exclude(last=0).exists()


def test_independence_in_the_form_and_the_api(world: World, client_for, api_for) -> None:
    owner = world.user("eng_a")
    lamination = make_process(world, "P07", owner=owner, mapping={"ISO9001": ["8.5"]})
    programme = make_programme(world)
    data = {
        "programme": programme.pk,
        "title": "Lamination audit",
        "planned_start": "2026-03-02",
        "planned_end": "2026-03-03",
        "processes": [lamination.pk],
        "lead_auditor": owner.pk,
    }
    page = client_for("cqo").post(reverse("system:audit_add"), data)
    assert page.status_code == 400
    assert "eng_a may not audit P07: they own this process." in page.content.decode()
    api = api_for("cqo").post("/api/v1/system/audits/", data, format="json")
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "auditor_owns_process"
    assert "auditors" in api.json()["error"]["fields"]
    assert not Audit.objects.exists()


def test_start_is_refused_when_an_auditor_became_the_owner(world: World) -> None:
    lead = make_user("lead", "auditor")
    process = make_process(world, "P04", mapping={"ISO9001": ["8.4"]})
    audit = make_audit(world, processes=[process], lead=lead)
    generate_checklist(audit, actor=lead)
    process.owner = lead
    process.save()
    with pytest.raises(TransitionError) as err:
        transition(audit, "start", actor=lead)
    assert err.value.code == "guard_failed"
    assert "lead may not audit P04" in str(err.value.message)
    audit.refresh_from_db()
    assert audit.status == "planned"


# --- checklist --------------------------------------------------------------------------------


def test_checklist_is_generated_from_the_mapping(world: World) -> None:
    incoming = make_process(world, "PA", mapping={"ISO9001": ["8.4", "8.5"], "ISO14001": ["8.1"]})
    lamination = make_process(world, "PB", mapping={"ISO9001": ["8.5", "9.2"]})
    lead = make_user("lead", "auditor")
    audit = make_audit(world, processes=[incoming, lamination], lead=lead)
    items = generate_checklist(audit, actor=lead)
    # the programme is ISO 9001: one item per process × mapped ISO 9001 clause, 14001 left out
    assert [(i.process.code, i.clause.number) for i in items] == [
        ("PA", "8.4"),
        ("PA", "8.5"),
        ("PB", "8.5"),
        ("PB", "9.2"),
    ]
    assert "clause 8.4 (Externally provided products)" in items[0].question
    # answers survive a second generation, nothing is duplicated
    save_checklist_item(items[0], actor=lead, result="conforming", evidence="COA checked")
    again = generate_checklist(audit, actor=lead)
    assert len(again) == 4
    assert ChecklistItem.objects.get(pk=items[0].pk).evidence == "COA checked"


def test_checklist_limited_to_the_audits_clauses(world: World) -> None:
    process = make_process(world, "PA", mapping={"ISO9001": ["8.4", "8.5", "8.7"]})
    lead = make_user("lead", "auditor")
    audit = make_audit(world, processes=[process], lead=lead)
    audit.clauses.set(clauses("ISO9001", "8.5"))
    assert [(i.process.code, i.clause.number) for i in generate_checklist(audit, actor=lead)] == [
        ("PA", "8.5")
    ]


def test_an_unmapped_scope_gives_no_checklist(world: World) -> None:
    process = make_process(world, "PE", mapping={"ISO14001": ["8.1"]})
    lead = make_user("lead", "auditor")
    audit = make_audit(world, processes=[process], lead=lead)
    with pytest.raises(ValidationError) as err:
        generate_checklist(audit, actor=lead)
    assert "No clause of ISO 9001:2015 is mapped" in err.value.messages[0]
    assert not ChecklistItem.objects.exists()


def test_clauses_of_another_system_are_refused(world: World) -> None:
    process = make_process(world, "PA", mapping={"ISO9001": ["8.4"]})
    make_programme(world)
    audit = make_audit(world, processes=[process])
    from qdm.system.services.audits import save_audit

    with pytest.raises(ValidationError) as err:
        save_audit(audit, actor=world.user("cqo"), clauses=clauses("ISO14001", "8.1"))
    assert "not of ISO 9001:2015" in err.value.message_dict["clauses"][0]
    assert not audit.clauses.exists()


# --- findings ---------------------------------------------------------------------------------


def test_a_minor_finding_opens_an_internal_audit_nc(world: World) -> None:
    owner = world.user("eng_a")
    process = make_process(world, "P07", owner=owner, mapping={"ISO9001": ["8.5"]})
    audit = started_audit(world, processes=[process])
    item = audit.checklist.get()
    finding = record_finding(
        actor=audit.lead_auditor,
        audit=audit,
        kind="minor",
        statement="LAM-03 temperature records missing for two night shifts",
        evidence="Shift logs week 38",
        checklist_item=item,
    )
    assert finding.reference == f"{audit.number}-F01"
    assert (finding.process, finding.clause) == (process, item.clause)
    nc = finding.nonconformity
    assert nc is not None
    assert (nc.source, nc.severity, nc.site, nc.owner) == (
        "internal_audit",
        "minor",
        world.site_a,
        owner,
    )
    assert nc.title.startswith(f"{finding.reference} P07")
    assert "Shift logs week 38" in nc.description
    observation = record_finding(
        actor=audit.lead_auditor, audit=audit, kind="observation", statement="Tags handwritten"
    )
    assert observation.reference.endswith("-F02") and observation.nonconformity is None
    assert Nonconformity.objects.count() == 1


def test_a_major_finding_can_open_a_capa_too(world: World) -> None:
    audit = started_audit(world)
    finding = record_finding(
        actor=audit.lead_auditor,
        audit=audit,
        kind="major",
        statement="No incoming inspection of EVA gel content for 3 months",
        checklist_item=audit.checklist.first(),
        open_capa=True,
    )
    assert finding.nonconformity.severity == "major"
    capa = finding.capa
    assert capa.kind == "capa" and capa.site == world.site_a
    assert list(capa.nonconformities.all()) == [finding.nonconformity]


def test_bad_findings_change_nothing(world: World) -> None:
    audit = started_audit(world)
    lead = audit.lead_auditor
    with pytest.raises(ValidationError) as err:
        record_finding(actor=lead, audit=audit, kind="ofi", statement="x", open_capa=True)
    assert "open_capa" in err.value.message_dict
    other = started_audit(world, "B")
    with pytest.raises(ValidationError) as err:
        record_finding(
            actor=lead,
            audit=audit,
            kind="minor",
            statement="x",
            checklist_item=other.checklist.first(),
        )
    assert "checklist_item" in err.value.message_dict
    planned = make_audit(world, title="Planned")
    with pytest.raises(ValidationError) as err:
        record_finding(actor=lead, audit=planned, kind="minor", statement="x")
    assert err.value.code == "audit_not_in_progress"
    assert not Finding.objects.exists() and not Nonconformity.objects.exists()


def test_finding_through_the_api_opens_the_nc(world: World, api_for) -> None:
    audit = started_audit(world)
    item = audit.checklist.first()
    response = api_for("eng_a").post(
        "/api/v1/system/audit-findings/",
        {"audit": audit.pk, "checklist_item": item.pk, "kind": "minor", "statement": "Gap"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["nonconformity"] == Nonconformity.objects.get().pk
    assert body["reference"] == f"{audit.number}-F01"
    denied = api_for("eng_b").post(
        "/api/v1/system/audit-findings/",
        {"audit": audit.pk, "kind": "minor", "statement": "Gap"},
        format="json",
    )
    assert denied.status_code == 400
    assert Finding.objects.count() == 1 and Nonconformity.objects.count() == 1


# --- workflow, report --------------------------------------------------------------------------


def test_the_workflow_guards(world: World) -> None:
    lead = make_user("lead", "auditor")
    audit = make_audit(world, lead=lead)
    with pytest.raises(TransitionError) as err:
        transition(audit, "start", actor=lead)
    assert "Generate the checklist first." in str(err.value.message)
    generate_checklist(audit, actor=lead)
    transition(audit, "start", actor=lead)
    with pytest.raises(TransitionError) as err:
        transition(audit, "report", actor=lead)
    assert "2 checklist item(s) have no result yet." in str(err.value.message)
    for item in audit.checklist.all():
        save_checklist_item(item, actor=lead, result="conforming", evidence="ok")
    with pytest.raises(TransitionError) as err:
        transition(audit, "report", actor=lead)
    assert "summary" in str(err.value.message)
    Audit.objects.filter(pk=audit.pk).update(summary="Effective.")
    transition(audit, "report", actor=lead)
    with pytest.raises(ValidationError):
        save_checklist_item(audit.checklist.first(), actor=lead, result="minor")
    with pytest.raises(TransitionError) as err:
        transition(audit, "close", actor=lead, password="wrong", reason="done")
    audit.refresh_from_db()
    assert audit.status == "reported" and audit.reported_at is not None
    transition(audit, "close", actor=lead, password=PASSWORD, reason="report accepted")
    audit.refresh_from_db()
    assert audit.status == "closed" and audit.closed_at is not None


def test_report_page_and_workbook(world: World, client_for) -> None:
    audit = started_audit(world)
    first, second = audit.checklist.all()
    save_checklist_item(first, actor=audit.lead_auditor, result="conforming", evidence="ok")
    save_checklist_item(second, actor=audit.lead_auditor, result="minor", evidence="records gap")
    finding = record_finding(
        actor=audit.lead_auditor,
        audit=audit,
        kind="minor",
        statement="Records gap",
        checklist_item=second,
    )
    page = client_for("eng_a").get(reverse("system:audit_report", args=[audit.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert finding.reference in html and finding.nonconformity.number in html
    assert page.context["report"].results["conforming"] == 1
    assert page.context["report"].results["minor"] == 1
    download = client_for("eng_a").get(
        reverse("system:audit_report", args=[audit.pk]) + "?export=xlsx"
    )
    book = load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["Summary", "Checklist", "Findings"]
    rows = list(book["Findings"].iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == finding.reference and rows[0][6] == finding.nonconformity.number
    assert len(list(book["Checklist"].iter_rows(min_row=2))) == 2
    assert (
        client_for("eng_b").get(reverse("system:audit_report", args=[audit.pk])).status_code == 404
    )


def test_generate_checklist_page_button(world: World, client_for) -> None:
    audit = make_audit(world)
    response = client_for("eng_a").post(reverse("system:audit_generate_checklist", args=[audit.pk]))
    assert response.status_code == 302
    assert audit.checklist.count() == 2
    assert (
        client_for("eng_b")
        .post(reverse("system:audit_generate_checklist", args=[audit.pk]))
        .status_code
        == 404
    )


# --- scoping ----------------------------------------------------------------------------------


class TestAuditProgrammeScope(ScopedModelContract):
    model = AuditProgramme
    api_prefix = "system/audit-programmes"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("objectives", "Edited objectives")

    def existing(self, world: World, place: str) -> Any:
        programme = make_programme(world, place)
        AuditProgramme.objects.filter(pk=programme.pk).update(objectives=f"OBJ-{place}")
        programme.refresh_from_db()
        return programme

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        year = {"NEW": 2031, "API": 2032}.get(code[:3], 2026)
        return {
            "year": year,
            "site": world.where(place).pk,
            "system": system().pk,
            "objectives": code,
        }

    def created(self, code: str) -> Any:
        return AuditProgramme.objects.filter(objectives=code)

    def label(self, obj: Any) -> str:
        return f"{obj.site.code}"


class TestAuditScope(ScopedModelContract):
    model = Audit
    api_prefix = "system/audits"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("title", "Edited audit")

    def existing(self, world: World, place: str) -> Any:
        return make_audit(world, place)

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        programme = AuditProgramme.objects.filter(site=world.where(place)).first()
        programme = programme or make_programme(world, place)
        process = make_process(
            world, f"F-{code}"[:30], places=(place,), mapping={"ISO9001": ["8.5"]}
        )
        return {
            "programme": programme.pk,
            "title": code,
            "planned_start": str(START),
            "planned_end": str(START),
            "processes": [process.pk],
        }

    def created(self, code: str) -> Any:
        return Audit.objects.filter(title=code)

    def label(self, obj: Any) -> str:
        return obj.number


class TestChecklistItemScope(ScopedModelContract):
    model = ChecklistItem
    api_prefix = "system/audit-checklist-items"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("evidence", "Edited evidence")

    def audit(self, world: World, place: str) -> Audit:
        cache = world.__dict__.setdefault("_audits", {})
        if place not in cache:
            cache[place] = make_audit(world, place)
        return cache[place]

    def existing(self, world: World, place: str) -> Any:
        audit = self.audit(world, place)
        return ChecklistItem.objects.create(
            audit=audit,
            process=audit.processes.get(),
            clause=clauses("ISO9001", "8.1")[0],
            question=f"Q-{place}",
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        audit = self.audit(world, place)
        number = {"NEW": "8.2", "API": "8.3"}.get(code[:3], "8.1")
        return {
            "audit": audit.pk,
            "process": audit.processes.get().pk,
            "clause": clauses("ISO9001", number)[0].pk,
            "question": code,
            "result": "conforming",
        }

    def created(self, code: str) -> Any:
        return ChecklistItem.objects.filter(question=code)

    def label(self, obj: Any) -> str:
        return obj.question


class TestFindingScope(ScopedModelContract):
    model = Finding
    api_prefix = "system/audit-findings"
    can_view = {**INTERNAL, "supplier_x": set()}
    can_add = INTERNAL
    can_change = INTERNAL
    can_delete: dict[str, set[str]] = {}
    change = ("statement", "Edited finding")

    def audit(self, world: World, place: str) -> Audit:
        cache = world.__dict__.setdefault("_audits", {})
        if place not in cache:
            cache[place] = started_audit(world, place)
        return cache[place]

    def existing(self, world: World, place: str) -> Any:
        audit = self.audit(world, place)
        return record_finding(
            actor=audit.lead_auditor, audit=audit, kind="observation", statement=f"S-{place}"
        )

    def form_data(self, world: World, place: str, code: str) -> dict[str, Any]:
        return {"audit": self.audit(world, place).pk, "kind": "observation", "statement": code}

    def created(self, code: str) -> Any:
        return Finding.objects.filter(statement=code)

    def label(self, obj: Any) -> str:
        return obj.reference


def test_nothing_of_a_capa_is_created_for_an_observation(world: World) -> None:
    audit = started_audit(world)
    record_finding(actor=audit.lead_auditor, audit=audit, kind="observation", statement="x")
    assert not EightD.objects.exists()


def test_checklist_and_transitions_through_the_api(world: World, api_for) -> None:
    lead = world.user("eng_a")
    audit = make_audit(world, lead=lead)
    base = f"/api/v1/system/audits/{audit.pk}/"
    refused = api_for("eng_a").post(base + "transition/", {"action": "start"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "guard_failed"
    assert api_for("eng_b").post(base + "generate-checklist/", {}, format="json").status_code == 404
    made = api_for("eng_a").post(base + "generate-checklist/", {}, format="json")
    assert made.status_code == 201
    assert [row["clause"] for row in made.json()] == [
        c.pk for c in clauses("ISO9001", "8.4", "8.5")
    ]
    started = api_for("eng_a").post(base + "transition/", {"action": "start"}, format="json")
    assert started.status_code == 200 and started.json()["status"] == "in_progress"


def test_only_the_lead_reports_and_closes(world: World) -> None:
    audit = started_audit(world)
    for item in audit.checklist.all():
        save_checklist_item(item, actor=audit.lead_auditor, result="conforming", evidence="ok")
    Audit.objects.filter(pk=audit.pk).update(summary="Effective.")
    with pytest.raises(TransitionError) as err:
        transition(audit, "report", actor=world.user("eng_a"))
    assert "Only the lead auditor" in str(err.value.message)
    audit.refresh_from_db()
    assert audit.status == "in_progress"


def test_a_finding_stays_with_its_audit(world: World) -> None:
    from qdm.system.services.audits import update_finding

    audit = started_audit(world)
    finding = record_finding(actor=audit.lead_auditor, audit=audit, kind="ofi", statement="x")
    other = make_audit(world, title="Other")
    with pytest.raises(ValidationError) as err:
        update_finding(finding, actor=audit.lead_auditor, audit=other)
    assert "audit" in err.value.message_dict
    with pytest.raises(ValidationError):
        update_finding(finding, actor=audit.lead_auditor, kind="major")
    finding.refresh_from_db()
    assert (finding.audit, finding.kind) == (audit, "ofi")
