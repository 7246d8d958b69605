"""The service analysis pages in a real browser: complaint ppm (per month of receipt and
per cohort), field reliability (Weibull probability plot and 12-month forecast) and the
customer's view of their 8D — charts drawn from json_script data by static JS, no console
errors (CSP included).

Run: ``pytest tests/e2e/test_service_pages.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from qdm.service.models import CustomerProfile
from qdm.service.services.complaints import open_customer_8d
from qdm.system.models import EightD
from tests.personas import make_user
from tests.service.builders import make_complaint, make_plant, with_serials
from tests.service.test_field_reliability import returns  # noqa: F401 (fixture)
from tests.service.test_satisfaction import ppm_world  # noqa: F401 (fixture)

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


def test_ppm_page_draws_both_charts(login: Any, world: Any, ppm_world: Any, browser_errors: Any):  # noqa: F811
    page = login("cqo")
    page.goto("/service/satisfaction/?basis=production")
    expect(page.locator("#ppm-period-chart")).to_have_attribute("data-ready", "1")
    expect(page.locator("#ppm-cohort-chart canvas")).to_have_count(1)
    expect(page.get_by_test_id("ppm-cohort")).to_contain_text("60000.0")
    expect(page.get_by_test_id("ppm-period")).to_contain_text("21739.1")
    page.wait_for_load_state("networkidle")
    assert clean(browser_errors) == []


def test_weibull_page_draws_plot_and_forecast(
    login: Any,
    world: Any,
    returns: Any,  # noqa: F811
    browser_errors: Any,
):
    page = login("cqo")
    page.goto("/service/field-reliability/?cohort=2026-03&as_of=2027-03-20")
    expect(page.locator("#weibull-plot")).to_have_attribute("data-ready", "1")
    expect(page.locator("#weibull-forecast")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("weibull-fit")).to_contain_text("B10")
    expect(page.get_by_test_id("weibull-cohorts")).to_contain_text("2026-02")
    page.goto("/service/field-reliability/?cohort=March")
    expect(page.get_by_test_id("filter-error")).to_contain_text("2026-03")
    page.wait_for_load_state("networkidle")
    assert clean(browser_errors) == []


def test_customer_follows_the_8d_and_downloads_the_report(
    login: Any, world: Any, browser_errors: Any
):
    plant = make_plant(world)
    complaint = make_complaint(world, world.customer_c, title="Glass breakage in row 12")
    with_serials(world, complaint, plant.shipped_to(world.customer_c)[:2], symptom="GLASS")
    capa = open_customer_8d(complaint, actor=world.user("cqo"))
    EightD.objects.filter(pk=capa.pk).update(status="closed")
    CustomerProfile.objects.create(customer=world.customer_c, language="zh-hans")
    world.users["lucia"] = make_user("lucia", "customer_user", customer=world.customer_c)
    page = login("lucia")
    page.goto(complaint.get_absolute_url())
    page.get_by_test_id("8d-progress-link").click()
    expect(page.get_by_test_id("8d-state")).to_contain_text("Closed")
    with page.expect_download() as download:
        page.get_by_test_id("8d-report-zh-hans").click()
    assert download.value.suggested_filename == f"{capa.number}-zh-hans.pdf"
    page.wait_for_load_state("networkidle")
    assert clean(browser_errors) == []
