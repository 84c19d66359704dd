"""Shared fixtures: an isolated environment for every test, a fast emulator, a runtime
pointed at it, and guards that fail a test which leaks jobs, servers or threads."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from seedance_magic.engine.runtime import Runtime, reset_runtime
from seedance_magic.settings import Settings

pytest_plugins = ["helpers.emulator_fixtures", "helpers.kernel", "helpers.widgets"]

FAST_EMULATOR = {"queue_seconds": 0.2, "run_seconds": 0.4, "log_interval": 0.1}

_ISOLATED_VARS = (
    "FAL_KEY",
    "FAL_KEY_ID",
    "FAL_KEY_SECRET",
    "LUMENFALL_API_KEY",
    "SEEDANCE_FAL_BASE_URL",
    "SEEDANCE_LUMENFALL_BASE_URL",
    "SEEDANCE_PROVIDER",
    "SEEDANCE_OUTPUT_DIR",
    "SEEDANCE_JOURNAL",
    "SEEDANCE_WAIT",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's keys, journal or fal login; each gets its own cwd."""
    for name in _ISOLATED_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FAL_HOME_DIR", str(tmp_path / "fal-home"))
    monkeypatch.setenv("SEEDANCE_JOURNAL", str(tmp_path / "journal.sqlite3"))
    monkeypatch.chdir(tmp_path)
    yield


def _close_leftover_loop() -> None:
    """Once a test applied nest_asyncio (the --wait path), asyncio.run() leaves its loop
    current and open; close it here so it is not dropped unclosed in a later test."""
    policy = asyncio.get_event_loop_policy()
    with warnings.catch_warnings(), contextlib.suppress(RuntimeError):
        warnings.simplefilter("ignore", DeprecationWarning)
        loop = policy.get_event_loop()
        if not loop.is_running() and not loop.is_closed():
            loop.close()
        policy.set_event_loop(None)


@pytest.fixture(autouse=True)
def no_leaks() -> Iterator[None]:
    """Fail a test that leaves a server thread or a running job behind."""
    before = {t.ident for t in threading.enumerate()}
    yield
    _close_leftover_loop()
    runtime = reset_runtime(None)
    if runtime is not None:
        running = [job for job in runtime.active if not job.done]
        runtime.close()
        assert not running, f"test left jobs running: {running}"
    leaked = [
        t
        for t in threading.enumerate()
        if t.ident not in before
        and t.is_alive()
        and not t.daemon
        # Idle workers of a loop's default executor: once a --wait test has applied
        # nest_asyncio, asyncio.run() reuses one loop and never shuts its executor down.
        and not t.name.startswith("asyncio_")
    ]
    assert not leaked, f"test left threads running: {[t.name for t in leaked]}"


@pytest.fixture
def emulator() -> Iterator[object]:
    from seedance_magic.emulator import Emulator, EmulatorConfig

    with Emulator(EmulatorConfig(**FAST_EMULATOR)) as emu:
        yield emu


@pytest.fixture
def settings(tmp_path: Path, emulator: object) -> Settings:
    return Settings(
        base_url=emulator.url,  # type: ignore[attr-defined]
        output_dir=tmp_path / "out",
        journal_path=tmp_path / "journal.sqlite3",
        poll_initial=0.05,
        poll_max=0.2,
        emulator=dict(FAST_EMULATOR),
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The process runtime, routed to the test's emulator with an isolated journal."""
    rt = Runtime(lambda: settings)
    reset_runtime(rt)
    yield rt
