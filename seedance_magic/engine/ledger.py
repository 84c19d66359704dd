"""`Ledger`: what is known of one job, kept in two places at once: its `Snapshot`, sent to
every subscriber on each change (the views render it), and its journal row, in the
journal the job was created with (a later `journal_path` change does not move it).

Before anything is sent a journal that cannot be written stops the job (`strict`
writes). After the submit a failed write loses nothing: the write is kept in memory, the
job's trouble line says so with the request id, and it is retried with the next write,
when the job ends a few more times (`settle`), and then when the next job of this
process makes its row; each keeps the time it happened."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import JournalUnavailable
from ..model import Snapshot
from ..spec.states import State
from ..store.journal import Journal

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger(__name__)
SETTLE_ATTEMPTS = 4  # at the job's end: 0.25 + 0.5 + 1 s between them


@dataclass(frozen=True)
class _Write:
    at: float
    state: str | None
    detail: str | None
    fields: dict[str, Any]


class Ledger:
    """A job's snapshot and journal row. `journal_id` is None until the row is made."""

    def __init__(self, snapshot: Snapshot, runtime: Runtime) -> None:
        self.snapshot = snapshot
        self._runtime = runtime
        self._journal_path = Path(runtime.settings.journal)  # pinned: no I/O until written
        self.journal_id: str | None = None
        self._subscribers: list[Callable[[Snapshot], None]] = []
        self._unsaved: list[_Write] = []
        self._trouble: str | None = None  # the trouble line this ledger put up, if any

    @property
    def journal(self) -> Journal:
        return self._runtime.journal_at(self._journal_path)

    def subscribe(self, callback: Callable[[Snapshot], None]) -> Callable[[], None]:
        """Call `callback(snapshot)` on every change; returns the unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def hold(self, **changes: Any) -> None:
        """Change the snapshot without telling the subscribers yet (the next publish does)."""
        self.snapshot = replace(self.snapshot, **changes)

    def publish(self, **changes: Any) -> None:
        """Change the snapshot and tell every subscriber (a broken one never stops the job)."""
        changes.setdefault("new_logs", ())
        self.snapshot = replace(self.snapshot, **changes)
        for callback in list(self._subscribers):
            try:
                callback(self.snapshot)
            except Exception:
                log.exception("a job subscriber failed")

    def open(self, *, endpoint: str, arguments: Mapping[str, Any], **row: Any) -> None:
        """Make the job's journal row (before anything is sent; raises JournalUnavailable),
        first writing what earlier jobs of this process could not."""
        self.journal_id = self.journal.create(endpoint=endpoint, arguments=arguments, **row)
        for earlier in self._runtime.take_unsaved():
            earlier.retry()

    def retry(self) -> None:
        """Write what the journal refused before (kept for later again if it still does)."""
        try:
            self._flush()
        except JournalUnavailable:
            self._runtime.keep_unsaved(self)

    @property
    def unsaved(self) -> bool:
        """Whether writes are waiting for the journal to take them."""
        return bool(self._unsaved)

    def write(
        self, state: State | None = None, detail: str | None = None, *, strict: bool = False, **fields: Any
    ) -> None:
        """Record fields (and a new state, as a transition) on the job's row, if it has one.
        With `strict` (before anything is sent) a journal that cannot take it raises
        JournalUnavailable; otherwise the write waits in memory (see the module docstring)."""
        if self.journal_id is None:
            return
        self._unsaved.append(_Write(time.time(), state.value if state else None, detail, fields))
        try:
            self._flush()
        except JournalUnavailable as exc:
            if strict:
                self._unsaved.clear()
                raise
            self._say(f"{self._failed(exc)}; the job goes on and the write is retried")

    def _flush(self) -> None:
        assert self.journal_id is not None
        while self._unsaved:
            w = self._unsaved[0]
            self.journal.update(self.journal_id, state=w.state, detail=w.detail, at=w.at, **w.fields)
            self._unsaved.pop(0)
        if self._trouble is not None and self.snapshot.trouble == self._trouble:
            self.publish(trouble=None)
        self._trouble = None

    def _failed(self, exc: JournalUnavailable) -> str:
        request_id = self.snapshot.request_id
        what = f"request {request_id}" if request_id else "this job"
        return f"{exc.message}: it could not record {what}"

    def _say(self, text: str) -> None:
        self._trouble = text
        self.publish(trouble=text)

    async def settle(self) -> None:
        """At the job's end: retry what the journal has not taken yet; if it still cannot,
        the trouble line says so, with the request id to resume the job by."""
        delay, error = 0.25, None
        for attempt in range(SETTLE_ATTEMPTS):
            if not self._unsaved:
                return
            try:
                self._flush()
                return
            except JournalUnavailable as exc:
                error = exc
            if attempt < SETTLE_ATTEMPTS - 1:
                await asyncio.sleep(delay)
                delay *= 2
        if error is not None:
            self._runtime.keep_unsaved(self)  # the next job of this process tries again
            request_id = self.snapshot.request_id
            resume = f"; `%seedance resume {request_id}` in this kernel shows it again" if request_id else ""
            self._say(f"{self._failed(error)} (the job is not in the journal){resume}")

    def end(self, state: State, message: str, *, record_state: bool = True) -> None:
        """The job ended in this process; with `record_state=False` the journal row keeps
        its state (the provider may still finish it) and gets only the error."""
        self.write(state if record_state else None, detail=message, error=message)
        self.publish(state=state, error=message, finished=time.monotonic(), cancelling=False)
