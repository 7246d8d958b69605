"""Lessons learned in a real browser: a closed 8D that names a PFMEA row is scanned, the
FMEA shows "Review required", the engineer opens the task, accepts the proposal, and the
change lands in a new draft revision; the banner is gone.

Run: ``pytest tests/e2e/test_design_loops.py -v`` (skipped without /usr/bin/chromium).
"""

from __future__ import annotations

from typing import Any

import pytest

from qdm.design.models import Fmea, FmeaReviewTask
from tests.design.builders import make_fmea, make_item, released
from tests.design.test_lessons import closed_8d
from tests.personas import World

pytestmark = pytest.mark.e2e


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_lesson_learned_from_a_closed_8d_rerates_the_pfmea(
    login: Any, world: World, browser_errors: Any
) -> None:
    fmea = make_fmea(world)
    make_item(fmea, s=8, o=3, d=4)
    fmea = released(world, fmea)
    capa = closed_8d(world, f"{fmea.number} #1", cause_type="escape")
    page = login("cqo")
    page.goto("/design/fmea-review-tasks/")
    page.get_by_test_id("lessons-scan").click()
    expect(page.locator("#object-table")).to_contain_text(fmea.number)
    page.goto(fmea.get_absolute_url())
    banner = page.get_by_test_id("fmea-review-required")
    expect(banner).to_contain_text(capa.number)
    banner.get_by_role("link").first.click()
    # escape root cause: D proposed no better than 7 (docs/design-loops.md)
    expect(page.locator("[data-proposed-d]")).to_have_text("7")
    page.fill("#id_occurrence", "5")
    page.locator("#accept-form").get_by_role("button").click()
    draft = Fmea.objects.get(number=fmea.number, revision=2)
    expect(page).to_have_url(draft.get_absolute_url(), timeout=15_000)
    expect(page.get_by_test_id("fmea-review-required")).to_have_count(0)
    row = draft.items.get(position=1)
    assert (row.occurrence, row.detection) == (5, 7)
    assert FmeaReviewTask.objects.get().status == "accepted"
    assert browser_errors.messages == [] or all("favicon" in m for m in browser_errors.messages)
