"""Builders for the yield tests (no tests here): a hand-built week of module production at
site A (two lines) and site B whose FPY, scrap, downgrade and Pareto are worked out by hand
in ``EXPECTED`` below.

Site A runs on Asia/Shanghai (UTC+8), site B on Asia/Ho_Chi_Minh (UTC+7). The period asked
for is 2026-03-02 … 2026-03-04 (Monday to Wednesday of ISO week 10), site-local.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from qdm.core.models import Line
from qdm.core.workflow import transition
from qdm.data.models import Characteristic, ElResult, FlashTest, Unit
from qdm.manufacturing.models import (
    InspectionLot,
    InspectionPlan,
    InspectionPlanLine,
    InspectionRecord,
    ModuleRelease,
)
from qdm.manufacturing.services.holds import place_hold, propose_disposition
from tests.manufacturing.test_inspection_builders import binning_rule, module_model
from tests.personas import PASSWORD, World

SHANGHAI = ZoneInfo("Asia/Shanghai")
SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FROM, DATE_TO = date(2026, 3, 2), date(2026, 3, 4)


@dataclass
class Module:
    serial: str
    line: str  # "A1", "A2" or "B"
    flashed: list[datetime]  # site-local
    pmax: float = 582.0
    # (stage, grade, defect codes); EL at 4 minutes after the first flash (+1 min per test)
    el: list[tuple[str, str, list[str]]] = field(default_factory=lambda: [("EL2", "A", [])])
    model: str = "TC-580"


def local(day: int, hour: int, minute: int = 0, second: int = 0, tz: Any = SHANGHAI) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=tz)


# fmt: off
MODULES = [
    # 2026-03-02, line A1
    Module("A1-01", "A1", [local(2, 8, 30)]),                                  # FP, shift A
    Module("A1-02", "A1", [local(2, 9), local(2, 9, 30)]),                     # retest
    Module("A1-03", "A1", [local(2, 17)], el=[("EL2", "B", ["CRK-B", "CRK-B"])]),  # B grade
    Module("A1-04", "A1", [local(2, 23, 59)], pmax=570.4),                     # below 570.5 W
    # 03:00 local on the 2nd is 19:00 UTC on the 1st: the day is the site's, not UTC's
    Module("A1-05", "A1", [local(2, 3)], el=[("EL2", "C", ["CRK-C", "SOLD"])]),  # scrapped
    # 2026-03-03, line A2
    Module("A2-01", "A2", [local(3, 10)], el=[("EL1", "A", []), ("EL2", "A", [])]),  # hi-pot
    Module("A2-02", "A2", [local(3, 10, 5)],
           el=[("EL1", "B", ["CRK-A", "CRK-A", "CRK-A"]), ("EL2", "A", [])]),  # repaired
    Module("A2-03", "A2", [local(3, 11)], model="TC-585"),                     # FP (no rule)
    Module("A2-04", "A2", [local(3, 12)], el=[]),                              # no EL2, rework
    Module("A2-05", "A2", [local(3, 20)]),                                     # MRB downgrade
    # 2026-03-04, line A1: the shift boundary at 08:00
    Module("A1-06", "A1", [local(4, 7, 59, 59)], el=[("EL2", "A", ["CRK-A"])]),  # FP, shift C
    Module("A1-07", "A1", [local(4, 8)]),                        # FP, shift A (hold released)
    # outside the period
    Module("A1-08", "A1", [local(5, 0, 30)], el=[("EL2", "C", ["BRK"])]),
    Module("A1-09", "A1", [local(1, 23, 30)], el=[("EL2", "C", ["BRK"])]),
    Module("A1-10", "A1", [local(1, 22), local(2, 9)]),  # first flashed before the period
    # site B
    Module("B-01", "B", [local(3, 10, tz=SAIGON)]),
    Module("B-02", "B", [local(3, 11, tz=SAIGON)], el=[("EL2", "C", ["BRK"])]),
]
# fmt: on

# Worked out by hand from MODULES (site A as seen by eng_a):
# started (first flash in 2026-03-02…04 local): A1-01…05 (5), A2-01…05 (5), A1-06, A1-07 (2) = 12
#   — A1-08 is on the 5th, A1-09 on the 1st, A1-10 was first flashed on the 1st.
# first pass: A1-01, A2-03, A1-06, A1-07 = 4 → FPY 4/12
#   not: A1-02 retest; A1-03 EL B; A1-04 Pmax 570.4 < 570 + 0.5 guard band; A1-05 EL C and
#   scrapped; A2-01 hi-pot failed at OQC; A2-02 EL1 B before repair; A2-04 no EL2 and
#   reworked; A2-05 MRB downgrade. A2-03 is TC-585 without a binning rule: 582 W ≥ 0.97 × 585.
# scrapped: A1-05 (named on the approved scrap) = 1; A1-01's scrap is only proposed.
# downgraded: A1-03 (grade B), A2-05 (the hold's unnamed downgrade; A2-04 is named on the
#   rework of the same hold so the unnamed decision skips it) = 2; A1-05 is C but scrapped.
EXPECTED_A = {
    "started": 12,
    "first_pass": 4,
    "scrapped": 1,
    "downgraded": 2,
    "reasons": {
        "retested": 1,  # A1-02
        "el_not_a": 3,  # A1-03, A1-05, A2-02
        "no_final_el": 1,  # A2-04
        "low_power": 1,  # A1-04
        "oqc_rejected": 1,  # A2-01
        "mrb": 3,  # A1-05, A2-04, A2-05
    },
}
# per line: A1 = A1-01…07 (7 started; FP A1-01, A1-06, A1-07; scrap A1-05; downgrade A1-03)
#           A2 = A2-01…05 (5 started; FP A2-03; downgrade A2-05)
EXPECTED_LINES = {"SA-M01": (7, 3, 1, 1), "SA-M02": (5, 1, 0, 1)}
# per day (started, first pass): the 2nd A1-01…05 → (5, 1); the 3rd A2-01…05 → (5, 1);
# the 4th A1-06, A1-07 → (2, 2)
EXPECTED_DAYS = {"2026-03-02": (5, 1), "2026-03-03": (5, 1), "2026-03-04": (2, 2)}
# per shift of 3 × 8 h: A 08–16: A1-01, A1-02, A2-01…04, A1-07 → 7 started, FP A1-01, A2-03,
# A1-07 = 3; B 16–24: A1-03, A1-04, A2-05 → 3, 0; C 00–08: A1-05, A1-06 (07:59:59) → 2, 1
EXPECTED_SHIFTS = {"A": (7, 3), "B": (3, 0), "C": (2, 1)}
# per shift of 2 × 12 h: D 08–20: A1-01, A1-02, A1-03, A2-01…04, A1-07 → 8, FP 3;
# N 20–08: A1-04, A1-05, A2-05 (20:00), A1-06 → 4, FP 1
EXPECTED_SHIFTS_2X12 = {"D": (8, 3), "N": (4, 1)}
# Pareto of site A, defects recorded in the period: CRK-A 3 (A2-02's EL1) + 1 (A1-06) = 4;
# CRK-B 2 (A1-03); MOD-VIS-APP 2 (two nonconforming IPQA samples); CRK-C 1, SOLD 1 (A1-05);
# HIPOT 1 (A2-01); PWR-LOW 1 (A1-04). 12 in all; ties in code order. BRK is outside (A1-08,
# A1-09) or at site B.
EXPECTED_PARETO = [
    ("CRK-A", 4, 4 / 12),
    ("CRK-B", 2, 6 / 12),
    ("MOD-VIS-APP", 2, 8 / 12),
    ("CRK-C", 1, 9 / 12),
    ("HIPOT", 1, 10 / 12),
    ("PWR-LOW", 1, 11 / 12),
    ("SOLD", 1, 12 / 12),
]


def second_line(world: World) -> Line:
    line, _ = Line.objects.get_or_create(
        code="SA-M02",
        defaults={"name": "甲2线", "name_en": "A line 2", "workshop": world.workshop_a},
    )
    return line


def build_production(world: World) -> dict[str, Unit]:
    """Units, flash tests, EL results, OQC decisions, holds and MRB decisions, IPQA records."""
    binning_rule(first_class_w=570, last_class_w=595, guard_band_w="0.5")
    models = {"TC-580": module_model("TC-580"), "TC-585": module_model("TC-585")}
    models["TC-585"].pmax_w = 585
    models["TC-585"].save()
    lines = {"A1": world.line_a, "A2": second_line(world), "B": world.line_b}
    units: dict[str, Unit] = {}
    flashes, els = [], []
    for m in MODULES:
        line = lines[m.line]
        site = line.workshop.site
        units[m.serial] = Unit.objects.create(
            code=m.serial,
            kind="module",
            site=site,
            line=line,
            module_model=models[m.model],
            produced_at=m.flashed[0],
        )
        for t in m.flashed:
            flashes.append(
                FlashTest(
                    site=site,
                    line=line,
                    serial=m.serial,
                    tested_at=t,
                    irradiance_wm2=1000,
                    module_temp_c=25,
                    pmax_w=m.pmax,
                    voc_v=52.3,
                    isc_a=14.0,
                    vmp_v=43.6,
                    imp_a=13.35,
                    ff_pct=79.5,
                )
            )
        for i, (stage, grade, codes) in enumerate(m.el):
            els.append(
                ElResult(
                    site=site,
                    line=line,
                    serial=m.serial,
                    tested_at=m.flashed[0] + timedelta(minutes=4 + i),
                    stage=stage,
                    grade=grade,
                    defects=[{"code": c, "cell": f"A{k + 1:02d}"} for k, c in enumerate(codes)],
                )
            )
    FlashTest.objects.bulk_create(flashes)
    ElResult.objects.bulk_create(els)
    _oqc(world, units)
    _mrb(world, units)
    _ipqa(world, units["A2-03"], models["TC-585"])
    return units


def _oqc(world: World, units: dict[str, Unit]) -> None:
    def decide(serial: str, grade: str, hipot: bool, status: str) -> None:
        ModuleRelease.objects.create(
            unit=units[serial],
            site=units[serial].site,
            pmax_w=582.0,
            el_grade=grade,
            hipot_passed=hipot,
            visual_passed=True,
            status=status,
            reasons="" if status == "released" else "hi-pot failed",
            decided_by=world.user("eng_a"),
            decided_at=local(3, 12),
        )

    decide("A2-01", "A", False, "rejected")
    decide("A1-03", "B", True, "released")
    decide("A2-03", "A", True, "released")


def _approve(disposition: Any, world: World) -> None:
    transition(disposition, "approve", actor=world.user("cqo"), password=PASSWORD, reason="MRB")


def _mrb(world: World, units: dict[str, Unit]) -> None:
    eng = world.user("eng_a")
    site = world.site_a
    scrap = place_hold(actor=eng, site=site, reason="Cell broken", quantity=1, unit_codes="A1-05")
    _approve(
        propose_disposition(scrap, actor=eng, decision="scrap", quantity=1, unit_codes="A1-05"),
        world,
    )
    split = place_hold(
        actor=eng, site=site, reason="Frame gap", quantity=2, unit_codes="A2-04 A2-05"
    )
    _approve(
        propose_disposition(split, actor=eng, decision="rework", quantity=1, unit_codes="A2-04"),
        world,
    )
    _approve(propose_disposition(split, actor=eng, decision="downgrade", quantity=1), world)
    # only proposed: A1-01 stays first pass and is not scrapped
    pending = place_hold(actor=eng, site=site, reason="Suspect", quantity=1, unit_codes="A1-01")
    propose_disposition(pending, actor=eng, decision="scrap", quantity=1, unit_codes="A1-01")
    # released (nothing wrong after all): A1-07 stays first pass
    released = place_hold(actor=eng, site=site, reason="Check", quantity=1, unit_codes="A1-07")
    transition(released, "release", actor=world.user("cqo"), password=PASSWORD, reason="OK")


def _ipqa(world: World, unit: Unit, model: Any) -> None:
    characteristic = Characteristic.objects.create(
        code="MOD-VIS-APP",
        name="组件外观",
        name_en="Module appearance",
        kind="product",
        stage="module",
        data_type="attribute",
    )
    plan = InspectionPlan.objects.create(
        code="IPQA-VIS-A", name="IPQA visual", stage="ipqa", site=world.site_a, module_model=model
    )
    plan_line = InspectionPlanLine.objects.create(
        plan=plan, characteristic=characteristic, sample_size=5
    )
    lot = InspectionLot.objects.create(
        number="INS-SA-2026-00001",
        plan=plan,
        site=world.site_a,
        unit=unit,
        quantity=5,
        inspected_at=local(3, 11, 30),
        inspector=world.user("eng_a"),
        status="completed",
        verdict="fail",
    )
    for sample in range(1, 6):
        InspectionRecord.objects.create(
            lot=lot, line=plan_line, sample=sample, passed=sample > 2, conforming=sample > 2
        )
