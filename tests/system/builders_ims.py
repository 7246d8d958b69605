"""Builders for the integrated-management-system tests: processes mapped to clauses, audit
programmes, audits, management reviews and the responsibility matrix."""

from __future__ import annotations

import datetime
from typing import Any

from qdm.core.models import Enterprise
from qdm.core.workflow import transition
from qdm.system.models import Audit, AuditProgramme, Clause, ManagementSystem, Process
from qdm.system.services import audits as audit_services
from qdm.system.services.ims import save_process
from qdm.system.services.responsibility import save_department, save_post
from qdm.system.services.review import save_review
from tests.personas import World, make_user

START = datetime.date(2026, 3, 2)


def system(code: str = "ISO9001") -> ManagementSystem:
    return ManagementSystem.objects.get(code=code)


def clauses(code: str, *numbers: str) -> list[Clause]:
    found = {c.number: c for c in Clause.objects.filter(system__code=code, number__in=numbers)}
    return [found[n] for n in numbers]


def make_process(
    world: World,
    code: str,
    *,
    owner: Any = None,
    places: tuple[str, ...] = ("A",),
    mapping: dict[str, list[str]] | None = None,
    name_en: str | None = None,
) -> Process:
    mapped = [
        c
        for system_code, numbers in (mapping or {}).items()
        for c in clauses(system_code, *numbers)
    ]
    return save_process(
        None,
        actor=world.user("cqo"),
        code=code,
        name=f"过程{code}",
        name_en=name_en or f"Process {code}",
        owner=owner or world.user("cqo"),
        sites=[world.where(p) for p in places],
        clauses=mapped,
    )


def make_programme(
    world: World, place: str = "A", year: int = 2026, code: str = "ISO9001"
) -> AuditProgramme:
    return audit_services.save_programme(
        None, actor=world.user("cqo"), year=year, site=world.where(place), system=system(code)
    )


def auditor(world: World, name: str = "lead_auditor") -> Any:
    user = make_user(name, "auditor")
    return user


def make_audit(
    world: World,
    place: str = "A",
    *,
    processes: list[Process] | None = None,
    lead: Any = None,
    auditors: list[Any] | None = None,
    title: str | None = None,
    programme: AuditProgramme | None = None,
) -> Audit:
    programme = programme or AuditProgramme.objects.filter(site=world.where(place)).first()
    programme = programme or make_programme(world, place)
    if processes is None:
        processes = [
            make_process(
                world,
                f"PX-{place}-{Audit.objects.count()}",
                places=(place,),
                mapping={"ISO9001": ["8.4", "8.5"]},
            )
        ]
    return audit_services.save_audit(
        None,
        actor=world.user("cqo"),
        programme=programme,
        title=title or f"Audit at {place}",
        planned_start=START,
        planned_end=START + datetime.timedelta(days=1),
        processes=processes,
        lead_auditor=lead,
        auditors=auditors or [],
    )


def started_audit(world: World, place: str = "A", **kw: Any) -> Audit:
    """An audit in progress with its generated checklist; the lead is a group auditor."""
    lead = kw.pop("lead", None) or make_user(
        f"lead_{place.lower()}_{Audit.objects.count()}", "auditor"
    )
    audit = make_audit(world, place, lead=lead, **kw)
    audit_services.generate_checklist(audit, actor=lead)
    transition(audit, "start", actor=lead)
    audit.refresh_from_db()
    return audit


def make_review(world: World, place: str | None = "A", **kw: Any) -> Any:
    fields = {
        "site": world.where(place) if place else None,
        "title": f"Management review {place or 'group'}",
        "period_start": datetime.date(2026, 1, 1),
        "period_end": datetime.date(2026, 6, 30),
        **kw,
    }
    return save_review(None, actor=world.user("cqo"), **fields)


def company() -> Enterprise:
    return Enterprise.objects.order_by("pk").first()


def make_department(world: World, code: str, place: str | None = None, parent: Any = None) -> Any:
    return save_department(
        None,
        actor=world.user("cqo"),
        company=company(),
        code=code,
        name=f"部门{code}",
        name_en=f"Department {code}",
        site=world.where(place) if place else None,
        parent=parent,
    )


def make_post(
    world: World,
    code: str,
    department: Any,
    holders: list[Any],
    place: str | None = None,
    reports_to: Any = None,
) -> Any:
    return save_post(
        None,
        actor=world.user("cqo"),
        department=department,
        code=code,
        name=f"岗位{code}",
        name_en=f"Post {code}",
        site=world.where(place) if place else None,
        reports_to=reports_to,
        holders=holders,
    )
