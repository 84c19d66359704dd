"""What the runtime knows of this process's jobs: every job by key while anything holds
it, the last ones made (held for `%seedance jobs`), those whose task runs, what was
spent, what the jobs in flight may still cost, and the ledgers whose journal writes are
still to be made (see ledger.py)."""

from __future__ import annotations

import collections
import weakref
from typing import Protocol

from ..model import JobSpec, Snapshot

# How many of the last jobs the runtime holds for `%seedance jobs`.
RECENT_JOBS = 100


class Tracked(Protocol):
    """What the runtime keeps of a job (engine.Job): its key, whether it ended, what it
    asks for (its spec: cache key, estimate), how it stands (its snapshot) and whether it
    may still be charged (`paying`: not a paid video fetched again)."""

    @property
    def key(self) -> str: ...
    @property
    def done(self) -> bool: ...
    @property
    def spec(self) -> JobSpec: ...
    @property
    def snapshot(self) -> Snapshot: ...
    @property
    def paying(self) -> bool: ...


class Running(Protocol):
    """Anything with a task on the runtime's loop (a Job, a Story): whether it ended."""

    @property
    def done(self) -> bool: ...


class Unsaved(Protocol):
    """A job's ledger with journal writes still to make (engine.ledger.Ledger)."""

    def retry(self) -> None: ...


class JobBook:
    """The jobs of one process (a Runtime is one)."""

    def __init__(self) -> None:
        # The jobs of this process (engine.Job), by key, while anything holds them...
        self.jobs: weakref.WeakValueDictionary[str, Tracked] = weakref.WeakValueDictionary()
        # ...the last ones made, held here so that `%seedance jobs` lists them when no
        # variable does...
        self.recent: collections.deque[Tracked] = collections.deque(maxlen=RECENT_JOBS)
        # ...and what has a task running (jobs, stories).
        self.active: set[Running] = set()
        self._unsaved: list[Unsaved] = []
        self.spent_usd = 0.0

    def register(self, job: Tracked) -> None:
        self.jobs[job.key] = job
        self.recent.append(job)

    def record_spend(self, usd: float) -> None:
        self.spent_usd += usd

    def keep_unsaved(self, ledger: Unsaved) -> None:
        """Hold a job's ledger whose journal writes failed, to be tried again later."""
        if ledger not in self._unsaved:
            self._unsaved.append(ledger)

    def take_unsaved(self) -> list[Unsaved]:
        """The ledgers held by keep_unsaved (no longer held: each keeps itself again if
        its writes still fail)."""
        taken, self._unsaved = self._unsaved, []
        return taken

    def in_flight(self) -> list[Tracked]:
        """The jobs of this process that have not ended (made, queued, running or
        downloading), oldest first."""
        jobs = [job for job in list(self.jobs.values()) if not job.done]
        return sorted(jobs, key=lambda job: job.snapshot.started)

    def in_flight_usd(self) -> tuple[float, int]:
        """What the jobs in flight may still cost (the high end of each estimate) and how
        many they are; emulated jobs cost nothing."""
        paid = [job for job in self.in_flight() if job.paying and not job.snapshot.emulated]
        return sum(job.spec.estimate.high for job in paid), len(paid)
