"""The integrated-management-system journey in a real browser: the process × system matrix
shows coverage and gaps; an internal audit goes from its generated checklist to an answer,
is started, and a minor finding on a checklist item opens a nonconformity (source internal
audit). No console errors (CSP included).

Run: ``pytest tests/e2e/test_ims_journey.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

from typing import Any

import pytest

from qdm.system.ims_catalog import load_catalog
from qdm.system.models import Clause, Finding, ManagementSystem, Nonconformity
from qdm.system.services.audits import save_audit, save_programme
from qdm.system.services.ims import save_process
from tests.personas import World

pytestmark = pytest.mark.e2e


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_matrix_then_audit_checklist_to_finding_and_nc(login, world: World, browser_errors) -> None:
    load_catalog(ManagementSystem, Clause)  # the transactional test database was flushed
    iso9001 = ManagementSystem.objects.get(code="ISO9001")
    lamination = save_process(
        None,
        actor=world.user("cqo"),
        code="P07",
        name="组件层压",
        name_en="Module lamination",
        owner=world.user("cqo"),
        sites=[world.site_a],
        clauses=list(Clause.objects.filter(system=iso9001, number__in=["8.5", "8.7"])),
    )
    programme = save_programme(
        None, actor=world.user("cqo"), year=2026, site=world.site_a, system=iso9001
    )
    audit = save_audit(
        None,
        actor=world.user("cqo"),
        programme=programme,
        title="Module lamination audit",
        planned_start="2026-03-02",
        planned_end="2026-03-02",
        processes=[lamination],
        lead_auditor=world.user("eng_a"),
    )

    page = login("eng_a")
    page.goto("/system/ims-matrix/")
    matrix = page.get_by_test_id("ims-matrix")
    expect(matrix).to_contain_text("P07")
    expect(matrix).to_contain_text("ISO 9001:2015")
    expect(page.get_by_test_id("matrix-covered")).to_contain_text("2 / 28")
    expect(page.get_by_test_id("matrix-gap-list")).to_contain_text("8.4")

    page.goto(audit.get_absolute_url())
    with page.expect_navigation():
        page.get_by_role("button", name="Generate checklist").click()
    checklist = page.get_by_test_id("audit-checklist")
    expect(checklist).to_contain_text("8.5")
    expect(checklist).to_contain_text("8.7")
    with page.expect_navigation():
        page.get_by_role("button", name="Start audit").click()
    item = audit.checklist.get(clause__number="8.5")
    page.get_by_test_id(f"checklist-item-{item.pk}").get_by_role("link", name="Answer").click()
    page.select_option("#id_result", "minor")
    page.fill("#id_evidence", "LAM-03 temperature profile missing for two night shifts")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    page.goto(audit.get_absolute_url())
    row = page.get_by_test_id(f"checklist-item-{item.pk}")
    expect(row).to_contain_text("Minor nonconformity")
    row.get_by_role("link", name="Record finding").click()
    expect(page.locator("#id_kind")).to_have_value("minor")
    page.fill("#id_statement", "Lamination temperature records incomplete")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()

    finding = Finding.objects.get()
    nc = Nonconformity.objects.get()
    assert finding.nonconformity == nc and finding.checklist_item == item
    assert (nc.source, nc.severity, nc.site) == ("internal_audit", "minor", world.site_a)
    link = page.get_by_test_id("finding-nc").get_by_role("link", name=nc.number, exact=False)
    with page.expect_navigation():
        link.click()
    expect(page.locator("body")).to_contain_text("Internal audit")
    assert browser_errors.messages == []
