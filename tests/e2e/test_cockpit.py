"""The cockpit in a real browser: the CQO opens the cross-site view (sparklines drawn by
cockpit.js from the json_script data, no console errors — CSP included) and the alerts
centre, and acknowledges an SPC alert from there.

Run: ``pytest tests/e2e/test_cockpit.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from qdm.cockpit.alerts import scan
from qdm.cockpit.models import CockpitAlert, KpiValue
from qdm.manufacturing.models import SpcViolation
from tests.manufacturing.builders import make_chart
from tests.personas import World

pytestmark = pytest.mark.e2e

FAVICON_404 = re.compile(r"404.*/favicon\.ico")
SCREENSHOTS = Path(
    os.environ.get("QDM_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "qdm-screenshots"
)


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def twelve_months(world: World) -> None:
    """FPY of A climbing from 96.0 % to 97.1 %, B steady at 98.5 %, over 2025-04 … 2026-03."""
    rows = []
    for i in range(12):
        month = date(2025 + (3 + i) // 12, (3 + i) % 12 + 1, 1)
        for site, value in ((world.site_a, 96.0 + i / 10), (world.site_b, 98.5)):
            rows.append(
                KpiValue(kpi="fpy", site=site, granularity="month", period_start=month,
                         value=value, numerator=value * 10, denominator=1000)
            )  # fmt: skip
    KpiValue.objects.bulk_create(rows)


def test_cqo_cross_site_view_and_alerts_centre(
    login: Any, world: World, browser_errors: Any
) -> None:
    twelve_months(world)
    now = timezone.now()
    SpcViolation.objects.create(
        config=make_chart(world, "A"), part="primary", rule=1, point_time=now, value=151.0,
        detected_at=now,
    )  # fmt: skip
    page = login("cqo")
    page.goto("/cockpit/sites/?month=2026-03")
    card = page.get_by_test_id("kpi-fpy")
    expect(card).to_contain_text("98.50 %")
    expect(card).to_contain_text("97.10 %")
    # ranked, best first: B then A
    expect(card.locator("tbody tr").first).to_have_attribute("data-site", "SB")
    spark = card.locator('.cockpit-spark[data-site="SA"]')
    expect(spark).to_have_attribute("data-ready", "1")
    expect(spark.locator("canvas")).to_have_count(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "cockpit-sites-en.png"), full_page=True)

    scan()  # the daily job materialises the alert
    page.goto("/cockpit/alerts/")
    spc = page.get_by_test_id("alerts-spc")
    expect(spc).to_contain_text("LAM-TEMP")
    page.screenshot(path=str(SCREENSHOTS / "cockpit-alerts-en.png"), full_page=True)
    # the cockpit alert is acknowledged by the CQO …
    form = spc.get_by_test_id("alert-acknowledge")
    form.get_by_placeholder("Note").fill("Seen: heater zone 3 checked")
    with page.expect_navigation():
        form.get_by_role("button", name="Acknowledge", exact=True).click()
    alert = CockpitAlert.objects.get(kind="spc")
    assert alert.acknowledged_at is not None and alert.acknowledged_by == world.user("cqo")
    assert SpcViolation.objects.get().acknowledged_at is None  # manufacturing's own state
    # … then the violation itself in manufacturing; the next scan closes the alert
    page.goto("/cockpit/alerts/")
    spc = page.get_by_test_id("alerts-spc")
    spc.locator("form:not([data-testid])").get_by_placeholder("Note").fill("Heater replaced")
    with page.expect_navigation():
        spc.get_by_role("button", name="Acknowledge the violation").click()
    assert SpcViolation.objects.get().acknowledged_at is not None
    assert scan().closed == 1
    page.goto("/cockpit/alerts/?state=open")
    expect(page.get_by_test_id("alerts-spc")).to_contain_text("Nothing here.")

    page.goto("/")
    expect(page.get_by_test_id("kpi-tiles")).to_contain_text("2026-03")
    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    assert errors == []
