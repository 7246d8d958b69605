"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's
``live_server``. No browser is ever downloaded: without /usr/bin/chromium (or without the
``playwright`` package) every e2e test is skipped with a message saying what to install.

One browser per session; a fresh context (cookies, storage) per test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.personas import PASSWORD, World, make_world

# Playwright's sync API runs an asyncio loop in this thread; Django would otherwise refuse
# ORM calls made from the test body ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM}: apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "The playwright package is missing: pip install -e '.[test]'"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _missing_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def world(transactional_db: None) -> World:
    """The personas' world, committed so that the live server's thread sees it."""
    return make_world()


@dataclass
class BrowserErrors:
    """Console messages of type "error" and uncaught page exceptions (CSP violations,
    failed asset loads and JavaScript errors all land here)."""

    messages: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.messages.clear()


@pytest.fixture
def context(browser: Any, live_server: Any) -> Iterator[Any]:
    ctx = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, accept_downloads=True, locale="en-US"
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def page(context: Any, browser_errors: BrowserErrors) -> Any:
    page = context.new_page()
    page.on(
        "console",
        lambda msg: (
            browser_errors.messages.append(f"console: {msg.text} @ {msg.location}")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: browser_errors.messages.append(f"pageerror: {exc}"))
    return page


@pytest.fixture
def login(page: Any, world: World) -> Callable[..., Any]:
    """Log a persona in through the login form; returns the page."""

    def do_login(persona: str, password: str = PASSWORD) -> Any:
        page.goto("/login/")
        page.fill("#id_username", world.user(persona).username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        return page

    return do_login
