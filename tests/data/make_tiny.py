"""Make tests/data/tiny.mp4, the clip the fake backend "downloads": 64x64, 1 s at 8 fps,
H.264 (yuv420p, +faststart) with a 1 s AAC tone, a few KB. Run once; the file is
committed.

    python tests/data/make_tiny.py
"""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np

SIZE, FPS, SECONDS, RATE = 64, 8, 1, 22050
HERE = Path(__file__).resolve().parent


def make(path: Path) -> Path:
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width = video.height = SIZE
        video.pix_fmt = "yuv420p"
        video.options = {"preset": "veryslow", "crf": "40", "profile": "baseline"}
        audio = container.add_stream("aac", rate=RATE, layout="mono")
        audio.bit_rate = 16_000
        for i in range(FPS * SECONDS):
            pixels = np.zeros((SIZE, SIZE, 3), np.uint8)
            pixels[:, :, 0] = 40 + 20 * i
            pixels[8 * i : 8 * i + 8, :, 1] = 220  # a bar that moves down
            for packet in video.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        samples = RATE * SECONDS
        tone = np.array([[math.sin(2 * math.pi * 440 * n / RATE) * 0.2 for n in range(samples)]], np.float32)
        for start in range(0, samples, 1024):
            frame = av.AudioFrame.from_ndarray(tone[:, start : start + 1024], format="fltp", layout="mono")
            frame.sample_rate = RATE
            frame.pts = start
            for packet in audio.encode(frame):
                container.mux(packet)
        for packet in audio.encode():
            container.mux(packet)
    return path


if __name__ == "__main__":
    made = make(HERE / "tiny.mp4")
    print(f"{made}: {made.stat().st_size} bytes")
