"""The values that cross the layers: `JobSpec` (what to run), `Snapshot` (what a view
sees of a job at one moment), `Result` (a finished video, what it cost, how to make it
again) and `Results` (a list of them that turns into a table). Frozen; no I/O. A Result
shows itself through render/ (text and HTML)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import MissingDependency
from .render.html import result_html
from .render.text import result_text
from .spec.cost import CostEstimate, frame_size, result_cost
from .spec.inputs import Inputs
from .spec.plan import input_names, reproduce_cell
from .spec.states import State

__all__ = ["JobSpec", "Result", "Results", "Snapshot", "State"]


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
        if width is None or height is None:
            width, height = frame_size(
                str(arguments.get("resolution", "720p")), str(arguments.get("aspect_ratio", "auto"))
            )
            has_audio = bool(arguments.get("generate_audio", True))
        seconds = duration or (
            None if arguments.get("duration", "auto") == "auto" else float(arguments["duration"])
        )
        cost = result_cost(endpoint, arguments, seconds, input_video_seconds)
        return cls(
            endpoint=endpoint,
            arguments=dict(arguments),
            request_id=request_id,
            seed=data.get("seed"),
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


# The columns of Results.records() and .to_pandas(), in order.
COLUMNS = (
    "created",
    "prompt",
    "seed",
    "endpoint",
    "provider",
    "emulated",
    "cached",
    "cost_usd",
    "charged_usd",
    "duration_s",
    "width",
    "height",
    "request_id",
    "path",
    "video_url",
)


class Results(list[Result]):
    """Results in order (`sd.history()`, a grid's `.wait()`): a list, that also turns into a
    table, one row per video: `.records()` as dicts, `.to_pandas()` as a DataFrame."""

    def records(self) -> list[dict[str, Any]]:
        """One dict per result with the COLUMNS: when it was made (a local datetime),
        the prompt, seed, endpoint, provider, what it cost and was charged, its size, its
        request id, its file (a str, or None) and the provider's URL."""
        return [
            {
                "created": datetime.fromtimestamp(r.created_at, tz=timezone.utc).astimezone(),
                "prompt": r.prompt,
                "seed": r.seed,
                "endpoint": r.endpoint,
                "provider": r.provider,
                "emulated": r.emulated,
                "cached": r.cached,
                "cost_usd": r.cost_usd,
                "charged_usd": r.charged_usd,
                "duration_s": r.duration_s,
                "width": r.width,
                "height": r.height,
                "request_id": r.request_id,
                "path": str(r.path) if r.path is not None else None,
                "video_url": r.video_url or None,
            }
            for r in self
        ]

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
        for column in ("seed", "width", "height"):
            frame[column] = frame[column].astype("Int64")
        return frame
