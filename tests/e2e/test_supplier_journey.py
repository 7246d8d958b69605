"""The supplier journey in a real browser: an inspector receives a glass lot (IQC opened
under the supplier's switching severity), records a failing sample and completes the lot →
the receipt is rejected, the lot held and an NC opened; the SQE raises a SCAR; the
supplier's user answers it in the portal; the SQE accepts it with an e-signature (a wrong
password first changes nothing). No console errors (CSP included).

Run: ``pytest tests/e2e/test_supplier_journey.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from qdm.supplier.models import Receipt, ScarRequest, SwitchingState
from tests.personas import PASSWORD, World, make_user
from tests.supplier.builders import glass, setup_iqc, sqe

pytestmark = pytest.mark.e2e
FAVICON_404 = re.compile(r"404.*/favicon\.ico")


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_iqc_rejection_to_accepted_scar(
    login: Any, world: World, browser_errors: Any, context: Any
) -> None:
    setup_iqc(world)
    world.users["insp_a"] = make_user("insp_a", "inspector", site=world.site_a)
    world.users["sqe"] = sqe(world)

    # 1. the inspector receives 500 sheets of glass from supplier X
    page = login("insp_a")
    page.goto("/supplier/receipts/receive/")
    page.select_option("#id_site", str(world.site_a.pk))
    page.select_option("#id_supplier", str(world.supplier_x.pk))
    page.select_option("#id_material", str(glass().pk))
    page.fill("#id_supplier_lot", "XG-2611-E2E")
    page.fill("#id_quantity", "500")
    with page.expect_navigation():
        page.get_by_role("button", name="Receive").click()
    receipt = Receipt.objects.get(supplier_lot="XG-2611-E2E")
    assert (receipt.severity, receipt.sample_size, receipt.accept_number) == ("normal", 80, 1)
    expect(page.locator("body")).to_contain_text("sample 80")

    # 2. IQC: 3 of 80 sheets scratched (Ac 1) → complete and judge
    page.goto(receipt.inspection_lot.get_absolute_url())
    rows = "\n".join(f"IQC-GLS-VIS {i} {'fail' if i <= 3 else 'ok'}" for i in range(1, 81))
    page.get_by_test_id("results-input").fill(rows)
    with page.expect_navigation():
        page.get_by_role("button", name="Record results").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Complete and judge").click()
    receipt.refresh_from_db()
    assert receipt.status == "rejected" and receipt.nonconformity is not None
    assert receipt.inspection_lot.hold.status == "on_hold"
    state = SwitchingState.objects.get(supplier=world.supplier_x)
    assert state.events.get().accepted is False

    # 3. the SQE raises a SCAR from the receipt
    context.clear_cookies()
    page = login("sqe")
    page.goto(receipt.get_absolute_url())
    expect(page.get_by_test_id("receipt-status")).to_contain_text("Rejected")
    with page.expect_navigation():
        page.get_by_test_id("raise-scar").click()
    scar = ScarRequest.objects.get(receipt=receipt)
    expect(page.get_by_test_id("scar-status")).to_contain_text("Awaiting supplier response")

    # 4. the supplier answers in the portal
    context.clear_cookies()
    page = login("supplier_x")
    page.goto("/supplier/portal/")
    expect(page.get_by_test_id("portal-receipts")).to_contain_text(receipt.number)
    with page.expect_navigation():
        page.get_by_test_id("portal-scars").get_by_text(scar.capa.number).click()
    form = page.get_by_test_id("scar-answer")
    form.locator("#id_containment").fill("Sorted 4 800 sheets in stock, 52 scratched quarantined.")
    form.locator("#id_root_cause").fill("Worn conveyor rollers after the tempering furnace.")
    form.locator("#id_category").select_option("machine")
    form.locator("#id_corrective").fill("Rollers replaced; roller wear added to weekly TPM.")
    with page.expect_navigation():
        form.get_by_role("button", name="Submit response").click()
    expect(page.get_by_test_id("scar-status")).to_contain_text("Submitted for review")
    scar.refresh_from_db()
    assert scar.response_status == "submitted"

    # 5. the SQE accepts: a wrong password is refused and nothing changes, then signed
    context.clear_cookies()
    page = login("sqe")
    page.goto(scar.get_absolute_url())
    review = page.get_by_test_id("scar-review")
    review.locator("#id_decision").select_option("accept")
    review.locator("#id_comment").fill("Containment and roller TPM verified.")
    review.locator("#id_password").fill("not my password")
    with page.expect_navigation():
        review.get_by_role("button", name="Record review").click()
    expect(page.locator("body")).to_contain_text("The password is not correct.")
    scar.refresh_from_db()
    assert scar.response_status == "submitted"
    review = page.get_by_test_id("scar-review")
    review.locator("#id_decision").select_option("accept")
    review.locator("#id_comment").fill("Containment and roller TPM verified.")
    review.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        review.get_by_role("button", name="Record review").click()
    expect(page.get_by_test_id("scar-status")).to_contain_text("Accepted")
    scar.refresh_from_db()
    assert scar.response_status == "accepted"
    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    assert errors == []


def test_portal_scorecard_trend_and_coa_file(
    login: Any, world: World, browser_errors: Any, tmp_path: Any
) -> None:
    """The supplier's user sees the 12-month trend charts of its scorecard (drawn by the
    static supplier_scorecard.js under the CSP) and uploads a COA as a CSV file; a file
    with a bad row is refused naming the row and column."""
    import datetime

    from qdm.supplier.models import CoaValue, Scorecard
    from tests.supplier.test_coa import plan_with_thickness

    plan_with_thickness(world)
    category = glass().category
    for month, score, grade in ((8, 78.5, "B"), (9, 91.0, "A"), (10, 58.75, "D")):
        card = Scorecard.objects.create(
            supplier=world.supplier_x,
            category=category,
            month=datetime.date(2026, month, 1),
            score=score,
            grade=grade,
            ppm=6250.0 if grade == "D" else 400.0,
            acceptance_rate=80.0 if grade == "D" else 100.0,
        )
    receipt = receive_glass(world)

    page = login("supplier_x")
    page.goto(card.get_absolute_url())
    expect(page.get_by_test_id("scorecard-score-chart")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("scorecard-quality-chart")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("scorecard-trend")).to_contain_text("2026-09")

    bad = tmp_path / "coa-bad.csv"
    bad.write_text("characteristic,value\nIQC-GLS-THK,3.2x\n", encoding="utf-8")
    good = tmp_path / "coa.csv"
    good.write_text("特性,数值\nIQC-GLS-THK,3.21\n", encoding="utf-8")
    page.goto(receipt.get_absolute_url())
    form = page.get_by_test_id("coa-file-form")
    form.locator("input[type=file]").set_input_files(str(bad))
    with page.expect_navigation():
        form.get_by_role("button", name="Upload COA file").click()
    expect(page.locator("body")).to_contain_text("Row 2, column “value”")
    assert CoaValue.objects.count() == 0
    form = page.get_by_test_id("coa-file-form")
    form.locator("input[type=file]").set_input_files(str(good))
    with page.expect_navigation():
        form.get_by_role("button", name="Upload COA file").click()
    expect(page.get_by_test_id("coa-values")).to_contain_text("IQC-GLS-THK = 3.21")
    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    assert errors == []


def receive_glass(world: World) -> Receipt:
    from tests.supplier.builders import receive

    return receive(world, supplier_lot="XG-COA-E2E")
