"""The plan of a request: the exact JSON arguments fal receives, the cost estimate, the
cache key, and the two texts that reproduce a request (a `%%seedance` cell and plain
fal_client code).

Pure functions over a GenerationRequest or over (endpoint id, arguments); no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from . import endpoints as ep
from .cost import CostEstimate, estimate_cost
from .inputs import FIELD, FIELDS, Continued, Variable
from .request import Defaults, GenerationRequest

_API_DEFAULTS: dict[str, Any] = {
    "resolution": ep.DEFAULT_RESOLUTION,
    "duration": ep.DEFAULT_DURATION,
    "aspect_ratio": ep.DEFAULT_ASPECT_RATIO,
    "generate_audio": ep.DEFAULT_GENERATE_AUDIO,
}
_CACHE_VERSION = "seedance-cache-1"


class PendingUpload(str):
    """An input not uploaded yet, shown as `<upload: cat.png>`; `path` is the local path
    when there is one (so generated code can upload it), else None."""

    path: str | None

    def __new__(cls, text: str, path: str | None = None) -> PendingUpload:
        pending = super().__new__(cls, text)
        pending.path = path
        return pending


def is_url(value: object) -> bool:
    """True for inputs fal can fetch as they are: http(s) URLs and data: URIs."""
    return isinstance(value, str) and re.match(r"(?i)(https?://|data:)", value) is not None


def placeholder(value: Any) -> str:
    """A URL input as it is; anything else as a readable `<upload: ...>` stand-in."""
    if is_url(value):
        return str(value)
    if isinstance(value, (str, PurePath)):
        path = str(value)
        return PendingUpload(f"<upload: {path}>", None if any(c in path for c in "*?[") else path)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return PendingUpload(f"<upload: {len(value)} bytes>")
    shape = getattr(value, "shape", None)
    size = shape if isinstance(shape, tuple) else getattr(value, "size", None)
    detail = " " + "x".join(map(str, size)) if isinstance(size, tuple) else ""
    return PendingUpload(f"<upload: {type(value).__name__}{detail}>")


def arguments(
    request: GenerationRequest, urls: Mapping[str, str | list[str]] | None = None
) -> dict[str, Any]:
    """The JSON arguments fal receives for this request. `urls` holds the uploaded inputs
    by field (image_url, image_urls, ...); without it, URL inputs pass through and the
    others show as `<upload: ...>`."""
    args: dict[str, Any] = {
        "prompt": request.prompt,
        "resolution": request.resolution,
        "duration": request.duration,
        "aspect_ratio": request.aspect_ratio,
        "generate_audio": request.generate_audio,
    }
    if request.seed is not None:
        args["seed"] = request.seed
    if request.end_user_id is not None:
        args["end_user_id"] = request.end_user_id
    for field in ep.MODE_FIELDS[request.mode]:
        raw = getattr(request, FIELD[field].attr)
        if raw is None or (isinstance(raw, tuple) and not raw):
            continue
        if urls is None:
            args[field] = [placeholder(v) for v in raw] if isinstance(raw, tuple) else placeholder(raw)
        elif field not in urls:
            raise ValueError(f"no uploaded URL for {field}")
        else:
            args[field] = list(urls[field]) if isinstance(raw, tuple) else urls[field]
    return args


def estimate(
    request: GenerationRequest, input_video_seconds: float = 0.0, *, unmeasured_video: bool = False
) -> CostEstimate:
    """What one video of this request is expected to cost (grid.estimate: all of a grid);
    `unmeasured_video`: a reference video URL could not be read (priced at the limit)."""
    return estimate_cost(
        request.endpoint,
        resolution=request.resolution,
        aspect_ratio=request.aspect_ratio,
        duration=request.duration,
        input_video_seconds=input_video_seconds,
        has_video_inputs=bool(request.ref_videos),
        unmeasured_video=unmeasured_video,
    )


def cache_key(
    endpoint_id: str, arguments: Mapping[str, Any], input_digests: Mapping[str, str], provider: str = "fal"
) -> str:
    """A sha256 that is equal for requests that would make the same video: over the
    provider, the endpoint and the arguments with API defaults filled in, keys sorted,
    end_user_id left out, and each input replaced by its content digest. `input_digests`
    is keyed by the input's place ("image_url", "image_urls.0") or by the URL itself.
    fal's keys are the ones made before there were other providers, so that videos
    journalled then still replay."""
    normal: dict[str, Any] = dict(_API_DEFAULTS)
    normal.update({k: v for k, v in arguments.items() if k != "end_user_id" and v is not None})
    for field in FIELD:
        value = normal.get(field)
        if isinstance(value, list):
            normal[field] = [_digest(f"{field}.{i}", v, input_digests) for i, v in enumerate(value)]
        elif value is not None:
            normal[field] = _digest(field, value, input_digests)
    parts: list[Any] = [_CACHE_VERSION, endpoint_id.strip("/"), normal]
    if provider != "fal":
        parts.append({"provider": provider})
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _digest(place: str, value: Any, digests: Mapping[str, str]) -> Any:
    digest = digests.get(place) or (digests.get(value) if isinstance(value, str) else None)
    if digest is not None:
        return {"digest": digest}
    if isinstance(value, str) and value.startswith("<upload:"):
        raise ValueError(f"no content digest for {place} ({value}): it would not identify the file")
    return value


def reproduce_cell(
    endpoint_id: str,
    arguments: Mapping[str, Any],
    seed: int | None,
    names: Mapping[str, str | Sequence[str]] | None = None,
    *,
    defaults: Defaults | None = None,
    provider: str = "fal",
) -> str:
    """The `%%seedance` cell (options line, newline, prompt) that makes these arguments
    again with this seed. Only options that differ from `defaults` (the API's when None)
    are written; inputs appear by their names in `names` (by field) or as their URLs; a
    provider other than fal is named (--provider lumenfall)."""
    endpoint = ep.find_endpoint(endpoint_id)
    if endpoint is None:
        raise ValueError(f"unknown endpoint {endpoint_id!r}")
    base = defaults or Defaults()
    words = ["%%seedance"]
    if provider != "fal":
        words += ["--provider", provider]
    if endpoint.tier != base.tier:
        words.append(f"--{endpoint.tier}")
    inputs = [f.name for f in FIELDS if arguments.get(f.name)]
    implied = "i2v" if "image_url" in inputs else "r2v" if inputs else "t2v"
    if endpoint.mode != implied:
        words += ["--mode", endpoint.mode]
    for flag, field, default in (
        ("-r", "resolution", base.resolution),
        ("-d", "duration", base.duration),
        ("-a", "aspect_ratio", base.aspect_ratio),
    ):
        value = str(arguments.get(field, _API_DEFAULTS[field]))
        if value != default:
            words.append(_option(flag, value))
    audio = bool(arguments.get("generate_audio", ep.DEFAULT_GENERATE_AUDIO))
    if audio != base.generate_audio:
        words.append("--audio" if audio else "--no-audio")
    for field in inputs:
        shown = (names or {}).get(field)
        values = arguments[field] if isinstance(arguments[field], list) else [arguments[field]]
        if shown is not None:
            values = [shown] if isinstance(shown, str) else list(shown)
        for value in values:
            if isinstance(value, Continued):  # the last frame of a result: --continue NAME
                words.append(_option("--continue", value))
            elif isinstance(value, Variable):  # `{{name}}` as it is; "": given by the one before
                words += [FIELD[field].flag, "{{" + value + "}}"] if value else []
            else:
                words.append(_option(FIELD[field].flag, str(value)))
    if arguments.get("end_user_id") is not None:
        words.append(_option("--end-user-id", str(arguments["end_user_id"])))
    seed = seed if seed is not None else arguments.get("seed")
    if isinstance(seed, int) and not isinstance(seed, bool):  # a server's seed of another type is not shown
        words += ["--seed", str(seed)]
    return " ".join(words) + "\n" + _escape(str(arguments.get("prompt", "")))


def input_names(inputs: Sequence[Mapping[str, Any]], arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The names a reproduce cell gives a result's inputs by (see reproduce_cell), from
    the inputs as journalled (Inputs.thumbnails): the path the user wrote, the
    `{{variable}}` they named or the result a start frame continues (`--continue NAME`),
    else the URL fal was given (or its stand-in before upload).
    Empty for inputs journalled without their field."""
    names: dict[str, Any] = {}
    for field in FIELD:
        given = [i for i in inputs if i.get("field") == field]
        sent = arguments.get(field)
        urls = sent if isinstance(sent, list) else [sent]
        shown = [
            Continued(i["continues"])
            if i.get("continues")
            else Variable(i["variable"])
            if i.get("variable") is not None
            else i.get("source") or (urls[k] if len(urls) == len(given) else None)
            for k, i in enumerate(given)
        ]
        if shown and None not in shown:
            names[field] = shown if isinstance(sent, list) or FIELD[field].repeatable else shown[0]
    return names


def _escape(text: str) -> str:
    """Text that `{{name}}` interpolation turns back into itself."""
    return text.replace("{{", "\\{{")


_LONG = {"-i": "--image", "-r": "--resolution", "-d": "--duration", "-a": "--aspect-ratio"}


def _option(flag: str, value: str) -> str:
    """`flag value`, shell-quoted, with `{{` escaped; `--flag=value` when the value
    begins with a dash (else it would read as an option)."""
    quoted = shlex.quote(_escape(value))
    return f"{_LONG.get(flag, flag)}={quoted}" if value.startswith("-") else f"{flag} {quoted}"
