"""The carbon what-if page in a real browser: the baseline footprint of a module model
appears, changing the renewable share and the glass mass updates the what-if value without
saving anything, an invalid entry shows the server's error, "Save as footprint" stores one
footprint with the chosen inputs, and no console errors (CSP included).

Run: ``pytest tests/e2e/test_carbon_whatif.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.contrib.auth.models import Group

from qdm.carbon.models import ProductFootprint
from qdm.core.models import Grant
from tests.carbon import builders as b
from tests.personas import World

pytestmark = pytest.mark.e2e
FAVICON_404 = re.compile(r"404.*/favicon\.ico")


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def number(text: str) -> float:
    return float(text.replace(",", "").replace("+", ""))


def test_what_if_updates_before_committing(login, page, world: World, browser_errors) -> None:
    Grant.objects.create(
        user=world.user("eng_a"), role=Group.objects.get(name="carbon_analyst"), site=world.site_a
    )
    b.library()
    model = b.module_model()
    login("eng_a")
    page.goto("/carbon/what-if/")
    page.select_option("#wi-model", str(model.pk))
    page.select_option("#wi-site", str(world.site_a.pk))
    base = page.locator("#wi-base")
    new = page.get_by_test_id("whatif-new")
    expect(base).not_to_have_text("—")
    expect(new).to_have_text(base.inner_text())
    baseline = number(base.inner_text())
    assert 300 < baseline < 450  # SRM-N400 (2.0 m², 400 W) at 0.5 kg/kWh, pv-reference §6.5

    started = time.perf_counter()
    page.fill("#wi-renewable", "50")
    expect(new).not_to_have_text(base.inner_text())
    elapsed = time.perf_counter() - started
    half_green = number(new.inner_text())
    assert half_green < baseline
    assert number(page.locator("#wi-delta").inner_text()) == pytest.approx(
        half_green - baseline, abs=0.11
    )
    page.fill("#wi-glass", "5")  # thinner glass: 5 instead of 9.977 kg/m²
    expect(new).not_to_have_text(f"{half_green:,.1f}")
    assert number(new.inner_text()) < half_green
    glass_row = page.locator("#wi-table tbody tr", has_text="glass").first
    cells = glass_row.locator("td")
    assert number(cells.nth(2).inner_text()) < number(cells.nth(1).inner_text())
    assert not ProductFootprint.objects.exists()  # nothing committed by looking
    print(f"what-if round trip in the browser: {elapsed * 1000:.0f} ms (incl. 150 ms debounce)")

    page.fill("#wi-renewable", "150")
    expect(page.locator("#wi-error")).to_contain_text("renewable share")
    refused = [m for m in browser_errors.messages if "400 (Bad Request)" in m]
    assert len(refused) == 1  # the one refused what-if, shown above; nothing else failed
    browser_errors.clear()

    page.fill("#wi-renewable", "50")
    expect(page.locator("#wi-error")).to_be_hidden()
    expect(new).to_have_text(re.compile(r"\d"))
    shown = number(new.inner_text())
    with page.expect_navigation():
        page.click("#wi-save")
    footprint = ProductFootprint.objects.get()
    assert footprint.inputs["renewable_share"] == 0.5
    assert footprint.inputs["materials_kg_m2"]["glass"] == 5.0
    assert footprint.per_kwp_kg == pytest.approx(shown, abs=0.06)  # shown with one decimal
    expect(page.locator("body")).to_contain_text("Breakdown by step")
    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    assert errors == []


def test_what_if_switching_the_polysilicon_supplier(
    login, page, world: World, browser_errors
) -> None:
    """Choosing SUP X's verified low-carbon polysilicon lowers the shown footprint by exactly
    what the service computes (bought poly instead of MG-Si + Siemens on the grid), nothing
    is saved by looking, and saving stores the supplier factor in the inputs."""
    from qdm.carbon.services.footprints import what_if

    Grant.objects.create(
        user=world.user("eng_a"), role=Group.objects.get(name="carbon_analyst"), site=world.site_a
    )
    lib = b.library()
    model, mats = b.module_model(), b.materials()
    sf = b.supplier_factor(world, mats["POLY-N-DENSE"], 14.5)
    expected = what_if(model, world.site_a, lib, supplier_factors=[sf])
    login("eng_a")
    page.goto("/carbon/what-if/")
    page.select_option("#wi-model", str(model.pk))
    page.select_option("#wi-site", str(world.site_a.pk))
    base = page.locator("#wi-base")
    new = page.get_by_test_id("whatif-new")
    expect(base).to_have_text(f"{expected['base']['per_kwp']:,.1f}")
    page.select_option("#wi-supplier", str(sf.pk))
    expect(new).to_have_text(f"{expected['new']['per_kwp']:,.1f}")
    expect(page.locator("#wi-delta")).to_have_text(f"{expected['delta_per_kwp']:,.1f}")
    poly_row = page.locator("#wi-table tbody tr", has_text="polysilicon").first
    expect(poly_row.locator("td").nth(2)).to_have_text(
        f"{expected['new']['by_flow']['polysilicon']:,.2f}"
    )
    assert not ProductFootprint.objects.exists()
    with page.expect_navigation():
        page.click("#wi-save")
    footprint = ProductFootprint.objects.get()
    assert footprint.inputs["supplier_factors"][0]["id"] == sf.pk
    assert footprint.per_kwp_kg == pytest.approx(expected["new"]["per_kwp"])
    errors = [m for m in browser_errors.messages if not FAVICON_404.search(m)]
    assert errors == []
