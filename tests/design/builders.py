"""Builders for design tests."""

from __future__ import annotations

from typing import Any

from qdm.core.workflow import transition
from qdm.data.models import Characteristic
from qdm.design.models import Fmea, FmeaItem
from qdm.design.services.fmea import create_fmea, save_item
from tests.personas import PASSWORD, World


def make_fmea(world: World, place: str | None = "A", **extra: Any) -> Fmea:
    site = world.where(place) if place else None
    fields = {
        "kind": "pfmea",
        "title": f"Module line PFMEA {place or 'GRP'}",
        "site": site,
        "planning_scope": "Stringing to flash test",
        "team": "Hao Wang, process\nFang Li, quality",
        **extra,
    }
    return create_fmea(actor=world.user("cqo"), **fields)


def make_item(fmea: Fmea, s: int = 7, o: int = 4, d: int = 5, **extra: Any) -> FmeaItem:
    fields = {
        "focus_element": "Stringing",
        "lower_level": "Stringer soldering head",
        "four_m": "machine",
        "failure_effect": "Power loss, hot spot in the field",
        "failure_mode": "Ribbon not soldered to busbar",
        "failure_cause": "Soldering temperature too low",
        "prevention_controls": "Temperature interlock",
        "detection_controls": "EL after stringing",
        "severity": s,
        "occurrence": o,
        "detection": d,
        **extra,
    }
    return save_item(FmeaItem(fmea=fmea, **fields), actor=fmea.created_by)


def released(world: World, fmea: Fmea) -> Fmea:
    actor = world.user("cqo")
    transition(fmea, "submit", actor=actor)
    transition(fmea, "release", actor=actor, password=PASSWORD, reason="FMEA review passed")
    fmea.refresh_from_db()
    return fmea


def make_characteristic(code: str = "MOD-SOLDER", special: str = "") -> Characteristic:
    return Characteristic.objects.create(
        code=code,
        name="焊接拉力",
        name_en="Ribbon peel force",
        kind="process",
        stage="module",
        special_class=special,
    )
