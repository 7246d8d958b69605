"""Browser journey of the system platform: raise an NC from the mobile form, open an 8D
from it, walk D1–D3 in the UI, confirm containment, download the 8D report."""

from __future__ import annotations

from typing import Any

import pytest

from qdm.system.models import EightD, Nonconformity
from tests.personas import World

pytestmark = pytest.mark.e2e


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_nc_to_8d_in_the_browser(login, world: World, browser_errors) -> None:
    page = login("eng_a")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto("/system/nonconformities/report/")
    page.select_option("#id_site", str(world.site_a.pk))
    page.fill("#id_title", "Junction box adhesive not cured")
    page.fill("#id_description", "Two boxes came loose at the pull test.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    nc = Nonconformity.objects.get(title="Junction box adhesive not cured")
    assert nc.source == "employee"
    expect(page.locator("h2, h1").first).to_contain_text(nc.number)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.select_option("[data-testid=open-capa] select", "capa")
    with page.expect_navigation():
        page.get_by_role("button", name="Open CAPA / 8D").click()
    capa = EightD.objects.get()
    expect(page.locator("body")).to_contain_text(capa.number)
    for section in ("d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"):
        expect(page.locator(f"[data-testid={section}]")).to_be_visible()

    # D1: a team member
    page.get_by_role("link", name="Add team member").click()
    page.select_option("#id_user", str(world.user("cqo").pk))
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    # D3: a containment action
    page.goto(capa.get_absolute_url())
    page.get_by_role("link", name="Add containment action").click()
    page.fill("#id_description", "Hold all boxes glued on shift B")
    page.select_option("#id_owner", str(world.user("eng_a").pk))
    page.fill("#id_due_date", "2026-03-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    page.goto(capa.get_absolute_url())
    expect(page.locator("[data-testid=d3]")).to_contain_text("Hold all boxes glued on shift B")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm containment (D3)").click()
    assert EightD.objects.get().status == "contained"
    with page.expect_download() as download:
        page.get_by_test_id("export-en").click()
    assert download.value.suggested_filename == f"{capa.number}-en.xlsx"
    assert browser_errors.messages == []
