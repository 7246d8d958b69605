"""Site → line → product breakdowns of the cockpit KPIs: the yield KPIs per module model
(and line) from one grouped statement, the open SPC alerts per line, scoping of the
product values, and drill-downs whose records add up to the product or line value. Every
expected number is worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qdm.cockpit.kpis import REGISTRY, clear_caches, open_spc_alerts
from qdm.cockpit.kpis_drill import RECORDS, Scope
from qdm.cockpit.models import KpiBreakdown, KpiValue
from qdm.cockpit.services import compute_kpis
from qdm.data.models import ElResult, FlashTest, Unit
from qdm.manufacturing import selectors as mfg
from qdm.manufacturing.models import SpcViolation
from tests.manufacturing.builders import make_chart
from tests.manufacturing.test_inspection_builders import module_model
from tests.manufacturing.test_yield_builders import build_production, second_line
from tests.personas import World

pytestmark = pytest.mark.django_db

SHANGHAI, SAIGON = ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Ho_Chi_Minh")
MARCH, WEEK_10 = date(2026, 3, 1), date(2026, 3, 2)
YIELD = ["fpy", "scrap_rate", "downgrade_rate"]

# (site, line, model, day of March, kinds): "fp" flashed once and EL2 A = first pass;
# "retest" flashed twice = not first pass; "elb" EL2 grade B = not first pass, downgraded.
# No binning rule: the lowest class is 0.97 × 580 W = 562.6 W, every module flashes 582 W.
# fmt: off
PRODUCTION = [
    ("A", "A1", "M-1", 3, ["fp", "fp", "fp", "retest"]),      # 4 started, 3 FP
    ("A", "A1", "M-2", 3, ["fp", "elb"]),                     # 2 started, 1 FP, 1 down
    ("A", "A2", "M-1", 4, ["fp", "fp"]),                      # 2 started, 2 FP
    ("A", "A2", "M-2", 4, ["fp", "retest", "retest", "elb"]),  # 4 started, 1 FP, 1 down
    ("B", "B", "M-1", 3, ["retest", "retest"]),               # 2 started, 0 FP
    ("B", "B", "M-2", 3, ["fp"]),                             # 1 started, 1 FP
]
# fmt: on
# Site A, March (= ISO week 10: the 3rd and 4th are Tuesday and Wednesday):
#   M-1: started 4 + 2 = 6, first pass 3 + 2 = 5 → FPY 5/6 = 83.33 %; downgraded 0
#   M-2: started 2 + 4 = 6, first pass 1 + 1 = 2 → FPY 2/6 = 33.33 %; downgraded 2 → 33.33 %
#   line SA-M01 (A1): 4 + 2 = 6 started, 3 + 1 = 4 FP; line SA-M02 (A2): 2 + 4 = 6, 2 + 1 = 3
#   site: 12 started, 7 FP → 58.33 %
# Site B: M-1 2 started 0 FP (0 %), M-2 1 started 1 FP (100 %).
EXPECTED_A = {"M-1": (5.0, 6.0), "M-2": (2.0, 6.0)}


def build(world: World) -> None:
    models = {code: module_model(code) for code in ("M-1", "M-2")}
    lines = {"A1": world.line_a, "A2": second_line(world), "B": world.line_b}
    flashes, els = [], []
    for place, line_key, model, day, kinds in PRODUCTION:
        line = lines[line_key]
        site = line.workshop.site
        tz = SHANGHAI if place == "A" else SAIGON
        for i, kind in enumerate(kinds):
            serial = f"{line_key}-{model}-{i}"
            at = datetime(2026, 3, day, 10, i, tzinfo=tz)
            Unit.objects.create(
                code=serial, kind="module", site=site, line=line,
                module_model=models[model], produced_at=at,
            )  # fmt: skip
            for t in [at, at + timedelta(minutes=30)] if kind == "retest" else [at]:
                flashes.append(
                    FlashTest(
                        site=site, line=line, serial=serial, tested_at=t, irradiance_wm2=1000,
                        module_temp_c=25, pmax_w=582.0, voc_v=52.3, isc_a=14.0, vmp_v=43.6,
                        imp_a=13.35, ff_pct=79.5,
                    )
                )  # fmt: skip
            els.append(
                ElResult(
                    site=site, line=line, serial=serial, tested_at=at + timedelta(minutes=4),
                    stage="EL2", grade="B" if kind == "elb" else "A", defects=[],
                )
            )  # fmt: skip
    FlashTest.objects.bulk_create(flashes)
    ElResult.objects.bulk_create(els)


def parts(kpi: str, site, dimension: str, granularity: str = "month", period=MARCH) -> dict:
    rows = KpiBreakdown.objects.filter(
        kpi=kpi, site=site, dimension=dimension, granularity=granularity, period_start=period
    ).select_related("line", "product")
    return {
        (r.product.code if r.product_id else r.line.code): (r.numerator, r.denominator, r.value)
        for r in rows
    }


def drill_url(code: str, **params: str) -> str:
    return f"{reverse('cockpit:kpi_drill', args=[code])}?{urlencode(params)}"


@pytest.fixture
def production(world: World) -> World:
    build(world)
    compute_kpis(date(2026, 3, 4), 2, kpi_codes=YIELD)
    return world


def test_yield_kpis_per_product_and_line(production: World) -> None:
    w = production
    fpy = parts("fpy", w.site_a, "product")
    assert {k: v[:2] for k, v in fpy.items()} == EXPECTED_A
    assert fpy["M-1"][2] == pytest.approx(100 * 5 / 6)
    assert fpy["M-2"][2] == pytest.approx(100 * 2 / 6)
    # the ISO week 10 holds the same two days
    assert {k: v[:2] for k, v in parts("fpy", w.site_a, "product", "week", WEEK_10).items()} == (
        EXPECTED_A
    )
    # day rows: M-1 on the 3rd only A1's 4 started / 3 FP, on the 4th A2's 2 / 2
    assert parts("fpy", w.site_a, "product", "day", date(2026, 3, 3))["M-1"][:2] == (3.0, 4.0)
    assert parts("fpy", w.site_a, "product", "day", date(2026, 3, 4))["M-1"][:2] == (2.0, 2.0)
    # downgrade per model: M-2 2 of 6, M-1 none of 6; scrap: none anywhere
    down = parts("downgrade_rate", w.site_a, "product")
    assert down["M-2"][:2] == (2.0, 6.0) and down["M-1"][:2] == (0.0, 6.0)
    assert {v[0] for v in parts("scrap_rate", w.site_a, "product").values()} == {0.0}
    # lines from the same rows: SA-M01 4 of 6, SA-M02 3 of 6
    assert {k: v[:2] for k, v in parts("fpy", w.site_a, "line").items()} == {
        "SA-M01": (4.0, 6.0),
        "SA-M02": (3.0, 6.0),
    }
    # the site: 7 of 12; the products add up to it (every unit has a model)
    site = KpiValue.objects.get(kpi="fpy", site=w.site_a, granularity="month")
    assert (site.numerator, site.denominator) == (7.0, 12.0)
    assert sum(v[0] for v in fpy.values()) == site.numerator
    # site B has its own product values: M-1 0 of 2, M-2 1 of 1
    assert {k: v[:2] for k, v in parts("fpy", w.site_b, "product").items()} == {
        "M-1": (0.0, 2.0),
        "M-2": (1.0, 1.0),
    }


def test_one_yield_statement_for_every_product(world: World) -> None:
    build(world)
    clear_caches()  # compute_kpis does so before and after a run
    with CaptureQueriesContext(connection) as run:
        REGISTRY["fpy"].compute([world.site_a], date(2026, 3, 3), date(2026, 3, 4))
    statements = [q["sql"] for q in run.captured_queries if "first_s" in q["sql"]]
    assert len(statements) == 1  # one grouped statement, not one per model or line
    with CaptureQueriesContext(connection) as more:
        module_model("M-3")  # a third model does not add a statement
        clear_caches()
        REGISTRY["fpy"].compute([world.site_a], date(2026, 3, 3), date(2026, 3, 4))
    clear_caches()
    assert len([q for q in more.captured_queries if "first_s" in q["sql"]]) == 1


def test_product_rows_agree_with_the_yield_report(world: World) -> None:
    """The richer yield fixture (retests, MRB, OQC, binning rule): per model of site A
    (test_yield_builders' comments) TC-585 is A2-03 only, first pass; TC-580 the other 11
    started, first pass A1-01, A1-06, A1-07 = 3, scrapped A1-05, downgraded A1-03, A2-05."""
    build_production(world)
    rows = mfg.cockpit_yield_days_by_model(
        world.user("cqo"), date(2026, 3, 2), date(2026, 3, 4), world.site_a
    )
    by_model: dict[str, list[int]] = {}
    for r in rows:
        cell = by_model.setdefault(r["module_model"], [0, 0, 0, 0])
        for i, name in enumerate(("started", "first_pass", "scrapped", "downgraded")):
            cell[i] += r[name]
    assert by_model == {"TC-580": [11, 3, 1, 2], "TC-585": [1, 1, 0, 0]}
    # per line they are the yield report's own rows
    report = mfg.cockpit_yield_days(world.user("cqo"), date(2026, 3, 2), date(2026, 3, 4))
    mine: dict[tuple, list[int]] = {}
    for r in rows:
        cell = mine.setdefault((r["day"].isoformat(), r["line"]), [0, 0, 0, 0])
        for i, name in enumerate(("started", "first_pass", "scrapped", "downgraded")):
            cell[i] += r[name]
    theirs = {
        (r["period"], r["line"]): [r["started"], r["first_pass"], r["scrapped"], r["downgraded"]]
        for r in report
        if r["site"] == "SA"
    }
    assert mine == theirs


def test_a_site_user_sees_only_the_product_values_of_the_site(production: World, api_for):
    w = production
    eng_a = w.user("eng_a")
    seen = KpiBreakdown.objects.for_user(eng_a, "view").filter(
        kpi="fpy", dimension="product", granularity="month"
    )
    # M-1 at site A only (5 of 6), never site B's 0 of 2
    assert {(r.site.code, r.product.code, r.numerator, r.denominator) for r in seen} == {
        ("SA", "M-1", 5.0, 6.0),
        ("SA", "M-2", 2.0, 6.0),
    }
    response = api_for("eng_b").get(
        "/api/v1/cockpit/kpi-breakdowns/",
        {"kpi": "fpy", "dimension": "product", "granularity": "month"},
    )
    assert response.status_code == 200
    assert {(r["site"], r["product"], r["value"]) for r in response.json()["results"]} == {
        ("SB", "M-1", 0.0),
        ("SB", "M-2", 100.0),
    }
    # the selector itself reads through for_user: eng_b's rows are site B's
    rows = mfg.cockpit_yield_days_by_model(w.user("eng_b"), date(2026, 3, 3), date(2026, 3, 4))
    assert {r["site_id"] for r in rows} == {w.site_b.pk}


def test_the_product_drill_lists_the_records_behind_the_value(production: World, client_for):
    response = client_for("eng_a").get(
        drill_url("fpy", site="SA", period="2026-03-01", product="M-1")
    )
    assert response.status_code == 200
    rows = [row for row, _url in response.context["rows"]]
    # M-1 at site A: A1 on the 3rd (4 started, 3 FP), A2 on the 4th (2, 2)
    assert rows == [
        [date(2026, 3, 3), "SA-M01", "M-1", 4, 3, 0, 0],
        [date(2026, 3, 4), "SA-M02", "M-1", 2, 2, 0, 0],
    ]
    stored = KpiBreakdown.objects.get(
        kpi="fpy", dimension="product", site=production.site_a, product__code="M-1",
        granularity="month", period_start=MARCH,
    )  # fmt: skip
    assert (sum(r[4] for r in rows), sum(r[3] for r in rows)) == (
        stored.numerator,
        stored.denominator,
    )
    totals = response.context["drill"].totals
    assert totals["value"] == pytest.approx(stored.value)  # 5 / 6 = 83.33 %
    body = response.content.decode()
    shown = body[body.index('data-testid="drill-totals"') :].split("</dd>")[0]
    assert "83.33 %" in shown and "numerator 5, denominator 6" in shown
    # the product's link is listed with the site's breakdowns
    assert any(p["code"] == "M-1" for p in response.context["values"]["parts"])


def test_line_and_product_drills_add_up(production: World) -> None:
    w = production
    line_a2 = second_line(w)
    m2 = module_model("M-2")
    for kpi, metric in (("fpy", 4), ("downgrade_rate", 6)):
        for line, product in ((None, m2), (line_a2, None), (line_a2, m2)):
            scope = Scope(w.site_a, MARCH, date(2026, 3, 31), line=line, product=product)
            drill = RECORDS[kpi](scope)
            where = {"line": line} if line else {"product": product}
            if line and product:  # no stored line × model value: the records alone
                # A2 × M-2: 4 started, 1 FP, 1 downgraded
                assert [r[3:] for r in drill.rows] == [[4, 1, 0, 1]]
                continue
            stored = KpiBreakdown.objects.get(
                kpi=kpi, site=w.site_a, granularity="month", period_start=MARCH, **where
            )
            assert drill.totals["numerator"] == sum(r[metric] for r in drill.rows)
            assert (drill.totals["numerator"], drill.totals["denominator"]) == (
                stored.numerator,
                stored.denominator,
            )


def test_a_product_drill_at_a_site_out_of_scope_is_a_404(production: World, client_for):
    response = client_for("eng_a").get(
        drill_url("fpy", site="SB", period="2026-03-01", product="M-1")
    )
    assert response.status_code == 404
    bad = client_for("eng_a").get(drill_url("fpy", site="SA", period="2026-03-01", product="NO"))
    assert bad.status_code == 400 and "NO" in bad.content.decode()


def test_open_spc_alerts_per_line(world: World, client_for) -> None:
    chart_a1 = make_chart(world, "A")
    chart_a2 = make_chart(world, "A", name="LAM-TEMP SA-M02 I-MR", line=second_line(world))
    d3 = datetime(2026, 3, 3, 2, tzinfo=UTC)  # 10:00 on the 3rd in Shanghai

    def violation(config, detected: datetime, acked: datetime | None) -> None:
        SpcViolation.objects.create(
            config=config, part="primary", rule=SpcViolation.objects.count() + 1,
            point_time=detected, value=151.0, detected_at=detected, acknowledged_at=acked,
        )  # fmt: skip

    violation(chart_a1, d3 - timedelta(days=10), None)  # A1: open since February
    violation(chart_a1, d3, d3 + timedelta(days=1))  # A1: open the 3rd, closed the 4th
    violation(chart_a2, d3, d3 + timedelta(days=1))  # A2: open the 3rd, closed the 4th
    figures = open_spc_alerts([world.site_a], date(2026, 3, 2), date(2026, 3, 5))
    a1, a2 = world.line_a.pk, chart_a2.line_id
    # A1 end of day: 2nd 1, 3rd 2, 4th 1, 5th 1 (open every day → a row every day)
    assert [figures[(world.site_a.pk, date(2026, 3, d), a1, None)][0] for d in (2, 3, 4, 5)] == [
        1.0, 2.0, 1.0, 1.0,
    ]  # fmt: skip
    # A2: nothing open on the 2nd (no row), 1 on the 3rd, 0 on the 4th (closed: a row), none
    # on the 5th — so the week ends on 0, not on the 3rd's 1
    assert {k[1]: v[0] for k, v in figures.items() if k[2:] == (a2, None)} == {
        date(2026, 3, 3): 1.0,
        date(2026, 3, 4): 0.0,
    }
    # the site: 1, 3, 1, 1 (lines add up: every chart here is a line chart)
    assert [figures[(world.site_a.pk, date(2026, 3, d))][0] for d in (2, 3, 4, 5)] == [
        1.0, 3.0, 1.0, 1.0,
    ]  # fmt: skip
    compute_kpis(date(2026, 3, 5), 4, kpi_codes=["open_spc_alerts"])
    week = parts("open_spc_alerts", world.site_a, "line", "week", WEEK_10)
    assert {k: v[0] for k, v in week.items()} == {"SA-M01": 1.0, "SA-M02": 0.0}
    # the line drill at the end of the 3rd lists exactly A1's two open violations
    response = client_for("eng_a").get(
        drill_url(
            "open_spc_alerts", site="SA", period="2026-03-03", granularity="day", line="SA-M01"
        )
    )
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2
    assert all(row[0] == chart_a1.name for row, _url in response.context["rows"])


def test_complaints_per_line_and_product(world: World) -> None:
    from qdm.service.models import ComplaintItem
    from tests.service.builders import make_complaint

    m1, m2 = module_model("M-1"), module_model("M-2")
    a1, a2 = world.line_a, second_line(world)
    units = {
        key: Unit.objects.create(
            code=f"SA-{key}", kind="module", site=world.site_a, line=line, module_model=model
        )
        for key, line, model in (("a1m1", a1, m1), ("a1m2", a1, m2), ("a2m1", a2, m1))
    }
    day = date(2026, 3, 3)
    for keys in (["a1m1", "a1m2"], ["a1m1", "a2m1"], ["a2m1"]):
        complaint = make_complaint(world, received_on=day)
        for key in keys:
            ComplaintItem.objects.create(
                complaint=complaint, serial=units[key].code, unit=units[key], symptom="DELAM"
            )
    compute_kpis(day, 1, kpi_codes=["complaints"])
    # the site: 3 complaints; SA-M01: the 1st (two of its modules: once) and the 2nd = 2;
    # SA-M02: the 2nd and the 3rd = 2; M-1: all three = 3; M-2: the 1st = 1
    site = KpiValue.objects.get(kpi="complaints", site=world.site_a, granularity="day")
    assert site.numerator == 3.0
    assert {k: v[0] for k, v in parts("complaints", world.site_a, "line", "day", day).items()} == {
        "SA-M01": 2.0,
        "SA-M02": 2.0,
    }
    assert {
        k: v[0] for k, v in parts("complaints", world.site_a, "product", "day", day).items()
    } == {"M-1": 3.0, "M-2": 1.0}
    # the line drill lists the items of that line: SA-M02's modules in two complaints
    drill = RECORDS["complaints"](Scope(world.site_a, day, day, line=a2))
    assert len({row[0] for row in drill.rows}) == 2 and {row[3] for row in drill.rows} == {
        "SA-a2m1"
    }
