"""Builders for the system platform's tests: NCs, CAPAs with their D1–D7 parts."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from qdm.core.services.attachments import add_attachment
from qdm.core.workflow import transition
from qdm.system.models import CapaAction, EightD, Nonconformity, RootCause, TeamMember, Verification
from qdm.system.services.capa import open_capa, save_capa_part
from qdm.system.services.nonconformity import raise_nonconformity
from tests.personas import PASSWORD, World, make_user

DUE = datetime.date(2026, 3, 1)


def engineer(world: World, place: str) -> Any:
    return world.user("eng_a" if place == "A" else "eng_b")


def make_nc(world: World, place: str = "A", **extra: Any) -> Nonconformity:
    fields = {
        "site": world.where(place),
        "source": "iqc",
        "severity": "major",
        "title": "Front glass thickness below LSL",
        "description": "2.94 mm against 3.2 ± 0.2 mm on 5 of 80 samples",
        **extra,
    }
    return raise_nonconformity(actor=engineer(world, place), **fields)


def make_capa(world: World, place: str = "A", **extra: Any) -> EightD:
    fields = {
        "kind": "capa",
        "site": world.where(place),
        "title": f"Glass thickness at {place}",
        "champion": engineer(world, place),
        **extra,
    }
    return open_capa(actor=engineer(world, place), **fields)


def add_part(capa: EightD, model: type, actor: Any = None, **fields: Any) -> Any:
    return save_capa_part(model(capa=capa, **fields), actor=actor or capa.champion)


def action(capa: EightD, discipline: str, owner: Any, **extra: Any) -> CapaAction:
    fields = {"description": f"{discipline} action", "owner": owner, "due_date": DUE, **extra}
    return add_part(capa, CapaAction, discipline=discipline, **fields)


def evidence(verification: Verification, actor: Any) -> None:
    upload = SimpleUploadedFile("evidence.pdf", b"%PDF-1.4 measured 3.18 mm", "application/pdf")
    add_attachment(verification, upload, actor=actor, description="Thickness after PCA")


def ready_to_close(world: World, place: str = "A") -> tuple[EightD, Any]:
    """A CAPA walked to ``implemented`` through the service layer; returns it and a second
    engineer at the same site (not the champion) who may close it."""
    capa = make_capa(world, place)
    champion = capa.champion
    closer = make_user(f"closer_{place.lower()}", "quality_engineer", site=world.where(place))
    capa.problem_what = "Front glass 2.94 mm"
    capa.save()
    add_part(capa, TeamMember, user=closer, role="member")
    action(capa, "d3", champion, description="Quarantine lot GL-2026-11-0412")
    transition(capa, "contain", actor=champion)
    cause = add_part(
        capa,
        RootCause,
        category="material",
        statement="Float line speed drift at supplier",
        why_1="Glass thin",
        why_2="Line speed high",
    )
    action(capa, "d5", champion, description="Supplier SPC on line speed", root_cause=cause)
    transition(capa, "approve_d5", actor=champion, password=PASSWORD, reason="D5 agreed")
    CapaAction.objects.filter(capa=capa, discipline="d5").update(status="done")
    transition(capa, "implement", actor=champion)
    verification = add_part(
        capa,
        Verification,
        method="3 lots measured at IQC",
        result="all 3.15-3.22 mm",
        effective=True,
        verified_by=champion,
    )
    evidence(verification, champion)
    capa.refresh_from_db()
    return capa, closer
