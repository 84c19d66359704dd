"""Following a submitted job's status to COMPLETED: the provider's status stream while the
server offers it, else polling with an interval that grows while nothing changes and
shrinks when past jobs say this one is about to finish. Status failures are retried
with backoff for as long as the job may be running: the request id is safe on disk.

`Following` is a part of `Job` (engine.py); it uses the job's handle, snapshot,
publish and journal methods and its runtime's settings.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import TYPE_CHECKING, Any

from . import errors
from .backends.base import StatusUpdate, StreamUnavailable
from .jobstate import Snapshot, State

if TYPE_CHECKING:
    from .backends.base import Backend, Handle
    from .runtime import Runtime


class Following:
    if TYPE_CHECKING:
        _handle: Handle | None
        _snap: Snapshot
        _rt: Runtime
        _typical_run: float | None
        spec: Any

        @property
        def backend(self) -> Backend: ...

    def _publish(self, **changes: Any) -> None: ...
    def _journal(self, state: State | None = None, detail: str | None = None, **fields: Any) -> None: ...

    def _apply(self, update: StatusUpdate) -> None:
        snap = self._snap
        logs = update.logs if len(update.logs) >= len(snap.logs) else snap.logs + update.logs
        new = logs[len(snap.logs) :]
        changes: dict[str, Any] = {"logs": logs, "new_logs": new, "trouble": None}
        if update.state == "IN_QUEUE":
            changes.update(state=State.QUEUED, queue_position=update.queue_position)
        elif update.state in {"IN_PROGRESS", "COMPLETED"}:
            if snap.state != State.RUNNING and snap.running_since is None:
                changes["running_since"] = time.monotonic()
                self._journal(State.RUNNING)
            changes.update(state=State.RUNNING, queue_position=None, progress=self._progress(snap))
        if any(snap.__getattribute__(k) != v for k, v in changes.items()):
            self._publish(**changes)

    def _progress(self, snap: Snapshot) -> float | None:
        if self._typical_run is None:
            args = self.spec.arguments
            runs = self._rt.journal.run_durations(
                self.spec.endpoint_id, str(args.get("resolution", "720p")), str(args.get("duration", "auto"))
            )
            self._typical_run = statistics.median(runs) if runs else 0.0
        if not self._typical_run or snap.running_since is None:
            return None
        return min(0.97, (time.monotonic() - snap.running_since) / self._typical_run)

    async def _follow(self) -> StatusUpdate:
        """Follow the status to COMPLETED: the SSE stream while the server offers it,
        else polling with an interval that grows while nothing changes."""
        assert self._handle is not None
        settings = self._rt.settings
        stream_failures = 0
        while settings.use_stream and stream_failures < 3:
            try:
                final = await self._read_stream()
                if final is not None:
                    return final
                stream_failures += 1
            except StreamUnavailable:
                break
            except (errors.Unavailable, errors.RateLimited) as exc:
                stream_failures += 1
                self._publish(trouble=f"status stream interrupted ({exc.message}); reconnecting")
        return await self._poll()

    async def _read_stream(self) -> StatusUpdate | None:
        """One connection to the status stream; the COMPLETED update, or None if the
        stream ended without one. After COMPLETED the stream is read to its end (the
        server closes it), so that no half-read response is left for the garbage
        collector to close after the loop is gone."""
        assert self._handle is not None
        updates = self.backend.stream(self._handle)
        final: StatusUpdate | None = None
        try:
            while True:
                try:
                    next_update = updates.__anext__()
                    update = await (next_update if final is None else asyncio.wait_for(next_update, 5.0))
                except (StopAsyncIteration, asyncio.TimeoutError):
                    return final
                if final is None:
                    self._apply(update)
                    if update.state == "COMPLETED":
                        final = update
        finally:
            await updates.aclose()

    async def _poll(self) -> StatusUpdate:
        assert self._handle is not None
        settings = self._rt.settings
        interval = settings.poll_initial
        failures = 0
        while True:
            try:
                update = await self.backend.status(self._handle)
            except (errors.Unavailable, errors.RateLimited) as exc:
                failures += 1
                delay = min(30.0, settings.poll_initial * 2**failures)
                self._publish(trouble=f"{exc.message}; retrying in {delay:.0f} s (attempt {failures})")
                await asyncio.sleep(delay)
                continue
            failures = 0
            before = (self._snap.state, len(self._snap.logs), self._snap.queue_position)
            self._apply(update)
            if update.state == "COMPLETED":
                return update
            changed = before != (self._snap.state, len(self._snap.logs), self._snap.queue_position)
            interval = settings.poll_initial if changed and before[0] != self._snap.state else interval
            await asyncio.sleep(self._next_poll(interval))
            interval = min(interval * settings.poll_factor, settings.poll_max)

    def _next_poll(self, interval: float) -> float:
        """Poll sooner when past jobs say this one is about to finish."""
        snap = self._snap
        if self._typical_run and snap.running_since is not None:
            remaining = self._typical_run - (time.monotonic() - snap.running_since)
            if 0 < remaining < interval:
                return max(0.2, remaining)
        return interval

    # ----------------------------------------------------------------- finish
