"""Control-plan publication in a real browser: a released control plan is published to
manufacturing and its inspection plan is opened from the control plan's page.

Run: ``pytest tests/e2e/test_control_plan.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

from typing import Any

import pytest

from qdm.manufacturing.models import InspectionPlan
from tests.design.builders import make_characteristic, make_control_plan, make_cp_line, release_plan
from tests.personas import World

pytestmark = pytest.mark.e2e


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_publish_a_control_plan_and_open_its_inspection_plan(
    login: Any, world: World, browser_errors: Any
) -> None:
    plan = make_control_plan(world)
    make_cp_line(plan, make_characteristic("MOD-EVA-GEL"), chart_type="imr")
    make_cp_line(plan, make_characteristic("MOD-PMAX"), sequence=20, process_step="Flash test")
    release_plan(world, plan)
    page = login("cqo")
    page.goto(plan.get_absolute_url())
    expect(page.get_by_test_id("cp-lines")).to_contain_text("MOD-EVA-GEL")
    expect(page.get_by_test_id("published-plans")).to_contain_text("Not published yet")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("published-plans")).to_contain_text(f"{plan.number} v1")
    assert InspectionPlan.objects.filter(code=plan.number).count() == 1
    page.get_by_test_id("published-plans").get_by_role("link").first.click()
    expect(page).to_have_url(
        InspectionPlan.objects.get(code=plan.number).get_absolute_url(), timeout=15_000
    )
    body = page.locator("body")
    expect(body).to_contain_text("MOD-EVA-GEL")
    expect(body).to_contain_text("MOD-PMAX")
    # the report still lists both lines: the inspection plan is a draft, the chart too
    page.goto("/design/control-plans/no-live-control/")
    expect(page.get_by_test_id("no-live-control")).to_contain_text("MOD-PMAX")
    assert browser_errors.messages == [] or all("favicon" in m for m in browser_errors.messages)
