"""fal's own check of a JSON arguments object, as its 422 `detail` list would report it
(the emulator answers with it; the package formats such lists for people)."""

from __future__ import annotations

from typing import Any, NamedTuple

from .endpoints import (
    ASPECT_RATIOS,
    COMMON_FIELDS,
    DURATIONS,
    LIMITS,
    LIST_FIELDS,
    MAX_SEED,
    MODE_FIELDS,
    Endpoint,
    resolutions_for,
)


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
    for name in LIST_FIELDS:
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
