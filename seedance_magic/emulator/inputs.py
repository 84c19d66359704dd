"""From a job's arguments to what the renderer needs: the resolved duration, aspect
ratio, frame size and input media.

The emulator reads input media only from its own /files/ storage and from data: URIs;
anything else becomes a placeholder tile and a WARN log line, so it never reaches out
to the network. A plain clip (renderer "plain") shows no inputs: their images are not
decoded (that needs Pillow), "auto" aspect ratio is 16:9, and one WARN line says so.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from ..spec import endpoints as ep
from ..spec.cost import frame_size
from .clip import Media, RenderSpec

Fetch = Callable[[str], "bytes | None"]


@dataclass(frozen=True)
class Plan:
    """What a job will render, and the warnings to log while it runs."""

    spec: RenderSpec
    aspect_ratio: str
    warnings: tuple[str, ...]
    renderer: str = "video"
    """"video" (synth.py) or "plain" (plain.py), resolved from EmulatorConfig.renderer."""
    notes: tuple[str, ...] = ()
    """INFO lines the job logs first."""


def auto_duration(prompt: str) -> int:
    """The duration "auto" picks: 4..15 s, fixed by the prompt."""
    digest = hashlib.sha256(prompt.encode()).digest()
    span = ep.MAX_DURATION - ep.MIN_DURATION + 1
    return ep.MIN_DURATION + int.from_bytes(digest[:4], "big") % span


def nearest_ratio(width: int, height: int) -> str:
    """The supported aspect ratio closest to width:height."""
    target = math.log(width / height)

    def distance(ratio: str) -> float:
        a, b = (int(x) for x in ratio.split(":"))
        return abs(math.log(a / b) - target)

    return min((r for r in ep.ASPECT_RATIOS if r != "auto"), key=distance)


def decode_data_uri(uri: str) -> bytes | None:
    """The bytes of a data: URI, or None if it is malformed."""
    header, comma, payload = uri.partition(",")
    if not comma or not header.lower().startswith("data:"):
        return None
    try:
        if header.lower().endswith(";base64"):
            return base64.b64decode(payload, validate=False)
        return unquote_to_bytes(payload)
    except ValueError:
        return None


def storage_key(url: str, own_netlocs: frozenset[str]) -> str | None:
    """The /files/ key of a URL served by this emulator (or fal's CDN names for it)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.netloc not in own_netlocs and not (host == "fal.media" or host.endswith(".fal.media")):
        return None
    if not parts.path.startswith("/files/"):
        return None
    return parts.path[len("/files/") :]


def _short(url: str) -> str:
    return url if len(url) <= 60 else url[:45] + "…" + url[-12:]


def _image_size(data: bytes | None) -> tuple[int, int] | None:
    from .pictures import decode_image

    image = decode_image(data)
    return image.size if image is not None else None


class _Collector:
    def __init__(self, fetch: Fetch, pictures: bool) -> None:
        self.fetch = fetch
        self.pictures = pictures
        self.warnings: list[str] = []
        self.sizes: dict[str, tuple[int, int]] = {}

    def media(self, label: str, kind: str, url: str) -> Media:
        data = decode_data_uri(url) if url.startswith("data:") else self.fetch(url)
        if not self.pictures:  # a plain clip shows no input: plan() logs one line for all
            return Media(label, kind, data, _short(url))
        if data is None:
            self.warnings.append(
                f"Could not fetch {label} from {_short(url)}: the emulator reads only its own "
                "uploads and data: URIs; showing a placeholder"
            )
        elif kind == "image":
            size = _image_size(data)
            if size is None:
                self.warnings.append(
                    f"Could not read {label} ({_short(url)}) as an image; showing a placeholder"
                )
            else:
                self.sizes[label] = size
        return Media(label, kind, data, _short(url))


def plan(
    endpoint: ep.Endpoint, args: dict[str, Any], seed: int, fetch: Fetch, renderer: str = "video"
) -> Plan:
    """The render plan for valid `args` (already checked with `check_arguments`), for
    `renderer` "video" or "plain"."""
    prompt = str(args["prompt"])
    collect = _Collector(fetch, pictures=renderer != "plain")
    start = end = None
    refs: list[Media] = []
    if endpoint.mode == "i2v":
        start = collect.media("start image", "image", str(args["image_url"]))
        if args.get("end_image_url"):
            end = collect.media("end image", "image", str(args["end_image_url"]))
    elif endpoint.mode == "r2v":
        for field, kind, name in (
            ("image_urls", "image", "Image"),
            ("video_urls", "video", "Video"),
            ("audio_urls", "audio", "Audio"),
        ):
            for i, url in enumerate(args.get(field) or [], start=1):
                refs.append(collect.media(f"@{name}{i}", kind, url))
    aspect = str(args.get("aspect_ratio") or ep.DEFAULT_ASPECT_RATIO)
    if renderer == "plain" and (start or refs):
        auto = '; aspect ratio "auto" is 16:9' if aspect == "auto" else ""
        collect.warnings.append(
            f"EMULATOR: plain clip: the input images and videos are not shown{auto}; "
            'pip install "seedance-magic[video]" for clips that show them'
        )
    if aspect == "auto":
        first = start or next((m for m in refs if m.kind == "image"), None)
        size = collect.sizes.get(first.label) if first is not None else None
        aspect = nearest_ratio(*size) if size else "16:9"
    duration = str(args.get("duration") or ep.DEFAULT_DURATION)
    seconds = auto_duration(prompt) if duration == "auto" else int(duration)
    width, height = frame_size(str(args.get("resolution") or ep.DEFAULT_RESOLUTION), aspect)
    audio = args.get("generate_audio")
    spec = RenderSpec(
        width=width,
        height=height,
        duration=seconds,
        seed=seed,
        prompt=prompt,
        audio=ep.DEFAULT_GENERATE_AUDIO if audio is None else bool(audio),
        label=endpoint.label,
        start_image=start,
        end_image=end,
        references=tuple(refs),
    )
    return Plan(spec, aspect, tuple(collect.warnings), renderer)
