"""A journal that cannot be used, said in one line that names the file and what to do:
locked by another program, not an SQLite database (damaged, cut short, or another kind
of file), a folder, or not writable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import JournalUnavailable

_ELSEWHERE = "or set Seedance.journal_path (SEEDANCE_JOURNAL) to another file"


def journal_error(path: Path, exc: sqlite3.Error | OSError) -> JournalUnavailable:
    """`exc`, raised while using the journal at `path`, as one clear error."""
    reason = str(exc) or type(exc).__name__
    text = reason.lower()
    if path.is_dir():
        return JournalUnavailable(
            f"the journal path {path} is a folder", hint=f"Give a file name inside it, {_ELSEWHERE}"
        )
    if "locked" in text or "busy" in text:
        return JournalUnavailable(
            f"the journal {path} is locked by another program ({reason})",
            hint=f"Close what holds it (a database browser, a stuck process) and run again, {_ELSEWHERE}",
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return JournalUnavailable(
            f"the journal {path} is not a readable SQLite database ({reason})",
            hint=f"Move it aside (a new journal is made in its place) and run again, {_ELSEWHERE}",
        )
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        return JournalUnavailable(
            f"the journal {path} cannot be written ({reason})",
            hint=f"Make it (and its folder) writable, {_ELSEWHERE}",
        )
    return JournalUnavailable(
        f"the journal {path} cannot be used ({reason})", hint=f"Check the file and its folder, {_ELSEWHERE}"
    )
