"""A Lumenfall video request mapped to fal arguments for one of the standard-tier
endpoints (`to_fal`, a pure function), so the emulator checks and runs it exactly like a
fal submit. What cannot be mapped is a `LumenfallError` (an OpenAI-shaped refusal).

Only the shapes the gateway documents are taken: `input_reference` as an `{"image_url":
URL}` object or a list of them; `resolution` as a tier ("0.5K", "1K", "2K", "4K", any
"<n>K", or megapixels such as "0.25"), mapped to the nearest the model serves; `size` as
"WxH" (shape and scale) or "W:H". Fields it does not know are passed upstream (and
reported as ignored), as the gateway passes them to the provider."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from math import nan
from typing import Any

from ..spec import endpoints as ep
from ..spec.cost import frame_size
from ..spec.validation import check_arguments, format_problems
from .inputs import nearest_ratio
from .wire import Reply, json_reply

MODEL = "seedance-2.0"
# The request fields the gateway maps; fal's common fields keep their names.
KNOWN_FIELDS = frozenset(
    {
        *ep.COMMON_FIELDS,
        *("model", "n", "size", "input_reference", "input_video", "end_image", "audio_urls"),
    }
)
RESOLUTIONS = ep.resolutions_for("standard")
# The gateway's scale tiers, in K (thousands of pixels on the long side), for fal's tiers.
TIERS = {
    k: res for k, res in {0.5: "480p", 1.0: "720p", 2.0: "1080p", 4.0: "4k"}.items() if res in RESOLUTIONS
}
_TIER = re.compile(r"(\d+(?:\.\d+)?)K", re.IGNORECASE)
_MEGAPIXELS = re.compile(r"\d+(?:\.\d+)?")
# The Lumenfall field a fal argument came from, for an error's `param`.
PARAM_OF = {
    "image_url": "input_reference",
    "image_urls": "input_reference",
    "end_image_url": "end_image",
    "video_urls": "input_video",
}
_WXH = re.compile(r"(\d+)[xX](\d+)")
_RATIO = re.compile(r"(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)")


def error_reply(status: int, message: str, kind: str, code: str | None, param: str | None = None) -> Reply:
    return json_reply(status, {"error": {"message": message, "type": kind, "param": param, "code": code}})


class LumenfallError(Exception):
    """A request the gateway refuses, with its HTTP code and OpenAI error fields."""

    def __init__(
        self,
        message: str,
        param: str | None = None,
        *,
        status: int = 400,
        code: str | None = "invalid_parameter",
        kind: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.message, self.param, self.status, self.code, self.kind = message, param, status, code, kind

    def reply(self) -> Reply:
        return error_reply(self.status, self.message, self.kind, self.code, self.param)


@dataclass(frozen=True)
class FalRequest:
    """What a Lumenfall request asks of fal: the endpoint, its arguments, and the
    request fields passed upstream that fal's Seedance endpoints do not know."""

    endpoint: ep.Endpoint
    arguments: dict[str, Any]
    ignored: tuple[str, ...] = ()


def _ratio(value: Any, param: str) -> str:
    """A fal aspect ratio for "auto", one of fal's ratios, or any "W:H" (the nearest)."""
    if isinstance(value, str) and value in ep.ASPECT_RATIOS:
        return value
    m = _RATIO.fullmatch(value.strip()) if isinstance(value, str) else None
    width, height = (round(float(m.group(i)) * 1000) for i in (1, 2)) if m else (0, 0)
    if width <= 0 or height <= 0:
        raise LumenfallError(f"Invalid {param} {value!r}: use 'auto' or a ratio like '16:9'", param)
    return nearest_ratio(width, height)


def _resolution(value: Any) -> str | None:
    """fal's tier for a gateway tier: "<n>K" or megapixels, the nearest the model serves."""
    if value is None or value == "auto":
        return None
    text = value.strip() if isinstance(value, str) else ""
    if (m := _TIER.fullmatch(text)) is not None:
        wanted = float(m.group(1))
        return TIERS[min(TIERS, key=lambda k: abs(math.log2(max(wanted, 0.01) / k)))]
    if _MEGAPIXELS.fullmatch(text):
        pixels = float(text) * 1e6

        def megapixels(res: str) -> float:
            width, height = frame_size(res, "16:9")
            return float(width * height)

        return min(TIERS.values(), key=lambda res: abs(math.log(max(pixels, 1.0) / megapixels(res))))
    allowed = ", ".join(["auto", *(f"{k:g}K" for k in TIERS), "or megapixels such as 0.25"])
    raise LumenfallError(f"Invalid resolution {value!r}: use a tier: {allowed}; or a size WxH", "resolution")


def _size(value: Any) -> tuple[str, str] | None:
    """(aspect ratio, resolution) from a WxH size; None for "W:H" or "auto" sizes,
    which only set the shape (see `to_fal`)."""
    m = _WXH.fullmatch(value.strip()) if isinstance(value, str) else None
    if m is None:
        return None
    width, height = int(m.group(1)), int(m.group(2))
    if width == 0 or height == 0:
        raise LumenfallError(f"Invalid size {value!r}: width and height must be positive", "size")
    aspect = nearest_ratio(width, height)
    resolution = min(RESOLUTIONS, key=lambda r: abs(frame_size(r, aspect)[1] - height))
    return aspect, resolution


def _duration(value: Any) -> str:
    if value is None or value == "auto":
        return "auto"
    try:
        number = float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else nan
    except (ValueError, OverflowError):
        number = nan
    if not number.is_integer() or not ep.MIN_DURATION <= number <= ep.MAX_DURATION:
        span = f"{ep.MIN_DURATION} to {ep.MAX_DURATION}"
        raise LumenfallError(f"Invalid duration {value!r}: use 'auto' or {span} seconds", "duration")
    return str(int(number))


def _references(value: Any) -> list[str]:
    """The image URLs of `input_reference`: an {"image_url": URL} object or a list of them."""
    refs = [value] if isinstance(value, dict) else value if value is not None else []
    if not isinstance(refs, list) or not all(
        isinstance(r, dict) and set(r) == {"image_url"} and isinstance(r["image_url"], str) and r["image_url"]
        for r in refs
    ):
        message = 'input_reference takes {"image_url": URL} objects: one, or a list of them'
        raise LumenfallError(message, "input_reference")
    return [str(r["image_url"]) for r in refs]


def _required(body: dict[str, Any], name: str) -> Any:
    if body.get(name) is None:
        message = f"Missing required parameter: '{name}'"
        raise LumenfallError(message, name, code="missing_required_parameter")
    return body[name]


def _url(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not (isinstance(value, str) and value):
        raise LumenfallError(f"{name} must be a URL string", name)
    return value


def to_fal(body: dict[str, Any]) -> FalRequest:
    """The fal endpoint (standard tier) and arguments for a POST /v1/videos body.
    Raises LumenfallError for what the gateway or fal would refuse."""
    model = _required(body, "model")
    if model != MODEL:
        message = f"The model '{model}' does not exist"
        raise LumenfallError(message, "model", status=404, code="model_not_found")
    prompt = _required(body, "prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise LumenfallError("prompt must be a non-empty string", "prompt")
    n = body.get("n")
    if n is not None and (isinstance(n, bool) or n != 1):
        raise LumenfallError(f"Invalid n {n!r}: the emulator makes one video per request", "n")

    refs = _references(body.get("input_reference"))
    video, end = _url(body, "input_video"), _url(body, "end_image")
    audio = body.get("audio_urls")
    args: dict[str, Any] = {"prompt": prompt}
    if video is not None or audio not in (None, []) or len(refs) > 1:
        if end is not None:
            raise LumenfallError(
                "end_image needs exactly one input_reference and no input_video or audio_urls", "end_image"
            )
        mode: ep.Mode = "r2v"
        args["image_urls"] = refs
        if video is not None:
            args["video_urls"] = [video]
        if audio not in (None, []):
            args["audio_urls"] = audio
    elif refs:
        mode = "i2v"
        args["image_url"] = refs[0]
        if end is not None:
            args["end_image_url"] = end
    elif end is not None:
        raise LumenfallError("end_image needs an input_reference (the start image)", "end_image")
    else:
        mode = "t2v"

    size = body.get("size")
    sized = _size(size) if size is not None else None
    if sized is not None:  # WxH sets shape and scale: aspect_ratio and resolution are ignored
        args["aspect_ratio"], args["resolution"] = sized
    else:
        aspect = body.get("aspect_ratio") if size is None else size
        if aspect is not None:
            args["aspect_ratio"] = _ratio(aspect, "aspect_ratio" if size is None else "size")
        resolution = _resolution(body.get("resolution"))
        if resolution is not None:
            args["resolution"] = resolution
    args["duration"] = _duration(body.get("duration"))
    for name in ("seed", "generate_audio", "end_user_id"):
        if body.get(name) is not None:
            args[name] = body[name]

    endpoint = ep.endpoint_for(mode, "standard")
    problems = check_arguments(endpoint, args)
    if problems:
        param = PARAM_OF.get(problems[0].field, problems[0].field)
        raise LumenfallError(format_problems(problems), param)
    return FalRequest(endpoint, args, tuple(sorted(set(body) - KNOWN_FIELDS)))
