"""Grids: one `%%seedance` cell with `--seeds`, `-n` or `--sweep` planned and launched as
many jobs.

    expand (spec/grid.py) -> plan every cell (inputs probed once, uploaded once)
        -> budget check on the TOTAL, before anything is sent (notebook/runner.py)
        -> one Job per cell, all started, at most `Seedance.concurrency` past the
           submit at once (the others wait in "pending" for a slot)
        -> a JobGroup, shown as one grid
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..engine.gate import SlotGate
from ..engine.group import JobGroup
from ..engine.job import Job
from ..media.upload import SharedUpload
from ..spec.cost import CostEstimate
from ..spec.grid import GridCell, expand, total_estimate
from ..spec.request import Defaults, GenerationRequest
from . import cells

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

__all__ = ["launch_group", "plan_cells", "total_of"]


def plan_cells(request: GenerationRequest, defaults: Defaults, provider: str = "auto") -> list[cells.Plan]:
    """A plan per cell of the grid; the inputs are resolved (read, probed) only once."""
    grid = expand(request)
    first = cells.make_plan(grid[0].request, defaults=defaults, caption=grid[0].caption, provider=provider)
    rest = [
        cells.make_plan(
            c.request, defaults=defaults, caption=c.caption, inputs=first.inputs, provider=provider
        )
        for c in grid[1:]
    ]
    return [first, *rest]


def launch_group(plans: Sequence[cells.Plan], runtime: Runtime, *, limit: int | None = None) -> JobGroup:
    """A started JobGroup for the plans: cached cells replay for $0, new ones share one
    upload of the inputs and take turns for the `limit` slots (Seedance.concurrency)."""
    gate = SlotGate(limit or runtime.settings.concurrency)
    shared: SharedUpload | None = None
    jobs: list[Job] = []
    for plan in plans:
        upload = None
        if plan.inputs is not None and plan.inputs.needs_upload:
            if shared is None:
                scope = runtime.target(plan.provider).upload_scope
                shared = SharedUpload(plan.inputs, runtime.journal, scope)
            upload = shared
        jobs.append(cells.launch(plan, runtime, start=False, gate=gate, upload=upload))
    group = JobGroup(
        jobs, [p.caption or {} for p in plans], estimate=total_of(plans), runtime=runtime, slots=gate
    )
    return group.start()


def total_of(plans: Sequence[cells.Plan]) -> CostEstimate:
    """What the plans cost together (reference video seconds included)."""
    inputs = plans[0].inputs if plans else None
    seconds = inputs.input_video_seconds if inputs is not None else 0.0
    unmeasured = bool(inputs is not None and inputs.unmeasured_videos)
    return total_estimate(
        [GridCell(p.request, p.caption or {}) for p in plans], seconds, unmeasured_video=unmeasured
    )
