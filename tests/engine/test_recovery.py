"""Jobs that start from what is known already: a cached result replayed, a cached result
whose file is gone fetched again, a journalled job resumed (by this process, after
another one died, after its download failed); and a job's journal pinned when
`journal_path` changes mid-job."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from seedance_magic import errors
from seedance_magic.engine.job import Job, State
from seedance_magic.engine.runtime import Runtime

from helpers.fake_backend import FakeBackend
from helpers.fake_parts import DEFAULT_SCRIPT
from helpers.fake_runtime import FAST_T2V, configure, job_spec, reached
from helpers.shells import CLIP, cell, fake_shell, only_record, run_cell

DEAD_PID = 2**22 + 12345  # above Linux's pid_max: no such process


def test_a_replay_is_complete_at_once_and_sends_nothing(fake_runtime: Runtime, backend: FakeBackend) -> None:
    made = Job(job_spec(seed=5), fake_runtime).start().wait(timeout=5)
    calls = len(backend.calls)
    replayed = Job.replay(job_spec(seed=5), replace(made, cached=True), fake_runtime)
    assert replayed.done and replayed.status is State.COMPLETED and replayed.request_id == made.request_id
    assert replayed.start().wait(timeout=5).cached and len(backend.calls) == calls


def test_a_refetch_downloads_again_without_a_submit(fake_runtime: Runtime, backend: FakeBackend) -> None:
    made = Job(job_spec(seed=5), fake_runtime).start().wait(timeout=5)
    assert made.path is not None
    made.path.unlink()
    again = Job.refetch(job_spec(seed=5), made, fake_runtime).start().wait(timeout=5)
    assert again.path == made.path and made.path.exists() and again.request_id == made.request_id
    assert backend.count("submit") == 1 and backend.count("download") == 2
    assert backend.downloads[-1].url == made.video_url and backend.downloads[-1].attempts == 2


def test_a_refetch_whose_url_is_gone_is_one_line(fake_runtime: Runtime, backend: FakeBackend) -> None:
    made = Job(job_spec(seed=5), fake_runtime).start().wait(timeout=5)
    assert made.path is not None
    made.path.unlink()
    backend.fail("download", errors.DownloadFailed("the server answered 404"))
    job = Job.refetch(job_spec(seed=5), made, fake_runtime).start()
    with pytest.raises(errors.DownloadFailed) as info:
        job.wait(timeout=5)
    line = str(info.value)
    assert "is gone and its URL no longer works (the server answered 404)" in line and "--no-cache" in line
    assert "\n" not in line and job.status is State.FAILED and backend.count("submit") == 1


async def test_resume_follows_the_same_request_without_a_new_submit(
    fake_runtime: Runtime, backend: FakeBackend
) -> None:
    backend.script = None
    first = Job(job_spec(seed=3), fake_runtime).start()
    await reached(first, lambda s: s.request_id is not None)
    record = fake_runtime.journal.by_request_id(first.request_id or "")
    assert record is not None and record.state == "queued"
    resumed = Job.resume(record, fake_runtime).start()
    assert resumed.status is State.QUEUED and resumed.request_id == first.request_id
    backend.complete(backend.last.request_id)
    result = await resumed
    assert result.seed == 3 and backend.count("submit") == 1
    assert (await first).request_id == result.request_id  # both followed one job


def test_a_record_without_a_request_id_cannot_be_resumed(fake_runtime: Runtime) -> None:
    journal = fake_runtime.journal
    job = journal.create(endpoint=FAST_T2V, arguments={"prompt": "lost"})
    journal.update(job, state="unknown")
    record = journal.get(job)
    assert record is not None
    with pytest.raises(errors.InvalidRequest, match="has no request id") as info:
        Job.resume(record, fake_runtime)
    assert "https://fal.ai/dashboard" in info.value.hint


def test_a_job_of_a_dead_process_is_finished_here(fake_runtime: Runtime, backend: FakeBackend) -> None:
    """Its row names a process that is gone: it is an orphan, and resuming it here gets
    the video without a submit and makes the row this process's."""
    args = {"prompt": "worker seed 45", "resolution": "480p", "duration": "4", "seed": 45}
    handle = backend.add_request("req-of-a-dead-kernel", FAST_T2V, args, script=DEFAULT_SCRIPT)
    journal = fake_runtime.journal
    job_id = journal.create(endpoint=FAST_T2V, arguments=args, base_url="http://fake.invalid")
    journal.update(job_id, state="submitting")
    journal.update(
        job_id,
        state="queued",
        request_id=handle.request_id,
        status_url=handle.status_url,
        response_url=handle.response_url,
        cancel_url=handle.cancel_url,
        pid=DEAD_PID,
    )
    (orphan,) = journal.orphans()
    assert orphan.request_id == "req-of-a-dead-kernel" and orphan.state == "queued"
    result = Job.resume(orphan, fake_runtime).start().wait(timeout=5)
    assert result.seed == 45 and result.path is not None and result.path.exists()
    assert backend.count("submit") == 0
    record = journal.by_request_id(handle.request_id)
    assert record is not None and record.state == "completed" and record.pid == os.getpid()
    assert journal.orphans() == []


# ------------------------------------------------------------- a pinned journal
async def test_a_job_keeps_its_journal_when_journal_path_changes(
    make_runtime: Callable[..., Runtime], backend: FakeBackend, tmp_path: Path
) -> None:
    runtime = make_runtime()
    backend.script = None
    job = Job(job_spec(seed=8), runtime).start()
    await reached(job, lambda s: s.state is State.QUEUED)
    elsewhere = tmp_path / "elsewhere.sqlite3"
    configure(runtime, journal_path=elsewhere)  # as `%config Seedance.journal_path = ...` would
    backend.advance(backend.last.request_id, "IN_PROGRESS")
    backend.complete(backend.last.request_id)
    await job
    assert job.journal.path == tmp_path / "journal.sqlite3" and runtime.journal.path == elsewhere
    assert job.journal_id is not None
    moves = [state for state, _, _ in job.journal.transitions(job.journal_id)]
    assert moves == ["pending", "submitting", "queued", "running", "downloading", "completed"]
    record = job.journal.get(job.journal_id)
    assert record is not None and record.path is not None and record.cost_usd is not None
    later = Job(job_spec(seed=9), runtime)  # a job made after the change goes to the new one
    backend.script = DEFAULT_SCRIPT
    await later
    assert [r.seed for r in runtime.journal.recent()] == [9]
    assert [r.seed for r in job.journal.recent()] == [8]


# --------------------------------------------------------- a failed download
def test_a_paid_video_whose_download_failed_is_resumed_in_the_same_kernel(
    backend: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend.fail(
        "download",
        errors.DownloadFailed(
            "the video download kept failing (0 of 5248 bytes) from http://fake.invalid/files/x/output.mp4",
            hint="`%seedance resume ID` tries again while fal still keeps the file",
        ),
    )
    with fake_shell(backend, monkeypatch) as ip:
        line = run_cell(ip, cell(f"{CLIP} --seed 17 --wait", "a lighthouse in a storm")).one_clear_line()
        record = only_record()
        assert record.state == "downloading" and record.error is not None  # resumable: it is paid for
        assert record.video_url and record.result is not None  # what fal made is on record
        assert "%seedance resume" in line and (record.request_id or "-") in line
        run_cell(ip, f"result = %seedance resume {record.request_id}\nresult = result.wait()").ok()
        assert ip.user_ns["result"].path.exists() and backend.count("submit") == 1
        assert only_record().state == "completed"
