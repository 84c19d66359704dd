"""The journal's schema and its rows as values: the SQL that makes the tables, which
columns hold JSON, `JobRecord` (one row, decoded) and how arguments are kept compact."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import sqlite3
from dataclasses import dataclass
from typing import Any

from ..spec.states import SETTLED, TERMINAL, State, sql_list

COMPLETED = State.COMPLETED.value
UNKNOWN = State.UNKNOWN.value
# A row whose provider made the video (the result is on record) but whose download did not
# finish: the video is paid for, and fetched again from its URL rather than made anew.
MADE_NOT_SAVED = (State.DOWNLOADING,)

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    state TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    arguments TEXT NOT NULL,
    cache_key TEXT,
    seeded INTEGER NOT NULL DEFAULT 0,
    request_id TEXT UNIQUE,
    status_url TEXT,
    response_url TEXT,
    cancel_url TEXT,
    base_url TEXT,
    emulated INTEGER NOT NULL DEFAULT 0,
    estimate_low REAL,
    estimate_high REAL,
    seed INTEGER,
    result TEXT,
    video_url TEXT,
    path TEXT,
    cost_usd REAL,
    error TEXT,
    error_type TEXT,
    pid INTEGER,
    host TEXT,
    reproduce TEXT,
    inputs TEXT,
    timings TEXT,
    provider TEXT NOT NULL DEFAULT 'fal',
    media TEXT,
    group_id TEXT,
    group_index INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_cache ON jobs (cache_key, state);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at);
CREATE TABLE IF NOT EXISTS transitions (
    job_id TEXT NOT NULL,
    state TEXT NOT NULL,
    at REAL NOT NULL,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS transitions_job ON transitions (job_id);
CREATE TABLE IF NOT EXISTS uploads (
    digest TEXT NOT NULL,
    target TEXT NOT NULL,
    url TEXT NOT NULL,
    file_name TEXT,
    size INTEGER,
    created_at REAL NOT NULL,
    PRIMARY KEY (digest, target)
);
"""

# A row that was sent and has not ended (its process may be gone: see orphans()).
UNSETTLED_SQL = f"state NOT IN {sql_list(SETTLED)}"
JSON_FIELDS = ("arguments", "result", "inputs", "timings", "media")
# Columns added since the first release, with their definitions (ALTER TABLE on open).
ADDED_COLUMNS = {
    "provider": "TEXT NOT NULL DEFAULT 'fal'",
    "media": "TEXT",
    "group_id": "TEXT",
    "group_index": "INTEGER",
}
# Made once the added columns exist (older journals gain them when opened).
INDEXES = "CREATE INDEX IF NOT EXISTS jobs_group ON jobs (group_id, group_index);"
_LONG_DATA_URI = 512


def prepare(db: sqlite3.Connection) -> None:
    """Make the tables (if new) and add the columns of later releases (if missing)."""
    db.executescript(SCHEMA)
    have = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    for name, definition in ADDED_COLUMNS.items():
        if name not in have:
            with contextlib.suppress(sqlite3.OperationalError):  # another process added it
                db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {definition}")
    db.executescript(INDEXES)


def compact(value: Any) -> Any:
    """Arguments as journalled: a long data: URI (an input sent inline) becomes a short
    stand-in naming its type, size and digest; the file itself is not kept twice."""
    if isinstance(value, str) and len(value) > _LONG_DATA_URI and value[:5].lower() == "data:":
        header = value.partition(",")[0]
        digest = hashlib.sha256(value.encode()).hexdigest()[:16]
        return f"{header},<{len(value)} characters, sha256 {digest}>"
    if isinstance(value, list):
        return [compact(v) for v in value]
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class JobRecord:
    """One journal row, decoded."""

    id: str
    created_at: float
    updated_at: float
    state: str
    endpoint: str
    arguments: dict[str, Any]
    cache_key: str | None
    seeded: bool
    request_id: str | None
    status_url: str | None
    response_url: str | None
    cancel_url: str | None
    base_url: str | None
    emulated: bool
    estimate_low: float | None
    estimate_high: float | None
    seed: int | None
    result: dict[str, Any] | None
    video_url: str | None
    path: str | None
    cost_usd: float | None
    error: str | None
    error_type: str | None
    pid: int | None
    host: str | None
    reproduce: str | None
    inputs: list[Any] | None
    timings: dict[str, float] | None
    provider: str = "fal"
    media: dict[str, Any] | None = None  # what probing the video found: width, height, duration, has_audio
    group_id: str | None = None  # the story or batch the job is part of
    group_index: int | None = None  # its shot or row in it

    @property
    def terminal(self) -> bool:
        return State(self.state) in TERMINAL

    @property
    def writer_alive(self) -> bool:
        """Whether the process that wrote the row still runs: this one, or another live
        process on this host (a row from another host is taken as ended)."""
        if self.host != socket.gethostname() or self.pid is None:
            return False
        if self.pid == os.getpid():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # alive, owned by another user
            return True
        return True

    @property
    def prompt(self) -> str:
        return str(self.arguments.get("prompt", ""))


_RECORD_FIELDS = frozenset(JobRecord.__dataclass_fields__)


def decode(row: sqlite3.Row) -> JobRecord:
    # Columns of older releases that no longer mean anything are left out.
    values = {k: v for k, v in dict(row).items() if k in _RECORD_FIELDS}
    for name in JSON_FIELDS:
        if values[name] is not None:
            values[name] = json.loads(values[name])
    values["seeded"] = bool(values["seeded"])
    values["emulated"] = bool(values["emulated"])
    return JobRecord(**values)
