"""The Lumenfall gateway's side of the provider table (providers.py), as pure functions:
what of a request it cannot carry, the seed it needs filled in, the JSON body of
`POST {base}/videos` made from the magic's (fal-shaped) arguments, and the dry-run code.

The gateway's video API (model "seedance-2.0") takes prompt, size (WxH: shape and
scale) or aspect_ratio + resolution (a scale tier: "0.5K", "1K", "2K", "4K"), duration in
seconds, seed, generate_audio, input_reference (`{"image_url": URL}` objects), end_image,
input_video and audio_urls. Its reference mentions a key against duplicate creates but
not the field that carries it, so none is sent, and a create is never sent twice unless
its answer proved nothing was made (engine/backends/lumenfall.py). It serves
the standard tier only, one input video, and reports no seed: so the magic picks the seed
itself when none is given, which keeps every Lumenfall video reproducible by seed.

A fixed aspect ratio goes as `size`, fal's own frame size for the tier and ratio
(spec/cost.py: 480p 16:9 is "864x496"), which names both exactly; "auto" (the input
image's shape) goes as aspect_ratio "auto" with the tier the resolution maps to.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from .cost import FRAME_SIZES
from .endpoints import DEFAULT_DURATION, MAX_SEED, Endpoint
from .plan import PendingUpload

MODEL = "seedance-2.0"
KEY_VAR = "LUMENFALL_API_KEY"
KEY_VARS = (KEY_VAR,)
BASE_URL = "https://api.lumenfall.ai/v1"
# fal's resolutions as the gateway's scale tiers.
TIERS = {"480p": "0.5K", "720p": "1K", "1080p": "2K", "4k": "4K"}

__all__ = ["BASE_URL", "KEY_VAR", "KEY_VARS", "MODEL", "body", "code", "complete", "refusals"]


def refusals(endpoint: Endpoint, arguments: Mapping[str, Any]) -> list[str]:
    """What the gateway cannot carry, one phrase each (empty: all of it goes through)."""
    problems = []
    if endpoint.tier != "standard":
        problems.append(
            f"the {endpoint.tier} tier (it serves Seedance 2.0 at the standard tier only: drop --fast)"
        )
    if endpoint.mode == "r2v":
        images = list(arguments.get("image_urls") or ())
        videos = list(arguments.get("video_urls") or ())
        if len(videos) > 1:
            problems.append(f"{len(videos)} reference videos (it takes one input video)")
        if len(images) == 1 and not videos and not arguments.get("audio_urls"):
            problems.append(
                "a single reference image alone (it animates one image as the start frame: use -i for that)"
            )
    return problems


def complete(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments with a seed: the gateway does not say which seed it used."""
    completed = dict(arguments)
    if completed.get("seed") is None:
        completed["seed"] = secrets.randbelow(MAX_SEED + 1)
    return completed


def scale(arguments: Mapping[str, Any]) -> dict[str, str]:
    """The shape and scale fields: `size` for a fixed ratio at a known tier, else
    aspect_ratio and/or the resolution's tier."""
    resolution, aspect = arguments.get("resolution"), arguments.get("aspect_ratio")
    sizes = FRAME_SIZES.get(str(resolution), {})
    if aspect in sizes:
        width, height = sizes[str(aspect)]
        return {"size": f"{width}x{height}"}
    out = {"aspect_ratio": str(aspect)} if aspect is not None else {}
    if resolution is not None:
        out["resolution"] = TIERS.get(str(resolution), str(resolution))
    return out


def body(endpoint_id: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of `POST {base}/videos` for the magic's arguments."""
    out: dict[str, Any] = {"model": MODEL, "prompt": arguments["prompt"], **scale(arguments)}
    for field in ("generate_audio", "seed", "end_user_id"):
        if arguments.get(field) is not None:
            out[field] = arguments[field]
    duration = str(arguments.get("duration", DEFAULT_DURATION))
    if duration != "auto":
        out["duration"] = int(duration)
    if arguments.get("image_url"):
        out["input_reference"] = {"image_url": arguments["image_url"]}
    if arguments.get("end_image_url"):
        out["end_image"] = arguments["end_image_url"]
    if arguments.get("image_urls"):
        out["input_reference"] = [{"image_url": url} for url in arguments["image_urls"]]
    if arguments.get("video_urls"):
        out["input_video"] = arguments["video_urls"][0]
    if arguments.get("audio_urls"):
        out["audio_urls"] = list(arguments["audio_urls"])
    return out


def _leaves(value: Any) -> list[Any]:
    """The plain values inside a request field (lists and objects opened)."""
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    return [value]


_DATA_URI = """
def data_uri(path):
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    with open(path, "rb") as file:
        return f"data:{kind};base64," + base64.b64encode(file.read()).decode()
"""


def code(endpoint_id: str, arguments: Mapping[str, Any]) -> str:
    """Plain httpx code that sends the same request to Lumenfall and waits for it; local
    inputs become `data_uri(path)` (the gateway takes data: URIs)."""
    request = body(endpoint_id, arguments)
    pending = [v for v in _leaves(list(request.values())) if isinstance(v, PendingUpload)]
    lines = ["import os", "import time", ""]
    if pending:
        lines[0:0] = ["import base64", "import mimetypes"]
    lines += ["import httpx", ""]
    if any(v.path is None for v in pending):
        lines.append('# Replace each "<upload: ...>" with a URL or a data: URI of the file.')
    if any(v.path is not None for v in pending):
        lines += [*_DATA_URI.strip("\n").splitlines(), ""]
    lines += [
        f"BASE_URL = {json.dumps(BASE_URL)}",
        f'headers = {{"Authorization": "Bearer " + os.environ[{json.dumps(KEY_VAR)}]}}',
        "body = {",
    ]
    for name, value in request.items():
        lines.append(f"    {_literal(name)}: {_literal(value)},")
    lines += [
        "}",
        'response = httpx.post(f"{BASE_URL}/videos", headers=headers, json=body, timeout=60)',
        "video = response.raise_for_status().json()",
        'while video["status"] not in ("completed", "failed"):',
        "    time.sleep(5)",
        "    response = httpx.get(f\"{BASE_URL}/videos/{video['id']}\", headers=headers)",
        "    video = response.raise_for_status().json()",
        'print(video["output"]["url"] if video["status"] == "completed" else video["error"]["message"])',
        "",
    ]
    return "\n".join(lines)


def _literal(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, PendingUpload) and value.path is not None:
        return f"data_uri({_literal(str(value.path))})"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, str) and value.isprintable():
        return json.dumps(value, ensure_ascii=False)
    return repr(value)
