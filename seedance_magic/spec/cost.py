"""Frame sizes and prices: what a request is expected to cost, by fal's formula."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from .endpoints import (
    DEFAULT_ASPECT_RATIO,
    DEFAULT_DURATION,
    DEFAULT_RESOLUTION,
    LIMITS,
    MAX_DURATION,
    MIN_DURATION,
    TOKEN_DIVISOR,
    TOKEN_FPS,
    VIDEO_INPUT_FACTOR,
    Endpoint,
    find_endpoint,
)

# Output frame sizes (width, height) by tier and aspect ratio. Seedance keeps a tier's
# pixel count roughly constant across ratios: 720p 1:1 is 960x960, not 720x720 (the
# gateways' published tables agree). 4k is not in them: the 1080p row doubled.
FRAME_SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {
        "16:9": (864, 496),
        "4:3": (752, 560),
        "1:1": (640, 640),
        "3:4": (560, 752),
        "9:16": (496, 864),
        "21:9": (992, 432),
    },
    "720p": {
        "16:9": (1280, 720),
        "4:3": (1112, 834),
        "1:1": (960, 960),
        "3:4": (834, 1112),
        "9:16": (720, 1280),
        "21:9": (1470, 630),
    },
    "1080p": {
        "16:9": (1920, 1080),
        "4:3": (1664, 1248),
        "1:1": (1440, 1440),
        "3:4": (1248, 1664),
        "9:16": (1080, 1920),
        "21:9": (2206, 946),
    },
}
FRAME_SIZES["4k"] = {ratio: (2 * w, 2 * h) for ratio, (w, h) in FRAME_SIZES["1080p"].items()}
# "auto" follows the input image in image-to-video and is 16:9 otherwise; estimated as 16:9.
AUTO_RATIO = "16:9"
MAX_REFERENCE_VIDEO_SECONDS = LIMITS.max_total_video_seconds
UNMEASURED_NOTE = (
    f"a reference video URL could not be measured: priced at the {MAX_REFERENCE_VIDEO_SECONDS:g} s limit"
)


def frame_size(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """Width and height of the output at this tier and ratio, from Seedance's own table
    (720p 16:9 = 1280x720, 720p 1:1 = 960x960, 480p 9:16 = 496x864). "auto" is sized
    as 16:9, the shape fal's per-second prices are quoted for."""
    ratio = AUTO_RATIO if aspect_ratio == "auto" else aspect_ratio
    return FRAME_SIZES[resolution][ratio]


# ----------------------------------------------------------------------------- cost
class CostEstimate(NamedTuple):
    """What a request is expected to cost in USD; a range when the duration is auto."""

    low: float
    high: float
    note: str = ""

    @property
    def is_range(self) -> bool:
        return not math.isclose(self.low, self.high)

    def __str__(self) -> str:
        if self.is_range:
            return f"${self.low:.2f}–${self.high:.2f}"
        return f"${self.high:.2f}"


def estimate_cost(
    endpoint: Endpoint,
    *,
    resolution: str = DEFAULT_RESOLUTION,
    aspect_ratio: str = DEFAULT_ASPECT_RATIO,
    duration: str = DEFAULT_DURATION,
    input_video_seconds: float = 0.0,
    has_video_inputs: bool = False,
    size: tuple[int, int] | None = None,
    unmeasured_video: bool = False,
) -> CostEstimate:
    """The per-second price scaled by frame area, plus input video seconds by the token
    formula: tokens = height x width x (input s + output s) x 24 / 1024, all times 0.6
    when video inputs are present. The frame is the table's size for the tier and ratio,
    or `size` (width, height) when it is known, as for a finished video. With
    `unmeasured_video` (a reference video URL that could not be read) the input seconds
    are the worst case, the limit, and the note says so."""
    if unmeasured_video:
        input_video_seconds = max(input_video_seconds, MAX_REFERENCE_VIDEO_SECONDS)
    width, height = size or frame_size(resolution, aspect_ratio)
    area = width * height / (1280 * 720)
    video = has_video_inputs or input_video_seconds > 0
    per_second = (endpoint.usd_per_second_720p_with_video if video else endpoint.usd_per_second_720p) * area
    input_tokens = width * height * input_video_seconds * TOKEN_FPS / TOKEN_DIVISOR
    input_cost = input_tokens / 1000 * endpoint.usd_per_1k_tokens * (VIDEO_INPUT_FACTOR if video else 1.0)
    if duration == "auto":
        low, high = MIN_DURATION, MAX_DURATION
        note = f"duration auto: {MIN_DURATION}-{MAX_DURATION} s"
    else:
        low = high = int(duration)
        note = ""
    if aspect_ratio == "auto" and endpoint.mode == "t2v":
        note = "; ".join(filter(None, [note, "aspect auto priced as 16:9"]))
    if unmeasured_video:
        note = "; ".join(filter(None, [note, UNMEASURED_NOTE]))
    return CostEstimate(
        round(per_second * low + input_cost, 4), round(per_second * high + input_cost, 4), note
    )


def result_cost(
    endpoint_id: str,
    arguments: Mapping[str, Any],
    seconds: float | None,
    input_video_seconds: float,
    size: tuple[int, int] | None = None,
) -> float:
    """What a finished video cost: its seconds (the requested ones when not measured)
    and its frame, the probed `size` of the file when known, else the table's."""
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
        size=size,
    )
    return estimate.high
