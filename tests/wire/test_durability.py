"""The journal across processes: several processes writing one journal while they run
jobs against one emulator, and a process killed mid-job whose job another process then
finishes without a new submit. What each way a job ends leaves in the journal is
tested at the engine level (tests/engine/test_journal.py)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from seedance_magic.emulator import Emulator
from seedance_magic.engine.job import Job
from seedance_magic.engine.runtime import get_runtime
from seedance_magic.media.video import probe
from seedance_magic.store.journal import Journal

from helpers.shells import all_records, request_ids_on_disk, wait_until

KEY = "kid-TEST:sk-TEST-" + secrets.token_hex(16)  # fal's shape: <key_id>:<key_secret>


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
