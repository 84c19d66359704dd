"""The one line shown when Ctrl-C (or Kernel → Interrupt) stops a cell that waits for a
job or a grid: what became of each job once the cancel had its chance (engine/wait.py
gives the provider a few seconds to answer it), and whether it costs anything.

A pure function of the jobs' snapshots, like text.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..spec.providers import label as provider_label
from ..spec.states import State
from .shapes import SnapshotShape as Snapshot

__all__ = ["interrupted_text"]


def _outcome(snapshot: Snapshot) -> str:
    """How one job stands after the interrupt, in a few words ("cancelled at fal")."""
    state, label = snapshot.state, provider_label(snapshot.provider)
    if state is State.CANCELLED:
        return f"cancelled at {label}" if snapshot.request_id else "cancelled before it was sent"
    if state is State.COMPLETED:
        return "finished"
    if state in (State.FAILED, State.UNKNOWN):
        return str(state.value)
    if snapshot.request_id and not snapshot.cancellable:
        return f"running on ({label} cannot cancel a job it has started)"
    return f"asked to cancel at {label}, not confirmed yet" if snapshot.request_id else "cancelled"


def _charge(outcomes: Sequence[str], snapshots: Sequence[Snapshot]) -> str:
    """What the outcomes cost, as the provider said it."""
    if all(s.emulated for s in snapshots):
        return "the emulator charges nothing"
    notes = []
    if any(o.startswith("cancelled at") for o in outcomes):
        notes.append("a job the provider cancelled is not charged")
    if "cancelled before it was sent" in outcomes:
        notes.append("nothing was sent for a job cancelled before it was sent")
    if "finished" in outcomes:
        notes.append("a job that had finished is charged")
    if any(o.startswith("running on") for o in outcomes):
        notes.append("a job that runs on is charged; %seedance resume ID downloads it")
    if any(o.startswith("asked") for o in outcomes):
        notes.append("it is not charged if the cancel arrives in time; %seedance jobs shows how it ended")
    return "; ".join(notes)


def interrupted_text(snapshots: Sequence[Snapshot]) -> str:
    """`Interrupted: the job (request 764c…) was cancelled at fal; a job the provider
    cancelled is not charged`; for a grid, how many jobs ended each way (`of 4 jobs,
    3 cancelled at fal, 1 finished`)."""
    outcomes = [_outcome(s) for s in snapshots]
    if len(snapshots) == 1:
        snapshot, outcome = snapshots[0], outcomes[0]
        request = f" (request {snapshot.request_id})" if snapshot.request_id else ""
        verb = "is" if outcome.startswith("running") else "was" if outcome[0] in "acu" else "had"
        what = f"the job{request} {verb} {outcome}"
    else:
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome] = counts.get(outcome, 0) + 1
        what = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
        what = f"of {len(snapshots)} jobs, {what}"
    charge = _charge(outcomes, snapshots)
    return f"Interrupted: {what}" + (f"; {charge}" if charge else "")
