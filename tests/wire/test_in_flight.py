"""Identical requests in flight are one job, and budgets count what is in flight. Cells
run inside a running event loop, as in a kernel, so a job keeps going after its cell
returns; the emulator holds jobs in its queue until released, and its counters prove
how many submits reached it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

import seedance_magic
from seedance_magic.emulator import Emulator
from seedance_magic.engine.job import Job, State
from seedance_magic.engine.runtime import get_runtime
from seedance_magic.media.video import probe

from helpers.shells import CLIP, cell, run_cell, seedance_shell

PROMPT = "a heron in the reeds"


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


def in_a_kernel_loop(scenario: Callable[[], Any]) -> Any:
    """Run `scenario` (a coroutine function) on a loop that keeps running between its
    cells, as a kernel's does; the clients bound to that loop are closed after."""

    async def main() -> Any:
        try:
            return await scenario()
        finally:
            await get_runtime().aclose_loop()

    return asyncio.run(main())


async def settled(*jobs: Job, timeout: float = 60.0) -> None:
    """Wait for the jobs to end (their errors are the test's to read)."""

    async def one(job: Job) -> None:
        with contextlib.suppress(Exception):
            await job

    await asyncio.wait_for(asyncio.gather(*(one(j) for j in jobs)), timeout)


async def until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Let the loop run (the jobs' tasks) until `check` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


def test_a_seeded_cell_rerun_while_its_job_runs_attaches_to_it(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    emulator.configure(hold=True)

    async def scenario() -> tuple[Job, Job]:
        run_cell(ip, cell(f"{CLIP} --seed 41 --out first", PROMPT)).ok()
        first = ip.user_ns["first"]
        await until(lambda: first.status is State.QUEUED)
        run_cell(ip, cell(f"{CLIP} --seed 41 --out second", PROMPT)).ok()
        second = ip.user_ns["second"]
        assert emulator.stats.count("submit") == 1
        emulator.release()
        await settled(first, second)
        return first, second

    first, second = in_a_kernel_loop(scenario)
    assert second is first and first.result is not None and second.result is first.result
    path = first.result.path
    assert path is not None and probe(path).duration_s == pytest.approx(4.0, abs=0.1)
    assert emulator.stats.count("submit") == 1 and len(emulator.jobs) == 1


def test_generate_with_the_same_arguments_attaches_and_unseeded_or_no_cache_do_not(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEEDANCE_FAL_BASE_URL", emulator.url)
    options: dict[str, Any] = {"fast": True, "resolution": "480p", "duration": 4}
    first = seedance_magic.generate(PROMPT, seed=42, **options)
    again = seedance_magic.generate(PROMPT, seed=42, **options)
    fresh = seedance_magic.generate(PROMPT, seed=42, no_cache=True, **options)
    unseeded = [seedance_magic.generate(PROMPT, **options) for _ in range(2)]
    assert again is first and fresh is not first and unseeded[0] is not unseeded[1]
    for job in (first, fresh, *unseeded):
        assert job.wait(timeout=60).path is not None
    assert emulator.stats.count("submit") == 4


def charging(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator as a fal-compatible server that charges (it does not say it emulates)."""
    monkeypatch.setattr("seedance_magic.engine.runtime.probe_emulator", lambda base_url: None)


def test_three_jobs_of_97_cents_under_a_two_dollar_budget_send_two(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    charging(monkeypatch)
    emulator.configure(hold=True, renderer="plain")
    clip = "--fast -d 4"  # 720p 16:9, 4 s: $0.97

    async def scenario() -> tuple[str, list[Job]]:
        run_cell(ip, "%config Seedance.session_budget_usd = 2.0").ok()
        jobs = []
        for seed in (1, 2):
            run_cell(ip, cell(f"{clip} --seed {seed} --out job", PROMPT)).ok()
            jobs.append(ip.user_ns["job"])
        line = run_cell(ip, cell(f"{clip} --seed 3 --out job", PROMPT)).one_clear_line()
        grid = run_cell(ip, cell(f"{clip} --seeds 4-5", PROMPT)).one_clear_line()
        assert "session_budget_usd" in grid
        await until(lambda: all(j.status is State.QUEUED for j in jobs))
        emulator.release()
        await settled(*jobs)
        return line, jobs

    line, jobs = in_a_kernel_loop(scenario)
    assert "$2.90" in line and "$1.94" in line and "2 jobs still in flight" in line, line
    assert "session_budget_usd = $2.00" in line
    assert emulator.stats.count("submit") == 2 and all(j.result is not None for j in jobs)
    assert get_runtime().spent_usd == pytest.approx(1.94, abs=0.01)


def test_what_is_in_flight_counts_once_for_an_attached_rerun(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-run that attaches costs nothing new: the budget does not refuse it."""
    charging(monkeypatch)
    emulator.configure(hold=True, renderer="plain")

    async def scenario() -> Job:
        run_cell(ip, "%config Seedance.session_budget_usd = 1.5").ok()
        run_cell(ip, cell("--fast -d 4 --seed 6 --out first", PROMPT)).ok()
        run_cell(ip, cell("--fast -d 4 --seed 6 --out second", PROMPT)).ok()
        assert ip.user_ns["second"] is ip.user_ns["first"]
        job: Job = ip.user_ns["first"]
        await until(lambda: job.status is State.QUEUED)
        emulator.release()
        await settled(job)
        return job

    assert in_a_kernel_loop(scenario).result is not None
    assert emulator.stats.count("submit") == 1


def test_a_paid_video_fetched_again_is_not_counted_as_spending(tmp_path: Any) -> None:
    from seedance_magic.engine.runtime import Runtime
    from seedance_magic.model import JobSpec, Result
    from seedance_magic.settings import Settings
    from seedance_magic.spec.cost import CostEstimate

    settings = Settings(base_url="https://charging.invalid", journal_path=tmp_path / "j.sqlite3")
    rt = Runtime(lambda: settings, probe=lambda url: None)  # a server that charges
    spec = JobSpec(
        "bytedance/seedance-2.0/fast/text-to-video", {"prompt": PROMPT}, CostEstimate(0.97, 0.97), "k"
    )
    made = Result(spec.endpoint_id, {"prompt": PROMPT}, "r1", 1, "https://x.invalid/v.mp4", None, 0.97, False)
    kept = [Job(spec, rt), Job.refetch(spec, made, rt)]  # neither started: no I/O
    assert rt.in_flight_usd() == (pytest.approx(0.97), 1) and len(kept) == 2
