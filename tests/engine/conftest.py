"""Fixtures of the engine-level tests: a `FakeBackend` (tests/helpers/fake_backend.py) at
the engine's Backend protocol, a Runtime whose every target it serves, and `async def`
tests, each run on a loop of its own that is closed after it (the loop a kernel would
keep running)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from seedance_magic.engine.runtime import Runtime, reset_runtime

from helpers.fake_backend import FakeBackend
from helpers.fake_runtime import fake_settings, runtime_for

# An async test that waits longer than this for the fake's next step is stuck.
ASYNC_TEST_TIMEOUT_S = 10.0


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run an `async def` test on a new event loop (closed after it)."""
    test = pyfuncitem.obj
    if not inspect.iscoroutinefunction(test):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    runtimes = [value for value in pyfuncitem.funcargs.values() if isinstance(value, Runtime)]

    async def main() -> None:
        try:
            await asyncio.wait_for(test(**arguments), ASYNC_TEST_TIMEOUT_S)
        finally:
            for runtime in runtimes:
                await runtime.aclose_loop()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    return True


@pytest.fixture
def backend() -> FakeBackend:
    """A fake provider: every request goes queued, running, completed (see DEFAULT_SCRIPT)."""
    return FakeBackend()


@pytest.fixture
def make_runtime(backend: FakeBackend, tmp_path: Path) -> Iterator[Callable[..., Runtime]]:
    """make(emulated=False, serves=None, **settings) -> the process runtime, served by
    `backend` (or the fake `serves`), with the test's journal and output folder and fast
    polling (conftest's no_leaks closes it and fails the test if a job is still running)."""
    made: list[Runtime] = []

    def make(*, emulated: bool = False, serves: FakeBackend | None = None, **settings: Any) -> Runtime:
        fake = serves or backend
        runtime = runtime_for(fake, fake_settings(tmp_path, **settings), emulated=emulated)
        made.append(runtime)
        previous = reset_runtime(runtime)
        if previous is not None and previous not in made:
            previous.close()
        return runtime

    yield make
    for runtime in made[:-1]:  # the last is the process runtime: no_leaks closes it
        runtime.close()


@pytest.fixture
def fake_runtime(make_runtime: Callable[..., Runtime]) -> Runtime:
    """The default fake runtime (stream on, not emulated)."""
    return make_runtime()
