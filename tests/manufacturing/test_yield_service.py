"""The yield report against the hand-built data set of ``test_yield_builders`` (every
expected number is worked out there, module by module): FPY, scrap and downgrade rates by
line, day, week, month and shift, and the defect Pareto with cumulative shares."""

from __future__ import annotations

from datetime import date

import pytest

from qdm.data.models import ModuleModel
from qdm.manufacturing.services.yields import YieldError, YieldQuery, shift_table, yield_report
from tests.manufacturing.test_yield_builders import (
    DATE_FROM,
    DATE_TO,
    EXPECTED_A,
    EXPECTED_DAYS,
    EXPECTED_LINES,
    EXPECTED_PARETO,
    EXPECTED_SHIFTS,
    EXPECTED_SHIFTS_2X12,
    build_production,
    second_line,
)
from tests.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(world: World) -> World:
    build_production(world)
    return world


def report_for(world: World, persona: str = "eng_a", **options) -> dict:
    return yield_report(world.user(persona), YieldQuery(DATE_FROM, DATE_TO, **options))


def test_totals_and_reasons(production: World) -> None:
    t = report_for(production)["totals"]
    assert (t["started"], t["first_pass"], t["scrapped"], t["downgraded"]) == (12, 4, 1, 2)
    assert t["fpy"] == pytest.approx(4 / 12)
    assert t["scrap_rate"] == pytest.approx(1 / 12)
    assert t["downgrade_rate"] == pytest.approx(2 / 12)
    assert t["reasons"] == EXPECTED_A["reasons"]


def test_by_line(production: World) -> None:
    lines = {r["line"]: r for r in report_for(production)["lines"]}
    figures = {
        k: (r["started"], r["first_pass"], r["scrapped"], r["downgraded"]) for k, r in lines.items()
    }
    assert figures == EXPECTED_LINES
    assert lines["SA-M01"]["fpy"] == pytest.approx(3 / 7)
    assert lines["SA-M02"]["fpy"] == pytest.approx(1 / 5)
    assert lines["SA-M02"]["downgrade_rate"] == pytest.approx(1 / 5)


def test_by_day_uses_the_site_local_date(production: World) -> None:
    days = {p["period"]: (p["started"], p["first_pass"]) for p in report_for(production)["periods"]}
    # A1-05 was flashed at 03:00 on the 2nd in Shanghai (19:00 UTC on the 1st): it is the 2nd's
    assert days == EXPECTED_DAYS
    rows = {(r["period"], r["line"]): r["started"] for r in report_for(production)["rows"]}
    assert rows == {
        ("2026-03-02", "SA-M01"): 5,
        ("2026-03-03", "SA-M02"): 5,
        ("2026-03-04", "SA-M01"): 2,
    }


def test_by_shift_3x8_and_2x12(production: World) -> None:
    shifts = {s["shift"]: (s["started"], s["first_pass"]) for s in report_for(production)["shifts"]}
    assert shifts == EXPECTED_SHIFTS  # A1-06 at 07:59:59 is shift C, A1-07 at 08:00 shift A
    twelve = report_for(production, shifts="2x12")["shifts"]
    assert {s["shift"]: (s["started"], s["first_pass"]) for s in twelve} == EXPECTED_SHIFTS_2X12
    line_shifts = {
        (r["line"], r["shift"]): r["started"] for r in report_for(production)["line_shifts"]
    }
    # A1: A1-01, A1-02, A1-07 (A); A1-03, A1-04 (B); A1-05, A1-06 (C); A2: four A, one B
    assert line_shifts == {
        ("SA-M01", "A"): 3,
        ("SA-M01", "B"): 2,
        ("SA-M01", "C"): 2,
        ("SA-M02", "A"): 4,
        ("SA-M02", "B"): 1,
    }
    assert [s["label"] for s in shift_table("3x8")] == [
        "A (08:00–16:00)",
        "B (16:00–24:00)",
        "C (00:00–08:00)",
    ]


def test_week_and_month_granularity(production: World) -> None:
    # 2026-03-02…04 is Monday to Wednesday of ISO week 10
    weeks = report_for(production, granularity="week")["periods"]
    assert [(p["period"], p["started"], p["first_pass"]) for p in weeks] == [("2026-W10", 12, 4)]
    months = report_for(production, granularity="month")["periods"]
    assert [(p["period"], p["started"]) for p in months] == [("2026-03", 12)]


def test_pareto_order_counts_and_cumulative_share(production: World) -> None:
    pareto = report_for(production)["pareto"]
    assert [(p["code"], p["count"]) for p in pareto] == [(c, n) for c, n, _ in EXPECTED_PARETO]
    assert [p["cumulative"] for p in pareto] == pytest.approx([c for *_, c in EXPECTED_PARETO])
    assert {p["code"]: p["source"] for p in pareto}["MOD-VIS-APP"] == "inspection"
    by_line = {(r["line"], r["code"]): r["count"] for r in report_for(production)["pareto_lines"]}
    # CRK-A: 3 on A2-02 (line 2, EL1) and 1 on A1-06 (line 1)
    assert by_line[("SA-M02", "CRK-A")] == 3 and by_line[("SA-M01", "CRK-A")] == 1
    by_period = {
        (r["period"], r["code"]): r["count"] for r in report_for(production)["pareto_periods"]
    }
    assert by_period[("2026-03-03", "CRK-A")] == 3 and by_period[("2026-03-04", "CRK-A")] == 1


def test_filters_line_site_and_product(production: World) -> None:
    line2 = second_line(production)
    t = report_for(production, line=line2)["totals"]
    assert (t["started"], t["first_pass"]) == (5, 1)  # A2-01…05
    pareto = {p["code"]: p["count"] for p in report_for(production, line=line2)["pareto"]}
    assert pareto == {"CRK-A": 3, "MOD-VIS-APP": 2, "HIPOT": 1}
    # A2-03 is the only TC-585: 11 TC-580 modules started, 3 of them first pass
    tc580 = ModuleModel.objects.get(code="TC-580")
    t = report_for(production, module_model=tc580)["totals"]
    assert (t["started"], t["first_pass"]) == (11, 3)
    t = report_for(production, "cqo", site=production.site_b)["totals"]
    assert (t["started"], t["first_pass"], t["downgraded"]) == (2, 1, 1)  # B-01, B-02 (C)


def test_scope_site_engineers_see_their_site_only(production: World) -> None:
    b = report_for(production, "eng_b")
    assert b["sites"] == ["SB"]
    assert (b["totals"]["started"], b["totals"]["first_pass"]) == (2, 1)
    assert [p["code"] for p in b["pareto"]] == ["BRK"]
    a = report_for(production, "eng_a")
    assert "BRK" not in [p["code"] for p in a["pareto"]]
    assert {r["site"] for r in a["lines"]} == {"SA"}
    # eng_a asking for site B's line gets nothing of it
    assert report_for(production, "eng_a", line=production.line_b)["totals"]["started"] == 0
    cqo = report_for(production, "cqo")["totals"]
    assert (cqo["started"], cqo["first_pass"], cqo["downgraded"]) == (14, 5, 3)
    for persona in ("supplier_x", "outsider"):
        nothing = report_for(production, persona)
        assert nothing["totals"]["started"] == 0 and nothing["pareto"] == []


def test_empty_period(production: World) -> None:
    report = yield_report(production.user("eng_a"), YieldQuery(date(2025, 1, 1), date(2025, 1, 31)))
    assert report["totals"]["started"] == 0 and report["totals"]["fpy"] is None
    assert report["rows"] == [] and report["pareto"] == []


@pytest.mark.parametrize(
    ("options", "message", "field"),
    [
        ({"date_from": date(2026, 3, 5)}, "The start date is after the end date.", "date_to"),
        ({"date_from": date(2025, 1, 1)}, "Choose at most 366 days.", "date_to"),
        ({"granularity": "hour"}, "Unknown granularity hour.", "granularity"),
        ({"shifts": "4x6"}, "Unknown shift pattern 4x6.", "shifts"),
    ],
)
def test_bad_queries_name_the_problem(
    world: World, options: dict, message: str, field: str
) -> None:
    values = {"date_from": DATE_FROM, "date_to": DATE_TO, **options}
    with pytest.raises(YieldError) as refused:
        yield_report(world.user("cqo"), YieldQuery(**values))
    assert str(refused.value) == message and refused.value.field == field


def test_a_line_of_another_site_is_refused(world: World) -> None:
    query = YieldQuery(DATE_FROM, DATE_TO, site=world.site_a, line=world.line_b)
    with pytest.raises(YieldError, match=r"Line SB-M01 is not at site SA\."):
        yield_report(world.user("cqo"), query)
