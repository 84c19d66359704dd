"""Following a submitted job's status to COMPLETED: the provider's status stream while the
server offers it, else polling with an interval that grows while nothing changes and
shrinks when past jobs say this one is about to finish. Status failures are retried
with backoff for as long as the job may be running: the request id is safe on disk.

`Following` is one of a Job's collaborators: it knows the backend, the handle and the
polling settings, and reports what it sees through two callbacks; the Job decides what
an update means for its state and its journal.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import errors
from ..model import Snapshot
from ..spec.states import State
from .backends.base import Backend, Handle, StatusUpdate, StreamUnavailable

STREAM_ATTEMPTS = 3
MAX_BACKOFF_S = 30.0
Log = dict[str, Any]


@dataclass(frozen=True)
class Pace:
    """How to follow: the stream or not, and the polling intervals."""

    use_stream: bool = True
    poll_initial: float = 0.5
    poll_max: float = 2.5
    poll_factor: float = 1.5


class Following:
    """Follow one job's status. `on_update(update)` gets every status seen and returns
    whether the job's state changed (polling then starts again at its shortest
    interval); `on_trouble(text)` says why the status is not coming through (None: it
    is again); `remaining()` is how long past jobs say this one still runs, if known."""

    def __init__(
        self,
        backend: Backend,
        handle: Handle,
        pace: Pace,
        *,
        on_update: Callable[[StatusUpdate], bool],
        on_trouble: Callable[[str | None], None],
        remaining: Callable[[], float | None] = lambda: None,
    ) -> None:
        self.backend = backend
        self.handle = handle
        self.pace = pace
        self._on_update = on_update
        self._on_trouble = on_trouble
        self._remaining = remaining

    async def follow(self) -> StatusUpdate:
        """The COMPLETED update: from the SSE stream while the server offers it, else by
        polling with an interval that grows while nothing changes."""
        stream_failures = 0
        while self.pace.use_stream and stream_failures < STREAM_ATTEMPTS:
            try:
                final = await self._read_stream()
                if final is not None:
                    return final
                stream_failures += 1
            except StreamUnavailable:
                break
            except (errors.Unavailable, errors.RateLimited) as exc:
                stream_failures += 1
                self._on_trouble(f"status stream interrupted ({exc.message}); reconnecting")
        return await self._poll()

    async def _read_stream(self) -> StatusUpdate | None:
        """One connection to the status stream; the COMPLETED update, or None if the
        stream ended without one. After COMPLETED the stream is read to its end (the
        server closes it), so that no half-read response is left for the garbage
        collector to close after the loop is gone."""
        updates = self.backend.stream(self.handle)
        final: StatusUpdate | None = None
        try:
            while True:
                try:
                    next_update = updates.__anext__()
                    update = await (next_update if final is None else asyncio.wait_for(next_update, 5.0))
                except (StopAsyncIteration, asyncio.TimeoutError):
                    return final
                if final is None:
                    self._on_update(update)
                    if update.state == "COMPLETED":
                        final = update
        finally:
            await updates.aclose()

    async def _poll(self) -> StatusUpdate:
        pace = self.pace
        interval = pace.poll_initial
        failures = 0
        while True:
            try:
                update = await self.backend.status(self.handle)
            except (errors.Unavailable, errors.RateLimited) as exc:
                failures += 1
                delay = min(MAX_BACKOFF_S, pace.poll_initial * 2**failures)
                self._on_trouble(f"{exc.message}; retrying in {delay:.0f} s (attempt {failures})")
                await asyncio.sleep(delay)
                continue
            failures = 0
            changed = self._on_update(update)
            if update.state == "COMPLETED":
                return update
            interval = pace.poll_initial if changed else interval
            await asyncio.sleep(self._next_poll(interval))
            interval = min(interval * pace.poll_factor, pace.poll_max)

    def _next_poll(self, interval: float) -> float:
        """Poll sooner when past jobs say this one is about to finish (not sooner than
        0.2 s away, and never later than the interval)."""
        remaining = self._remaining()
        if remaining is not None and 0 < remaining < interval:
            return min(interval, max(0.2, remaining))
        return interval


def merge_logs(known: tuple[Log, ...], update: StatusUpdate) -> tuple[Log, ...]:
    """The log so far: a stream event's new lines appended as they are; from a whole list
    (a poll, the first event of a stream connection) the lines not already known,
    matched by content with repeats counted, so that nothing is dropped or doubled."""
    if update.new_lines:
        return known + update.logs
    unseen = Counter(_line_key(entry) for entry in known)
    added = []
    for entry in update.logs:
        key = _line_key(entry)
        if unseen[key] > 0:
            unseen[key] -= 1
        else:
            added.append(entry)
    return known + tuple(added)


def _line_key(entry: Log) -> str:
    return json.dumps(entry, sort_keys=True, default=str)


def changes(snap: Snapshot, update: StatusUpdate, now: float) -> dict[str, Any]:
    """What a status seen changes in a job's snapshot (its log lines merged, see
    `merge_logs`); `running_since` is set on the first sign of running."""
    logs = merge_logs(snap.logs, update)
    found: dict[str, Any] = {"logs": logs, "new_logs": logs[len(snap.logs) :], "trouble": None}
    if update.state == "IN_QUEUE":
        found.update(state=State.QUEUED, queue_position=update.queue_position)
    elif update.state in {"IN_PROGRESS", "COMPLETED"}:
        if snap.state != State.RUNNING and snap.running_since is None:
            found["running_since"] = now
        found.update(state=State.RUNNING, queue_position=None)
    return found
