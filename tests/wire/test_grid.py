"""Grids end to end against the emulator: the jobs of `--seeds 1-4` in parallel under
the concurrency limit, the budget on the total, cancel all, results in grid order, and
the magic's `--wait` output."""

from __future__ import annotations

import asyncio
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from seedance_magic import errors
from seedance_magic.emulator import Emulator, EmulatorConfig, Fault
from seedance_magic.engine.group import JobGroup
from seedance_magic.engine.job import State
from seedance_magic.engine.runtime import Runtime
from seedance_magic.media.video import probe
from seedance_magic.notebook.runner import run_cell
from seedance_magic.settings import Settings
from seedance_magic.spec.parse import parse_cell

T = TypeVar("T")
GRID = "--seeds 1-4 -d 4 --fast -r 480p"
UNDER_WAY = {State.SUBMITTING, State.QUEUED, State.RUNNING, State.DOWNLOADING}


def shell() -> Any:
    return types.SimpleNamespace(user_ns={})


def in_kernel(runtime: Runtime, main: Callable[[], Any]) -> Any:
    """Run `main()` (a coroutine function) as a kernel would: on a loop that keeps
    running, so run_cell returns at once and the jobs go on in the background."""

    async def cell() -> Any:
        try:
            return await main()
        finally:
            await runtime.aclose_loop()

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(cell())
    finally:
        loop.close()


def with_settings(runtime: Runtime, settings: Settings, **changes: Any) -> Settings:
    changed = settings._replace(**changes)
    runtime.set_settings_source(lambda: changed)
    return changed


def watch(group: JobGroup) -> tuple[list[list[State]], list[int], list[set[int]]]:
    """Per cell, the states it went through; the most jobs under way at once; and the
    cells seen waiting for a slot."""
    seen: list[list[State]] = [[job.status] for job in group.jobs]
    peak = [0]
    waiting: list[set[int]] = [set()]

    def changed() -> None:
        for i, job in enumerate(group.jobs):
            if seen[i][-1] != job.status:
                seen[i].append(job.status)
            if group.waiting_for_slot(i):
                waiting[0].add(i)
        peak[0] = max(peak[0], sum(job.status in UNDER_WAY for job in group.jobs))

    group.subscribe(changed)
    return seen, peak, waiting


# ----------------------------------------------------------------- end to end
def test_a_four_job_grid_runs_in_parallel_with_per_cell_states(runtime: Runtime, emulator: Emulator) -> None:
    user = shell()
    request = parse_cell(f"{GRID} -o clips", "A paper boat drifts down a gutter")

    async def main() -> tuple[JobGroup, list[Any], Any]:
        group = run_cell(request, user, runtime)
        assert group is not None and user.user_ns["clips"] is group  # bound at once
        assert group.status is State.PENDING and len(group) == 4
        observed = watch(group)
        results = await group
        return group, results, observed

    group, results, (seen, peak, waiting) = in_kernel(runtime, main)
    assert [r.seed for r in results] == [1, 2, 3, 4]
    assert [dict(c) for c in group.captions] == [{"seed": s} for s in (1, 2, 3, 4)]
    paths = [r.path for r in results]
    assert len(set(paths)) == 4 and all(p is not None and p.exists() for p in paths)
    assert len({p.read_bytes() for p in paths if p is not None}) == 4  # four different clips
    for path in paths:
        assert path is not None and probe(path).duration_s == pytest.approx(4.0, abs=0.1)
    for states in seen:
        assert states[0] is State.PENDING and states[-1] is State.COMPLETED
        assert State.QUEUED in states and State.RUNNING in states
    assert peak[0] == 4 and waiting[0] == set()  # the default concurrency of 4: no one waits
    assert group.status is State.COMPLETED and group.errors == {}
    assert emulator.stats.counts["submit"] == 4


def test_at_most_concurrency_jobs_are_under_way(
    runtime: Runtime, emulator: Emulator, settings: Settings
) -> None:
    with_settings(runtime, settings, concurrency=2)
    lines: list[str] = []

    async def main() -> tuple[JobGroup, Any]:
        group = run_cell(parse_cell(GRID, "A kite over dunes"), shell(), runtime)
        assert group is not None
        observed = watch(group)

        def text() -> None:
            lines.extend(line for line in repr(group).splitlines() if "waiting for a slot" in line)

        group.subscribe(text)
        await group
        return group, observed

    group, (_seen, peak, waiting) = in_kernel(runtime, main)
    assert peak[0] == 2 and waiting[0] == {2, 3}
    assert lines and all(line.endswith("pending · waiting for a slot") for line in lines)
    jobs = sorted(emulator.jobs.values(), key=lambda j: j.submitted_at)
    for job in jobs:  # at the emulator too: no third job was sent while two were unfinished
        overlapping = [o for o in jobs if o.submitted_at <= job.submitted_at < (o.completed_at or 1e18)]
        assert len(overlapping) <= 2
    assert [r.seed for r in group.wait()] == [1, 2, 3, 4]


def test_the_grid_takes_about_the_time_of_one_job(tmp_path: Path, settings: Settings) -> None:
    config = EmulatorConfig(queue_seconds=0.2, run_seconds=1.5, log_interval=0.2, render_workers=2)
    with Emulator(config) as emu:
        timed = settings._replace(base_url=emu.url)
        rt = Runtime(lambda: timed)
        try:
            group = run_cell(parse_cell(GRID, "A lantern in fog"), shell(), rt)  # waits: no loop
            assert group is not None and group.done
            start = time.monotonic()
            assert run_cell(parse_cell("--seeds 9 -d 4 --fast -r 480p", "A lantern"), shell(), rt)
            one = time.monotonic() - start
            start = time.monotonic()
            again = run_cell(parse_cell("--seeds 5-8 -d 4 --fast -r 480p", "A lantern"), shell(), rt)
            four = time.monotonic() - start
            assert again is not None and [r.seed for r in again.wait()] == [5, 6, 7, 8]
        finally:
            rt.close()
    assert four < 2.5 * one, (four, one)


def test_the_cells_share_one_upload_of_their_inputs(runtime: Runtime, emulator: Emulator) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), (30, 90, 200)).save(buffer, "PNG")
    request = parse_cell(
        "-i {{still}} --seeds 1-3 -d 4 --fast -r 480p",
        "The lake ripples",
        namespace={"still": buffer.getvalue()},
    )
    group = run_cell(request, shell(), runtime)
    assert group is not None
    assert [r.seed for r in group.wait()] == [1, 2, 3]
    assert len(emulator.stats.uploads) == 1 and emulator.stats.count("submit") == 3
    sent = [job.arguments["image_url"] for job in emulator.jobs.values()]
    assert len(set(sent)) == 1 and sent[0].startswith(emulator.url)
    assert all("image-to-video" in r.endpoint for r in group.wait())


# ---------------------------------------------------------------------- budget
def test_the_budget_applies_to_the_total_before_anything_is_sent(
    runtime: Runtime, emulator: Emulator
) -> None:
    request = parse_cell("--seeds 1-4 -d 15", "An expensive sunrise")  # standard 720p: $4.55 each
    with pytest.raises(errors.BudgetExceeded) as info:
        run_cell(request, shell(), runtime)
    message = str(info.value)
    assert "grid of 4 videos" in message and "$18.20" in message and "max_usd_per_run" in message
    assert emulator.stats.count("submit") == 0 and list(runtime.jobs.values()) == []


def test_cached_cells_cost_nothing_and_are_left_out_of_the_budget(
    runtime: Runtime, emulator: Emulator, settings: Settings
) -> None:
    first = run_cell(parse_cell("--seeds 1-2 -d 4 --fast -r 480p", "A red door"), shell(), runtime)
    assert first is not None and first.done
    with_settings(runtime, settings, max_usd_per_run=0.5)  # one more video fits, three would not
    again = run_cell(parse_cell("--seeds 1-3 -d 4 --fast -r 480p", "A red door"), shell(), runtime)
    assert again is not None
    results = again.wait()
    assert [r.cached for r in results] == [True, True, False]
    assert emulator.stats.count("submit") == 3


# ---------------------------------------------------------------------- cancel
def test_cancel_all_cancels_the_sent_and_never_sends_the_waiting(
    runtime: Runtime, emulator: Emulator, settings: Settings
) -> None:
    with_settings(runtime, settings, concurrency=2)
    emulator.configure(hold=True)

    async def main() -> JobGroup:
        group = run_cell(parse_cell(GRID, "A slow tide"), shell(), runtime)
        assert group is not None
        while sum(job.status is State.QUEUED for job in group.jobs) < 2:
            await asyncio.sleep(0.02)
        assert group.waiting_for_slot(2) and group.waiting_for_slot(3)
        group.cancel()
        with pytest.raises(errors.JobCancelled):
            await group  # no cell made a video: the first error is raised
        return group

    group = in_kernel(runtime, main)
    assert group.states == [State.CANCELLED] * 4 and group.status is State.CANCELLED
    assert sorted(group.errors) == [0, 1, 2, 3]
    assert emulator.stats.count("submit") == 2 and emulator.stats.count("cancel") == 2
    assert "nothing was charged" in (group.jobs[3].snapshot.error or "")


# ---------------------------------------------------------------- partial failure
def test_wait_returns_the_videos_in_grid_order_and_keeps_the_failures(
    runtime: Runtime, emulator: Emulator, settings: Settings
) -> None:
    with_settings(runtime, settings, concurrency=1)  # one at a time: the second submit is cell 2
    emulator.inject(Fault(on="submit", action="fail_job", skip=1, times=1, error_type="runner_disconnected"))
    group = run_cell(parse_cell("--seeds 1-3 -d 4 --fast -r 480p", "A moth"), shell(), runtime)
    assert group is not None
    assert [r.seed for r in group.wait()] == [1, 3]
    assert list(group.errors) == [1] and isinstance(group.errors[1], errors.JobFailed)
    assert [r.seed if r else None for r in group.results] == [1, None, 3]
    assert group.status is State.FAILED
    with pytest.raises(errors.JobFailed):
        group.wait(strict=True)
    assert "2. seed 2: failed · fal reports the job failed" in repr(group).splitlines()[2]


# ---------------------------------------------------------------------- the magic
@pytest.fixture
def ipython(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A terminal IPython shell with the extension loaded, sending to the test emulator."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("SEEDANCE_FAL_BASE_URL", emulator.url)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ip = InteractiveShell.instance(config=config)
    try:
        ip.run_line_magic("load_ext", "seedance_magic")
        ip.run_line_magic("config", "Seedance.poll_initial = 0.05")
        yield ip
    finally:
        ip.run_line_magic("unload_ext", "seedance_magic")
        InteractiveShell.clear_instance()


def test_the_magic_runs_a_grid_and_leaves_the_videos(
    ipython: Any, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match=r"\$18\.20"):
        ipython.run_cell_magic("seedance", "--seeds 1-4 -d 15", "A costly dawn")
    assert emulator.stats.count("submit") == 0
    ipython.run_cell_magic("seedance", "--seeds 1,2 -d 4 --fast -r 480p --wait -o pair", "A pair of herons")
    group = ipython.user_ns["pair"]
    assert isinstance(group, JobGroup) and [r.seed for r in group.wait()] == [1, 2]
    out, err = capsys.readouterr()
    assert "seedance grid · 2 videos" in out and "1. seed 1: completed" in out
    assert "seedance [2/2 seed 2]: completed" in err
