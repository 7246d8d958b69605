"""The MRB journey in a real browser: a glass lot failed IQC (NC + hold); the quality
engineer proposes "return to supplier" on the hold page, the CQO's approval with a wrong
password is refused (nothing changes), the right password approves it and the hold is
dispositioned. No console errors (CSP included).

Run: ``pytest tests/e2e/test_mrb_journey.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from qdm.core.workflow import transition
from qdm.manufacturing.models import Hold, MrbDisposition
from qdm.manufacturing.services.inspection import open_inspection_lot, record_results
from tests.manufacturing.test_inspection_builders import glass_lot, glass_plan
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.e2e
FAVICON_404 = re.compile(r"404.*/favicon\.ico")


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def failed_lot(world: World) -> Hold:
    plan = glass_plan(world)
    lot = open_inspection_lot(
        actor=world.user("eng_a"),
        plan=plan,
        unit=glass_lot(world, "A", code="GLS-LOT-E2E"),
        quantity=100,
    )
    rows = [
        {"characteristic": "IQC-GLS-THK", "sample": i, "result": v}
        for i, v in ((1, 3.2), (2, 3.55), (3, 3.21))
    ] + [{"characteristic": "IQC-GLS-VIS", "sample": i, "result": "ok"} for i in range(1, 21)]
    record_results(lot, rows, actor=world.user("eng_a"))
    transition(lot, "complete", actor=world.user("eng_a"))
    lot.refresh_from_db()
    return lot.hold


def test_mrb_disposition_is_proposed_and_e_signed_in_the_browser(
    login: Any, world: World, browser_errors: Any, context: Any
) -> None:
    hold = failed_lot(world)
    page = login("eng_a")
    page.goto(hold.get_absolute_url())
    expect(page.get_by_test_id("held-units")).to_contain_text("GLS-LOT-E2E")
    page.get_by_test_id("propose-disposition").click()
    page.select_option("#id_decision", "return")
    page.fill("#id_quantity", "100")
    page.fill("#id_note", "Thickness 3.55 mm over USL")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Save", re.I)).click()
    disposition = MrbDisposition.objects.get(hold=hold)
    assert disposition.status == "proposed"

    # the CQO signs: a wrong password first
    context.clear_cookies()
    page = login("cqo")
    page.goto(disposition.get_absolute_url())
    page.fill("input[name=password]", "not my password")
    page.fill("input[name=reason]", "MRB meeting")
    with page.expect_navigation():
        page.get_by_role("button", name="Approve disposition").click()
    expect(page.locator("body")).to_contain_text("The password is not correct.")
    disposition.refresh_from_db()
    assert disposition.status == "proposed"
    hold.refresh_from_db()
    assert hold.status == "on_hold"

    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=reason]", "MRB meeting")
    with page.expect_navigation():
        page.get_by_role("button", name="Approve disposition").click()
    disposition.refresh_from_db()
    hold.refresh_from_db()
    assert disposition.status == "approved"
    assert hold.status == "dispositioned"
    page.goto(hold.get_absolute_url())
    expect(page.get_by_test_id("dispositions")).to_contain_text("Approved")
    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    assert errors == []
