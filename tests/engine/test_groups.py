"""Grids against the fake provider: the jobs of `--seeds 1-4` in parallel under the slot
gate (never more than `concurrency` in flight, the others "waiting for a slot"), the
budget on the total, one shared upload, cancel all, and JobGroup's waiting: results in
grid order, errors by cell, strict, all failed, a timeout; and the magic's `--wait`
output."""

from __future__ import annotations

import io
import types
from collections.abc import Iterator
from typing import Any

import pytest

from seedance_magic import errors
from seedance_magic.engine.gate import SlotGate
from seedance_magic.engine.group import JobGroup
from seedance_magic.engine.job import Job, State
from seedance_magic.engine.runtime import Runtime
from seedance_magic.notebook.runner import run_cell
from seedance_magic.spec.parse import parse_cell

from helpers.fake_backend import FakeBackend
from helpers.fake_clips import clip_for
from helpers.fake_parts import DEFAULT_SCRIPT, failed, queued
from helpers.fake_runtime import configure, job_spec, reached

GRID = "--seeds 1-4 -d 4 --fast -r 480p"
UNDER_WAY = {State.SUBMITTING, State.QUEUED, State.RUNNING, State.DOWNLOADING}


def shell() -> Any:
    return types.SimpleNamespace(user_ns={})


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
async def test_a_four_job_grid_runs_in_parallel_with_per_cell_states(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    user = shell()
    backend.script = None  # nothing finishes before all four are sent: they run at once
    group = run_cell(parse_cell(f"{GRID} -o clips", "A paper boat drifts down a gutter"), user, fake_runtime)
    assert group is not None and user.user_ns["clips"] is group  # bound at once
    assert group.status is State.PENDING and len(group) == 4
    seen, peak, waiting = watch(group)
    await backend.until(lambda: len(backend.requests) == 4)
    assert backend.peak_open == 4
    for request in list(backend.requests.values()):
        backend.advance(request.request_id, "IN_QUEUE", queue_position=0)
        backend.advance(request.request_id, "IN_PROGRESS", logs=["Generating"])
        backend.complete(request.request_id)
    results = await group
    assert [r.seed for r in results] == [1, 2, 3, 4]
    assert sorted(arguments["seed"] for _, arguments in backend.submits) == [1, 2, 3, 4]
    assert [dict(c) for c in group.captions] == [{"seed": s} for s in (1, 2, 3, 4)]
    paths = [r.path for r in results]
    assert len(set(paths)) == 4 and all(
        p is not None and p.read_bytes() == clip_for(backend.submits[0][1]).read_bytes() for p in paths
    )
    for states in seen:
        assert states[0] is State.PENDING and states[-1] is State.COMPLETED
        assert State.QUEUED in states and State.RUNNING in states
    assert peak[0] == 4 and waiting[0] == set()  # the default concurrency of 4: no one waits
    assert group.status is State.COMPLETED and group.errors == {}
    assert backend.count("submit") == 4


async def test_at_most_concurrency_jobs_are_under_way(fake_runtime: Runtime, backend: FakeBackend) -> None:
    configure(fake_runtime, concurrency=2)
    backend.script = None
    lines: list[str] = []
    group = run_cell(parse_cell(GRID, "A kite over dunes"), shell(), fake_runtime)
    assert group is not None
    _seen, peak, waiting = watch(group)

    def text() -> None:
        lines.extend(line for line in repr(group).splitlines() if "waiting for a slot" in line)

    group.subscribe(text)
    await backend.until(lambda: len(backend.requests) == 2)
    await reached(group.jobs[3], lambda s: s.waiting == "waiting for a slot")
    assert group.waiting_for_slot(2) and group.waiting_for_slot(3)
    assert [job.snapshot.waiting for job in group.jobs[2:]] == ["waiting for a slot"] * 2
    for _ in range(4):  # finish them one by one, as each is sent
        request = await backend.until(
            lambda: next((r for r in backend.requests.values() if not r.finished), None)
        )
        assert backend.open_now <= 2  # at the provider too: never a third in flight
        backend.complete(request.request_id)
    results = await group
    assert peak[0] == 2 and waiting[0] == {2, 3} and backend.peak_open == 2
    assert lines and all(line.endswith("pending · waiting for a slot") for line in lines)
    assert [r.seed for r in results] == [1, 2, 3, 4]


def test_the_cells_share_one_upload_of_their_inputs(fake_runtime: Runtime, backend: FakeBackend) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), (30, 90, 200)).save(buffer, "PNG")
    request = parse_cell(
        "-i {{still}} --seeds 1-3 -d 4 --fast -r 480p",
        "The lake ripples",
        namespace={"still": buffer.getvalue()},
    )
    group = run_cell(request, shell(), fake_runtime)  # no loop keeps running: the cell waits
    assert group is not None
    assert [r.seed for r in group.wait()] == [1, 2, 3]
    assert len(backend.uploads) == 1 and backend.count("submit") == 3
    assert backend.uploads[0].data == buffer.getvalue() and backend.uploads[0].content_type == "image/png"
    sent = [arguments["image_url"] for _, arguments in backend.submits]
    assert sent == [backend.uploads[0].url] * 3 and sent[0].startswith(backend.base_url)
    assert all("image-to-video" in r.endpoint for r in group.wait())


# ---------------------------------------------------------------------- budget
def test_the_budget_applies_to_the_total_before_anything_is_sent(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    request = parse_cell("--seeds 1-4 -d 15", "An expensive sunrise")  # standard 720p: $4.55 each
    with pytest.raises(errors.BudgetExceeded) as info:
        run_cell(request, shell(), fake_runtime)
    message = str(info.value)
    assert "grid of 4 videos" in message and "$18.20" in message and "max_usd_per_run" in message
    assert backend.calls == [] and list(fake_runtime.jobs.values()) == []


def test_cached_cells_cost_nothing_and_are_left_out_of_the_budget(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    first = run_cell(parse_cell("--seeds 1-2 -d 4 --fast -r 480p", "A red door"), shell(), fake_runtime)
    assert first is not None and first.done
    configure(fake_runtime, max_usd_per_run=0.5)  # one more video fits, three would not
    again = run_cell(parse_cell("--seeds 1-3 -d 4 --fast -r 480p", "A red door"), shell(), fake_runtime)
    assert again is not None
    results = again.wait()
    assert [r.cached for r in results] == [True, True, False]
    assert backend.count("submit") == 3


# ---------------------------------------------------------------------- cancel
async def test_cancel_all_cancels_the_sent_and_never_sends_the_waiting(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    configure(fake_runtime, concurrency=2)
    backend.script = None
    group = run_cell(parse_cell(GRID, "A slow tide"), shell(), fake_runtime)
    assert group is not None
    for job in group.jobs[:2]:
        await reached(job, lambda s: s.state is State.QUEUED)
    await reached(group.jobs[3], lambda s: s.waiting is not None)
    assert group.waiting_for_slot(2) and group.waiting_for_slot(3)
    group.cancel()
    with pytest.raises(errors.JobCancelled):
        await group  # no cell made a video: the first error is raised
    assert group.states == [State.CANCELLED] * 4 and group.status is State.CANCELLED
    assert sorted(group.errors) == [0, 1, 2, 3]
    assert backend.count("submit") == 2 and backend.count("cancel") == 2
    assert "nothing was charged" in (group.jobs[3].snapshot.error or "")


# ---------------------------------------------------------------- partial failure
def test_wait_returns_the_videos_in_grid_order_and_keeps_the_failures(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    configure(fake_runtime, concurrency=1)  # one at a time: the second submit is cell 2
    backend.script_next(DEFAULT_SCRIPT, [queued(0), failed("runner_disconnected", "Runner disconnected")])
    group = run_cell(parse_cell("--seeds 1-3 -d 4 --fast -r 480p", "A moth"), shell(), fake_runtime)
    assert group is not None
    assert [r.seed for r in group.wait()] == [1, 3]
    assert list(group.errors) == [1] and isinstance(group.errors[1], errors.JobFailed)
    assert [r.seed if r else None for r in group.results] == [1, None, 3]
    assert group.status is State.FAILED
    with pytest.raises(errors.JobFailed):
        group.wait(strict=True)
    assert "2. seed 2: failed · fal reports the job failed" in repr(group).splitlines()[2]


def test_a_grid_where_every_cell_failed_raises_the_first_error(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    backend.script = [queued(0), failed()]
    jobs = [Job(job_spec(seed=s), fake_runtime) for s in (1, 2)]
    group = JobGroup(jobs)
    with pytest.raises(errors.JobFailed) as info:
        group.wait()
    assert info.value is group.errors[0] and sorted(group.errors) == [0, 1]
    assert group.status is State.FAILED and group.results == [None, None]


def test_a_grid_wait_that_times_out_leaves_the_jobs_running(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    backend.script = None
    group = JobGroup([Job(job_spec(seed=s), fake_runtime) for s in (1, 2)], slots=SlotGate(2))
    with pytest.raises(errors.JobTimeout, match="2 of 2 jobs of the grid are still under way"):
        group.wait(timeout=0.05)
    assert not group.done and backend.count("cancel") == 0
    for request in backend.requests.values():
        backend.complete(request.request_id)
    assert [r.seed for r in group.wait(timeout=5)] == [1, 2]


# ---------------------------------------------------------------------- the magic
@pytest.fixture
def ipython(backend: FakeBackend, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A terminal IPython shell with the extension loaded, served by the fake provider."""
    from helpers.shells import fake_shell

    with fake_shell(backend, monkeypatch) as ip:
        yield ip


def test_the_magic_runs_a_grid_and_leaves_the_videos(
    ipython: Any, backend: FakeBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match=r"\$18\.20"):
        ipython.run_cell_magic("seedance", "--seeds 1-4 -d 15", "A costly dawn")
    assert backend.count("submit") == 0
    ipython.run_cell_magic("seedance", "--seeds 1,2 -d 4 --fast -r 480p --wait -o pair", "A pair of herons")
    group = ipython.user_ns["pair"]
    assert isinstance(group, JobGroup) and [r.seed for r in group.wait()] == [1, 2]
    out, err = capsys.readouterr()
    assert "seedance grid · 2 videos" in out and "1. seed 1: completed" in out
    assert "seedance [2/2 seed 2]: completed" in err
