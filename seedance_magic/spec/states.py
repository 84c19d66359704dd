"""The states of a job, once: the enum the engine and the views use, and the groups of
them the journal filters on (with the SQL that does it)."""

from __future__ import annotations

from enum import Enum


class State(str, Enum):
    PENDING = "pending"
    SUBMITTING = "submitting"
    QUEUED = "queued"
    RUNNING = "running"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        """The state as a user reads it: `str(job.status)` is "queued", as in every view."""
        return self.value

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


# The error_type of a FAILED job the model refused after it was queued (a 422 on its
# result): it ended, nothing is left to follow or resume, running it again as it was
# gives the same answer.
REJECTED = "rejected"
TERMINAL = frozenset({State.COMPLETED, State.FAILED, State.CANCELLED, State.UNKNOWN})
# Sent to a provider and possibly still under way there: what a dead kernel may leave.
UNFINISHED = (State.SUBMITTING, State.QUEUED, State.RUNNING, State.DOWNLOADING, State.UNKNOWN)
# The journal's states for "ended here, or never sent": a row in none of them was sent
# and has not ended (orphans() then asks whether its process is still alive).
SETTLED = (State.COMPLETED, State.FAILED, State.CANCELLED, State.PENDING)


def sql_list(states: tuple[State, ...] | frozenset[State]) -> str:
    """States as an SQL list literal: ('completed', 'failed')."""
    return "(" + ", ".join(f"'{s.value}'" for s in sorted(states, key=list(State).index)) + ")"
