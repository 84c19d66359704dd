"""The clips the fake provider (fake_backend.py) "downloads": like fal's, each at the
frame size fal makes for the request's resolution and aspect ratio (spec/cost.py), so
what the engine probes and prices is what fal would deliver. A 1 s clip at 4 fps with a
1 s tone (H.264 ultrafast, AAC), made once per frame size per test session."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import av
import numpy as np

from seedance_magic.spec.cost import frame_size
from seedance_magic.spec.endpoints import DEFAULT_ASPECT_RATIO, DEFAULT_RESOLUTION

FPS, SECONDS, RATE = 4, 1, 22050
_FOLDER = Path(tempfile.mkdtemp(prefix="seedance-fake-clips-"))
_made: dict[tuple[int, int], Path] = {}


def clip_for(arguments: Mapping[str, Any]) -> Path:
    """A clip at the frame size fal makes for these arguments."""
    size = frame_size(
        str(arguments.get("resolution", DEFAULT_RESOLUTION)),
        str(arguments.get("aspect_ratio", DEFAULT_ASPECT_RATIO)),
    )
    if size not in _made:
        _made[size] = _make(_FOLDER / f"{size[0]}x{size[1]}.mp4", *size)
    return _made[size]


def _make(path: Path, width: int, height: int) -> Path:
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "45"}
        audio = container.add_stream("aac", rate=RATE, layout="mono")
        audio.bit_rate = 16_000
        pixels = np.zeros((height, width, 3), np.uint8)
        for i in range(FPS * SECONDS):
            pixels[:, :, 0] = 40 + 40 * i
            for packet in video.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        samples = RATE * SECONDS
        tone = (np.sin(2 * np.pi * 440 * np.arange(samples) / RATE) * 0.2).astype(np.float32)[None, :]
        for start in range(0, samples, 1024):
            chunk = np.ascontiguousarray(tone[:, start : start + 1024])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = RATE, start
            for packet in audio.encode(frame):
                container.mux(packet)
        for packet in audio.encode():
            container.mux(packet)
    return path
