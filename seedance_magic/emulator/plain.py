"""Plain clips: what the emulator serves when the `video` extra (av, numpy, Pillow) is not
installed, or when it is asked to (`EmulatorConfig(renderer="plain")`).

A plain clip is a real, browser-safe MP4 with the frame size of its tier and aspect
ratio, 24 fps and exactly the requested number of seconds, made with the standard
library alone: the package ships one pre-encoded second per frame size (plain_units/,
made by scripts/make_plain_clips.py), a flat card reading EMULATOR with its size, and
mp4.py repeats that second (an IDR frame, then 23 P frames that change nothing) as many
times as the clip lasts, with silent AAC audio when audio is on. Every tier has its
own pieces, 4k included, so nothing is rescaled. It never shows the prompt or the input
images: that is what the extra's renderer (synth.py) is for.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .clip import RenderAborted, RenderSpec
from .mp4 import AudioTrack, VideoTrack, write_mp4

UNITS = "plain_units"
INSTALL_NOTE = 'EMULATOR: plain clip; pip install "seedance-magic[video]" for clips that show the prompt'


@dataclass(frozen=True)
class VideoUnit:
    """One second of video for one frame size: the avcC record and its samples."""

    width: int
    height: int
    fps: int
    avcc: bytes
    samples: tuple[bytes, ...]


@dataclass(frozen=True)
class AudioUnit:
    """The AudioSpecificConfig and one silent frame, repeated for as long as needed."""

    sample_rate: int
    channels: int
    frame_samples: int
    config: bytes
    silent_frame: bytes


def _read(name: str) -> bytes:
    return (resources.files(__package__) / UNITS / name).read_bytes()


@functools.lru_cache(maxsize=1)
def manifest() -> dict[str, Any]:
    """The index of the shipped pieces (plain_units/manifest.json)."""
    data: dict[str, Any] = json.loads(_read("manifest.json"))
    return data


def sizes() -> list[tuple[int, int]]:
    """Every frame size a plain clip can have."""
    return [(int(w), int(h)) for w, h in (name.split("x") for name in manifest()["video"])]


@functools.lru_cache(maxsize=8)
def video_unit(width: int, height: int) -> VideoUnit:
    """The shipped second of video at width x height; ValueError for a size not shipped."""
    name = f"{width}x{height}"
    entry = manifest()["video"].get(name)
    if entry is None:
        raise ValueError(f"no plain clip is shipped for {name}")
    data = _read(f"{name}.h264")
    samples, at = [], 0
    for size in entry["sizes"]:
        samples.append(data[at : at + size])
        at += size
    if at != len(data):
        raise ValueError(f"the plain clip pieces for {name} do not match their manifest")
    return VideoUnit(width, height, int(manifest()["fps"]), bytes.fromhex(entry["avcc"]), tuple(samples))


@functools.lru_cache(maxsize=1)
def audio_unit() -> AudioUnit:
    entry = manifest()["audio"]
    return AudioUnit(
        int(entry["sample_rate"]),
        int(entry["channels"]),
        int(entry["frame_samples"]),
        bytes.fromhex(entry["config"]),
        bytes.fromhex(entry["silent_frame"]),
    )


def render_plain(spec: RenderSpec, should_stop: Callable[[], bool] | None = None) -> bytes:
    """The plain clip for `spec`: its frame size, `spec.duration` seconds, silent audio
    when `spec.audio` is on. Prompt, seed and inputs do not change the picture."""
    if should_stop is not None and should_stop():
        raise RenderAborted("rendering was stopped")
    unit = video_unit(spec.width, spec.height)
    per_second = len(unit.samples)
    video = VideoTrack(
        width=unit.width,
        height=unit.height,
        fps=unit.fps,
        avcc=unit.avcc,
        samples=unit.samples * spec.duration,
        keyframes=range(0, per_second * spec.duration, per_second),
    )
    audio = None
    if spec.audio:
        sound = audio_unit()
        length = spec.duration * sound.sample_rate
        audio = AudioTrack(
            sample_rate=sound.sample_rate,
            channels=sound.channels,
            config=sound.config,
            samples=[sound.silent_frame] * math.ceil(length / sound.frame_samples),
            length=length,
            frame_samples=sound.frame_samples,
        )
    return write_mp4(video, audio)
