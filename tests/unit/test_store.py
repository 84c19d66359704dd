"""The journal: SQLite on disk, WAL, several writers, no credentials."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

from seedance_magic.store.journal import Journal


def _writer(path: str, n: int) -> None:
    journal = Journal(Path(path))
    for i in range(n):
        job = journal.create(endpoint="e", arguments={"prompt": f"p{i}"})
        journal.update(job, state="queued", request_id=f"{path[-6:]}-{i}-{time.time_ns()}")
        journal.update(job, state="completed", cost_usd=0.5)
    journal.close()


def test_create_update_and_transitions(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    job = journal.create(
        endpoint="bytedance/seedance-2.0/text-to-video", arguments={"prompt": "a", "seed": 3}
    )
    journal.update(job, state="queued", request_id="req-1", status_url="http://x/status")
    journal.update(job, state="running")
    journal.update(job, state="completed", result={"seed": 3}, timings={"running_s": 4.0}, cost_usd=1.2)
    record = journal.by_request_id("req-1")
    assert record is not None and record.id == job
    assert record.seeded and record.seed is None and record.result == {"seed": 3}
    assert [s for s, _, _ in journal.transitions(job)] == ["pending", "queued", "running", "completed"]
    assert journal.get(job) == record
    journal.close()


def test_wal_mode_and_data_on_disk_for_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    job = journal.create(endpoint="e", arguments={"prompt": "a"})
    journal.update(job, state="queued", request_id="rid-on-disk")
    other = sqlite3.connect(path)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert other.execute("SELECT request_id FROM jobs WHERE id = ?", (job,)).fetchone()[0] == "rid-on-disk"
    other.close()
    journal.close()


def test_cache_lookup_prefers_newest_completed(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    a = journal.create(endpoint="e", arguments={"prompt": "a", "seed": 1}, cache_key="k")
    journal.update(a, state="completed", path="a.mp4")
    b = journal.create(endpoint="e", arguments={"prompt": "a", "seed": 1}, cache_key="k")
    journal.update(b, state="failed")
    hit = journal.cached("k")
    assert hit is not None and hit.id == a
    assert journal.cached("other") is None
    journal.close()


def test_orphans_are_jobs_of_dead_processes(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    mine = journal.create(endpoint="e", arguments={"prompt": "mine"})
    journal.update(mine, state="running", request_id="r-mine")
    dead = journal.create(endpoint="e", arguments={"prompt": "dead"})
    journal.update(dead, state="running", request_id="r-dead", pid=2**22 + 12345)
    done = journal.create(endpoint="e", arguments={"prompt": "done"})
    journal.update(done, state="completed", pid=2**22 + 12345)
    assert [r.request_id for r in journal.orphans()] == ["r-dead"]
    journal.close()


def test_several_processes_write_at_once(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")
    Journal(Path(path)).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, 25)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    journal = Journal(Path(path))
    assert len(journal.recent(limit=1000)) == 75
    assert sum(r.cost_usd or 0 for r in journal.recent(limit=1000)) == 75 * 0.5
    journal.close()


def test_run_durations_match_shape(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    for running, res in ((4.0, "720p"), (6.0, "720p"), (9.0, "480p")):
        job = journal.create(endpoint="e", arguments={"prompt": "a", "resolution": res, "duration": "6"})
        journal.update(job, state="completed", timings={"running_s": running})
    assert sorted(journal.run_durations("e", "720p", "6")) == [4.0, 6.0]
    assert journal.run_durations("e", "720p", "auto") == []
    journal.close()


def test_upload_cache_by_digest_and_target(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record_upload("sha-a", "http://127.0.0.1:1", "http://127.0.0.1:1/files/a.png", "a.png", 10)
    assert journal.upload_url("sha-a", "http://127.0.0.1:1") == "http://127.0.0.1:1/files/a.png"
    assert journal.upload_url("sha-a", "fal") is None
    assert journal.upload_url("sha-a", "http://127.0.0.1:1", max_age_s=-1) is None
    journal.close()


def test_a_journal_of_an_older_release_gains_the_new_columns(tmp_path: Path) -> None:
    """A journal made before jobs had a provider, probed media or a story/batch group
    opens, gains those columns (and the group index), and keeps its rows."""
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE jobs (id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL,
            state TEXT NOT NULL, endpoint TEXT NOT NULL, arguments TEXT NOT NULL, cache_key TEXT,
            seeded INTEGER NOT NULL DEFAULT 0, request_id TEXT UNIQUE, status_url TEXT,
            response_url TEXT, cancel_url TEXT, base_url TEXT, emulated INTEGER NOT NULL DEFAULT 0,
            estimate_low REAL, estimate_high REAL, seed INTEGER, result TEXT, video_url TEXT,
            path TEXT, cost_usd REAL, error TEXT, error_type TEXT, pid INTEGER, host TEXT,
            reproduce TEXT, inputs TEXT, timings TEXT, cached_from TEXT);
        INSERT INTO jobs (id, created_at, updated_at, state, endpoint, arguments)
            VALUES ('old', 1, 1, 'completed', 'bytedance/seedance-2.0/text-to-video', '{"prompt": "x"}');
        """
    )
    db.close()
    journal = Journal(path)
    (record,) = journal.recent()
    assert (record.id, record.provider, record.media, record.group_id) == ("old", "fal", None, None)
    made = journal.create(endpoint="e", arguments={"prompt": "y"}, group_id="story-1", group_index=2)
    assert [(r.id, r.group_index) for r in journal.group("story-1")] == [(made, 2)]
    journal.close()
    indexes = {row[1] for row in sqlite3.connect(path).execute("PRAGMA index_list(jobs)")}
    assert "jobs_group" in indexes
