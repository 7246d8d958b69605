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


def test_a_hold_with_downstream_units_blocks_the_pallet_at_the_oqc_desk(
    login: Any, world: World, browser_errors: Any
) -> None:
    """Hold a glass lot with "include downstream units" in the form: the page shows how many
    modules and pallets came with it, and the OQC desk refuses to ship the pallet."""
    from qdm.data.models import Unit, UnitLink
    from tests.manufacturing.test_inspection_builders import released_pallet

    lot = glass_lot(world, "A", code="GLS-LOT-DS")
    released_pallet(world, "PAL-E2E-1", ["E2E-M1", "E2E-M2"])
    for serial in ("E2E-M1", "E2E-M2"):
        UnitLink.objects.create(parent=lot, child=Unit.objects.get(code=serial))
    page = login("eng_a")
    page.goto("/manufacturing/holds/add/")
    page.select_option("#id_site", str(world.site_a.pk))
    page.fill("#id_unit_codes", "GLS-LOT-DS")
    page.check("#id_include_downstream")
    page.fill("#id_quantity", "1000")
    page.fill("#id_reason", "Bubbles in the glass")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Save", re.I)).click()
    expect(page.get_by_test_id("downstream-count")).to_contain_text("Includes 3 downstream units")
    expect(page.get_by_test_id("held-count")).to_contain_text("4 units")
    expect(page.get_by_test_id("held-units")).to_contain_text("PAL-E2E-1")

    page.goto("/manufacturing/oqc/")
    page.fill("[data-testid=ship-form] [name=shipment]", "CNT-E2E-1")
    page.fill("[data-testid=ship-form] [name=units]", "PAL-E2E-1")
    with page.expect_navigation():
        page.locator("[data-testid=ship-form] button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Held material cannot be shipped: PAL-E2E-1")
    assert not Unit.objects.filter(code="CNT-E2E-1").exists()
    # the refused form answers 400 on purpose; nothing else may fail
    errors = [
        m
        for m in browser_errors.messages
        if not FAVICON_404.search(m) and "400 (Bad Request) @ {'url': 'http" not in m
    ]
    assert errors == []
