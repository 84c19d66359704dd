"""`Ledger`: what is known of one job, kept in two places at once: its `Snapshot`, sent to
every subscriber on each change (the views render it), and its journal row, in the
journal the job was created with (a later `journal_path` change does not move it)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import Snapshot
from ..spec.states import State
from ..store.journal import Journal

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger(__name__)


class Ledger:
    """A job's snapshot and journal row. `journal_id` is None until the row is made."""

    def __init__(self, snapshot: Snapshot, runtime: Runtime) -> None:
        self.snapshot = snapshot
        self._runtime = runtime
        self._journal_path = Path(runtime.settings.journal)  # pinned: no I/O until written
        self.journal_id: str | None = None
        self._subscribers: list[Callable[[Snapshot], None]] = []

    @property
    def journal(self) -> Journal:
        return self._runtime.journal_at(self._journal_path)

    def subscribe(self, callback: Callable[[Snapshot], None]) -> Callable[[], None]:
        """Call `callback(snapshot)` on every change; returns the unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

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
        """Make the job's journal row (before anything is sent)."""
        self.journal_id = self.journal.create(endpoint=endpoint, arguments=arguments, **row)

    def write(self, state: State | None = None, detail: str | None = None, **fields: Any) -> None:
        """Record fields (and a new state, as a transition) on the job's row, if it has one."""
        if self.journal_id is not None:
            self.journal.update(
                self.journal_id, state=state.value if state else None, detail=detail, **fields
            )

    def end(self, state: State, message: str, *, record_state: bool = True) -> None:
        """The job ended in this process; with `record_state=False` the journal row keeps
        its state (the provider may still finish it) and gets only the error."""
        self.write(state if record_state else None, detail=message, error=message)
        self.publish(state=state, error=message, finished=time.monotonic(), cancelling=False)
