"""Qualification and engineering change in a real browser: a programme's computed verdict,
the expiring-certificates list, the BOM-change check, and a change request whose impact
assessment is started from its page.

Run: ``pytest tests/e2e/test_design_qualification.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.design.builders import module_model
from tests.design.test_change import make_change
from tests.design.test_qualification_programmes import (
    add_sample,
    make_certificate,
    make_programme,
    material,
)
from tests.personas import World

pytestmark = pytest.mark.e2e


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_programme_verdict_certificates_and_change_impact(
    login: Any, world: World, browser_errors: Any
) -> None:
    programme = make_programme(world, None)
    add_sample(programme, "dh1000", "QS-001", 600.0, 590.0)
    add_sample(programme, "dh1000", "QS-002", 600.0, 560.0)  # 6.7 % loss: retest
    make_certificate(
        world,
        None,
        number="PV-SOON",
        programmes=[programme],
        expiry_date=timezone.localdate() + dt.timedelta(days=20),
    )
    change = make_change(
        world,
        None,
        kind="material",
        title="Rear POE to EPE",
        module_models=[module_model()],
        materials=[material("ENC-POE")],
    )
    page = login("cqo")
    page.goto(programme.get_absolute_url())
    expect(page.get_by_test_id("live-verdict")).to_have_text("retest")
    expect(page.locator('tr[data-serial="QS-002"]')).to_contain_text("fail")
    expect(page.get_by_test_id("qualified-bom")).to_contain_text("ENC-POE")
    page.goto("/design/certificates/expiring/")
    expect(page.get_by_test_id("expiring")).to_contain_text("PV-SOON")
    page.goto("/design/qualification/bom-change/")
    page.get_by_test_id("material").select_option(label="ENCAP · ENC-POE")
    page.get_by_test_id("check").click()
    expect(page.get_by_test_id("invalidated-certificates")).to_contain_text("PV-SOON")
    expect(page.get_by_test_id("invalidated-programmes")).to_contain_text(programme.number)
    page.goto(change.get_absolute_url())
    expect(page.get_by_test_id("impacts")).to_contain_text("Not assessed yet")
    page.get_by_role("button", name="Start impact assessment").click()
    expect(page.get_by_test_id("impacts")).to_contain_text("PV-SOON")
    expect(page.get_by_test_id("impacts")).to_contain_text(programme.number)
    change.refresh_from_db()
    assert change.status == "assessment" and change.impacts.count() >= 2
    assert browser_errors.messages == [] or all("favicon" in m for m in browser_errors.messages)
