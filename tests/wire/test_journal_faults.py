"""The journal under real SQLite faults: a journal another connection holds locked (an
EXCLUSIVE transaction past a short busy timeout), a corrupt or truncated file, a path
that is a folder. A write that fails after the submit loses nothing (the request id is
held, shown, the job goes on and the write is retried); before anything is sent, a
journal that cannot be written is one clear line naming the file, and nothing is sent."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator
from seedance_magic.engine.job import Job, JobSpec, State
from seedance_magic.engine.runtime import Runtime, reset_runtime
from seedance_magic.media.video import probe
from seedance_magic.settings import Settings
from seedance_magic.spec.cost import CostEstimate

from helpers.shells import CLIP, cell, journal, run_cell, seedance_shell

T2V_FAST = "bytedance/seedance-2.0/fast/text-to-video"
ARGS = {"prompt": "a kite over dunes", "resolution": "480p", "duration": "4", "seed": 51}


class Lock:
    """A second connection holding the journal with an EXCLUSIVE transaction, taken and
    dropped from any thread (the emulator's, the job's)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._guard = threading.Lock()

    def take(self) -> None:
        with self._guard:
            if self._db is None:
                self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                self._db.execute("BEGIN EXCLUSIVE")

    def drop(self) -> None:
        with self._guard:
            if self._db is not None:
                self._db.execute("ROLLBACK")
                self._db.close()
                self._db = None


@pytest.fixture
def lock(tmp_path: Path) -> Iterator[Lock]:
    held = Lock(tmp_path / "journal.sqlite3")
    yield held
    held.drop()


_made: list[Runtime] = []


@pytest.fixture(autouse=True)
def _close_runtimes(make_emulator: Callable[..., Emulator]) -> Iterator[None]:
    """Close the runtimes a test made (their loop's thread too) before the emulators stop."""
    yield
    while _made:
        _made.pop().close()


def runtime_for(emulator: Emulator, tmp_path: Path) -> Runtime:
    settings = Settings(
        base_url=emulator.url,
        output_dir=tmp_path / "out",
        journal_path=tmp_path / "journal.sqlite3",
        poll_initial=0.05,
        poll_max=0.2,
    )
    rt = Runtime(lambda: settings, journal_timeout=0.2)
    reset_runtime(rt)
    _made.append(rt)
    return rt


def spec() -> JobSpec:
    return JobSpec(T2V_FAST, dict(ARGS), CostEstimate(0.45, 0.45), cache_key="k51")


def test_a_journal_locked_after_the_submit_loses_nothing(
    make_emulator: Callable[..., Emulator], tmp_path: Path, lock: Lock
) -> None:
    """Locked from the moment the submit reaches the emulator until the first status
    request: the request id cannot be committed at once."""

    def on_request(kind: str, request_id: str | None) -> None:
        if kind == "submit":
            lock.take()
        elif kind in ("status", "stream"):
            lock.drop()

    emulator = make_emulator(on_request=on_request)
    rt = runtime_for(emulator, tmp_path)
    seen: list[tuple[State, str | None, str | None]] = []
    job = Job(spec(), rt)
    job.subscribe(lambda s: seen.append((s.state, s.request_id, s.trouble)))
    result = job.start().wait(timeout=60)
    assert result.path is not None and probe(result.path).duration_s == pytest.approx(4.0, abs=0.1)
    rid = job.request_id
    assert rid is not None and rid in emulator.jobs and emulator.stats.count("submit") == 1
    said = [trouble for _, _, trouble in seen if trouble and "journal" in trouble]
    assert said and rid in said[0] and "journal.sqlite3" in said[0], seen
    record = journal().by_request_id(rid)
    assert record is not None and record.state == "completed" and record.status_url
    moves = [state for state, _, _ in journal().transitions(record.id)]
    assert moves == ["pending", "submitting", "queued", "running", "downloading", "completed"]


def test_a_journal_locked_until_the_job_ends_is_written_once_it_frees(
    make_emulator: Callable[..., Emulator], tmp_path: Path, lock: Lock
) -> None:
    """Locked from the submit until the video is saved: never a row left at
    `submitting` without its request id."""
    emulator = make_emulator(on_request=lambda kind, _rid: kind == "submit" and lock.take())
    rt = runtime_for(emulator, tmp_path)
    job = Job(spec(), rt)
    job.subscribe(lambda s: s.state is State.COMPLETED and lock.drop())
    result = job.start().wait(timeout=60)
    assert result.path is not None and result.path.exists()
    record = journal().by_request_id(job.request_id or "")
    assert record is not None and record.state == "completed" and record.path == str(result.path.resolve())


def test_a_journal_that_stays_locked_is_reported_with_the_request_id(
    make_emulator: Callable[..., Emulator], tmp_path: Path, lock: Lock
) -> None:
    emulator = make_emulator(on_request=lambda kind, _rid: kind == "submit" and lock.take())
    rt = runtime_for(emulator, tmp_path)
    job = Job(spec(), rt)
    result = job.start().wait(timeout=60)
    assert result.path is not None and result.path.exists()  # the video is saved all the same
    trouble = job.snapshot.trouble or ""
    assert job.request_id and job.request_id in trouble and "journal" in trouble, trouble
    assert "%seedance resume" in trouble


# ----------------------------------------------------------- before anything is sent
@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


def corrupt(path: Path) -> None:
    path.write_bytes(b"this is not a database, only some text that happens to be here\n" * 40)


def truncated(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE jobs (id TEXT)")
    db.executemany("INSERT INTO jobs VALUES (?)", [("x" * 200,)] * 200)
    db.commit()
    db.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def a_folder(path: Path) -> None:
    path.mkdir()


BROKEN: dict[str, tuple[Callable[[Path], Any], str]] = {
    "corrupt": (corrupt, "not a readable SQLite database"),
    "truncated": (truncated, "not a readable SQLite database"),
    "a-folder": (a_folder, "is a folder"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_journal_is_one_clear_line_and_nothing_is_sent(
    ip: InteractiveShell, emulator: Emulator, tmp_path: Path, name: str
) -> None:
    make, fragment = BROKEN[name]
    path = tmp_path / "broken.sqlite3"
    make(path)
    run_cell(ip, f"%config Seedance.journal_path = {str(path)!r}").ok()
    line = run_cell(ip, cell(f"{CLIP} --seed 52 --wait", "a kite over dunes")).one_clear_line()
    assert str(path) in line and fragment in line and "Seedance.journal_path" in line, line
    assert emulator.stats.count("submit") == 0


def test_a_locked_journal_before_the_submit_is_one_clear_line_and_nothing_is_sent(
    emulator: Emulator, tmp_path: Path, lock: Lock
) -> None:
    rt = runtime_for(emulator, tmp_path)
    rt.journal.close()  # made; now held by another connection
    rt.close()
    rt = runtime_for(emulator, tmp_path)
    lock.take()
    job = Job(spec(), rt).start()
    with pytest.raises(Exception) as raised:
        job.wait(timeout=30)
    message = str(raised.value)
    assert "journal.sqlite3" in message and "locked" in message and "\n" not in message, message
    assert emulator.stats.count("submit") == 0 and job.status is State.FAILED


def test_writes_a_locked_journal_refused_are_made_by_the_next_job(
    make_emulator: Callable[..., Emulator], tmp_path: Path, lock: Lock
) -> None:
    """The journal stayed locked past the first job's end; once it frees, the next job
    writes what the first could not: no row is left without its request id."""
    locking = [True]
    emulator = make_emulator(on_request=lambda kind, _rid: kind == "submit" and locking[0] and lock.take())
    rt = runtime_for(emulator, tmp_path)
    first = Job(spec(), rt)
    first.start().wait(timeout=60)
    locking[0] = False
    lock.drop()
    second = Job(JobSpec(T2V_FAST, {**ARGS, "seed": 52}, CostEstimate(0.45, 0.45), cache_key="k52"), rt)
    second.start().wait(timeout=60)
    record = journal().by_request_id(first.request_id or "")
    assert record is not None and record.state == "completed" and record.path
    assert "journal" not in (first.snapshot.trouble or "")
