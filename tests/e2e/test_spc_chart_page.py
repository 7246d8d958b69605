"""The SPC chart page in a real browser: the control chart, the dispersion chart and the
histogram draw on canvases, a click on a violation lists the units behind it, no console
errors (CSP included).

Run: ``pytest tests/e2e/test_spc_chart_page.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from qdm.data.models import Specification
from qdm.manufacturing.services import evaluate_new_points
from tests.manufacturing.test_spc_monitoring import frozen_chart, new_points
from tests.personas import World

pytestmark = pytest.mark.e2e

FAVICON_404 = re.compile(r"404.*/favicon\.ico")
MARK_PIXEL = """(el) => {
  const chart = echarts.getInstanceByDom(el);
  const mark = chart.getOption().series[0].markPoint.data[0];
  return chart.convertToPixel({seriesIndex: 0}, mark.coord);
}"""


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_the_chart_page_draws_and_lists_the_units_behind_a_violation(
    login: Any, world: World, browser_errors: Any
) -> None:
    config = frozen_chart(world)
    Specification.objects.create(
        characteristic=config.characteristic,
        lsl=145.0,
        target=150.0,
        usl=155.0,
        valid_from=config.baseline_from - timedelta(days=1),
    )
    times = new_points(world, config, [0.5, -0.5, 0.2, 3.2, 0.4, 0.1])
    evaluate_new_points(config)
    page = login("eng_a")
    page.goto(config.get_chart_url())
    expect(page.locator("#spc-control")).to_have_attribute("data-ready", "1")
    expect(page.locator("#spc-control canvas")).to_have_count(1)
    expect(page.locator("#spc-secondary canvas")).to_have_count(1)
    expect(page.locator("#spc-histogram canvas")).to_have_count(1)
    expect(page.get_by_test_id("spc-capability")).to_contain_text("Cpk")
    expect(page.get_by_test_id("spc-violations")).to_contain_text("One point beyond 3σ")

    control = page.locator("#spc-control")
    x, y = page.evaluate(MARK_PIXEL, control.element_handle())
    box = control.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    subject = f"{config.line.code}-LAM-{times[3]:%Y%m%d%H%M}"
    expect(page.get_by_test_id("spc-point")).to_contain_text(subject)
    page.wait_for_load_state("networkidle")
    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    assert errors == []


def test_an_open_alert_is_acknowledged_on_the_violation_page(
    login: Any, world: World, browser_errors: Any
) -> None:
    from qdm.manufacturing.models import SpcViolation

    config = frozen_chart(world)
    new_points(world, config, [0.2, 3.6])
    [violation] = evaluate_new_points(config)
    page = login("eng_a")
    page.goto("/manufacturing/spc-violations/?open_alert=true")
    page.get_by_role("link", name=re.compile(violation.point_time.strftime("%Y"))).first.click()
    expect(page.get_by_test_id("open-alert")).to_be_visible()
    page.fill("[data-testid=acknowledge-form] input[name=note]", "Recipe restored, checked")
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("body")).to_contain_text("Violation acknowledged.")
    expect(page.get_by_test_id("open-alert")).to_have_count(0)
    violation = SpcViolation.objects.get(pk=violation.pk)
    assert violation.acknowledgement == "Recipe restored, checked"
    assert violation.acknowledged_by == world.user("eng_a")
    errors = [m for m in browser_errors.messages if "favicon" not in m]
    assert errors == []
