"""A Runtime served by the fake provider (fake_backend.py), and the jobs the engine tests
give it: settings at the fake's base URL (so no emulator starts) with fast polling, a
small JobSpec, and waiting for a job's snapshot without sleeping. No tests here."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from seedance_magic.engine.job import Job
from seedance_magic.engine.runtime import Runtime
from seedance_magic.model import JobSpec, Snapshot
from seedance_magic.settings import Settings, Target
from seedance_magic.spec.cost import estimate_cost
from seedance_magic.spec.endpoints import find_endpoint

from helpers.fake_backend import FakeBackend
from helpers.fake_parts import BASE_URL

# ---------------------------------------------------------------------- runtime
FAST = {"poll_initial": 0.001, "poll_max": 0.005, "download_attempts": 2}


def fake_settings(tmp_path: Path, **changes: Any) -> Settings:
    """Settings pointing at the fake's base URL (so no emulator starts), with the test's
    journal and output folder and fast polling."""
    values: dict[str, Any] = {
        "base_url": BASE_URL,
        "output_dir": tmp_path / "out",
        "journal_path": tmp_path / "journal.sqlite3",
        **FAST,
        **changes,
    }
    return Settings(**values)


def runtime_for(
    backend: FakeBackend,
    settings: Settings | Callable[[], Settings] | None = None,
    *,
    emulated: bool = False,
    others: Mapping[str, FakeBackend] | None = None,
) -> Runtime:
    """A Runtime whose every target is served by `backend`, or by `others[base_url]`.
    `emulated`: whether a base URL answers as an emulator (its results spend nothing and
    are badged EMULATOR; each URL is another emulator). `settings`: fixed settings, a
    source of them, or None for the process's (%config once the extension is loaded,
    else the environment)."""
    source = (lambda: settings) if isinstance(settings, Settings) else settings
    served = dict(others or {})

    def make(target: Target) -> FakeBackend:
        return served.get(target.base_url or "", backend)

    return Runtime(source, backends=make, probe=lambda url: f"fake@{url}" if emulated else None)


def configure(runtime: Runtime, **changes: Any) -> Settings:
    """Change some of the runtime's settings from now on (as `%config` would)."""
    changed = runtime.settings._replace(**changes)
    runtime.set_settings_source(lambda: changed)
    return changed


# ------------------------------------------------------------------------- jobs
FAST_T2V = "bytedance/seedance-2.0/fast/text-to-video"


def job_spec(endpoint: str = FAST_T2V, *, timeout: float | None = None, **arguments: Any) -> JobSpec:
    """A JobSpec of a small fast text-to-video job (480p, 4 s) with these arguments."""
    args = {"prompt": "a lighthouse at dawn", "resolution": "480p", "duration": "4", **arguments}
    found = find_endpoint(endpoint)
    assert found is not None
    return JobSpec(endpoint, args, estimate_cost(found, duration=args["duration"]), timeout=timeout)


async def reached(job: Job, check: Callable[[Snapshot], Any], timeout: float = 5.0) -> Snapshot:
    """The job's first snapshot (the current one included) for which `check` is true."""
    if check(job.snapshot):
        return job.snapshot
    future: asyncio.Future[Snapshot] = asyncio.get_running_loop().create_future()

    def seen(snapshot: Snapshot) -> None:
        if check(snapshot) and not future.done():
            future.set_result(snapshot)

    stop = job.subscribe(seen)
    try:
        return await asyncio.wait_for(future, timeout)
    finally:
        stop()
