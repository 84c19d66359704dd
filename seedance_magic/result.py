"""`Result`: a finished video, what it cost, and how to make it again."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .endpoints import MAX_DURATION, MIN_DURATION, estimate_cost, find_endpoint, frame_size


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
        """The %%seedance cell that makes this video again (seed included)."""
        from .plan import reproduce_cell

        return reproduce_cell(self.endpoint, dict(self.arguments), self.seed, provider=self.provider)

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
    ) -> Result:
        """From the result JSON (fal's shape) and the downloaded file (probed when PyAV is present)."""
        width = height = None
        duration = has_audio = None
        if path is not None and path.exists():
            try:
                from .video import probe

                info = probe(path)
                width, height, duration, has_audio = info.width, info.height, info.duration_s, info.has_audio
            except Exception:  # probing is a nicety: PyAV may be absent or the file odd
                pass
        if width is None:
            width, height = frame_size(
                str(arguments.get("resolution", "720p")), str(arguments.get("aspect_ratio", "auto"))
            )
            has_audio = bool(arguments.get("generate_audio", True))
        seconds = duration or (
            None if arguments.get("duration", "auto") == "auto" else float(arguments["duration"])
        )
        cost = _cost(endpoint, arguments, seconds, input_video_seconds)
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
        from .ui.html import result_html
        from .ui.text import result_text

        return {"text/plain": result_text(self), "text/html": result_html(self)}

    def __repr__(self) -> str:
        from .ui.text import result_text

        return result_text(self)


def _cost(
    endpoint_id: str, arguments: Mapping[str, Any], seconds: float | None, input_video_seconds: float
) -> float:
    endpoint = find_endpoint(endpoint_id)
    if endpoint is None:
        return 0.0
    duration = "auto" if seconds is None else str(min(MAX_DURATION, max(MIN_DURATION, round(seconds))))
    estimate = estimate_cost(
        endpoint,
        resolution=str(arguments.get("resolution", "720p")),
        aspect_ratio=str(arguments.get("aspect_ratio", "auto")),
        duration=duration,
        input_video_seconds=input_video_seconds,
        has_video_inputs=bool(arguments.get("video_urls")),
    )
    return estimate.high
