"""The CQO's journey in a real browser: log in, land on the CQO home page (KPI tiles with
sparklines against the goal, the risk widget loaded by HTMX), open the cross-site view, a
goal, the alerts centre, the risk view and the factory wall — in English and in Chinese,
with no console error (CSP included). Screenshots go to a scratch folder, or to docs/ with
``QDM_SCREENSHOTS_DIR=docs/screenshots`` (``make screenshots``).

Run: ``pytest tests/e2e/test_cockpit_cqo.py -v`` (skipped without /usr/bin/chromium).
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
from qdm.cockpit.models import KpiValue, QualityGoal
from qdm.data.models import MaterialCategory
from qdm.manufacturing.models import SpcViolation
from qdm.supplier.models import Scorecard
from tests.manufacturing.builders import make_chart
from tests.personas import World

pytestmark = pytest.mark.e2e

FAVICON_404 = re.compile(r"404.*/favicon\.ico")
SCREENSHOTS = Path(
    os.environ.get("QDM_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "qdm-screenshots"
)
YEAR = timezone.localdate().year


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def cockpit_data(world: World) -> QualityGoal:
    """Twelve months of FPY up to March of this year (A climbing 96.0 → 97.1 %, B steady at
    98.5 %), a group FPY goal of 98.5 % (forecast to miss), an open SPC alert at A and a
    supplier whose incoming ppm rose three months running; the alerts scan has run."""
    rows = []
    for i in range(12):
        index = YEAR * 12 + 2 - 11 + i  # March of YEAR is the last month
        month = date(index // 12, index % 12 + 1, 1)
        for site, value in ((world.site_a, 96.0 + i / 10), (world.site_b, 98.5)):
            rows.append(
                KpiValue(kpi="fpy", site=site, granularity="month", period_start=month,
                         value=value, numerator=value * 10, denominator=1000)
            )  # fmt: skip
    KpiValue.objects.bulk_create(rows)
    goal = QualityGoal.objects.create(
        code="G-FPY", title="Group module FPY", year=YEAR, kpi="fpy", direction="at_least",
        target=98.5, amber_band=0.3, owner=world.user("cqo"),
    )  # fmt: skip
    now = timezone.now()
    SpcViolation.objects.create(
        config=make_chart(world, "A"), part="primary", rule=1, point_time=now, value=151.0,
        detected_at=now,
    )  # fmt: skip
    glass, _ = MaterialCategory.objects.get_or_create(
        code="GLASS", defaults={"name": "光伏玻璃", "name_en": "Solar glass"}
    )
    for month, found in ((1, 1), (2, 2), (3, 4)):
        Scorecard.objects.create(
            supplier=world.supplier_x, category=glass, month=date(YEAR, month, 1),
            grade="C" if month == 3 else "B", score=70.0 + month, ppm=found * 1000.0,
            items_sampled=1000, items_nonconforming=found,
        )  # fmt: skip
    scan()  # the daily job materialises the alerts the centre lists
    return goal


def switch_language(page: Any, code: str) -> None:
    with page.expect_navigation():
        page.get_by_test_id(f"lang-{code}").click()


def test_cqo_journey_and_screenshots(login: Any, world: World, browser_errors: Any) -> None:
    goal = cockpit_data(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = login("cqo")
    for language in ("en", "zh-hans"):
        if language != "en":
            page.goto("/")  # the wall has no navbar: switch from the home page
            switch_language(page, language)
        expect(page.locator("html")).to_have_attribute("lang", language)

        # 1. the CQO home page: tiles with sparklines, the risk widget loaded by HTMX
        page.goto("/")
        expect(page.get_by_test_id("home-widgets")).to_be_visible()
        tiles = page.get_by_test_id("kpi-tiles")
        expect(tiles.locator('[data-kpi="fpy"]')).to_contain_text("%")
        expect(tiles.locator(".cockpit-tile-spark canvas").first).to_be_visible()
        risks = page.locator('[data-widget="top_risks"]')
        expect(risks).to_contain_text("G-FPY")
        expect(risks).to_contain_text("SUP-X")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"cockpit-home-{language}.png"), full_page=True)

        # 2. the cross-site view, from the KPI widget's link
        page.get_by_test_id("widget-kpi_tiles").locator(".card-actions a").click()
        page.wait_for_url("**/cockpit/sites/")
        card = page.get_by_test_id("kpi-fpy")
        expect(card.locator("tbody tr").first).to_have_attribute("data-site", "SB")
        page.screenshot(
            path=str(SCREENSHOTS / f"cockpit-cross-site-{language}.png"), full_page=True
        )

        # 3. the goal, from its tile on the home page
        page.goto(f"/cockpit/quality-goals/{goal.pk}/")
        expect(page.locator("body")).to_contain_text("G-FPY")
        page.screenshot(path=str(SCREENSHOTS / f"cockpit-goal-{language}.png"), full_page=True)

        # 4. the alerts centre
        page.goto("/cockpit/alerts/")
        expect(page.get_by_test_id("alerts-spc")).to_contain_text("LAM-TEMP")
        page.screenshot(path=str(SCREENSHOTS / f"cockpit-alerts-{language}.png"), full_page=True)

        # 5. the risk view: the goal forecast to miss and the supplier with rising ppm
        page.goto("/cockpit/risks/")
        rows = page.get_by_test_id("risk-row")
        expect(rows).to_have_count(2)
        expect(page.locator('[data-kind="supplier_ppm"]')).to_contain_text("4000 ppm")
        page.screenshot(path=str(SCREENSHOTS / f"cockpit-risks-{language}.png"), full_page=True)

        # 6. the factory wall of site A: big tiles, today's FPY, the open alert; polling
        page.goto("/cockpit/wall/?site=SA")
        expect(page.get_by_test_id("wall-site")).to_contain_text("SA")
        expect(page.get_by_test_id("wall-alert-count")).to_have_text("1")
        expect(page.get_by_test_id("wall")).to_have_attribute("hx-trigger", "every 60s")
        page.screenshot(path=str(SCREENSHOTS / f"cockpit-wall-{language}.png"), full_page=True)

    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    assert errors == []
