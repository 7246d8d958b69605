"""Customer requirements and RMA in a real browser: create a requirement version through
the form (bad input and a duplicate version refused with clear messages), see it on the
OQC desk of manufacturing; authorise a return, record receipt and re-test, and read the
comparison with the factory flash test and the power-warranty evaluation.

Run: ``pytest tests/e2e/test_service_requirements_rma.py -v`` (skipped without Chromium).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from qdm.data.models import Unit
from qdm.service.models import CustomerRequirement, ReturnedModule
from tests.service.builders import make_plant
from tests.service.test_returns import give_model_and_flash, triaged_item

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


def fill_requirement(page: Any, world: Any, classes: str) -> None:
    page.select_option("#id_customer", value=str(world.customer_c.pk))
    page.fill("#id_version", "1")
    page.fill("#id_effective_from", "2026-01-01")
    page.fill("#id_allowed_classes_w", classes)
    page.fill("#id_positive_tolerance_w", "5")
    page.check("#id_imp_sorting_required")
    page.fill("#id_imp_bin_width_a", "0.1")
    page.fill("#id_modules_per_pallet", "36")
    page.select_option("#id_max_el_grade", "B")
    page.fill("#id_refused_defect_codes", "crk-b, finger_interrupt")
    page.locator("form button[type=submit]").last.click()


def test_customer_requirement_pages(login: Any, world: Any, browser_errors: Any) -> None:
    page = login("cqo")
    page.goto(reverse("service:customerrequirement_add"))
    fill_requirement(page, world, "590 W; 595")
    expect(page.locator("body")).to_contain_text("Write the power classes as whole watts")
    assert not CustomerRequirement.objects.exists()
    fill_requirement(page, world, "590, 595")
    page.wait_for_url(re.compile(r"/customer-requirements/\d+/$"))
    body = page.locator("body")
    expect(body).to_contain_text("590, 595")
    expect(body).to_contain_text("CRK-B, FINGER_INTERRUPT")
    req = CustomerRequirement.objects.get()
    assert req.max_el_grade == "B" and req.modules_per_pallet == 36
    # the same version again: refused, naming the clash
    page.goto(reverse("service:customerrequirement_add"))
    fill_requirement(page, world, "600")
    expect(page.locator("body")).to_contain_text(
        "Version 1 of the requirements of CUS-C for all projects and all models already exists"
    )
    assert CustomerRequirement.objects.count() == 1
    # the list, and the OQC desk showing the requirement in force
    page.goto(reverse("service:customerrequirement_list"))
    expect(page.locator("table")).to_contain_text("CUS-C")
    page.goto(reverse("manufacturing:oqc_desk"))
    card = page.get_by_test_id("requirements-in-force")
    expect(card).to_contain_text("CUS-C")
    expect(card).to_contain_text("590, 595")
    expect(card).to_contain_text("CRK-B, FINGER_INTERRUPT")
    page.wait_for_load_state("networkidle")
    assert clean(browser_errors) == []


def test_rma_create_retest_and_evaluation(login: Any, world: Any, browser_errors: Any) -> None:
    plant = make_plant(world)
    item = triaged_item(world, plant)
    give_model_and_flash(item.unit, world.site_a)  # factory 413.2 W, nameplate 410 W
    shipped = timezone.make_aware(datetime.datetime(2024, 3, 1, 8, 0))
    Unit.objects.filter(code="CNT-SA-0000").update(produced_at=shipped)
    page = login("cqo")
    page.goto(reverse("service:returnedmodule_add"))
    page.select_option("#id_item", value=str(item.pk))
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/\d+/$"))
    rma = ReturnedModule.objects.get()
    expect(page.locator("h2, .page-title").first).to_contain_text(rma.number)
    expect(page.locator("body")).to_contain_text("413.2")  # factory Pmax of the same serial
    # receipt and re-test: 730 days after shipping, 370 W measured (±3 %)
    page.get_by_role("link", name="Edit").click()
    page.fill("#id_received_on", "2026-03-01")
    page.fill("#id_retest_pmax_w", "370")
    page.select_option("#id_retest_el_grade", "C")
    page.fill("#id_visual_findings", "Snail trails, two cracked cells")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/\d+/$"))
    page.get_by_role("button", name="Mark received").click()
    expect(page.get_by_role("button", name="Record re-test")).to_be_visible()
    page.get_by_role("button", name="Record re-test").click()
    expect(page.get_by_role("button", name="Record re-test")).to_have_count(0)
    expect(page.locator("dd", has_text="Re-tested")).to_have_count(1)
    rma.refresh_from_db()
    assert rma.status == "retested"
    # the evaluation: guaranteed 410 × (99 − 0.4 × (1.9986 − 1)) / 100 = 404.26 W;
    # 370 × 1.03 = 381.1 W below it → a valid power-warranty claim (see test_returns)
    body = page.locator("body")
    expect(body).to_contain_text("Re-tested")
    expect(body).to_contain_text("404.26")
    row = page.locator("dt", has_text="Valid power-warranty claim").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(row).to_contain_text("Yes")
    assert rma.warranty_valid is True
    page.wait_for_load_state("networkidle")
    assert clean(browser_errors) == []
