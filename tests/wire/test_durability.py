"""The journal end to end: what a success, a failure, a cancel and a lost submit leave on
disk (every state with its time, seed, result JSON, path, cost, error; never the key),
several processes writing one journal while they run jobs against one emulator, and a
process killed mid-job whose job another process then finishes without a new submit."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import seedance_magic
from seedance_magic import errors
from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.job import Job, State
from seedance_magic.engine.runtime import get_runtime
from seedance_magic.media.video import probe
from seedance_magic.store.journal import Journal

from helpers.shells import (
    CLIP,
    all_records,
    cell,
    only_record,
    request_ids_on_disk,
    run_cell,
    seedance_shell,
    wait_until,
)

KEY = "kid-TEST:sk-TEST-" + secrets.token_hex(16)  # fal's shape: <key_id>:<key_secret>


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.setenv("FAL_KEY", KEY)
    with seedance_shell(emulator, monkeypatch) as shell:
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


def test_a_success_is_journalled_whole(ip: InteractiveShell, emulator: Emulator, tmp_path: Path) -> None:
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
    assert record.emulated and record.pid == os.getpid() and record.base_url == emulator.url
    assert record.arguments == {**record.arguments, "prompt": "a kite over dunes", "seed": 31}
    assert record.reproduce and "--seed 31" in record.reproduce
    assert record.estimate_low == record.estimate_high == pytest.approx(result.cost_usd)
    assert KEY.encode() not in journal_bytes(tmp_path)


def test_a_failure_is_journalled_with_its_error(
    ip: InteractiveShell, emulator: Emulator, tmp_path: Path
) -> None:
    emulator.inject(Fault(on="submit", action="fail_job", error_type="runner_server_error"))
    run_cell(ip, cell(f"{CLIP} --seed 32 --wait", "a kite over dunes")).one_clear_line()
    record = only_record()
    assert states(record.id) == ["pending", "submitting", "queued", "running", "failed"]
    assert record.error == "fal reports the job failed: Internal error in the runner"
    assert record.error_type == "runner_server_error" and record.path is None and record.cost_usd is None
    assert record.request_id in emulator.jobs
    assert KEY.encode() not in journal_bytes(tmp_path)


def test_a_cancel_is_journalled(emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SEEDANCE_FAL_BASE_URL", emulator.url)
    monkeypatch.setenv("FAL_KEY", KEY)
    emulator.configure(run_seconds=30)
    job = seedance_magic.generate("a kite over dunes", fast=True, resolution="480p", duration=4, seed=33)
    job.subscribe(lambda s: s.state is State.RUNNING and job.cancel())
    with pytest.raises(errors.JobCancelled):
        job.wait(timeout=30)
    record = only_record()
    assert states(record.id) == ["pending", "submitting", "queued", "running", "cancelled"]
    assert record.error == "cancelled at fal" and record.request_id == job.request_id
    assert emulator.stats.count("cancel") == 1
    assert KEY.encode() not in journal_bytes(tmp_path)


def test_a_lost_submit_is_journalled_as_unknown(ip: InteractiveShell, emulator: Emulator) -> None:
    emulator.inject(Fault(on="submit", action="drop"))
    run_cell(ip, cell(f"{CLIP} --seed 34 --wait", "a kite over dunes")).one_clear_line()
    record = only_record()
    assert states(record.id) == ["pending", "submitting", "unknown"]
    assert record.request_id is None and "NOT sent again" in (record.error or "")
    assert len(emulator.jobs) == 1  # fal has it: that is why it is never sent again


# ------------------------------------------------------------------ several processes
WORKER = textwrap.dedent(
    """
    import sys
    import seedance_magic
    seeds = [int(s) for s in sys.argv[1:]]
    jobs = [seedance_magic.generate(f"worker seed {s}", fast=True, resolution="480p", duration=4, seed=s)
            for s in seeds]
    for job in jobs:
        print(job.wait(timeout=120).request_id, flush=True)
    """
)


def worker_env(emulator: Emulator, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_"))}
    env.update(
        SEEDANCE_FAL_BASE_URL=emulator.url,
        SEEDANCE_JOURNAL=str(tmp_path / "journal.sqlite3"),
        SEEDANCE_OUTPUT_DIR=str(tmp_path / "out"),
        FAL_HOME_DIR=str(tmp_path / "fal-home"),
        FAL_KEY=KEY,
    )
    return env


def test_two_processes_run_jobs_into_one_journal(emulator: Emulator, tmp_path: Path) -> None:
    env = worker_env(emulator, tmp_path)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, *seeds],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seeds in (["41", "42"], ["43", "44"])
    ]
    outputs = [w.communicate(timeout=180) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    printed = [rid for out, _ in outputs for rid in out.split()]
    records = all_records()
    assert len(records) == 4 and {r.state for r in records} == {"completed"}
    assert sorted(r.request_id or "" for r in records) == sorted(printed)
    assert {r.pid for r in records} == {w.pid for w in workers}
    assert sorted(r.seed or 0 for r in records) == [41, 42, 43, 44]
    for record in records:
        assert states(record.id)[-1] == "completed" and record.path is not None
        assert probe(record.path).duration_s == pytest.approx(4.0, abs=0.1)
    assert emulator.stats.count("submit") == 4 and len(emulator.jobs) == 4
    assert KEY.encode() not in journal_bytes(tmp_path)


def test_a_job_of_a_killed_process_is_finished_by_another(emulator: Emulator, tmp_path: Path) -> None:
    """While its process lives the job is nobody's orphan; once it is killed, another
    process lists it and resumes it: the video arrives and nothing is submitted again."""
    emulator.configure(hold=True)
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, "45"],
        env=worker_env(emulator, tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        (rid,) = wait_until(lambda: request_ids_on_disk(tmp_path / "journal.sqlite3"), 60, "the request id")
        assert get_runtime().journal.orphans() == []  # its process is alive: not an orphan
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    (orphan,) = get_runtime().journal.orphans()
    assert orphan.request_id == rid and orphan.state == "queued" and orphan.pid == worker.pid
    emulator.release()
    resumed = Job.resume(orphan, get_runtime()).start()
    result = resumed.wait(timeout=60)
    assert result.seed == 45 and result.path is not None and result.path.exists()
    assert emulator.stats.count("submit") == 1
    record = get_runtime().journal.by_request_id(rid)
    assert record is not None and record.state == "completed" and record.pid == os.getpid()
    assert get_runtime().journal.orphans() == []
