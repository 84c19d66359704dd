"""The journal: every job on disk in SQLite (WAL), safe with several kernels at once.
Any SQLite failure (locked, damaged, a folder, read-only) is a JournalUnavailable that
names the file and what to do (trouble.py).

A row is written before anything is sent; the request id is committed (synchronous=FULL)
the moment the provider returns it, before the first status call; every state change is
recorded with its time. The journal never holds a credential: only provider, endpoint,
arguments (which carry no key; data: URIs in them are kept as a short stand-in), URLs
the provider returned, results and local paths.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..spec.endpoints import DEFAULT_DURATION, DEFAULT_RESOLUTION
from ..spec.states import sql_list
from .schema import (
    COMPLETED,
    JSON_FIELDS,
    MADE_NOT_SAVED,
    UNKNOWN,
    UNSETTLED_SQL,
    JobRecord,
    compact,
    decode,
    prepare,
)
from .trouble import journal_error

__all__ = ["UNSETTLED_SQL", "JobRecord", "Journal", "decode"]


class Journal:
    """The SQLite journal at `path` (created with its folder on first use). A write waits
    up to `busy_timeout` seconds while another connection holds the file."""

    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()
        try:
            self._db = self._open(busy_timeout)
        except (sqlite3.Error, OSError) as exc:
            raise journal_error(self.path, exc) from None

    def _open(self, busy_timeout: float) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        try:
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            for attempt in range(50):  # two processes creating the journal at once: one waits
                try:
                    db.execute("PRAGMA journal_mode=WAL")
                    break
                except sqlite3.OperationalError:
                    if attempt == 49:
                        raise
                    time.sleep(0.1)
            db.execute("PRAGMA synchronous=FULL")
            prepare(db)
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction; any SQLite failure is a JournalUnavailable naming the file."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise journal_error(self.path, exc) from None

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return list(self._db.execute(sql, params))
            except sqlite3.Error as exc:
                raise journal_error(self.path, exc) from None

    # ------------------------------------------------------------------ writing
    def create(
        self,
        *,
        endpoint: str,
        arguments: Mapping[str, Any],
        state: str = "pending",
        cache_key: str | None = None,
        provider: str = "fal",
        base_url: str | None = None,
        emulated: bool = False,
        estimate: tuple[float, float] | None = None,
        reproduce: str | None = None,
        inputs: list[Any] | None = None,
        **extra: Any,
    ) -> str:
        job_id = uuid.uuid4().hex
        now = time.time()
        fields: dict[str, Any] = {
            "id": job_id,
            "created_at": now,
            "updated_at": now,
            "state": state,
            "endpoint": endpoint,
            "arguments": json.dumps(compact(dict(arguments)), sort_keys=True),
            "cache_key": cache_key,
            "seeded": int(arguments.get("seed") is not None),
            "provider": provider,
            "base_url": base_url,
            "emulated": int(emulated),
            "estimate_low": estimate[0] if estimate else None,
            "estimate_high": estimate[1] if estimate else None,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "reproduce": reproduce,
            "inputs": json.dumps(inputs) if inputs is not None else None,
            **{k: (json.dumps(v) if k in JSON_FIELDS else v) for k, v in extra.items()},
        }
        names = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        with self._write() as db:
            db.execute(f"INSERT INTO jobs ({names}) VALUES ({marks})", tuple(fields.values()))
            db.execute("INSERT INTO transitions VALUES (?, ?, ?, ?)", (job_id, state, now, None))
        return job_id

    def update(
        self,
        job_id: str,
        *,
        state: str | None = None,
        detail: str | None = None,
        at: float | None = None,
        **fields: Any,
    ) -> None:
        """Change fields (and the state, recording the transition) in one transaction;
        `at` is when it happened (default: now)."""
        now = at if at is not None else time.time()
        if fields.get("arguments") is not None:
            fields["arguments"] = compact(fields["arguments"])
        values = {k: (json.dumps(v) if k in JSON_FIELDS and v is not None else v) for k, v in fields.items()}
        if state is not None:
            values["state"] = state
        values["updated_at"] = now
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._write() as db:
            db.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*values.values(), job_id))
            if state is not None:
                db.execute("INSERT INTO transitions VALUES (?, ?, ?, ?)", (job_id, state, now, detail))

    def note(self, job_id: str, detail: str) -> None:
        """Record `detail` as a transition in the job's current state (the state stays)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO transitions SELECT id, state, ?, ? FROM jobs WHERE id = ?",
                (time.time(), detail, job_id),
            )

    def adopt(self, job_id: str) -> None:
        """This process now follows the job (after a resume)."""
        self.update(job_id, pid=os.getpid(), host=socket.gethostname())

    # ------------------------------------------------------------------ reading
    def get(self, job_id: str) -> JobRecord | None:
        rows = self._read("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return decode(rows[0]) if rows else None

    def by_request_id(self, request_id: str) -> JobRecord | None:
        rows = self._read("SELECT * FROM jobs WHERE request_id = ?", (request_id,))
        return decode(rows[0]) if rows else None

    def group(self, group_id: str) -> list[JobRecord]:
        """The jobs of a story or a batch, by their shot or row, the newest of each first."""
        rows = self._read(
            "SELECT * FROM jobs WHERE group_id = ? ORDER BY group_index, created_at DESC", (group_id,)
        )
        return [decode(r) for r in rows]

    def transitions(self, job_id: str) -> list[tuple[str, float, str | None]]:
        rows = self._read(
            "SELECT state, at, detail FROM transitions WHERE job_id = ? ORDER BY rowid", (job_id,)
        )
        return [(r["state"], r["at"], r["detail"]) for r in rows]

    def cached(self, cache_key: str) -> JobRecord | None:
        """The newest successful job with this cache key whose video was made with the seed
        asked for (a job the provider ran with another seed is no seeded entry)."""
        rows = self._read(
            f"SELECT * FROM jobs WHERE cache_key = ? AND state = '{COMPLETED}' "
            "AND (seed IS NULL OR json_extract(arguments, '$.seed') IS NULL "
            "OR seed = json_extract(arguments, '$.seed')) "
            "ORDER BY created_at DESC LIMIT 1",
            (cache_key,),
        )
        return decode(rows[0]) if rows else None

    def last_sent(self, cache_key: str, base_url: str | None) -> JobRecord | None:
        """The newest job with this cache key sent to this base URL: one that has a
        request id, or whose submit's outcome is unknown (a later identical request that
        was answered supersedes an unknown one)."""
        rows = self._read(
            "SELECT * FROM jobs WHERE cache_key = ? AND base_url IS ? "
            f"AND (request_id IS NOT NULL OR state = '{UNKNOWN}') ORDER BY created_at DESC LIMIT 1",
            (cache_key, base_url),
        )
        return decode(rows[0]) if rows else None

    def paid_undownloaded(self, cache_key: str) -> JobRecord | None:
        """The newest job with this cache key whose provider made the video (its result
        is on record) but whose download never finished."""
        rows = self._read(
            f"SELECT * FROM jobs WHERE cache_key = ? AND state IN {sql_list(MADE_NOT_SAVED)} "
            "AND video_url IS NOT NULL AND result IS NOT NULL ORDER BY created_at DESC LIMIT 1",
            (cache_key,),
        )
        return decode(rows[0]) if rows else None

    def orphans(self) -> list[JobRecord]:
        """Jobs that were submitted but never finished, whose process is gone."""
        # notebook/announce.py looks first with the same SQL, without opening a Journal.
        rows = self._read(f"SELECT * FROM jobs WHERE {UNSETTLED_SQL} ORDER BY created_at")
        return [record for record in map(decode, rows) if not record.writer_alive]

    def recent(self, limit: int = 20) -> list[JobRecord]:
        """The newest completed jobs, newest first."""
        rows = self._read(
            f"SELECT * FROM jobs WHERE state = '{COMPLETED}' ORDER BY created_at DESC LIMIT ?", (limit,)
        )
        return [decode(r) for r in rows]

    def run_durations(self, endpoint: str, resolution: str, duration: str, limit: int = 20) -> list[float]:
        """How long past jobs of this shape spent running at fal (for progress estimates)."""
        rows = self._read(
            f"SELECT timings, arguments FROM jobs WHERE endpoint = ? AND state = '{COMPLETED}' "
            "AND timings IS NOT NULL ORDER BY created_at DESC LIMIT 200",
            (endpoint,),
        )
        found = []
        for row in rows:
            args = json.loads(row["arguments"])
            shape = (args.get("resolution", DEFAULT_RESOLUTION), args.get("duration", DEFAULT_DURATION))
            if shape == (resolution, duration):
                running = json.loads(row["timings"]).get("running_s")
                if running:
                    found.append(float(running))
            if len(found) >= limit:
                break
        return found

    # ------------------------------------------------------------------ uploads
    def upload_url(self, digest: str, target: str, max_age_s: float = 6 * 86400) -> str | None:
        """The URL an identical file was uploaded to for this target, if still fresh."""
        rows = self._read(
            "SELECT url FROM uploads WHERE digest = ? AND target = ? AND created_at >= ?",
            (digest, target, time.time() - max_age_s),
        )
        return str(rows[0]["url"]) if rows else None

    def record_upload(self, digest: str, target: str, url: str, file_name: str, size: int) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?, ?)",
                (digest, target, url, file_name, size, time.time()),
            )
