"""One job's life against the fake provider: its snapshots and journal transitions, the
request id on disk before the first status call, the status stream and polling (and the
fall back from one to the other), status and result retries, a failed job, a lost or
refused submit, and a download that fails."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from seedance_magic import errors
from seedance_magic.engine.following import Following, Pace
from seedance_magic.engine.job import Job, Snapshot, State
from seedance_magic.engine.runtime import Runtime

from helpers.fake_backend import FakeBackend
from helpers.fake_clips import clip_for
from helpers.fake_parts import DEFAULT_SCRIPT, failed, queued, running
from helpers.fake_runtime import FAST_T2V, job_spec, reached
from helpers.shells import all_records, request_ids_on_disk

UNDER_WAY = [State.PENDING, State.SUBMITTING, State.QUEUED, State.RUNNING, State.DOWNLOADING]


def states_of(snapshots: list[Snapshot]) -> list[State]:
    """The states the snapshots went through, each once per stretch."""
    seen: list[State] = []
    for snapshot in snapshots:
        if not seen or seen[-1] is not snapshot.state:
            seen.append(snapshot.state)
    return seen


def transitions(runtime: Runtime, job: Job) -> list[str]:
    assert job.journal_id is not None
    moves = job.journal.transitions(job.journal_id)
    times = [at for _, at, _ in moves]
    assert times == sorted(times), moves
    return [state for state, _, _ in moves]


def watched(job: Job) -> list[Snapshot]:
    snapshots: list[Snapshot] = []
    job.subscribe(snapshots.append)
    return snapshots


# ---------------------------------------------------------------------- the path
@pytest.mark.parametrize("use_stream", [True, False], ids=["stream", "polling"])
def test_a_job_goes_through_every_state_in_its_snapshots_and_journal(
    make_runtime: Callable[..., Runtime], backend: FakeBackend, use_stream: bool
) -> None:
    runtime = make_runtime(use_stream=use_stream)
    job = Job(job_spec(seed=7), runtime)
    snapshots = watched(job)
    result = job.start().wait(timeout=5)
    assert states_of(snapshots) == [*UNDER_WAY, State.COMPLETED]
    assert [
        s.queue_position for s in snapshots if s.state is State.QUEUED and s.queue_position is not None
    ] == [
        1,
        0,
    ]
    assert [line["message"] for line in snapshots[-1].logs] == ["Starting the runner", "Generating the video"]
    assert (
        snapshots[-1].downloaded
        == snapshots[-1].download_total
        == clip_for(job.spec.arguments).stat().st_size
    )
    assert transitions(runtime, job) == [
        "pending",
        "submitting",
        "queued",
        "running",
        "downloading",
        "completed",
    ]
    assert result.seed == 7 and result.request_id == job.request_id == backend.last.request_id
    assert result.path is not None and result.path.read_bytes() == clip_for(job.spec.arguments).read_bytes()
    assert result.path.parent == runtime.settings.output_dir and result.path.name.endswith(
        "_s7_" + result.request_id.replace("-", "")[:8] + ".mp4"
    )
    assert (result.width, result.height, result.has_audio) == (864, 496, True)  # probed: 480p 16:9
    assert backend.count("submit") == 1 and backend.count("result") == 1 and backend.count("download") == 1
    if use_stream:
        assert backend.count("stream") == 1 and backend.count("status") == 0
    else:
        assert backend.count("status") == len(DEFAULT_SCRIPT)  # one call per step: no time polled


@pytest.mark.parametrize("use_stream", [True, False], ids=["stream", "polling"])
def test_the_request_id_is_on_disk_before_the_first_status_call(
    make_runtime: Callable[..., Runtime], backend: FakeBackend, use_stream: bool, tmp_path: Path
) -> None:
    runtime = make_runtime(use_stream=use_stream)
    seen: list[tuple[str, str | None, list[str]]] = []

    def on_call(kind: str, request_id: str | None) -> None:
        if kind in ("status", "stream") and not seen:
            seen.append((kind, request_id, request_ids_on_disk(tmp_path / "journal.sqlite3")))

    backend.on_call = on_call
    job = Job(job_spec(), runtime).start()
    job.wait(timeout=5)
    kind, request_id, on_disk = seen[0]
    assert kind == ("stream" if use_stream else "status")
    assert request_id == job.request_id and request_id in on_disk


def test_the_stream_path_makes_one_connection(fake_runtime: Runtime, backend: FakeBackend) -> None:
    job = Job(job_spec(), fake_runtime)
    snapshots = watched(job)
    job.start().wait(timeout=5)
    assert backend.count("stream") == 1 and backend.count("status") == 0
    states = [s.state for s in snapshots]
    assert states.index(State.QUEUED) < states.index(State.RUNNING) < states.index(State.COMPLETED)
    assert any(s.queue_position for s in snapshots)
    assert any("Generating" in line["message"] for line in snapshots[-1].logs)


def test_polling_when_the_stream_is_not_offered(make_runtime: Callable[..., Runtime], tmp_path: Path) -> None:
    backend = FakeBackend(stream=False)
    runtime = make_runtime(serves=backend)
    result = Job(job_spec(), runtime).start().wait(timeout=5)
    assert result.path is not None and result.path.exists()
    assert backend.count("stream") == 1  # asked once, not offered, then polled
    assert backend.count("status") == len(DEFAULT_SCRIPT)


# ------------------------------------------------------------- stream -> polling
@pytest.mark.parametrize("how", ["errors", "cut"])
def test_a_stream_that_keeps_failing_falls_back_to_polling(
    fake_runtime: Runtime, backend: FakeBackend, how: str
) -> None:
    if how == "errors":
        backend.fail(
            "stream", errors.Unavailable("fal answered 503 while following the status stream"), times=3
        )
    else:
        backend.cut_stream(3)
    job = Job(job_spec(), fake_runtime)
    snapshots = watched(job)
    result = job.start().wait(timeout=5)
    assert result.path is not None and backend.count("stream") == 3
    assert backend.count("status") == len(DEFAULT_SCRIPT) and backend.count("submit") == 1
    troubles = [s.trouble for s in snapshots if s.trouble]
    if how == "errors":
        assert troubles[0] == (
            "status stream interrupted (fal answered 503 while following the status stream); reconnecting"
        )
    assert snapshots[-1].trouble is None


def test_a_stream_that_recovers_is_kept(fake_runtime: Runtime, backend: FakeBackend) -> None:
    backend.fail("stream", errors.RateLimited("fal answered 429"), times=2)
    Job(job_spec(), fake_runtime).start().wait(timeout=5)
    assert backend.count("stream") == 3 and backend.count("status") == 0


# ------------------------------------------------------------------ retries
@pytest.mark.parametrize(
    "error",
    [
        errors.Unavailable("fal answered 503 while checking the status"),
        errors.RateLimited("fal answered 429 while checking the status"),
    ],
    ids=["unavailable", "rate-limited"],
)
def test_status_failures_are_retried_and_shown(
    make_runtime: Callable[..., Runtime], backend: FakeBackend, error: errors.ServiceError
) -> None:
    runtime = make_runtime(use_stream=False)
    backend.fail("status", error, times=3, skip=1)
    job = Job(job_spec(seed=11), runtime)
    snapshots = watched(job)
    result = job.start().wait(timeout=5)
    assert result.seed == 11 and backend.count("submit") == 1
    assert backend.count("status") == len(DEFAULT_SCRIPT) + 3
    troubles = [s.trouble for s in snapshots if s.trouble]
    assert troubles == [f"{error.message}; retrying in 0 s (attempt {n})" for n in (1, 2, 3)]
    assert snapshots[-1].trouble is None and snapshots[-1].state is State.COMPLETED


def test_a_refused_status_ends_the_wait_and_the_job_stays_resumable(
    make_runtime: Callable[..., Runtime], backend: FakeBackend
) -> None:
    runtime = make_runtime(use_stream=False)
    backend.fail("status", errors.AuthenticationFailed("fal refused the credentials"), skip=1)
    job = Job(job_spec(), runtime).start()
    with pytest.raises(errors.AuthenticationFailed) as info:
        job.wait(timeout=5)
    assert info.value.request_id == job.request_id and job.status is State.FAILED
    record = runtime.journal.by_request_id(job.request_id or "")
    assert record is not None and record.state == "queued" and "credentials" in (record.error or "")
    assert runtime.journal.orphans() == []  # this process is alive: not an orphan yet


def test_result_failures_are_retried(fake_runtime: Runtime, backend: FakeBackend) -> None:
    backend.fail("result", errors.Unavailable("fal answered 503 while fetching the result"), times=2)
    job = Job(job_spec(), fake_runtime)
    snapshots = watched(job)
    result = job.start().wait(timeout=5)
    assert result.path is not None and backend.count("result") == 3 and backend.count("submit") == 1
    assert "fetching the result: fal answered 503 while fetching the result; retrying" in [
        s.trouble for s in snapshots
    ]


def test_a_result_that_cannot_be_fetched_says_how_to_get_it_later(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    backend.fail("result", errors.Unavailable("fal answered 503 while fetching the result"), times=8)
    job = Job(job_spec(), fake_runtime).start()
    with pytest.raises(errors.Unavailable) as info:
        job.wait(timeout=5)
    assert "finished the video but the result could not be fetched" in info.value.message
    assert f"%seedance resume {job.request_id}" in info.value.hint and backend.count("result") == 8
    record = fake_runtime.journal.by_request_id(job.request_id or "")
    assert record is not None and record.state == "running"  # resumable: the video is paid for
    again = Job.resume(record, fake_runtime).start().wait(timeout=5)
    assert again.path is not None and again.path.exists() and backend.count("submit") == 1


# ---------------------------------------------------------------- failures
def test_completed_with_an_error_is_a_failed_job(fake_runtime: Runtime, backend: FakeBackend) -> None:
    backend.script = [queued(0), running("Generating"), failed("runner_disconnected", "Runner disconnected")]
    job = Job(job_spec(), fake_runtime).start()
    with pytest.raises(errors.JobFailed) as info:
        job.wait(timeout=5)
    assert info.value.error_type == "runner_disconnected" and info.value.request_id == job.request_id
    assert info.value.message == "fal reports the job failed: Runner disconnected"
    assert job.status is State.FAILED and backend.count("result") == 0 and backend.count("download") == 0
    record = fake_runtime.journal.by_request_id(job.request_id or "")
    assert record is not None and record.state == "failed" and record.error_type == "runner_disconnected"
    assert transitions(fake_runtime, job) == ["pending", "submitting", "queued", "running", "failed"]


def test_a_result_without_a_video_fails(fake_runtime: Runtime, backend: FakeBackend) -> None:
    backend.script = None
    job = Job(job_spec(), fake_runtime).start()

    async def finish() -> None:
        await backend.until(lambda: backend.requests)
        backend.complete(backend.last.request_id, result={"seed": 1})

    asyncio.run_coroutine_threadsafe(finish(), fake_runtime.loop()).result(
        10
    )  # its loop runs in its own thread
    with pytest.raises(errors.JobFailed, match="fal's result has no video URL"):
        job.wait(timeout=5)


def test_a_lost_submit_is_unknown_and_never_sent_again(fake_runtime: Runtime, backend: FakeBackend) -> None:
    lost = errors.SubmitOutcomeUnknown("the submit's response was lost: fal may have queued the job")
    backend.fail("submit", lost)
    job = Job(job_spec(), fake_runtime).start()
    with pytest.raises(errors.SubmitOutcomeUnknown) as info:
        job.wait(timeout=5)
    assert info.value.message == lost.message and backend.count("submit") == 1
    assert job.status is State.UNKNOWN and job.request_id is None
    (record,) = [r for r in all_records(fake_runtime.settings.journal) if r.state == "unknown"]
    assert record.request_id is None and "response was lost" in (record.error or "")
    assert transitions(fake_runtime, job) == ["pending", "submitting", "unknown"]


@pytest.mark.parametrize(
    "error",
    [
        errors.Rejected("fal rejected the arguments while submitting: bad seed"),
        errors.Unavailable("fal answered 500"),
    ],
    ids=["rejected", "unavailable"],
)
def test_a_refused_submit_fails_and_is_not_sent_again(
    fake_runtime: Runtime, backend: FakeBackend, error: errors.ServiceError
) -> None:
    backend.fail("submit", error)
    job = Job(job_spec(), fake_runtime).start()
    with pytest.raises(type(error)):
        job.wait(timeout=5)
    assert backend.count("submit") == 1 and job.status is State.FAILED
    assert transitions(fake_runtime, job) == ["pending", "submitting", "failed"]


def test_a_download_that_fails_leaves_the_job_resumable(fake_runtime: Runtime, backend: FakeBackend) -> None:
    backend.fail("download", errors.DownloadFailed("the download of the video failed 2 times"))
    job = Job(job_spec(), fake_runtime).start()
    with pytest.raises(errors.DownloadFailed):
        job.wait(timeout=5)
    assert job.status is State.FAILED and backend.downloads[0].attempts == 2  # settings.download_attempts
    record = fake_runtime.journal.by_request_id(job.request_id or "")
    assert record is not None and record.state == "downloading" and record.video_url
    result = Job.resume(record, fake_runtime).start().wait(timeout=5)
    assert result.path is not None and result.path.exists() and backend.count("submit") == 1
    again = fake_runtime.journal.by_request_id(job.request_id or "")
    assert again is not None and again.state == "completed"


def test_a_broken_subscriber_never_stops_the_job(fake_runtime: Runtime, caplog: Any) -> None:
    job = Job(job_spec(), fake_runtime)

    def broken(snapshot: Snapshot) -> None:
        raise RuntimeError("a view that fails")

    job.subscribe(broken)
    assert job.start().wait(timeout=5).path is not None
    assert "a job subscriber failed" in caplog.text


async def test_snapshots_follow_the_tests_steps(fake_runtime: Runtime, backend: FakeBackend) -> None:
    backend.script = None
    job = Job(job_spec(), fake_runtime).start()
    await reached(job, lambda s: s.state is State.QUEUED)
    rid = backend.last.request_id
    backend.advance(rid, "IN_QUEUE", queue_position=3)
    assert (await reached(job, lambda s: s.queue_position == 3)).state is State.QUEUED
    backend.advance(rid, "IN_PROGRESS", logs=["Loading the model"])
    running_now = await reached(job, lambda s: s.state is State.RUNNING)
    assert running_now.queue_position is None and running_now.running_since is not None
    backend.advance(rid, "IN_PROGRESS", logs=["Generating"])
    later = await reached(job, lambda s: len(s.logs) == 2)
    assert [line["message"] for line in later.new_logs] == ["Generating"]
    backend.complete(rid)
    result = await job
    assert result.request_id == rid and job.status is State.COMPLETED


@pytest.mark.parametrize(
    ("interval", "remaining", "expected"),
    [
        (2.5, None, 2.5),
        (2.5, 1.0, 1.0),
        (2.5, 0.05, 0.2),
        (2.5, 3.0, 2.5),
        (0.05, 0.01, 0.05),
        (0.1, 0.5, 0.1),
    ],
)
def test_polling_comes_sooner_near_the_typical_end_and_never_later(
    backend: FakeBackend, interval: float, remaining: float | None, expected: float
) -> None:
    """Past jobs of this shape say how long it still runs: the next poll is then, not
    sooner than 0.2 s away, and never later than the interval it would have waited."""
    handle = backend.handle_for(FAST_T2V, "req-1")
    following = Following(
        backend,
        handle,
        Pace(False, interval),
        on_update=lambda u: False,
        on_trouble=print,
        remaining=lambda: remaining,
    )
    assert following._next_poll(interval) == pytest.approx(expected)
