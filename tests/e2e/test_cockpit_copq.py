"""Quality loss in a real browser: the CQO opens the COPQ page of a site (stacked chart and
forecast drawn by cockpit-copq.js from the json_script data, no console error — CSP
included), then downloads the monthly quality report as XLSX from the report page.

Run: ``pytest tests/e2e/test_cockpit_copq.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from qdm.cockpit.copq import save_cost_record
from qdm.utilities.periods import add_months, month_start
from tests.personas import World

pytestmark = pytest.mark.e2e

FAVICON_404 = re.compile(r"404.*/favicon\.ico")
SCREENSHOTS = Path(
    os.environ.get("QDM_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "qdm-screenshots"
)


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_cqo_copq_page_and_report_download(login: Any, world: World, browser_errors: Any):
    from django.utils import timezone

    last = month_start(timezone.localdate())
    for k in range(12):
        save_cost_record(
            None,
            actor=world.user("cqo"),
            site=world.site_a,
            month=add_months(last, -k),
            category="inspection_labour",
            amount=Decimal(1000 + 10 * k),
            currency="CNY",
        )
    page = login("cqo")
    page.goto("/cockpit/copq/?site=SA&currency=CNY")
    chart = page.locator("#copq-chart")
    expect(chart).to_have_attribute("data-ready", "1")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("copq-table")).to_contain_text("1,000.00")
    expect(page.get_by_test_id("copq-forecast")).to_contain_text("chosen by the lowest backtest")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "cockpit-copq-en.png"), full_page=True)

    page.goto("/cockpit/reports/")
    form = page.get_by_test_id("report-form")
    form.locator("#report-site").select_option("SA")
    form.locator("#report-month").fill(last.strftime("%Y-%m"))
    form.locator("#report-format").select_option("xlsx")
    with page.expect_download() as info:
        form.get_by_role("button", name="Download").click()
    assert info.value.suggested_filename == f"quality-report-SA-{last:%Y-%m}-en.xlsx"
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    copq = {r[1]: r for r in wb["COPQ"].iter_rows(values_only=True)}
    assert copq["appraisal"][2] == 1000.0
    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    assert errors == []
