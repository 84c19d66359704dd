"""Joining clips whose streams differ, by decoding them and encoding one new film.

The film takes the first clip's frame size and frame rate: H.264 (libx264, yuv420p, main
profile) and, when any clip has sound, AAC at the first sound track's rate and layout.
A clip of another shape is scaled to fit and centred on black; a clip of another frame
rate shows, at each of the film's frame times, its frame nearest before it. Each clip's
sound is cut or padded to the exact length of its picture, and a clip without sound gets
silence, so the sound stays in sync over every cut.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clips import AudioParams, Clip
from .remux import MP4_OPTIONS

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

PRESET = "veryfast"
CRF = "20"
AAC_FRAME = 1024


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def fit(frame: Any, width: int, height: int) -> Any:
    """`frame` as a yuv420p frame of width x height: scaled, and centred on black when its
    shape differs."""
    import av
    import numpy as np

    scale = min(width / frame.width, height / frame.height)
    w, h = min(width, _even(frame.width * scale)), min(height, _even(frame.height * scale))
    if abs(w - width) <= 2 and abs(h - height) <= 2:
        return frame.reformat(width=width, height=height, format="yuv420p")
    flat = frame.reformat(width=w, height=h, format="yuv420p").to_ndarray().ravel()
    y = flat[: w * h].reshape(h, w)
    u = flat[w * h : w * h + (w // 2) * (h // 2)].reshape(h // 2, w // 2)
    v = flat[w * h + (w // 2) * (h // 2) :].reshape(h // 2, w // 2)
    x0, y0 = (width - w) // 4 * 2, (height - h) // 4 * 2
    planes = [np.full((height, width), 16, np.uint8), np.full((height // 2, width // 2), 128, np.uint8)]
    planes.append(planes[1].copy())
    planes[0][y0 : y0 + h, x0 : x0 + w] = y
    planes[1][y0 // 2 : y0 // 2 + h // 2, x0 // 2 : x0 // 2 + w // 2] = u
    planes[2][y0 // 2 : y0 // 2 + h // 2, x0 // 2 : x0 // 2 + w // 2] = v
    joined = np.concatenate([p.ravel() for p in planes]).reshape(-1, width)
    return av.VideoFrame.from_ndarray(joined, format="yuv420p")


class _Film:
    """The output container and its encoders, with running frame and sample counts."""

    def __init__(self, out: Any, first: Clip, sound: AudioParams | None) -> None:
        self.out = out
        self.width, self.height = first.video.width // 2 * 2, first.video.height // 2 * 2
        self.rate = first.video.rate
        self.video = out.add_stream("libx264", rate=self.rate)
        self.video.width, self.video.height = self.width, self.height
        self.video.pix_fmt = "yuv420p"
        self.time_base = 1 / self.rate
        self.video.time_base = self.video.codec_context.time_base = self.time_base
        self.video.options = {"preset": PRESET, "crf": CRF, "profile": "main"}
        self.sound = sound
        self.audio = None
        if sound is not None:
            self.audio = out.add_stream("aac", rate=sound.sample_rate, layout=sound.layout)
        self.frames = 0
        self.samples = 0
        self.pending: NDArray[np.float32] | None = None

    def frame(self, frame: Any) -> None:
        picture = fit(frame, self.width, self.height)
        picture.pts = self.frames
        picture.time_base = self.time_base
        self.frames += 1
        self.out.mux(self.video.encode(picture))

    def sound_block(self, block: NDArray[np.float32], final: bool = False) -> None:
        """Encode samples (channels x n); whole AAC frames only, the rest waits for the
        next block so no padding lands in the middle of the film."""
        import av
        import numpy as np

        assert self.sound is not None and self.audio is not None
        data = block if self.pending is None else np.concatenate([self.pending, block], axis=1)
        whole = data.shape[1] if final else data.shape[1] // AAC_FRAME * AAC_FRAME
        for start in range(0, whole, AAC_FRAME):
            chunk = np.ascontiguousarray(data[:, start : start + AAC_FRAME])
            aframe = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=self.sound.layout)
            aframe.sample_rate = self.sound.sample_rate
            aframe.pts = self.samples
            aframe.time_base = Fraction(1, self.sound.sample_rate)
            self.samples += chunk.shape[1]
            self.out.mux(self.audio.encode(aframe))
        self.pending = data[:, whole:]

    def close(self) -> None:
        import numpy as np

        self.out.mux(self.video.encode(None))
        if self.audio is not None and self.sound is not None:
            channels = self.audio.codec_context.layout.nb_channels
            self.sound_block(np.zeros((channels, 0), np.float32), final=True)
            self.out.mux(self.audio.encode(None))


def _exact(blocks: list[Any], lead: int, wanted: int, channels: int) -> NDArray[np.float32]:
    """The clip's sound as exactly `wanted` samples: `lead` samples of silence in front
    (or cut off, when negative), then cut or padded with silence at the end."""
    import numpy as np

    sound = np.concatenate(blocks, axis=1) if blocks else np.zeros((channels, 0), np.float32)
    sound = sound[:, -lead:] if lead < 0 else np.concatenate([np.zeros((channels, lead)), sound], axis=1)
    sound = sound[:, :wanted]
    tail = np.zeros((channels, wanted - sound.shape[1]), np.float32)
    exact: NDArray[np.float32] = np.concatenate([sound, tail], axis=1).astype(np.float32)
    return exact


def _add_clip(film: _Film, clip: Clip) -> Fraction:
    """Decode `clip` into the film; return its length in seconds (whole film frames)."""
    import av

    blocks: list[Any] = []
    sound_at: float | None = None
    with av.open(os.fspath(clip.path)) as src:
        v_in = src.streams.video[0]
        v_in.thread_type = "AUTO"
        a_in = src.streams.audio[0] if film.sound is not None and clip.audio is not None else None
        origin = float((v_in.start_time or 0) * v_in.time_base)
        step = 1 / float(clip.video.rate)
        resampler = None
        if a_in is not None and film.sound is not None:
            sound = film.sound
            resampler = av.AudioResampler(format="fltp", layout=sound.layout, rate=sound.sample_rate)
        start_frames, held, end = film.frames, None, 0.0
        for packet in src.demux([s for s in (v_in, a_in) if s is not None]):
            for frame in packet.decode():
                t = float(frame.time or 0.0) - origin
                if packet.stream.type == "video":
                    # Each film frame time shows the clip's latest frame at or before it.
                    while held is not None and (film.frames - start_frames + 0.5) / film.rate <= t:
                        film.frame(held)
                    held, end = frame, max(end, t + step)
                elif resampler is not None:
                    sound_at = t if sound_at is None else sound_at
                    blocks += [f.to_ndarray() for f in resampler.resample(frame)]
        if resampler is not None:
            blocks += [f.to_ndarray() for f in resampler.resample(None)]
    count = max(1, round(end * film.rate))
    while held is not None and film.frames - start_frames < count:
        film.frame(held)
    length = Fraction(film.frames - start_frames) / film.rate
    if film.sound is not None and film.audio is not None:
        rate = film.sound.sample_rate
        channels = film.audio.codec_context.layout.nb_channels
        lead = round((sound_at or 0.0) * rate)
        film.sound_block(_exact(blocks, lead, round(length * rate), channels))
    return length


def reencode(clips: Sequence[Clip], part: Path) -> list[Fraction]:
    """Write the clips, decoded and encoded again, to `part` (an MP4); return the cut
    points in seconds: each clip's start in the film, then the film's end."""
    import av

    sound = next((clip.audio for clip in clips if clip.audio is not None), None)
    cuts = [Fraction(0)]
    with av.open(os.fspath(part), mode="w", format="mp4", options=MP4_OPTIONS) as out:
        film = _Film(out, clips[0], sound)
        for clip in clips:
            cuts.append(cuts[-1] + _add_clip(film, clip))
        film.close()
    return cuts
