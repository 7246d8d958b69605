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


def module_model(code: str = "TC-GG-620") -> Any:
    from qdm.data.models import ModuleModel, ProductFamily

    family, _ = ProductFamily.objects.get_or_create(
        code="TOPCON", defaults={"name": "TOPCon", "name_en": "TOPCon", "technology": "topcon"}
    )
    found = ModuleModel.objects.filter(code=code).first()
    return found or ModuleModel.objects.create(
        code=code, name=code, name_en=code, family=family, pmax_w=620.0, voc_v=52.1, isc_a=15.1,
        vmp_v=43.6, imp_a=14.22, efficiency_pct=22.9, temp_coeff_pmax_pct_per_c=-0.29,
        temp_coeff_voc_pct_per_c=-0.25, temp_coeff_isc_pct_per_c=0.045, length_mm=2382,
        width_mm=1134, cell_count=132,
    )  # fmt: skip


def make_control_plan(world: World, place: str = "A", **extra: Any) -> Any:
    from qdm.design.services.control_plan import create_control_plan

    fields = {
        "phase": "production",
        "title": f"Module lamination control plan {place}",
        "product": module_model(),
        "process": "Layup, lamination, flash test",
        "site": world.where(place),
        "line": world.line_a if place == "A" else world.line_b,
        **extra,
    }
    return create_control_plan(actor=world.user("cqo"), **fields)


def make_cp_line(plan: Any, characteristic: Characteristic, **extra: Any) -> Any:
    from qdm.design.models import ControlPlanLine
    from qdm.design.services.control_plan import save_line

    fields = {
        "sequence": 10,
        "process_step": "Lamination",
        "machine": "Laminator L1",
        "characteristic": characteristic,
        "special_class": "SC",
        "specification": "gel content 75 – 95 %",
        "evaluation_technique": "Soxhlet extraction",
        "sample_size": 1,
        "frequency": "per_shift",
        "control_method": "Recipe lock",
        "reaction_plan": "Hold laminates since last good check",
        **extra,
    }
    return save_line(ControlPlanLine(plan=plan, **fields), actor=plan.created_by)


def release_plan(world: World, plan: Any) -> Any:
    transition(
        plan, "release", actor=world.user("cqo"), password=PASSWORD, reason="CP review passed"
    )
    plan.refresh_from_db()
    return plan
