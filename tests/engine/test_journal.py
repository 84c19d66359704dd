"""What each way a job ends leaves in the journal (every state with its time, the seed,
result JSON, path, cost, error; never the key), through cells and `generate()` whose
jobs the fake provider serves. Several processes sharing one journal, and a killed one,
are in tests/wire/test_durability.py."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import seedance_magic
from seedance_magic import errors
from seedance_magic.engine.job import State
from seedance_magic.spec.cost import frame_size
from seedance_magic.store.journal import Journal

from helpers.fake_backend import FakeBackend
from helpers.fake_parts import BASE_URL, failed, queued, running
from helpers.shells import CLIP, cell, fake_shell, only_record, run_cell

KEY = "sk-TEST-" + secrets.token_hex(16)


@pytest.fixture
def ip(backend: FakeBackend, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.setenv("FAL_KEY", KEY)
    with fake_shell(backend, monkeypatch) as shell:
        yield shell


def states(journal_id: str) -> list[str]:
    journal = Journal(Path(os.environ["SEEDANCE_JOURNAL"]))
    try:
        moves = journal.transitions(journal_id)
    finally:
        journal.close()
    times = [at for _, at, _ in moves]
    assert times == sorted(times), moves  # every state change is timed, in order
    return [state for state, _, _ in moves]


def journal_bytes(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("journal.sqlite3"))


def test_a_success_is_journalled_whole(ip: InteractiveShell, tmp_path: Path) -> None:
    run_cell(ip, cell(f"{CLIP} --seed 31 --wait --out job", "a kite over dunes")).ok()
    result = ip.user_ns["job"].result
    record = only_record()
    assert states(record.id) == ["pending", "submitting", "queued", "running", "downloading", "completed"]
    assert record.request_id == result.request_id and record.status_url and record.cancel_url
    assert record.seed == 31 and record.result is not None and record.result["seed"] == 31
    assert record.video_url == record.result["video"]["url"] == result.video_url
    assert record.path is not None and Path(record.path).resolve() == result.path.resolve()
    assert record.cost_usd == pytest.approx(result.cost_usd) and record.error is None
    assert record.timings is not None and record.timings["total_s"] > 0
    assert record.emulated and record.pid == os.getpid() and record.base_url == BASE_URL
    assert record.arguments == {**record.arguments, "prompt": "a kite over dunes", "seed": 31}
    assert record.reproduce and "--seed 31" in record.reproduce
    assert record.estimate_low == record.estimate_high == pytest.approx(result.cost_usd)
    width, height = frame_size(record.arguments["resolution"], record.arguments["aspect_ratio"])
    assert record.media == {  # as probed: the frame fal makes for the request
        "width": width,
        "height": height,
        "duration": pytest.approx(1.0, abs=0.05),
        "has_audio": True,
    }
    assert KEY.encode() not in journal_bytes(tmp_path)


def test_a_failure_is_journalled_with_its_error(
    ip: InteractiveShell, backend: FakeBackend, tmp_path: Path
) -> None:
    backend.script = [
        queued(0),
        running("Generating"),
        failed("runner_server_error", "Internal error in the runner"),
    ]
    run_cell(ip, cell(f"{CLIP} --seed 32 --wait", "a kite over dunes")).one_clear_line()
    record = only_record()
    assert states(record.id) == ["pending", "submitting", "queued", "running", "failed"]
    assert record.error == "fal reports the job failed: Internal error in the runner"
    assert record.error_type == "runner_server_error" and record.path is None and record.cost_usd is None
    assert record.request_id in backend.requests
    assert KEY.encode() not in journal_bytes(tmp_path)


def test_a_cancel_is_journalled(
    backend: FakeBackend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FAL_KEY", KEY)
    backend.script = [queued(0), running("Generating")]  # then it runs until cancelled
    with fake_shell(backend, monkeypatch):
        job = seedance_magic.generate("a kite over dunes", fast=True, resolution="480p", duration=4, seed=33)
        job.subscribe(lambda s: s.state is State.RUNNING and job.cancel())
        with pytest.raises(errors.JobCancelled):
            job.wait(timeout=5)
    record = only_record()
    assert states(record.id) == ["pending", "submitting", "queued", "running", "cancelled"]
    assert record.error == "cancelled at fal" and record.request_id == job.request_id
    assert backend.count("cancel") == 1
    assert KEY.encode() not in journal_bytes(tmp_path)


def test_a_lost_submit_is_journalled_as_unknown(ip: InteractiveShell, backend: FakeBackend) -> None:
    backend.fail(
        "submit",
        errors.SubmitOutcomeUnknown(
            "the submit's response was lost: fal may have queued the job; it was NOT sent again"
        ),
    )
    run_cell(ip, cell(f"{CLIP} --seed 34 --wait", "a kite over dunes")).one_clear_line()
    record = only_record()
    assert states(record.id) == ["pending", "submitting", "unknown"]
    assert record.request_id is None and "NOT sent again" in (record.error or "")
    assert backend.count("submit") == 1  # sent once: that is why it is never sent again
