"""KPI drill-down in a real browser: a site quality manager picks the IQC acceptance rate of
site A for March on the cross-site KPI page, follows the value to the records behind it
(their count and pass share match the value), opens one lot, and reads the page in
Chinese; a site-scoped user neither sees site B's values nor reaches B's drill-down.

Run: ``pytest tests/e2e/test_cockpit_kpi_drill.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from qdm.cockpit.services import compute_kpis
from qdm.manufacturing.models import InspectionLot, InspectionPlan
from tests.manufacturing.test_inspection_builders import glass_lot, glass_plan
from tests.personas import World, make_user

pytestmark = pytest.mark.e2e

FAVICON_404 = re.compile(r"404.*/favicon\.ico")
MARCH = "2026-03"


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def add_lots(world: World, place: str, verdicts: list[str], at: datetime) -> None:
    """Completed IQC lots at site ``place`` inspected at ``at``, one per verdict."""
    plan = InspectionPlan.objects.filter(code=f"IQC-GLS-{place}").first() or glass_plan(
        world, place
    )
    site = world.where(place)
    start = InspectionLot.objects.filter(site=site).count()
    for i, verdict in enumerate(verdicts, start):
        InspectionLot.objects.create(
            number=f"IQC-{place}-{i}", plan=plan, site=site, unit=glass_lot(world, place),
            quantity=1000, inspected_at=at, verdict=verdict, status="completed",
            inspector=world.user("eng_a" if place == "A" else "eng_b"),
        )  # fmt: skip


@pytest.fixture
def march(world: World) -> World:
    """IQC lots on 2 March 2026: A 2 passed of 3 (66.67 %), B 1 passed of 4 (25.00 %);
    a site quality manager of A (``sqm_a``); the March KPIs computed."""
    at = datetime(2026, 3, 2, 4, tzinfo=UTC)  # 12:00 in Shanghai, 11:00 in Ho Chi Minh
    add_lots(world, "A", ["pass", "pass", "fail"], at)
    add_lots(world, "B", ["pass", "fail", "fail", "fail"], at)
    world.users["sqm_a"] = make_user("sqm_a", "site_quality_manager", site=world.site_a)
    compute_kpis(date(2026, 3, 31), 31, kpi_codes=["iqc_acceptance"])
    return world


def drill_url(site: str, month: str = MARCH) -> str:
    query = {"site": site, "period": f"{month}-01", "granularity": "month"}
    return f"{reverse('cockpit:kpi_drill', args=['iqc_acceptance'])}?{urlencode(query)}"


def percent(text: str) -> float:
    """``66.67 %`` → 66.67."""
    return float(text.replace("%", "").strip())


def test_quality_manager_drills_from_a_kpi_value_to_a_lot(
    login: Any, march: World, live_server: Any, browser_errors: Any
) -> None:
    # April: one more lot at A, so the page opens on April (the latest month) and March
    # has to be picked with the month field
    add_lots(march, "A", ["pass"], datetime(2026, 4, 7, 4, tzinfo=UTC))
    compute_kpis(date(2026, 4, 30), 30, kpi_codes=["iqc_acceptance"])
    page = login("sqm_a")
    page.goto("/cockpit/sites/")
    card = page.get_by_test_id("kpi-iqc_acceptance")
    expect(card.locator('tr[data-site="SA"]')).to_contain_text("100.00 %")  # 1 of 1 in April
    form = page.get_by_test_id("month-form")
    form.get_by_label("Month").fill(MARCH)
    with page.expect_navigation():
        form.get_by_role("button", name="Show").click()
    assert "month=2026-03" in page.url

    # the value of A in March: 2 passed of 3 lots (fixture) → 66.67 %
    link = card.locator('tr[data-site="SA"]').get_by_role("link")
    expect(link).to_have_text("66.67 %")
    shown = percent(link.inner_text())
    with page.expect_navigation():
        link.click()
    target = urlsplit(page.url)
    assert target.path == reverse("cockpit:kpi_drill", args=["iqc_acceptance"])
    assert parse_qs(target.query) == {
        "site": ["SA"], "period": ["2026-03-01"], "granularity": ["month"]
    }  # fmt: skip
    expect(page.get_by_test_id("drill-site")).to_contain_text("SA")
    expect(page.get_by_test_id("drill-value")).to_contain_text("66.67 %")
    expect(page.get_by_test_id("drill-value")).to_contain_text("numerator 2.00, denominator 3.00")

    # the listed records are the lots of A in March, and they give back the value
    rows = page.get_by_test_id("drill-records").locator("tbody tr")
    expect(rows).to_have_count(3)
    lots = [c.strip() for c in rows.locator("td:first-child").all_inner_texts()]
    assert lots == ["IQC-A-0", "IQC-A-1", "IQC-A-2"]  # not the April lot IQC-A-3, nor B's
    verdicts = [c.strip() for c in rows.locator("td:nth-child(3)").all_inner_texts()]
    assert round(100 * verdicts.count("Pass") / len(verdicts), 2) == shown

    # a record opens its own page
    lot = InspectionLot.objects.get(number="IQC-A-1")
    with page.expect_navigation():
        rows.get_by_role("link", name="IQC-A-1", exact=True).click()
    assert page.url == f"{live_server.url}{lot.get_absolute_url()}"
    expect(page.locator("h2.page-title")).to_contain_text("IQC-A-1")

    # the KPI page in Chinese (zh_Hans django.po: 基地对比, IQC 批合格率, 越高越好。)
    page.goto(f"/cockpit/sites/?month={MARCH}")
    with page.expect_navigation():
        page.get_by_test_id("lang-zh-hans").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h2.page-title")).to_have_text("基地对比")
    card = page.get_by_test_id("kpi-iqc_acceptance")
    expect(card.locator(".card-title")).to_have_text("IQC 批合格率")
    expect(card).to_contain_text("越高越好。")
    expect(card.locator('tr[data-site="SA"]').get_by_role("link")).to_have_text("66.67 %")

    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    assert errors == []


def test_site_scoped_user_sees_only_their_site(login: Any, march: World) -> None:
    page = login("sqm_a")
    page.goto(f"/cockpit/sites/?month={MARCH}")
    card = page.get_by_test_id("kpi-iqc_acceptance")
    expect(card.locator('tr[data-site="SA"]')).to_contain_text("66.67 %")
    expect(card.locator('tr[data-site="SB"]')).to_have_count(0)
    expect(card).not_to_contain_text("25.00 %")  # B's value (fixture: 1 passed of 4)
    expect(page.locator('tr[data-site="SB"]')).to_have_count(0)  # on no KPI card

    # the home tile is A's alone: 66.67 %, not A and B together (3 of 7 = 42.86 %)
    page.goto("/")
    expect(page.get_by_test_id("tile-iqc_acceptance")).to_contain_text("66.67 %")

    # B's drill-down is a 404 however it is reached; A's own answers
    response = page.goto(drill_url("SB"))
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text("IQC-B-")
    response = page.goto(drill_url("sb"))  # codes are case-sensitive: still not B's
    assert response is not None and response.status == 404
    response = page.goto(drill_url("SA"))
    assert response is not None and response.status == 200
    expect(page.get_by_test_id("drill-records").locator("tbody tr")).to_have_count(3)
