"""What a clip to be stitched carries: its video and audio stream parameters, read once
from the file, and whether a set of clips can be joined by copying their packets.

`open_clip(path)` reads the parameters (no decoding) and raises InvalidRequest naming
the file when it is missing or not a readable video. `mismatch(clips)` says in one line
why the clips cannot be joined without re-encoding, or returns "" when they can.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import InvalidRequest


@dataclass(frozen=True)
class VideoParams:
    """What must be equal between clips for their video packets to share one track."""

    codec: str
    width: int
    height: int
    pix_fmt: str
    time_base: Fraction
    rate: Fraction
    extradata: bytes


@dataclass(frozen=True)
class AudioParams:
    """What must be equal between clips for their audio packets to share one track."""

    codec: str
    sample_rate: int
    layout: str
    time_base: Fraction
    extradata: bytes
    frame_size: int


@dataclass(frozen=True)
class Clip:
    """One clip on disk and the parameters of its first video and first audio stream."""

    path: Path
    video: VideoParams
    audio: AudioParams | None


def _video_params(stream: Any) -> VideoParams:
    ctx = stream.codec_context
    rate = stream.average_rate or stream.base_rate or stream.guessed_rate or Fraction(0)
    return VideoParams(
        codec=ctx.name,
        width=ctx.width,
        height=ctx.height,
        pix_fmt=ctx.pix_fmt or "",
        time_base=Fraction(stream.time_base),
        rate=Fraction(rate),
        extradata=bytes(ctx.extradata or b""),
    )


def _audio_params(stream: Any) -> AudioParams:
    ctx = stream.codec_context
    return AudioParams(
        codec=ctx.name,
        sample_rate=ctx.sample_rate,
        layout=ctx.layout.name,
        time_base=Fraction(stream.time_base),
        extradata=bytes(ctx.extradata or b""),
        frame_size=ctx.frame_size or 0,
    )


def open_clip(path: str | os.PathLike[str]) -> Clip:
    """The stream parameters of the clip at `path`; InvalidRequest naming the file when it
    is missing, unreadable or has no video."""
    import av

    clip_path = Path(path)
    if not clip_path.is_file():
        raise InvalidRequest(f"Cannot stitch {clip_path}: no such file")
    try:
        with av.open(os.fspath(clip_path)) as container:
            if not container.streams.video:
                raise InvalidRequest(f"Cannot stitch {clip_path}: it has no video stream")
            video = _video_params(container.streams.video[0])
            audio = _audio_params(container.streams.audio[0]) if container.streams.audio else None
    except av.FFmpegError as exc:
        raise InvalidRequest(
            f"Cannot stitch {clip_path}: not a readable video ({exc.strerror or exc})"
        ) from None
    if not video.rate or video.width <= 0 or video.height <= 0:
        raise InvalidRequest(f"Cannot stitch {clip_path}: its video has no frame size or frame rate")
    return Clip(clip_path, video, audio)


def _name(index: int, clip: Clip) -> str:
    return f"clip {index + 1} ({clip.path.name})"


def _video_mismatch(first: VideoParams, other: VideoParams) -> str:
    if other.codec != first.codec:
        return f"its video is {other.codec}, not {first.codec}"
    if (other.width, other.height) != (first.width, first.height):
        return f"it is {other.width}x{other.height}, not {first.width}x{first.height}"
    if other.pix_fmt != first.pix_fmt:
        return f"its pixel format is {other.pix_fmt}, not {first.pix_fmt}"
    if other.rate != first.rate:
        return f"it runs at {float(other.rate):g} fps, not {float(first.rate):g}"
    if other.time_base != first.time_base:
        return f"its video time base is {other.time_base}, not {first.time_base}"
    if other.extradata != first.extradata:
        return "its video encoder settings (SPS/PPS) differ"
    return ""


def _audio_mismatch(first: AudioParams | None, other: AudioParams | None) -> str:
    if first is None or other is None:
        if first is None and other is None:
            return ""
        return "it has no sound track" if other is None else "it has a sound track, the first clip has none"
    if other.codec != first.codec:
        return f"its sound is {other.codec}, not {first.codec}"
    if other.sample_rate != first.sample_rate:
        return f"its sound is {other.sample_rate} Hz, not {first.sample_rate} Hz"
    if other.layout != first.layout:
        return f"its sound is {other.layout}, not {first.layout}"
    if other.time_base != first.time_base or other.frame_size != first.frame_size:
        return "its sound is framed differently"
    if other.extradata != first.extradata:
        return "its sound encoder settings differ"
    return ""


def mismatch(clips: Sequence[Clip]) -> str:
    """Why these clips cannot be joined by copying packets (one line naming the first clip
    that differs from the first one), or "" when they can."""
    if not clips:
        return ""
    first = clips[0]
    if first.video.codec != "h264":
        return f"{_name(0, first)} is {first.video.codec}; only H.264 is copied as it is"
    if first.audio is not None and first.audio.codec != "aac":
        return f"{_name(0, first)} has {first.audio.codec} sound; only AAC is copied as it is"
    for index, clip in enumerate(clips[1:], start=1):
        why = _video_mismatch(first.video, clip.video) or _audio_mismatch(first.audio, clip.audio)
        if why:
            return f"{_name(index, clip)}: {why}"
    return ""
