"""Browser journey of the service platform: a customer-service engineer records a complaint,
pastes its serials (a bad row first: nothing saved), runs the reverse trace and commonality
analysis, sees the planted encapsulant lot ranked first, opens the customer 8D and a SCAR to
the lot's supplier, and exports the at-risk list of the lot."""

from __future__ import annotations

from typing import Any

import pytest

from qdm.service.models import Complaint
from qdm.system.models import EightD
from tests.personas import World
from tests.service.builders import make_plant

pytestmark = pytest.mark.e2e


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_complaint_trace_8d_scar(login, world: World, browser_errors) -> None:
    plant = make_plant(world)
    bad = plant.modules[216:300:6]  # encapsulant lot 2, shipped to customer C
    page = login("cqo")
    page.goto("/service/complaints/add/")
    page.select_option("#id_customer", str(world.customer_c.pk))
    page.fill("#id_title", "Delamination along cell edges")
    page.fill("#id_description", "Bubbles near the busbars after the first hot weeks.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    complaint = Complaint.objects.get(title="Delamination along cell edges")
    expect(page.locator("body")).to_contain_text(complaint.number)

    page.get_by_test_id("intake-link").click()
    text = "\n".join(f"{m.code}\tDELAM" for m in bad)
    page.fill("#id_serials", text + "\nNOT-A-SERIAL\tDELAM")
    page.get_by_role("button", name="Check and add").click()
    expect(page.get_by_test_id("intake-errors")).to_contain_text("unknown serial number")
    assert complaint.items.count() == 0
    page.fill("#id_serials", text)
    with page.expect_navigation():
        page.get_by_role("button", name="Check and add").click()
    expect(page.get_by_test_id("complaint-items")).to_contain_text(bad[0].code)
    assert complaint.items.count() == len(bad)

    page.get_by_test_id("analysis-link").click()
    first = page.get_by_test_id("commonality-table").locator("tbody tr").first
    expect(first).to_contain_text("ML-SA-ENC-0002")
    expect(first).to_contain_text("significant")

    # the SCAR to the supplier of the suspect lot
    with page.expect_navigation():
        first.get_by_test_id("open-scar").click()
    scar = EightD.objects.get(kind="scar")
    assert scar.supplier == world.supplier_x
    expect(page.locator("body")).to_contain_text(scar.number)

    # the customer 8D from the complaint
    page.goto(complaint.get_absolute_url())
    with page.expect_navigation():
        page.get_by_test_id("open-8d").click()
    capa = EightD.objects.get(kind="8d")
    assert Complaint.objects.get(pk=complaint.pk).capa == capa
    expect(page.locator("body")).to_contain_text(capa.number)

    # containment: every module of the lot, exportable
    page.goto("/service/at-risk/?code=ML-SA-ENC-0002")
    expect(page.get_by_test_id("at-risk-summary")).to_contain_text("100 modules")
    with page.expect_download() as download:
        page.get_by_test_id("at-risk-export").click()
    assert download.value.suggested_filename == "at-risk-ml-sa-enc-0002.xlsx"
    # the refused intake answered 400 on purpose; nothing else may have failed
    unexpected = [m for m in browser_errors.messages if "/intake/" not in m]
    assert unexpected == []
