"""Field IV/EL against the factory and complaint assignment in a real browser: paste field
results (a bad row refused, naming it), read the deltas on the complaint page, export XLSX;
assign the complaint to a customer-service engineer, who finds it under "Assigned to me".

Run: ``pytest tests/e2e/test_service_field_assign.py -v`` (skipped without Chromium).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from qdm.core.models import Notification
from tests.personas import make_user
from tests.service.builders import make_complaint, make_plant, with_serials
from tests.service.test_field_results import factory_results

pytestmark = pytest.mark.e2e
FAVICON_404 = re.compile(r"404.*/favicon\.ico")


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def clean(browser_errors: Any) -> list[str]:
    return [
        m
        for m in browser_errors.messages
        if not FAVICON_404.search(m) and "status of 400" not in m and "status of 404" not in m
    ]


def test_field_results_and_assignment(login: Any, world: Any, browser_errors: Any) -> None:
    plant = make_plant(world, alternate=False)
    complaint = make_complaint(world, title="Power shortfall in string 4")
    units = plant.modules[:2]
    with_serials(world, complaint, units, symptom="POWER")
    for u in units:
        factory_results(world, u.code, 585.0)
    s1, s2 = (u.code for u in units)
    world.users["cse"] = make_user("cse", "customer_service_engineer")
    page = login("cqo")
    page.goto(complaint.get_absolute_url())
    page.get_by_test_id("field-link").click()
    page.fill("#id_table", f"serial,pmax_w,uncertainty_pct\n{s1},530,3\nNOPE-9,500,3")
    page.get_by_role("button", name="Check and record").click()
    expect(page.get_by_test_id("field-errors")).to_contain_text("NOPE-9")
    expect(page.get_by_test_id("field-errors")).to_contain_text("not a serial of this complaint")
    page.fill("#id_table", f"serial,pmax_w,uncertainty_pct,el_grade\n{s1},530,3,C\n{s2},560,5,A")
    page.get_by_role("button", name="Check and record").click()
    table = page.get_by_test_id("field-comparison")
    # (530 − 585)/585 = −9.40 %; 530 × 1.03 = 545.9 → 6.68 % beyond the uncertainty
    expect(table).to_contain_text("-9.4")
    expect(table).to_contain_text("6.68")
    with page.expect_download() as download:
        page.get_by_test_id("field-export").click()
    assert download.value.suggested_filename == f"field-vs-factory-{complaint.number.lower()}.xlsx"
    page.goto(complaint.get_absolute_url())
    expect(page.get_by_test_id("field-summary")).to_contain_text("Pmax loss 6.7 % beyond")
    # assign to the customer-service engineer
    form = page.get_by_test_id("assign-form")
    form.locator("select").select_option(label="cse")
    form.locator("textarea").fill("Please call the EPC")
    form.get_by_role("button", name="Assign").click()
    expect(page.locator("body")).to_contain_text(f"{complaint.number} assigned to cse.")
    assert Notification.objects.filter(recipient=world.users["cse"]).count() == 1
    page.context.clear_cookies()
    page = login("cse")
    page.goto(reverse("service:complaint_list") + "?mine=true")
    expect(page.locator("table")).to_contain_text(complaint.number)
    page.wait_for_load_state("networkidle")
    assert clean(browser_errors) == []
