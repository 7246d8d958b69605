"""The daily jobs page in a real browser: an administrator finds it in the menu, runs a job
now and reads its output; the page in Chinese; an engineer sees the jobs without the
Run now buttons.

Run: ``pytest tests/e2e/test_daily_jobs.py -v`` (skipped without Chromium).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from qdm.core.models import ScheduledRun
from tests.personas import make_user

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(
    os.environ.get("QDM_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "qdm-screenshots"
)


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_administrator_runs_a_daily_job_now_and_screenshots(
    login: Any, world: Any, browser_errors: Any
) -> None:
    world.users["admin"] = make_user("admin", "administrator")
    page = login("admin")
    page.goto("/kernel/schedule/")
    expect(page.get_by_role("heading", name="Daily jobs")).to_be_visible()
    row = page.locator("tr[data-job='analyze']")
    expect(row).to_contain_text("qdm analyze")
    expect(row).to_contain_text("never")
    with page.expect_navigation():
        row.get_by_role("button", name="Run now").click()
    # the tests' task backend runs the job at once: the run page shows its outcome
    expect(page.locator("body")).to_contain_text("Succeeded")
    expect(page.get_by_test_id("run-output")).to_contain_text("Planner statistics refreshed")
    run = ScheduledRun.objects.get()
    assert (run.job, run.trigger, run.requested_by.username) == ("analyze", "manual", "admin")
    page.goto("/kernel/schedule/")
    expect(page.locator("tr[data-job='analyze']")).to_contain_text("Succeeded")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "daily-jobs-en.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_test_id("lang-zh-hans").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="每日作业")).to_be_visible()
    expect(page.locator("tr[data-job='analyze']")).to_contain_text("成功")
    page.screenshot(path=str(SCREENSHOTS / "daily-jobs-zh-hans.png"), full_page=True)
    assert browser_errors.messages == []


def test_engineer_sees_the_jobs_but_cannot_run_them(login: Any, world: Any) -> None:
    page = login("eng_a")
    page.goto("/kernel/schedule/")
    expect(page.locator("tr[data-job='kpis-compute']")).to_contain_text("qdm kpis compute")
    expect(page.get_by_role("button", name="Run now")).to_have_count(0)
    # (the refused POST itself is tested server-side in tests/core/test_schedule.py)
