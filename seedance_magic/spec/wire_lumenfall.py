"""The Lumenfall gateway's side of the provider table (providers.py), as pure functions:
what of a request it cannot carry, the seed it needs filled in, the JSON body of
`POST {base}/videos` made from the magic's (fal-shaped) arguments, and the dry-run code.

The gateway's video API (model "seedance-2.0") takes prompt, aspect_ratio + resolution
(or size), duration in seconds, seed, generate_audio, input_reference (images),
end_image, input_video and audio_urls. It serves the standard tier only, one input
video, and reports no seed: so the magic picks the seed itself when none is given,
which keeps every Lumenfall video reproducible by seed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from .endpoints import DEFAULT_DURATION, MAX_SEED, Endpoint
from .plan import PendingUpload

MODEL = "seedance-2.0"
KEY_VAR = "LUMENFALL_API_KEY"
KEY_VARS = (KEY_VAR,)
BASE_URL = "https://api.lumenfall.ai/v1"

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


def body(endpoint_id: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON of `POST {base}/videos` for the magic's arguments."""
    out: dict[str, Any] = {"model": MODEL, "prompt": arguments["prompt"]}
    for field in ("aspect_ratio", "resolution", "generate_audio", "seed", "end_user_id"):
        if arguments.get(field) is not None:
            out[field] = arguments[field]
    duration = str(arguments.get("duration", DEFAULT_DURATION))
    if duration != "auto":
        out["duration"] = int(duration)
    if arguments.get("image_url"):
        out["input_reference"] = [arguments["image_url"]]
    if arguments.get("end_image_url"):
        out["end_image"] = arguments["end_image_url"]
    if arguments.get("image_urls"):
        out["input_reference"] = list(arguments["image_urls"])
    if arguments.get("video_urls"):
        out["input_video"] = arguments["video_urls"][0]
    if arguments.get("audio_urls"):
        out["audio_urls"] = list(arguments["audio_urls"])
    return out


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
    values = [v for value in request.values() for v in (value if isinstance(value, list) else [value])]
    pending = [v for v in values if isinstance(v, PendingUpload)]
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
    for key, value in request.items():
        if isinstance(value, list):
            lines.append(f"    {_literal(key)}: [{', '.join(_literal(v) for v in value)}],")
        else:
            lines.append(f"    {_literal(key)}: {_literal(value)},")
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
    if isinstance(value, PendingUpload) and value.path is not None:
        return f"data_uri({_literal(str(value.path))})"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, str) and value.isprintable():
        return json.dumps(value, ensure_ascii=False)
    return repr(value)
