"""Grid expansion: a request with `--seeds`, `-n` or `--sweep` becomes the list of
concrete requests it stands for, each with a caption of what varies, and the cost of
them all. Pure, apart from drawing random seeds for `-n` from the Random it is given.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import InvalidRequest
from . import endpoints as ep
from . import plan
from .checks import MAX_GRID_CELLS
from .cost import CostEstimate
from .request import GenerationRequest


@dataclass(frozen=True)
class GridCell:
    """One video of a grid: its concrete request and the values that vary across the grid,
    such as {"aspect_ratio": "9:16", "seed": 3}."""

    request: GenerationRequest
    caption: Mapping[str, Any]

    @property
    def label(self) -> str:
        """The caption as short text: `aspect_ratio 9:16 · seed 3`."""
        return " · ".join(f"{key} {value}" for key, value in self.caption.items())


def _apply(request: GenerationRequest, field: str, value: str) -> GenerationRequest:
    if field == "audio":
        return replace(request, generate_audio=value == "on")
    if field == "tier":
        return replace(request, tier="fast" if value == "fast" else "standard")
    if field == "resolution":
        return replace(request, resolution=value)
    if field == "duration":
        return replace(request, duration=value)
    if field == "aspect_ratio":
        return replace(request, aspect_ratio=value)
    raise ValueError(f"{field} is not a sweepable field")


def expand(request: GenerationRequest, rng: random.Random | None = None) -> list[GridCell]:
    """The cells of the grid in a stable order: the product of the sweeps in the order
    given (the first varies slowest), seeds innermost. `-n` draws distinct seeds from
    `rng` (a fresh Random when None). A plain request is a grid of one cell."""
    if request.grid_size > MAX_GRID_CELLS:
        raise InvalidRequest(f"the grid has {request.grid_size} cells; at most {MAX_GRID_CELLS} per run")
    if request.seeds:
        seeds: Sequence[int | None] = request.seeds
    elif request.n:
        seeds = (rng or random.Random()).sample(range(ep.MAX_SEED + 1), request.n)
    else:
        seeds = (None,)
    base = replace(request, seeds=(), n=None, sweeps=())
    fields = [field for field, _ in request.sweeps]
    cells: list[GridCell] = []
    for combination in itertools.product(*(values for _, values in request.sweeps)):
        swept = base
        for field, value in zip(fields, combination, strict=True):
            swept = _apply(swept, field, value)
        caption: dict[str, Any] = dict(zip(fields, combination, strict=True))
        for seed in seeds:
            if seed is None:
                cells.append(GridCell(swept, caption))
            else:
                cells.append(GridCell(replace(swept, seed=seed), {**caption, "seed": seed}))
    return cells


def estimate(
    request: GenerationRequest, input_video_seconds: float = 0.0, *, unmeasured_video: bool = False
) -> CostEstimate:
    """What the request is expected to cost; for a grid, all its videos together."""
    if request.is_grid:
        return total_estimate(expand(request), input_video_seconds, unmeasured_video=unmeasured_video)
    return plan.estimate(request, input_video_seconds, unmeasured_video=unmeasured_video)


def total_estimate(
    cells: Sequence[GridCell], input_video_seconds: float = 0.0, *, unmeasured_video: bool = False
) -> CostEstimate:
    """The cost of every cell together; notes are kept once each."""
    estimates = [
        plan.estimate(cell.request, input_video_seconds, unmeasured_video=unmeasured_video) for cell in cells
    ]
    notes = dict.fromkeys(e.note for e in estimates if e.note)
    if len(cells) != 1:
        notes[f"{len(cells)} videos"] = None
    return CostEstimate(
        round(sum(e.low for e in estimates), 4), round(sum(e.high for e in estimates), 4), "; ".join(notes)
    )
