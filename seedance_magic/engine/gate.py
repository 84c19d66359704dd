"""`SlotGate`: at most `limit` jobs of a group (a grid, a batch) sent and not yet ended;
the others wait before their upload and submit, in "pending · waiting for a slot"."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol


class Gated(Protocol):
    """What the gate needs of a job: a way to say it is waiting."""

    def set_waiting(self, reason: str | None) -> None: ...


class SlotGate:
    """A job `acquire`s a slot before it uploads and submits, and `release`s it when it
    ends (or fails before the submit). `waiting` holds the jobs queued here; `on_change`
    is called when that set changes."""

    def __init__(self, limit: int, on_change: Callable[[], None] = lambda: None) -> None:
        self.limit = max(1, int(limit))
        self.waiting: set[Gated] = set()
        self.holding: set[Gated] = set()
        self.peak = 0  # the most jobs that held a slot at once
        self._semaphore: asyncio.Semaphore | None = None
        self.on_change = on_change

    async def acquire(self, job: Gated) -> None:
        if job in self.holding:
            return
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)  # made on the jobs' loop
        if self._semaphore.locked():
            self.waiting.add(job)
            job.set_waiting("waiting for a slot")
            self._changed()
        try:
            await self._semaphore.acquire()
        finally:
            if job in self.waiting:
                self.waiting.discard(job)
                job.set_waiting(None)
                self._changed()
        self.holding.add(job)
        self.peak = max(self.peak, len(self.holding))

    def release(self, job: Gated) -> None:
        """Give the job's slot back (nothing if it holds none)."""
        if job in self.holding and self._semaphore is not None:
            self.holding.discard(job)
            self._semaphore.release()

    def _changed(self) -> None:
        with contextlib.suppress(Exception):  # a broken view must never break the jobs
            self.on_change()
