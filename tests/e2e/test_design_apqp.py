"""APQP gates and the FMEA structure editor in a real browser: the project timeline shows the
five gates; signing a pass with deliverables missing is refused naming them; with the
deliverables done the signed pass moves the project to the next gate. The structure editor
builds a PFMEA tree, and a failure chain linked from the net lands in the worksheet.

Run: ``pytest tests/e2e/test_design_apqp.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

from typing import Any

import pytest

from qdm.design.models import FmeaItem, StructureNode
from tests.design.builders import make_fmea
from tests.design.test_apqp import gate, make_project
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.e2e


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_gate_review_is_blocked_then_signed(login: Any, world: World, browser_errors: Any) -> None:
    project = make_project(world)
    page = login("cqo")
    page.goto(project.get_absolute_url())
    timeline = page.get_by_test_id("apqp-timeline")
    for phase in ("plan", "product_design", "process_design", "validation", "launch"):
        expect(page.get_by_test_id(f"gate-{phase}")).to_be_visible()
    expect(timeline.locator('[data-state="missing"]').first).to_be_visible()
    page.get_by_test_id("review-plan").click()
    page.select_option("#id_decision", "pass")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_reason", "Gate review board")
    page.get_by_test_id("sign-review").click()
    error = page.get_by_test_id("gate-review-error")
    expect(error).to_contain_text("cannot pass with deliverables missing")
    expect(error).to_contain_text("Design goals, reliability and quality targets")
    assert gate(project, "plan").status == "open"
    gate(project, "plan").deliverables.update(required=False)
    page.fill("#id_password", PASSWORD)
    page.get_by_test_id("sign-review").click()
    expect(page).to_have_url(project.get_absolute_url(), timeout=15_000)
    expect(page.get_by_test_id("gate-plan").locator("[data-gate-status]")).to_have_text("Passed")
    expect(page.get_by_test_id("gate-review-plan")).to_contain_text("Pass")
    # the refused form answers 400 on purpose (the form with its error); nothing else failed
    unexpected = [m for m in browser_errors.messages
                  if "favicon" not in m and "/review/" not in m]  # fmt: skip
    assert unexpected == []


def test_structure_editor_builds_a_chain(login: Any, world: World, browser_errors: Any) -> None:
    fmea = make_fmea(world)
    page = login("cqo")
    page.goto(fmea.get_absolute_url())
    page.get_by_test_id("fmea-structure").click()
    add = page.get_by_test_id("form-add_node")
    steps = [
        ("process_item", "Module assembly", "", ""),
        ("process_step", "Stringing", "Process item: Module assembly", ""),
        ("work_element", "Stringer", "Process step: Stringing", "machine"),
    ]
    for kind, name, parent, four_m in steps:
        add.locator("#id_add_node-kind").select_option(kind)
        add.locator("#id_add_node-name").fill(name)
        if parent:
            add.locator("#id_add_node-parent").select_option(label=parent)
        if four_m:
            add.locator("#id_add_node-four_m").select_option(four_m)
        page.get_by_test_id("submit-add_node").click()
        expect(page.get_by_test_id("structure-tree")).to_contain_text(name)
    expect(page.locator('[data-node="Stringer"] [data-four-m]')).to_have_text("Machine")
    for node_label, kind, text in (
        ("Process item: Module assembly", "effect", "Hot spot in the field"),
        ("Process step: Stringing", "mode", "Ribbon not soldered"),
        ("Process work element: Stringer", "cause", "Temperature too low"),
    ):
        fn = page.get_by_test_id("form-add_function")
        fn.locator("#id_add_function-node").select_option(label=node_label)
        fn.locator("#id_add_function-description").fill(f"Function of {node_label}")
        page.get_by_test_id("submit-add_function").click()
        failure = page.get_by_test_id("form-add_failure")
        failure.locator("#id_add_failure-function").select_option(index=_last(failure))
        failure.locator("#id_add_failure-kind").select_option(kind)
        failure.locator("#id_add_failure-description").fill(text)
        page.get_by_test_id("submit-add_failure").click()
        expect(page.get_by_test_id("structure-tree")).to_contain_text(text)
    expect(page.locator('[data-problem="orphan_cause"]')).to_be_visible()
    chain = page.get_by_test_id("form-link_chain")
    chain.locator("#id_link_chain-net_effect").select_option(
        label="Failure effect (FE): Hot spot in the field"
    )
    chain.locator("#id_link_chain-net_mode").select_option(
        label="Failure mode (FM): Ribbon not soldered"
    )
    chain.locator("#id_link_chain-net_cause").select_option(
        label="Failure cause (FC): Temperature too low"
    )
    chain.locator("#id_link_chain-severity").fill("8")
    chain.locator("#id_link_chain-occurrence").fill("4")
    chain.locator("#id_link_chain-detection").fill("7")
    page.get_by_test_id("submit-link_chain").click()
    expect(page.get_by_test_id("net-ok")).to_be_visible()
    expect(page.get_by_test_id("net-chains")).to_contain_text("Temperature too low")
    assert StructureNode.objects.filter(fmea=fmea).count() == 3
    item = FmeaItem.objects.get(fmea=fmea)
    assert (item.focus_element, item.lower_level, item.action_priority) == (
        "Stringing", "Stringer", "H",
    )  # fmt: skip
    assert browser_errors.messages == [] or all("favicon" in m for m in browser_errors.messages)


def _last(form: Any) -> int:
    """Index of the newest function in the failure form's function select."""
    return form.locator("#id_add_failure-function option").count() - 1


def test_qualification_report_links_a_programme_and_warns_of_a_change(
    login: Any, world: World, browser_errors: Any
) -> None:
    """The validation gate's qualification report is linked to a passed programme in the
    deliverable form (done, computed), and an assessed design change of the module model
    shows its warning on the project page."""
    from django.urls import reverse

    from qdm.core.workflow import transition
    from tests.design.builders import module_model
    from tests.design.test_apqp_links import passed_programme, qualification
    from tests.design.test_change import make_change

    project = make_project(world)
    programme = passed_programme(world, "A")
    report = qualification(project)
    page = login("cqo")
    page.goto(reverse("design:apqpdeliverable_edit", args=[report.pk]))
    page.select_option("#id_programme", str(programme.pk))
    page.get_by_role("button", name="Save").click()
    state = page.get_by_test_id("deliverable-state")
    expect(state).to_have_attribute("data-state", "done")
    expect(state).to_contain_text(f"Programme {programme.number} completed")
    change = make_change(
        world, None, kind="product", title="Thinner frame", module_models=[module_model()]
    )
    transition(change, "assess", actor=world.user("cqo"))
    page.goto(project.get_absolute_url())
    warnings = page.get_by_test_id("apqp-change-warnings")
    expect(warnings).to_contain_text(change.number)
    expect(warnings).to_contain_text(programme.number)
    assert [m for m in browser_errors.messages if "favicon" not in m] == []
