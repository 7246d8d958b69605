"""Granularity of the materialised KPIs: site, line and product values per day, ISO week and
month; incremental recomputation (only the days touched) equals full recomputation, for the
site table and the breakdown table alike; recomputation is idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from qdm.cockpit.models import KpiBreakdown, KpiValue
from qdm.cockpit.services import compute_kpis
from qdm.data.models import ElResult, Unit
from qdm.manufacturing.models import ModuleRelease
from qdm.supplier.models import Scorecard
from qdm.utilities.periods import week_end, week_start
from tests.design.builders import module_model
from tests.manufacturing.test_yield_builders import build_production
from tests.personas import World
from tests.system.builders import make_capa

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _management_systems(db) -> None:
    from qdm.system.ims_catalog import load_catalog
    from qdm.system.models import Clause, ManagementSystem

    if not ManagementSystem.objects.filter(code="ISO9001").exists():
        load_catalog(ManagementSystem, Clause)


def tables() -> tuple[list[tuple], list[tuple]]:
    fields = ("kpi", "granularity", "period_start", "value", "numerator", "denominator")
    site = sorted(KpiValue.objects.values_list("site__code", *fields))
    parts = sorted(
        KpiBreakdown.objects.values_list("dimension", "site_id", "line_id", "product_id", *fields),
        key=str,
    )
    return site, parts


def build_month(world: World, production: bool = True) -> None:
    """OQC decisions and EL2 results on every third day of March (two models, line A),
    closed 8D reports, two months of supplier scorecards and the yield test production."""
    if production:
        build_production(world)
    m1, m2 = module_model("MOD-1"), module_model("MOD-2")
    who = world.user("eng_a")
    for i in range(0, 30, 3):
        at = datetime(2026, 3, 1, 3, tzinfo=UTC) + timedelta(days=i)
        line = world.line_a
        for j, (model, ok) in enumerate([(m1, True), (m2, i % 2 == 0), (m1, False)]):
            unit = Unit.objects.create(
                code=f"G-{i}-{j}", kind="module", site=world.site_a, line=line, module_model=model
            )
            ModuleRelease.objects.create(
                unit=unit, site=world.site_a, status="released", hipot_passed=True,
                visual_passed=ok, decided_by=who, decided_at=at,
            )  # fmt: skip
            ElResult.objects.create(
                site=world.site_a, line=line, serial=unit.code, tested_at=at, stage="EL2",
                grade="A" if ok else "B",
            )  # fmt: skip
    for days_open, closed_day in ((2, 4), (5, 4), (1, 17)):
        capa = make_capa(world, "A", title=f"8D {days_open} {closed_day}")
        closed = datetime(2026, 3, closed_day, 4, tzinfo=UTC)
        type(capa).objects.filter(pk=capa.pk).update(
            status="closed", opened_at=closed - timedelta(days=days_open), closed_at=closed
        )
    from qdm.data.models import MaterialCategory

    cat, _ = MaterialCategory.objects.get_or_create(code="GLS", defaults={"name": "玻璃"})
    Scorecard.objects.create(
        supplier=world.supplier_x, category=cat, month=date(2026, 2, 1), grade="B"
    )
    Scorecard.objects.create(
        supplier=world.supplier_x, category=cat, month=date(2026, 3, 1), grade="A"
    )
    Scorecard.objects.create(
        supplier=world.supplier_y, category=cat, month=date(2026, 3, 1), grade="D"
    )


CODES = [
    "fpy", "oqc_first_pass", "el_a_share", "capa_closure_days", "supplier_grade_a",
    "supplier_grade_d", "open_spc_alerts",
]  # fmt: skip


def test_incremental_equals_full_with_weeks_lines_products_and_group(world: World) -> None:
    build_month(world)
    compute_kpis(date(2026, 3, 31), 31, kpi_codes=CODES)
    full = tables()
    assert full[0] and full[1]
    # the yield KPIs have a line breakdown from the yield report
    assert KpiBreakdown.objects.filter(kpi="fpy", dimension="line").exists()
    KpiValue.objects.all().delete()
    KpiBreakdown.objects.all().delete()
    for day in (31, 5, 17, 1, 2, 3, 4, *range(6, 17), *range(18, 31), 9):  # any order, twice
        compute_kpis(date(2026, 3, day), 1, kpi_codes=CODES)
    assert tables() == full
    compute_kpis(date(2026, 3, 31), 31, kpi_codes=CODES)  # idempotent
    assert tables() == full


def test_week_rows_and_breakdowns(world: World) -> None:
    build_month(world, production=False)
    compute_kpis(date(2026, 3, 31), 31, kpi_codes=CODES)
    # ISO week of Monday 2 March: decisions on the 4th and 7th (i = 3, 6): 3 each,
    # first pass: day 4 (i=3, odd) M1 ok only → 1; day 7 (i=6, even) M1 + M2 → 2; 3 of 6
    week = KpiValue.objects.get(
        kpi="oqc_first_pass", site=world.site_a, granularity="week", period_start=date(2026, 3, 2)
    )
    assert (week.numerator, week.denominator) == (3.0, 6.0)
    assert week_start(date(2026, 3, 8)) == date(2026, 3, 2) == week_start(date(2026, 3, 2))
    assert week_end(date(2026, 3, 4)) == date(2026, 3, 8)
    # March by model: MOD-1 2 per day × 10 days, 1 ok per day → 10 / 20; MOD-2 5 of 10
    month = {
        r.product.code: (r.numerator, r.denominator)
        for r in KpiBreakdown.objects.filter(
            kpi="oqc_first_pass", dimension="product", granularity="month"
        )
    }
    assert month == {"MOD-1": (10.0, 20.0), "MOD-2": (5.0, 10.0)}
    line = KpiBreakdown.objects.get(
        kpi="oqc_first_pass", dimension="line", granularity="month", line=world.line_a
    )
    assert (line.numerator, line.denominator) == (15.0, 30.0)
    # 8D closure: the week of the 2nd has the two closed on the 4th (2 and 5 days) → 3.5;
    # the month all three (1, 2, 5) → median 2
    closure = {
        r.granularity + str(r.period_start): r.value
        for r in KpiValue.objects.filter(kpi="capa_closure_days", site=world.site_a)
    }
    assert closure["week2026-03-02"] == pytest.approx(3.5)
    assert closure["month2026-03-01"] == pytest.approx(2.0)
    # the supplier grades of March (the month's last day): X = A, Y = D → 50 % A
    grade_a = KpiBreakdown.objects.get(
        kpi="supplier_grade_a", dimension="group", granularity="month"
    )
    assert (grade_a.value, grade_a.numerator, grade_a.denominator) == (50.0, 1.0, 2.0)
