"""Line and product values of the span KPIs (medians, Cpk): computed from the source for each
day, ISO week and month — a median of a line cannot be derived from the site's. Every
expected number is worked out by hand in the comments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType

from qdm.cockpit import kpis_more
from qdm.cockpit.models import KpiBreakdown, KpiValue
from qdm.cockpit.services import compute_kpis
from qdm.core.models import DomainEvent, Line
from qdm.data.models import Characteristic, Specification, Unit
from qdm.manufacturing.models import SpcChartConfig
from qdm.service.models import Complaint, ComplaintItem
from tests.design.builders import module_model
from tests.manufacturing.builders import add_measurements
from tests.personas import World
from tests.service.builders import make_complaint

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)  # the ISO week 2026-W10 runs Monday 2 – Sunday 8 March
MARCH = date(2026, 3, 1)
D2 = 1.128  # d2(2) of the moving range of span 2 (qdm.quality.spc, qcc's table)


def answer(complaint: Complaint, on: date) -> None:
    """The first answer (triage) of ``complaint`` at noon UTC on ``on`` (the engine reads the
    first triage or reject event)."""
    DomainEvent(
        verb="transition:triage",
        content_type=ContentType.objects.get_for_model(Complaint),
        object_id=str(complaint.pk),
        object_repr=str(complaint)[:255],
        occurred_at=datetime.combine(on, time(12), tzinfo=UTC),
    ).save()


def complain(world: World, received: date, units: list[Unit], answered: date | None) -> Complaint:
    c = make_complaint(world, received_on=received)
    for unit in units:
        ComplaintItem.objects.create(complaint=c, serial=unit.code, unit=unit, symptom="DELAM")
    if answered is not None:
        answer(c, answered)
    return c


def second_line(world: World) -> Line:
    """SA-M02, site A's second module line."""
    line, _ = Line.objects.get_or_create(
        code="SA-M02",
        defaults={"name": "甲2线", "name_en": "A line 2", "workshop": world.workshop_a},
    )
    return line


@dataclass
class Responses:
    line_1: Line
    line_2: Line
    complaints: dict[str, Complaint]


def build_responses(world: World) -> Responses:
    """Two lines of site A (SA-M01, SA-M02) and two models; complaints (received → answered,
    days) naming modules (line, model):

    * C1 2 Mar → 3 Mar, 1 day: u1 (L1, M1)
    * C2 3 Mar → 7 Mar, 4 days: u1 (L1, M1), u2 (L1, M2) — once at L1
    * C3 3 Mar → 9 Mar, 6 days: u3 (L2, M1)
    * C4 4 Mar → 6 Mar, 2 days: u2 (L1, M2), u4 (L2, no model)
    * C5 10 Mar → 19 Mar, 9 days: u3 (L2, M1) — the next ISO week, same month
    * C6 3 Mar, never answered: u1 — not counted
    * CB 3 Mar → 8 Mar, 5 days: a module of site B's line
    """
    line_1, line_2 = world.line_a, second_line(world)
    m1, m2 = module_model("M1"), module_model("M2")

    def unit(code: str, line: Line, model=None, site=None) -> Unit:
        site = site or world.site_a
        return Unit.objects.create(
            code=code, kind="module", site=site, line=line, module_model=model
        )

    u1, u2, u3, u4 = (
        unit("U1", line_1, m1),
        unit("U2", line_1, m2),
        unit("U3", line_2, m1),
        unit("U4", line_2),
    )
    ub = unit("UB", world.line_b, m1, world.site_b)
    d = MONDAY
    complaints = {
        "C1": complain(world, d, [u1], d + timedelta(days=1)),
        "C2": complain(world, d + timedelta(days=1), [u1, u2], d + timedelta(days=5)),
        "C3": complain(world, d + timedelta(days=1), [u3], d + timedelta(days=7)),
        "C4": complain(world, d + timedelta(days=2), [u2, u4], d + timedelta(days=4)),
        "C5": complain(world, d + timedelta(days=8), [u3], d + timedelta(days=17)),
        "C6": complain(world, d + timedelta(days=1), [u1], None),
        "CB": complain(world, d + timedelta(days=1), [ub], d + timedelta(days=6)),
    }
    return Responses(line_1, line_2, complaints)


def characteristic(code: str, special_class: str, lsl: float, usl: float) -> Characteristic:
    char = Characteristic.objects.create(
        code=code, name=code, name_en=code, kind="process", stage="module", unit="mm",
        special_class=special_class,
    )  # fmt: skip
    Specification.objects.create(
        characteristic=char, lsl=lsl, target=(lsl + usl) / 2, usl=usl,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    return char


def chart(world: World, line: Line, char: Characteristic, values: list[float]) -> SpcChartConfig:
    """An active I-MR chart of ``char`` on ``line`` with ``values`` hourly from 10:00 on
    Tuesday 3 March (Shanghai and Ho Chi Minh City: inside the ISO week and the month)."""
    site = line.workshop.site
    add_measurements(line, char, values, datetime(2026, 3, 3, 2, tzinfo=UTC))
    return SpcChartConfig.objects.create(
        name=f"{char.code} {line.code}", characteristic=char, line=line, site=site,
        chart_type="imr", subgroup_size=1, status="active",
    )  # fmt: skip


#: Cpk = min(USL − x̄, x̄ − LSL) / (3σ), σ = MR̄ / d2(2) (qdm.quality.capability, individuals)
#: X on L1: 10 12 11 13 14 → x̄ 12, MR̄ (2+1+2+1)/4 = 1.5; min(20−12, 12−6) = 6 → 6·1.128/4.5
CPK_X = 6 / (3 * 1.5 / D2)  # 1.504
#: Y on L1: 5 7 6 8 → x̄ 6.5, MR̄ (2+1+2)/3 = 5/3; min(10−6.5, 6.5−0) = 3.5 → 3.5·1.128/5
CPK_Y = 3.5 / (3 * (5 / 3) / D2)  # 0.7896
#: Z on L2: 20 21 19 20 → x̄ 20, MR̄ (1+2+1)/3 = 4/3; min(26−20, 20−14) = 6 → 6·1.128/4
CPK_Z = 6 / (3 * (4 / 3) / D2)  # 1.692


def build_charts(world: World) -> Line:
    """Charts X and Y on SA-M01, Z on the new SA-M02, X on site B's line; returns SA-M02."""
    line_2 = second_line(world)
    x = characteristic("CC-X", "CC", 6.0, 20.0)
    y = characteristic("SC-Y", "SC", 0.0, 10.0)
    z = characteristic("CC-Z", "CC", 14.0, 26.0)
    chart(world, world.line_a, x, [10, 12, 11, 13, 14])
    chart(world, world.line_a, y, [5, 7, 6, 8])
    chart(world, line_2, z, [20, 21, 19, 20])
    chart(world, world.line_b, x, [10, 12, 11, 13, 14])
    return line_2


def parts(kpi: str, granularity: str, start: date, site=None) -> dict[str, tuple]:
    rows = KpiBreakdown.objects.filter(kpi=kpi, granularity=granularity, period_start=start)
    if site is not None:
        rows = rows.filter(site=site)
    return {
        (r.line.code if r.line_id else r.product.code): (r.value, r.numerator, r.denominator)
        for r in rows.select_related("line", "product")
    }


def table(kpi: str) -> set[tuple]:
    """Every stored row of ``kpi`` (site values and breakdowns), without computed_at."""
    values = KpiValue.objects.filter(kpi=kpi).values_list(
        "site__code", "granularity", "period_start", "value", "numerator", "denominator"
    )
    breakdowns = KpiBreakdown.objects.filter(kpi=kpi).values_list(
        "dimension", "site__code", "line__code", "product__code", "granularity", "period_start",
        "value", "numerator", "denominator",
    )  # fmt: skip
    return {("site", *r) for r in values} | {("part", *r) for r in breakdowns}


def test_response_time_medians_per_line_and_product(world: World) -> None:
    build_responses(world)
    compute_kpis(date(2026, 3, 10), 9, kpi_codes=["complaint_response_days"])
    code = "complaint_response_days"
    # week 2–8 March: C1 1, C2 4, C3 6, C4 2 days
    #   SA-M01: C1, C2, C4 → 1, 4, 2 → median 2 of 3 (odd count)
    #   SA-M02: C3, C4 → 6, 2 → median (2 + 6) / 2 = 4 of 2 (even count)
    #   M1: C1, C2, C3 → 1, 4, 6 → median 4 of 3; M2: C2, C4 → 4, 2 → median 3 of 2
    #   (U4 has no model: C4 counts at SA-M02 and M2 only through U2)
    assert parts(code, "week", MONDAY, world.site_a) == {
        "SA-M01": (2.0, 2.0, 3.0),
        "SA-M02": (4.0, 4.0, 2.0),
        "M1": (4.0, 4.0, 3.0),
        "M2": (3.0, 3.0, 2.0),
    }
    # the site: 1, 4, 6, 2 → median (2 + 4) / 2 = 3 of 4 — not derivable from the lines
    site = KpiValue.objects.get(
        kpi=code, site=world.site_a, granularity="week", period_start=MONDAY
    )
    assert (site.value, site.denominator) == (3.0, 4.0)
    # March adds C5 (9 days, SA-M02, M1): SA-M02 6, 2, 9 → 6 of 3; M1 1, 4, 6, 9 → 5 of 4
    assert parts(code, "month", MARCH, world.site_a) == {
        "SA-M01": (2.0, 2.0, 3.0),
        "SA-M02": (6.0, 6.0, 3.0),
        "M1": (5.0, 5.0, 4.0),
        "M2": (3.0, 3.0, 2.0),
    }
    # the day 3 March: C2 (4 days, SA-M01, M1 and M2) and C3 (6 days, SA-M02, M1);
    # M1: 4, 6 → 5 of 2
    assert parts(code, "day", MONDAY + timedelta(days=1), world.site_a) == {
        "SA-M01": (4.0, 4.0, 1.0),
        "SA-M02": (6.0, 6.0, 1.0),
        "M1": (5.0, 5.0, 2.0),
        "M2": (4.0, 4.0, 1.0),
    }
    # site B's own line: CB, 5 days
    assert parts(code, "week", MONDAY, world.site_b) == {
        "SB-M01": (5.0, 5.0, 1.0),
        "M1": (5.0, 5.0, 1.0),
    }


def test_cpk_per_line_of_the_charts(world: World) -> None:
    build_charts(world)
    result = compute_kpis(date(2026, 3, 3), 1, kpi_codes=["special_cpk"])
    # SA-M01: (CPK_X + CPK_Y) / 2 = (1.504 + 0.7896) / 2 = 1.1468 of 2 charts;
    # SA-M02: CPK_Z = 1.692 of 1 chart — the same for the ISO week and the month (all the data
    # is on 3 March); charts have no module model: no product rows
    expected = {
        "SA-M01": (pytest.approx(1.1468), pytest.approx(1.1468), 2.0),
        "SA-M02": (pytest.approx(1.692), pytest.approx(1.692), 1.0),
    }
    assert parts("special_cpk", "week", MONDAY, world.site_a) == expected
    assert parts("special_cpk", "month", MARCH, world.site_a) == expected
    assert (round((CPK_X + CPK_Y) / 2, 4), round(CPK_Z, 4)) == (1.1468, 1.692)
    # the site: the mean over its three charts (1.504 + 0.7896 + 1.692) / 3 = 1.32853
    site = KpiValue.objects.get(kpi="special_cpk", site=world.site_a, granularity="week")
    assert (site.value, site.denominator) == (pytest.approx(1.32853, abs=1e-5), 3.0)
    # site B: its chart X alone
    assert parts("special_cpk", "week", MONDAY, world.site_b) == {
        "SB-M01": (pytest.approx(CPK_X), pytest.approx(CPK_X), 1.0)
    }
    assert not KpiBreakdown.objects.filter(kpi="special_cpk", granularity="day").exists()
    # 3 lines × (week, month) breakdown rows
    assert result.breakdown_rows == 6


def test_recomputing_the_same_days_gives_the_same_rows(world: World) -> None:
    build_responses(world)
    build_charts(world)
    codes = ["complaint_response_days", "special_cpk"]
    compute_kpis(date(2026, 3, 10), 9, kpi_codes=codes)
    first = {code: table(code) for code in codes}
    count = KpiBreakdown.objects.count()
    compute_kpis(date(2026, 3, 10), 9, kpi_codes=codes)
    assert {code: table(code) for code in codes} == first
    assert KpiBreakdown.objects.count() == count  # replaced, not added


def test_a_line_that_loses_its_records_loses_its_row(world: World) -> None:
    data = build_responses(world)
    compute_kpis(date(2026, 3, 4), 3, kpi_codes=["complaint_response_days"])
    assert "SA-M02" in parts("complaint_response_days", "week", MONDAY)
    # C3 and C4 no longer name SA-M02's modules: its week row goes on recomputing one day
    ComplaintItem.objects.filter(unit__line=data.line_2).delete()
    compute_kpis(date(2026, 3, 3), 1, kpi_codes=["complaint_response_days"])
    assert "SA-M02" not in parts("complaint_response_days", "week", MONDAY, world.site_a)
    assert "SA-M02" not in parts("complaint_response_days", "month", MARCH, world.site_a)


def test_day_by_day_equals_all_at_once(world: World) -> None:
    build_responses(world)
    build_charts(world)
    codes = ["complaint_response_days", "special_cpk"]
    compute_kpis(date(2026, 3, 10), 9, kpi_codes=codes)
    at_once = {code: table(code) for code in codes}
    assert any(r[0] == "part" and r[5] == "week" for r in at_once["special_cpk"])
    KpiValue.objects.all().delete()
    KpiBreakdown.objects.all().delete()
    for offset in (5, 0, 8, 2, 7, 1, 6, 3, 4):  # 2–10 March, in any order
        compute_kpis(MONDAY + timedelta(days=offset), 1, kpi_codes=codes)
    assert {code: table(code) for code in codes} == at_once


def test_one_grouped_read_per_period_whatever_the_lines(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    build_responses(world)
    week = (world.site_a, world.site_b), MONDAY, MONDAY + timedelta(days=6)
    kpis_more.complaint_response_days_parts(*week)  # the content type is cached after this
    with CaptureQueriesContext(connection) as before:
        kpis_more.complaint_response_days_parts(*week)
    line_3 = Line.objects.create(
        code="SA-M03", name="甲3线", name_en="A line 3", workshop=world.workshop_a
    )
    unit = Unit.objects.create(code="U5", kind="module", site=world.site_a, line=line_3)
    complain(world, MONDAY, [unit], MONDAY + timedelta(days=3))
    with CaptureQueriesContext(connection) as after:
        found = kpis_more.complaint_response_days_parts(*week)
    assert found[(world.site_a.pk, line_3.pk, None)] == (3.0, 1.0)
    # items, answers, complaints — the same three queries with one more line
    assert len(after) == len(before) == 3


def test_each_chart_cpk_is_computed_once_per_window(world: World, monkeypatch) -> None:
    build_charts(world)
    calls = []
    real = kpis_more.mfg.cockpit_chart_cpk

    def counted(config, start, end):
        calls.append(config.pk)
        return real(config, start, end)

    monkeypatch.setattr(kpis_more.mfg, "cockpit_chart_cpk", counted)
    compute_kpis(date(2026, 3, 3), 1, kpi_codes=["special_cpk"])
    # 4 charts (3 at site A, 1 at site B) × 2 windows (the ISO week, the month): the line
    # values reuse the site's computation
    assert len(calls) == 8 and len(set(calls)) == 4
