"""From a checked request to a running job: plan, guard (unknown submits, budget, the
output folder), launch.

    request -> plan (plans.py: inputs probed, arguments, estimate, cache key, reproduce)
            -> guard (an identical request whose submit is unknown is refused; what is
               new must fit the budget, counting the jobs in flight; the output folder
               must take the videos) -- before anything is sent
            -> launch (reuse.py: attached to the identical job in flight, replayed from
               the cache for $0, fetched again when paid for and never downloaded; else
               a Job whose first step uploads the inputs, then submits)

Shared by the magic, the Python API, grids and the studio, so each behaves the same.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.job import Job
from ..errors import BudgetExceeded, InvalidRequest
from ..settings import Settings
from ..spec.cost import CostEstimate, frame_size
from ..spec.endpoints import MAX_DURATION, MB
from ..spec.formats import amount
from .plans import Plan, job_spec, make_plan, total_of
from .reuse import cache_hit, check_unknown, in_flight, replay

if TYPE_CHECKING:
    from ..engine.gate import SlotGate
    from ..engine.runtime import Runtime
    from ..media.upload import SharedUpload

__all__ = ["Plan", "cache_hit", "check_budget", "guard", "launch", "make_plan", "to_pay", "total_of"]

# A generous size for a second of video at 1280x720 (Seedance's are about a third of it):
# what the output folder must have room for, scaled by the frame size.
_BYTES_PER_720P_SECOND = 3 * MB


def check_budget(
    estimate: CostEstimate, settings: Settings, runtime: Runtime, *, yes: bool, what: str = "run"
) -> None:
    """Refuse a run whose estimate is above the per-run limit, or which would take this
    kernel's spending (what was spent plus the high estimate of every job still in
    flight) above the session budget. With no key and no base URL for any provider,
    every job goes to the built-in emulator and nothing can be charged: nothing is
    refused (the estimate still shows what a key would pay)."""
    if yes or runtime.charges_nothing():
        return
    if estimate.high > settings.max_usd_per_run:
        raise BudgetExceeded(
            f"this {what} is estimated at {estimate}{f' ({estimate.note})' if estimate.note else ''}, "
            f"above Seedance.max_usd_per_run = ${settings.max_usd_per_run:.2f}",
            hint=f"Add --yes to run it anyway, or raise the limit: %config Seedance.max_usd_per_run = "
            f"{max(10, int(estimate.high) + 1)}",
        )
    budget = settings.session_budget_usd
    flying, count = runtime.in_flight_usd()
    total = runtime.spent_usd + flying + estimate.high
    if budget is not None and total > budget + 1e-9:
        jobs = f"{count} job{'s' if count != 1 else ''}"
        pending = f" + ${flying:.2f} for {jobs} still in flight" if count else ""
        raise BudgetExceeded(
            f"this {what} (est. {estimate}) would take this kernel's spending to ${total:.2f} "
            f"(${runtime.spent_usd:.2f} spent{pending}), above Seedance.session_budget_usd = ${budget:.2f}",
            hint="Add --yes to run it anyway, wait for the jobs in flight, or raise "
            "Seedance.session_budget_usd",
        )


def _expected_bytes(plans: Sequence[Plan]) -> int:
    """A generous size of the videos the plans make (auto duration: the longest)."""
    total = 0.0
    for plan in plans:
        width, height = frame_size(plan.request.resolution, plan.request.aspect_ratio)
        duration = plan.request.duration
        seconds = MAX_DURATION if duration == "auto" else int(duration)
        total += _BYTES_PER_720P_SECOND * seconds * width * height / (1280 * 720)
    return int(total)


def check_output_folder(folder: Path, plans: Sequence[Plan]) -> None:
    """Refuse (one line, nothing sent) an output folder that cannot take the videos: a
    file in its place, no permission to write, or too little free space."""
    folder = Path(folder).expanduser()
    where = "set Seedance.output_dir (or SEEDANCE_OUTPUT_DIR) to a folder you can write"
    existing = folder
    while not existing.exists():  # the folder is made when the first video arrives
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        if existing == folder:
            raise InvalidRequest(f"the output folder {folder} is a file, not a folder", hint=where)
        raise InvalidRequest(f"the output folder {folder} cannot be made: {existing} is a file", hint=where)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidRequest(f"the output folder {folder} cannot be written here (no permission)", hint=where)
    needed = _expected_bytes(plans)
    free = shutil.disk_usage(existing).free
    if free < needed:
        raise InvalidRequest(
            f"the output folder {folder} has {amount(free)} free, and "
            f"{'these videos' if len(plans) > 1 else 'the video'} may need up to {amount(needed)}",
            hint=f"Free some space, or {where}",
        )


def to_pay(plans: Sequence[Plan], settings: Settings, runtime: Runtime) -> list[Plan]:
    """The plans that would send a new request: not replayed or fetched again from the
    journal, not attached to the identical job in flight."""
    return [
        plan
        for plan in plans
        if cache_hit(plan, settings, runtime) is None and in_flight(plan, settings, runtime) is None
    ]


def guard(plans: Sequence[Plan], runtime: Runtime, *, yes: bool, grid: bool = False) -> None:
    """Everything that must hold before anything is sent (see the module docstring)."""
    settings = runtime.settings
    for plan in plans:
        check_unknown(plan, runtime)
    paying = to_pay(plans, settings, runtime)
    if paying:
        cost = total_of(paying) if grid else paying[0].estimate
        what = f"grid of {len(paying)} videos" if grid else "run"
        check_budget(cost, settings, runtime, yes=yes, what=what)
    check_output_folder(settings.output_dir, plans)


def launch(
    plan: Plan,
    runtime: Runtime,
    *,
    start: bool = True,
    gate: SlotGate | None = None,
    upload: SharedUpload | None = None,
    group: str | None = None,
    group_index: int | None = None,
) -> Job:
    """The job for a plan (after `guard`): the identical job in flight, a replay or a
    fetch from the journal, else a new job (started); `gate` and `upload` as for Job;
    `group` and `group_index` name the story (or batch) and its shot (or row) in the
    journal."""
    settings = runtime.settings
    flying = in_flight(plan, settings, runtime)
    if flying is not None:
        return flying
    record = cache_hit(plan, settings, runtime)
    if record is not None:
        job = replay(plan, record, runtime)
    else:
        spec = replace(job_spec(plan), group=group, group_index=group_index)
        job = Job(spec, runtime, target=runtime.target(plan.provider), gate=gate, upload=upload)
    return job.start() if start else job
