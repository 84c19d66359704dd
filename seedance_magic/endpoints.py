"""The Seedance 2.0 endpoint table: ids, enums, limits, prices and the cost formula.

Every number the package knows about fal's Seedance endpoints lives here, so that a
change at fal is a one-line change. Nothing in this module imports anything of ours.
Its records are NamedTuples: immutable like frozen dataclasses, and much cheaper to
define, which keeps `%load_ext` fast.
"""

from __future__ import annotations

import math
from typing import Any, Literal, NamedTuple

Mode = Literal["t2v", "i2v", "r2v"]
Tier = Literal["standard", "fast"]

MODES: tuple[Mode, ...] = ("t2v", "i2v", "r2v")
TIERS: tuple[Tier, ...] = ("standard", "fast")
MODE_NAMES: dict[Mode, str] = {
    "t2v": "text-to-video",
    "i2v": "image-to-video",
    "r2v": "reference-to-video",
}
APP = "bytedance/seedance-2.0"


class Endpoint(NamedTuple):
    id: str
    mode: Mode
    tier: Tier
    usd_per_second_720p: float
    usd_per_second_720p_with_video: float
    usd_per_1k_tokens: float

    @property
    def label(self) -> str:
        tier = "fast " if self.tier == "fast" else ""
        return f"Seedance 2.0 {tier}{MODE_NAMES[self.mode]}"


def _endpoint(mode: Mode, tier: Tier, per_s: float, per_s_video: float, per_1k: float) -> Endpoint:
    prefix = f"{APP}/fast/" if tier == "fast" else f"{APP}/"
    return Endpoint(prefix + MODE_NAMES[mode], mode, tier, per_s, per_s_video, per_1k)


# Prices in USD per second of 720p output, from fal's model pages.
ENDPOINTS: dict[str, Endpoint] = {
    e.id: e
    for e in (
        _endpoint("t2v", "standard", 0.3034, 0.3034 * 0.6, 0.0140),
        _endpoint("i2v", "standard", 0.3024, 0.3024 * 0.6, 0.0140),
        _endpoint("r2v", "standard", 0.3024, 0.1814, 0.0140),
        _endpoint("t2v", "fast", 0.2419, 0.2419 * 0.6, 0.0112),
        _endpoint("i2v", "fast", 0.2419, 0.2419 * 0.6, 0.0112),
        _endpoint("r2v", "fast", 0.2419, 0.14515, 0.0112),
    )
}

VIDEO_INPUT_FACTOR = 0.6
TOKEN_FPS = 24
TOKEN_DIVISOR = 1024


def endpoint_for(mode: Mode, tier: Tier) -> Endpoint:
    prefix = f"{APP}/fast/" if tier == "fast" else f"{APP}/"
    return ENDPOINTS[prefix + MODE_NAMES[mode]]


def find_endpoint(endpoint_id: str) -> Endpoint | None:
    """The endpoint for an id, also when fal's queue path (owner/alias/...) is given."""
    return ENDPOINTS.get(endpoint_id.strip("/"))


# ---------------------------------------------------------------------------- enums
RESOLUTIONS: tuple[str, ...] = ("480p", "720p")
# fal's newer client types list these for the standard tier only.
STANDARD_ONLY_RESOLUTIONS: tuple[str, ...] = ("1080p", "4k")
DEFAULT_RESOLUTION = "720p"
ASPECT_RATIOS: tuple[str, ...] = ("auto", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
DEFAULT_ASPECT_RATIO = "auto"
MIN_DURATION = 4
MAX_DURATION = 15
DURATIONS: tuple[str, ...] = ("auto", *(str(s) for s in range(MIN_DURATION, MAX_DURATION + 1)))
DEFAULT_DURATION = "auto"
DEFAULT_GENERATE_AUDIO = True
MAX_SEED = 2**32 - 1

_SHORT_SIDE = {"480p": 480, "720p": 720, "1080p": 1080, "4k": 2160}


def resolutions_for(tier: Tier) -> tuple[str, ...]:
    return RESOLUTIONS + STANDARD_ONLY_RESOLUTIONS if tier == "standard" else RESOLUTIONS


def frame_size(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """Width and height of the output: the short side is the resolution, the long side
    follows the ratio, both even (720p 16:9 = 1280x720, 480p 9:16 = 480x854).
    "auto" is sized as 16:9, the shape fal's per-second prices are quoted for."""
    short = _SHORT_SIDE[resolution]
    ratio = "16:9" if aspect_ratio == "auto" else aspect_ratio
    a, b = (int(x) for x in ratio.split(":"))
    long = 2 * round(short * max(a, b) / min(a, b) / 2)
    return (long, short) if a >= b else (short, long)


# --------------------------------------------------------------------------- limits
IMAGE_FORMATS = ("jpeg", "png", "webp")
VIDEO_FORMATS = ("mp4", "mov")
AUDIO_FORMATS = ("mp3", "wav")
MB = 1024 * 1024


class Limits(NamedTuple):
    max_images: int = 9
    max_videos: int = 3
    max_audios: int = 3
    max_files: int = 12
    max_image_bytes: int = 30 * MB
    max_audio_bytes: int = 15 * MB
    max_total_video_bytes: int = 50 * MB
    min_total_video_seconds: float = 2.0
    max_total_video_seconds: float = 15.0
    max_total_audio_seconds: float = 15.0
    # Reference videos must lie between ~480p and ~720p, measured in pixels.
    min_video_pixels: int = 640 * 640
    max_video_pixels: int = 834 * 1112


LIMITS = Limits()


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
) -> CostEstimate:
    """The per-second price scaled by frame area, plus input video seconds by the token
    formula: tokens = height x width x (input s + output s) x 24 / 1024, all times 0.6
    when video inputs are present."""
    width, height = frame_size(resolution, aspect_ratio)
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
    return CostEstimate(
        round(per_second * low + input_cost, 4), round(per_second * high + input_cost, 4), note
    )


# ----------------------------------------------------------------------- validation
class Problem(NamedTuple):
    """One invalid argument, in the shape of a FastAPI 422 detail entry."""

    field: str
    msg: str
    type: str = "value_error"
    item: int | None = None  # the position in a list field

    def detail(self) -> dict[str, Any]:
        loc: list[str | int] = ["body", self.field]
        if self.item is not None:
            loc.append(self.item)
        return {"loc": loc, "msg": self.msg, "type": self.type}


_STRING_FIELDS = (
    "prompt",
    "resolution",
    "duration",
    "aspect_ratio",
    "end_user_id",
    "image_url",
    "end_image_url",
)
_LIST_FIELDS = ("image_urls", "video_urls", "audio_urls")
COMMON_FIELDS = ("prompt", "resolution", "duration", "aspect_ratio", "generate_audio", "seed", "end_user_id")
MODE_FIELDS: dict[Mode, tuple[str, ...]] = {
    "t2v": (),
    "i2v": ("image_url", "end_image_url"),
    "r2v": _LIST_FIELDS,
}


def _enum_msg(allowed: tuple[str, ...]) -> str:
    return "Input should be " + ", ".join(f"'{a}'" for a in allowed[:-1]) + f" or '{allowed[-1]}'"


def check_arguments(endpoint: Endpoint, args: dict[str, Any]) -> list[Problem]:
    """Everything wrong with a JSON arguments object for this endpoint, as fal's
    validation would report it. An empty list means the arguments are acceptable."""
    problems: list[Problem] = []
    known = set(COMMON_FIELDS) | set(MODE_FIELDS[endpoint.mode])
    for name in args:
        if name not in known:
            problems.append(Problem(name, "Extra inputs are not permitted", "extra_forbidden"))
    prompt = args.get("prompt")
    if prompt is None:
        problems.append(Problem("prompt", "Field required", "missing"))
    for name in _STRING_FIELDS:
        if name in args and args[name] is not None and not isinstance(args[name], str):
            problems.append(Problem(name, "Input should be a valid string", "string_type"))
    if isinstance(prompt, str) and not prompt.strip():
        problems.append(Problem("prompt", "String should have at least 1 character", "string_too_short"))
    resolutions = resolutions_for(endpoint.tier)
    if "resolution" in args and args["resolution"] not in resolutions:
        problems.append(Problem("resolution", _enum_msg(resolutions), "enum"))
    if "duration" in args and args["duration"] not in DURATIONS:
        problems.append(Problem("duration", _enum_msg(DURATIONS), "enum"))
    if "aspect_ratio" in args and args["aspect_ratio"] not in ASPECT_RATIOS:
        problems.append(Problem("aspect_ratio", _enum_msg(ASPECT_RATIOS), "enum"))
    if "generate_audio" in args and not isinstance(args["generate_audio"], bool):
        problems.append(Problem("generate_audio", "Input should be a valid boolean", "bool_type"))
    seed = args.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        problems.append(Problem("seed", "Input should be a valid integer", "int_type"))
    elif isinstance(seed, int) and not 0 <= seed <= MAX_SEED:
        problems.append(Problem("seed", f"Input should be between 0 and {MAX_SEED}", "less_than_equal"))
    if endpoint.mode == "i2v" and not args.get("image_url"):
        problems.append(Problem("image_url", "Field required", "missing"))
    if endpoint.mode == "r2v":
        problems.extend(_check_reference_lists(args))
    return problems


def _check_reference_lists(args: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    counts: dict[str, int] = {}
    maxima = {
        "image_urls": LIMITS.max_images,
        "video_urls": LIMITS.max_videos,
        "audio_urls": LIMITS.max_audios,
    }
    for name in _LIST_FIELDS:
        value = args.get(name)
        if value is None:
            counts[name] = 0
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(name, "Input should be a valid list of strings", "list_type"))
            counts[name] = 0
            continue
        counts[name] = len(value)
        if len(value) > maxima[name]:
            problems.append(
                Problem(name, f"List should have at most {maxima[name]} items, not {len(value)}", "too_long")
            )
    total = sum(counts.values())
    if total == 0:
        problems.append(Problem("image_urls", "At least one reference image, video or audio is required"))
    elif total > LIMITS.max_files:
        problems.append(
            Problem("image_urls", f"At most {LIMITS.max_files} reference files in all, not {total}")
        )
    if counts["audio_urls"] and not (counts["image_urls"] or counts["video_urls"]):
        problems.append(Problem("audio_urls", "Audio references need at least one reference image or video"))
    return problems


def format_problems(problems: list[Problem] | list[dict[str, Any]]) -> str:
    """One line per problem, for people (a 422 detail list or our own Problems)."""
    lines = []
    for problem in problems:
        p = problem.detail() if isinstance(problem, Problem) else problem
        loc = [str(x) for x in p.get("loc", []) if x != "body"]
        lines.append(f"{'.'.join(loc) or 'request'}: {p.get('msg', p)}")
    return "; ".join(lines)
