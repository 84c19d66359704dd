"""The values that cross the layers: `JobSpec` (what to run), `Snapshot` (what a view
sees of a job at one moment), `Result` (a finished video, what it cost, how to make it
again) and `Results` (a list of them that turns into a table); for stories,
`StorySnapshot` and `StoryResult` (the stitched film). Frozen; no I/O. Results show
themselves through render/ (text and HTML)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import MissingDependency
from .render.film import film_html, film_text
from .render.player import result_html
from .render.table import COLUMNS, WHOLE_NUMBERS, records
from .render.text import result_text
from .spec.cost import CostEstimate, frame_size, result_cost
from .spec.endpoints import (
    DEFAULT_ASPECT_RATIO,
    DEFAULT_DURATION,
    DEFAULT_GENERATE_AUDIO,
    DEFAULT_RESOLUTION,
)
from .spec.inputs import Inputs
from .spec.plan import input_names, reproduce_cell
from .spec.providers import seed_outcome
from .spec.states import State

__all__ = ["JobSpec", "Result", "Results", "Snapshot", "State", "StoryResult", "StorySnapshot"]


@dataclass(frozen=True)
class JobSpec:
    """What to run: the endpoint, the exact JSON arguments, and what to show about it."""

    endpoint_id: str
    arguments: Mapping[str, Any]
    estimate: CostEstimate
    cache_key: str | None = None
    reproduce: str | None = None
    inputs: tuple[dict[str, Any], ...] = ()  # thumbnails of the inputs, for the views
    timeout: float | None = None
    caption: Mapping[str, Any] = field(default_factory=dict)
    input_video_seconds: float = 0.0
    # The checked inputs still to upload before the submit (their URLs replace the
    # `<upload: ...>` stand-ins in `arguments`); None when every input is a URL.
    uploads: Inputs | None = None
    provider: str = "fal"
    group: str | None = None  # the story or batch this job is part of (its journal group id)
    group_index: int | None = None  # its shot or row there


@dataclass(frozen=True)
class Snapshot:
    """Everything a view shows about a job at one moment."""

    key: str
    state: State
    endpoint_id: str
    estimate: CostEstimate
    emulated: bool
    provider: str = "fal"
    cancellable: bool = True  # once sent: False where the provider has no cancel
    request_id: str | None = None
    queue_position: int | None = None
    logs: tuple[dict[str, Any], ...] = ()
    new_logs: tuple[dict[str, Any], ...] = ()
    started: float = 0.0
    running_since: float | None = None
    finished: float | None = None
    progress: float | None = None
    downloaded: int = 0
    download_total: int | None = None
    cancelling: bool = False
    trouble: str | None = None
    error: str | None = None
    result: Result | None = None
    caption: Mapping[str, Any] = field(default_factory=dict)
    uploads: tuple[str, ...] = ()
    waiting: str | None = None  # why a pending job has not been sent yet

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started


@dataclass(frozen=True)
class Result:
    """A generated video: `path` is the local MP4; `seed` reproduces it."""

    endpoint: str
    arguments: Mapping[str, Any]
    request_id: str | None
    seed: int | None
    video_url: str
    path: Path | None
    cost_usd: float
    emulated: bool
    cached: bool = False
    provider: str = "fal"
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    has_audio: bool | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    reproduce: str | None = None
    inputs: tuple[dict[str, Any], ...] = ()
    created_at: float = field(default_factory=time.time)
    seed_note: str = ""
    """Set when the seed is not (known to be) the one asked for: then the same cell may
    make another video, and the result is not kept as a seeded cache entry."""

    @property
    def prompt(self) -> str:
        return str(self.arguments.get("prompt", ""))

    @property
    def charged_usd(self) -> float:
        """What this result cost: nothing when cached or made by the emulator."""
        return 0.0 if self.cached or self.emulated else self.cost_usd

    @property
    def reproduce_cell(self) -> str:
        """The %%seedance cell that makes this video again (seed included), naming its
        inputs as the user gave them (a path, a `{{variable}}`), else by their URLs."""
        names = input_names(self.inputs, self.arguments)
        return reproduce_cell(self.endpoint, dict(self.arguments), self.seed, names, provider=self.provider)

    @classmethod
    def build(
        cls,
        *,
        endpoint: str,
        arguments: dict[str, Any],
        request_id: str | None,
        data: dict[str, Any],
        path: Path | None,
        emulated: bool,
        provider: str = "fal",
        timings: Mapping[str, float] | None = None,
        input_video_seconds: float = 0.0,
        reproduce: str | None = None,
        inputs: tuple[dict[str, Any], ...] = (),
        inference_time: float | None = None,
        cached: bool = False,
        width: int | None = None,
        height: int | None = None,
        duration: float | None = None,
        has_audio: bool | None = None,
    ) -> Result:
        """From the result JSON (fal's shape) and what probing the downloaded file found
        (width, height, duration, has_audio; None where it was not measured)."""
        probed = (width, height) if width and height else None
        if probed is None:
            width, height = frame_size(
                str(arguments.get("resolution", DEFAULT_RESOLUTION)),
                str(arguments.get("aspect_ratio", DEFAULT_ASPECT_RATIO)),
            )
            has_audio = bool(arguments.get("generate_audio", DEFAULT_GENERATE_AUDIO))
        asked = str(arguments.get("duration", DEFAULT_DURATION))
        seconds = duration or (None if asked == "auto" else float(asked))
        cost = result_cost(endpoint, arguments, seconds, input_video_seconds, probed)
        seed, seed_note = seed_outcome(arguments.get("seed"), data.get("seed"), provider)
        return cls(
            endpoint=endpoint,
            arguments=dict(arguments),
            request_id=request_id,
            seed=seed,
            seed_note=seed_note,
            video_url=str((data.get("video") or {}).get("url", "")),
            path=path,
            cost_usd=cost,
            emulated=emulated,
            provider=provider,
            cached=cached,
            width=width,
            height=height,
            duration_s=duration,
            has_audio=has_audio,
            timings=dict(timings or {}),
            reproduce=reproduce,
            inputs=inputs,
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": result_text(self), "text/html": result_html(self)}

    def __repr__(self) -> str:
        return result_text(self)


@dataclass(frozen=True)
class StoryResult:
    """A story's film: `path` is the stitched MP4 (None when no shot made a video),
    `shots` each shot's Result in order; `failed` says which shot failed (or was
    cancelled) and why, when the story stopped early; `prelude` is the clip a
    `--continue --stitch` film begins with."""

    path: Path | None
    shots: tuple[Result, ...]
    reproduce: str
    planned: int  # how many shots the story has
    seconds: float = 0.0  # the film's length
    failed: str | None = None
    prelude: Result | None = None
    reencoded: bool = False
    reason: str = ""  # why the clips were encoded again ("" when their packets were copied)
    offsets: tuple[float, ...] = ()  # where each clip starts in the film, in seconds

    @property
    def cost_usd(self) -> float:
        """What the shots cost (list price; `charged_usd` is what was paid)."""
        return round(sum(shot.cost_usd for shot in self.shots), 4)

    @property
    def charged_usd(self) -> float:
        return round(sum(shot.charged_usd for shot in self.shots), 4)

    @property
    def request_ids(self) -> tuple[str, ...]:
        return tuple(shot.request_id for shot in self.shots if shot.request_id)

    @property
    def seeds(self) -> tuple[int | None, ...]:
        return tuple(shot.seed for shot in self.shots)

    @property
    def emulated(self) -> bool:
        return any(shot.emulated for shot in self.shots)

    @property
    def complete(self) -> bool:
        return self.failed is None and len(self.shots) == self.planned

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": film_text(self), "text/html": film_html(self)}

    def __repr__(self) -> str:
        return film_text(self)


@dataclass(frozen=True)
class StorySnapshot:
    """Everything a view shows about a story at one moment: each shot's job as it
    stands (None: not started), the posters of the finished shots, and the film."""

    key: str
    state: str  # pending, running, stitching, completed, failed or cancelled
    prompts: tuple[str, ...]
    shots: tuple[Snapshot | None, ...]
    estimate: CostEstimate
    emulated: bool
    reproduce: str
    posters: tuple[str | None, ...] = ()
    stage: str = ""  # what happens now, in words
    error: str | None = None
    film: StoryResult | None = None

    @property
    def terminal(self) -> bool:
        return self.state in ("completed", "failed", "cancelled")


class Results(list[Result]):
    """Results in order (`sd.history()`, a grid's `.wait()`): a list, that also turns into a
    table, one row per video: `.records()` as dicts, `.to_pandas()` as a DataFrame."""

    def records(self) -> list[dict[str, Any]]:
        """One dict per result with the table's columns (render/table.py): when it was
        made, the prompt, seed, endpoint, provider, cost, size, request id, file and URL."""
        return records(self)

    def to_pandas(self) -> Any:
        """A pandas DataFrame of `records()` (needs pandas: `pip install pandas`); the
        seeds as whole numbers, with <NA> where one is unknown."""
        try:
            import pandas as pd
        except ImportError:
            raise MissingDependency(
                "Results.to_pandas() needs pandas",
                hint="pip install pandas; .records() gives the rows as dicts",
            ) from None
        frame = pd.DataFrame.from_records(self.records(), columns=list(COLUMNS))
        for column in WHOLE_NUMBERS:
            frame[column] = frame[column].astype("Int64")
        return frame
