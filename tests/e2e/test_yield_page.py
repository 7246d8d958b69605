"""The yield page in a real browser on demo-like data (a week of two lines at site A with
the demo generator's EL defect rates): the FPY trend and the Pareto draw on canvases, the
tables fill, the filters reload the page, the export downloads, no console errors (CSP
included).

Run: ``pytest tests/e2e/test_yield_page.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from qdm.data.generator_facts import EL_RATES
from qdm.data.models import ElResult, FlashTest, Unit
from tests.manufacturing.test_inspection_builders import binning_rule, module_model
from tests.manufacturing.test_yield_builders import second_line
from tests.personas import World

pytestmark = pytest.mark.e2e

FAVICON_404 = re.compile(r"404.*/favicon\.ico")
MODULES = 600
# a screenshot for the docs: a scratch folder unless `make screenshots` points it at docs/
SCREENSHOTS = Path(
    os.environ.get("QDM_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "qdm-screenshots"
)


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def demo_week(world: World) -> int:
    """600 modules over the last 6 days on two lines of site A: Pmax ~ N(582, 4) W, EL2
    defects Poisson at the generator's rates (×5 so the Pareto has bars), 2 % retested."""
    rng = np.random.default_rng(7)
    binning_rule(first_class_w=570, last_class_w=595, guard_band_w="0.5")
    model = module_model()
    lines = [world.line_a, second_line(world)]
    now = timezone.now().replace(microsecond=0)
    offsets = np.sort(rng.integers(3600, 6 * 86400, MODULES))
    units, flashes, els = [], [], []
    for i, seconds in enumerate(offsets.tolist()):
        line = lines[i % 2]
        serial = f"SAM0{i % 2 + 1}-2603-{i:06d}"
        at = now - timedelta(seconds=seconds)
        units.append(
            Unit(code=serial, kind="module", site=world.site_a, line=line, module_model=model)
        )
        pmax = float(rng.normal(582, 4))
        for k in range(2 if rng.random() < 0.02 else 1):
            flashes.append(
                FlashTest(
                    site=world.site_a,
                    line=line,
                    serial=serial,
                    tested_at=at + timedelta(minutes=20 * k),
                    irradiance_wm2=1000,
                    module_temp_c=25,
                    pmax_w=pmax,
                    voc_v=52.3,
                    isc_a=14.0,
                    vmp_v=43.6,
                    imp_a=13.35,
                    ff_pct=79.5,
                )
            )
        defects = [
            {"code": code, "cell": "B07"}
            for code, rate in EL_RATES.items()
            for _ in range(int(rng.poisson(rate * 5)))
        ]
        codes = {d["code"] for d in defects}
        grade = "C" if codes & {"CRK-C", "BRK", "SOLD"} else "B" if codes & {"CRK-B"} else "A"
        els.append(
            ElResult(
                site=world.site_a,
                line=line,
                serial=serial,
                tested_at=at + timedelta(minutes=4),
                stage="EL2",
                grade=grade,
                defects=defects,
            )
        )
    Unit.objects.bulk_create(units)
    FlashTest.objects.bulk_create(flashes)
    ElResult.objects.bulk_create(els)
    return MODULES


def test_the_yield_page_draws_its_charts_and_tables_screenshots(
    login: Any, world: World, browser_errors: Any
) -> None:
    demo_week(world)
    page = login("eng_a")
    page.goto("/manufacturing/yield/")
    expect(page.locator("#yield-trend")).to_have_attribute("data-ready", "1")
    expect(page.locator("#yield-trend canvas")).to_have_count(1)
    expect(page.locator("#yield-pareto")).to_have_attribute("data-ready", "1")
    expect(page.locator("#yield-pareto canvas")).to_have_count(1)
    expect(page.get_by_test_id("yield-totals")).to_contain_text(str(MODULES))
    expect(page.get_by_test_id("yield-fpy")).to_contain_text("%")
    table = page.get_by_test_id("yield-table")
    expect(table).to_contain_text("SA-M01")
    expect(table).to_contain_text("SA-M02")
    assert table.locator("tbody tr").count() >= 12  # 6–7 days × 2 lines
    expect(page.get_by_test_id("yield-pareto")).to_contain_text("CRK-A")
    expect(page.get_by_test_id("yield-shifts")).to_contain_text("SA-M02")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "yield-en.png"), full_page=True)

    # the filters reload the page: one line, by week
    page.select_option("#id_line", "SA-M02")
    page.select_option("#id_granularity", "week")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    expect(page.locator("#yield-trend")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("yield-table")).not_to_contain_text("SA-M01")
    assert re.search(r"\d{4}-W\d{2}", page.get_by_test_id("yield-table").inner_text())

    with page.expect_download() as download:
        page.get_by_test_id("yield-export").click()
    assert download.value.suggested_filename.startswith("yield-")

    # a bad date is a form error, not a crash
    page.goto("/manufacturing/yield/?date_from=2026-02-30")
    expect(page.get_by_test_id("yield-error")).to_contain_text("Enter a valid date.")
    page.wait_for_load_state("networkidle")
    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    # the bad-date page answers 400, which the console reports; nothing else may appear
    errors = [m for m in errors if "status of 400" not in m]
    assert errors == []
