"""Small real media files for the media tests (PNG and JPEG with Pillow, MP4 with PyAV,
WAV with the stdlib, MP3 with PyAV's lame), sparse oversized files, and checks that
each maker writes what it says it does."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import av
import numpy as np
from PIL import Image


def png(path: Path, size: tuple[int, int] = (64, 48), color: str = "red") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format="PNG")
    return path


def png_bytes(size: tuple[int, int] = (32, 32), color: str = "green") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(path: Path, size: tuple[int, int] = (64, 48)) -> Path:
    Image.new("RGB", size, "blue").save(path, format="JPEG")
    return path


def mp4(path: Path, width: int = 640, height: int = 640, seconds: float = 1.0, fps: int = 4) -> Path:
    """An H.264 MP4 of `seconds` (a whole number of frames at `fps`), solid grey frames."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(round(seconds * fps)):
            pixels = np.full((height, width, 3), (40 + 20 * i) % 256, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def pad_with_free_box(path: Path, total_size: int) -> Path:
    """Grow an MP4 to exactly `total_size` bytes with a trailing ISO BMFF 'free' box."""
    missing = total_size - path.stat().st_size
    assert missing >= 8
    with path.open("ab") as f:
        f.write(struct.pack(">I", missing) + b"free")
        f.truncate(total_size)  # sparse zeros: the box's padding
    return path


def wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> Path:
    frames = round(seconds * rate)
    samples = (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(frames))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return path


def mp3(path: Path, seconds: float = 1.0, rate: int = 22050) -> Path:
    with av.open(str(path), "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=rate, layout="mono")
        samples = round(seconds * rate)
        for start in range(0, samples, 1152):
            n = min(1152, samples - start)
            frame = av.AudioFrame.from_ndarray(np.zeros((1, n), np.int16), format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def sparse(path: Path, head: bytes, size: int) -> Path:
    """A file of `size` bytes that starts with `head` (the rest a sparse hole)."""
    with path.open("wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def riff(kind: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 36) + kind
