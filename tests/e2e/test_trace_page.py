"""The trace page in a real browser: trace a module, the ECharts graph draws, the table
lists the upstream units, clicking a node re-traces from it, no console errors.

Run: ``pytest tests/e2e/test_trace_page.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.data.test_trace import build_genealogy
from tests.personas import World

pytestmark = pytest.mark.e2e

FAVICON_404 = re.compile(r"404.*/favicon\.ico")
NODE_PIXEL = """(args) => {
  const [el, name] = args;
  const chart = echarts.getInstanceByDom(el);
  const node = chart.getOption().series[0].data.find((n) => n.name === name);
  return chart.convertToPixel({seriesIndex: 0}, [node.x, node.y]);
}"""


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def real_errors(browser_errors: Any) -> list[str]:
    return [m for m in browser_errors.messages if not FAVICON_404.search(m)]


def click_node(page: Any, name: str) -> None:
    graph = page.locator("#trace-graph")
    x, y = page.evaluate(NODE_PIXEL, [graph.element_handle(), name])
    box = graph.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_trace_a_module_and_retrace_from_a_node(
    login: Any, world: World, browser_errors: Any
) -> None:
    build_genealogy(world)
    page = login("eng_a")
    page.goto("/data/trace/")
    page.get_by_test_id("trace-code").fill("M1")
    page.get_by_test_id("trace-direction").select_option("backward")
    with page.expect_navigation():
        page.get_by_test_id("trace-submit").click()
    expect(page.locator("#trace-graph canvas")).to_have_count(1)
    expect(page.locator("#trace-graph")).to_have_attribute("data-ready", "1")
    codes = page.locator("[data-testid=trace-table] tbody tr td:first-child").all_inner_texts()
    assert [c.strip() for c in codes] == ["C1", "C2", "E1", "G1", "W1", "I1", "P1"]
    page.wait_for_load_state("networkidle")
    assert real_errors(browser_errors) == [], "backward trace"

    # a click on the wafer lot's node traces again from it
    with page.expect_navigation():
        click_node(page, "W1")
    expect(page).to_have_url(re.compile(r"[?&]code=W1(&|$)"))
    expect(page.locator("#trace-graph canvas")).to_have_count(1)
    codes = page.locator("[data-testid=trace-table] tbody tr td:first-child").all_inner_texts()
    assert [c.strip() for c in codes] == ["I1", "P1"]

    # and forward from the glass lot: the modules, pallets and the customer's project
    page.goto("/data/trace/?code=G1&direction=forward")
    expect(page.locator("#trace-graph canvas")).to_have_count(1)
    expect(page.get_by_test_id("trace-customers")).to_contain_text("Solar Park North")
    codes = page.locator("[data-testid=trace-table] tbody tr td:first-child").all_inner_texts()
    assert [c.strip() for c in codes] == ["M1", "M2", "M3", "PL1", "PL2", "S1"]
    page.wait_for_load_state("networkidle")
    assert real_errors(browser_errors) == [], "forward trace"


def test_flash_test_page_draws_the_iv_curve_and_leads_to_the_trace(
    login: Any, world: World, browser_errors: Any
) -> None:
    from qdm.data.models import FlashTest
    from tests.data.factories import flash
    from tests.data.test_flash_pages import CURVE

    build_genealogy(world)
    test = flash(world, "A", "M1")
    FlashTest.objects.filter(pk=test.pk).update(iv_curve=CURVE)
    page = login("eng_a")
    page.goto("/data/flash-tests/")
    expect(page.get_by_test_id("iv-spark")).to_have_count(1)
    with page.expect_navigation():
        page.get_by_test_id("iv-spark").click()
    chart = page.get_by_test_id("iv-curve-chart")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart).to_have_attribute("data-ready", "1")
    series = page.evaluate(
        "(el) => echarts.getInstanceByDom(el).getOption().series.map((s) => s.data.length)",
        chart.element_handle(),
    )
    assert series == [len(CURVE["v"]), len(CURVE["v"])]  # current and power
    page.wait_for_load_state("networkidle")
    assert real_errors(browser_errors) == [], "flash test page"

    # the serial leads to the module's backward trace
    with page.expect_navigation():
        page.get_by_test_id("trace-backward").click()
    expect(page).to_have_url(re.compile(r"[?&]code=M1(&|$)"))
    expect(page.locator("#trace-graph canvas")).to_have_count(1)
