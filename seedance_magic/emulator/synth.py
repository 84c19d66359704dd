"""The emulator's MP4 renderer: a real, browser-safe clip for every emulated job.

`render(spec)` returns the bytes of an MP4 with H.264 video (yuv420p, even size, 24 fps,
exactly `spec.duration` seconds), AAC audio when `spec.audio` is on, and the moov atom in
front (`+faststart`). The picture (frames.py) is deterministic in (prompt, seed) and
marked as an emulator clip; the audio is a tone pattern chosen by the same seed.
`render_cached` keeps the last few clips of the process, keyed by the whole spec.

av, numpy and Pillow come with the `video` extra and are imported on first use.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import require_video_extra
from .clip import RenderAborted, RenderSpec

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

FPS = 24
SAMPLE_RATE = 48_000
PRESET = "ultrafast"
CACHE_ENTRIES = 12
CACHE_BYTES = 256 * 1024 * 1024


def render(spec: RenderSpec, should_stop: Callable[[], bool] | None = None) -> bytes:
    """Encode the clip described by `spec`; raises RenderAborted if `should_stop()` turns
    true on the way."""
    require_video_extra("The emulator's video renderer")
    import av

    from .frames import Layers
    from .pictures import decode_image

    start = decode_image(spec.start_image.data) if spec.start_image else None
    end = decode_image(spec.end_image.data) if spec.end_image and start is not None else None
    layers = Layers(spec, start, end)
    with tempfile.TemporaryDirectory(prefix="seedance-emulator-") as tmp:
        path = os.path.join(tmp, "output.mp4")
        with av.open(path, mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
            video = container.add_stream("libx264", rate=FPS)
            video.width, video.height = spec.width, spec.height
            video.pix_fmt = "yuv420p"
            video.time_base = Fraction(1, FPS)
            video.options = {
                "preset": PRESET,
                "profile": "baseline",
                "crf": "23",
                "threads": "2",
                "x264-params": "colorprim=smpte170m:transfer=smpte170m:colormatrix=smpte170m",
            }
            audio = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono") if spec.audio else None
            for i in range(layers.frames):
                if should_stop is not None and i % 12 == 0 and should_stop():
                    raise RenderAborted("rendering was stopped")
                frame = av.VideoFrame.from_ndarray(layers.frame(i), format="yuv420p")
                frame.pts = i
                container.mux(video.encode(frame))
            container.mux(video.encode(None))
            if audio is not None:
                samples = tone_pattern(spec)
                step = 1024
                for offset in range(0, samples.shape[0], step):
                    chunk = samples[None, offset : offset + step]
                    aframe = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
                    aframe.sample_rate = SAMPLE_RATE
                    aframe.pts = offset
                    container.mux(audio.encode(aframe))
                container.mux(audio.encode(None))
        with open(path, "rb") as fh:
            return fh.read()


def tone_pattern(spec: RenderSpec) -> NDArray[np.float32]:
    """Mono samples in [-1, 1]: a looping pentatonic motif over a soft drone, from the seed."""
    import numpy as np

    digest = hashlib.sha256(f"audio\x00{spec.seed}\x00{spec.prompt}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
    base = 196.0 * 2 ** (int(rng.integers(0, 7)) / 12)
    degrees = np.array([0, 2, 4, 7, 9, 12, 14, 16, 19])
    motif = base * 2 ** (rng.choice(degrees, size=8) / 12)
    note = (0.25, 0.375, 0.5)[int(rng.integers(0, 3))]
    t = np.arange(spec.duration * SAMPLE_RATE, dtype=np.float64) / SAMPLE_RATE
    index = (t // note).astype(np.int64)
    local = t - index * note
    freq = motif[index % motif.size]
    envelope = np.minimum(1.0, local / 0.01) * np.exp(-local * 6.0)
    tone = np.sin(2 * np.pi * freq * local) + 0.3 * np.sin(4 * np.pi * freq * local)
    drone = 0.25 * np.sin(2 * np.pi * base / 2 * t)
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.05)
    samples: NDArray[np.float32] = ((0.22 * tone * envelope + 0.08 * drone) * fade).astype(np.float32)
    return samples


class _ClipCache:
    """The last few rendered clips of this process, least recently used dropped first."""

    def __init__(self, entries: int, max_bytes: int) -> None:
        self._lock = threading.Lock()
        self._clips: OrderedDict[RenderSpec, bytes] = OrderedDict()
        self._entries, self._max_bytes = entries, max_bytes

    def get(self, spec: RenderSpec) -> bytes | None:
        with self._lock:
            clip = self._clips.get(spec)
            if clip is not None:
                self._clips.move_to_end(spec)
            return clip

    def put(self, spec: RenderSpec, clip: bytes) -> None:
        with self._lock:
            self._clips[spec] = clip
            self._clips.move_to_end(spec)
            while len(self._clips) > self._entries or (
                len(self._clips) > 1 and sum(map(len, self._clips.values())) > self._max_bytes
            ):
                self._clips.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._clips.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._clips)


CACHE = _ClipCache(CACHE_ENTRIES, CACHE_BYTES)


def render_cached(spec: RenderSpec, should_stop: Callable[[], bool] | None = None) -> bytes:
    """`render(spec)`, reusing a clip this process already made for the same spec."""
    clip = CACHE.get(spec)
    if clip is None:
        clip = render(spec, should_stop)
        CACHE.put(spec, clip)
    return clip
