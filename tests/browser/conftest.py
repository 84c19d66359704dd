"""Fixtures of the browser tests: the requirements (Chromium, playwright, Jupyter), one
headless Chromium per module, and a tab per test that records dialogs and page errors
and keeps a picture of its last view. The servers are each module's own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from helpers.browser import chromium, missing_requirements
from helpers.notebook_page import ARTIFACTS, SCREENSHOTS


@pytest.fixture(scope="module")
def requirements() -> None:
    problem = missing_requirements()
    if problem:
        pytest.fail(f"the browser tests need Chromium, playwright and Jupyter: {problem}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "last-view").mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def browser(requirements: None) -> Iterator[Any]:
    with chromium() as context:
        yield context


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A tab in a context of its own (no cookies shared between servers) that records
    dialogs (and dismisses them) and page errors. Its last view is kept as a picture."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    tab = context.new_page()
    tab.dialogs = []
    tab.errors = []
    tab.servers = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    try:
        yield tab
    finally:
        with contextlib.suppress(Exception):  # a picture for a failed test, not a new failure
            tab.screenshot(path=str(ARTIFACTS / "last-view" / f"{request.node.name}.png"))
        context.close()
        for server in tab.servers:
            server.shutdown_kernels()
