"""Stories past 15 seconds: the last frame of a shot (the start image of the next one),
and the shots stitched into one film.

`last_frame(path)` is the clip's very last picture as PNG bytes. `stitch(clips, dest)`
joins the clips into one browser-safe MP4 (H.264 yuv420p + AAC, moov in front): by
copying their packets with shifted timestamps when their streams match (remux.py), else
by decoding and encoding them again at the first clip's size (reencode.py). The film is
written to a hidden `.part` file next to `dest` and renamed into place, so `dest` is
either the whole film or untouched.

They need the `video` extra (av, numpy, Pillow), imported on first use.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequest, require_video_extra

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


@dataclass(frozen=True)
class StitchReport:
    """What `stitch` made: the film, its length, how it was made and where each clip starts."""

    path: Path
    seconds: float
    reencoded: bool
    reason: str
    """Why the clips were encoded again ("" when their packets were copied)."""
    size_bytes: int
    offsets: tuple[float, ...]
    """The start of each clip in the film, in seconds (the first is 0.0)."""


def last_frame_array(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """The clip's last picture as an (height, width, 3) uint8 RGB array, full size.

    Seeks to the last keyframe and decodes from there to the end, so the picture is
    exactly the last one a player shows, not a keyframe near it."""
    require_video_extra("Reading a clip's last frame")
    import av

    clip_path = Path(path)
    if not clip_path.is_file():
        raise InvalidRequest(f"Cannot read the last frame of {clip_path}: no such file")
    try:
        with av.open(os.fspath(clip_path)) as container:
            if not container.streams.video:
                raise InvalidRequest(f"Cannot read the last frame of {clip_path}: it has no video")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            last = _last_decoded(container, stream, seek=True)
            if last is None:
                container.seek(0)
                last = _last_decoded(container, stream, seek=False)
            if last is None:
                raise InvalidRequest(f"Cannot read the last frame of {clip_path}: it has no frames")
            array: NDArray[np.uint8] = last.to_ndarray(format="rgb24")
            return array
    except av.FFmpegError as exc:
        raise InvalidRequest(
            f"Cannot read the last frame of {clip_path}: not a readable video ({exc.strerror or exc})"
        ) from None


def _last_decoded(box: Any, video: Any, *, seek: bool) -> Any:
    """The frame with the latest time decoded from the current position (after seeking
    to the last keyframe when `seek`), or None when nothing decodes."""
    if seek:
        end = (video.start_time or 0) + (video.duration or 0)
        if box.duration:
            end = max(end, int(box.duration / 1_000_000 / video.time_base))
        box.seek(end + 1, stream=video, backward=True, any_frame=False)
    last: Any = None
    for frame in box.decode(video):
        if last is None or frame.pts is None or last.pts is None or frame.pts >= last.pts:
            last = frame
    return last


def last_frame(path: str | os.PathLike[str]) -> bytes:
    """The clip's last picture as PNG bytes, full size: the start image of the next shot."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(last_frame_array(path)).save(buffer, format="PNG")
    return buffer.getvalue()


def stitch(clips: Sequence[str | os.PathLike[str]], dest: str | os.PathLike[str]) -> StitchReport:
    """Join `clips` (in order) into one MP4 at `dest` and say how.

    Clips whose streams match (codec, size, pixel format, frame rate and time base; AAC
    sound of one rate and layout in all or none) are joined without re-encoding: their
    packets are copied with timestamps shifted by the running end of the film. Otherwise
    the clips are decoded and encoded again at the first clip's size (libx264 yuv420p +
    AAC, silence for clips without sound) and `reason` says why. A missing or unreadable
    clip raises InvalidRequest naming it; no partial file is left behind."""
    require_video_extra("Stitching clips")
    from .clips import mismatch, open_clip
    from .reencode import reencode
    from .remux import CannotRemux, remux

    if not clips:
        raise InvalidRequest("Nothing to stitch: give at least one clip")
    opened = [open_clip(clip) for clip in clips]
    target = Path(dest)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.part")
    reason = mismatch(opened)
    try:
        if not reason:
            try:
                cuts = remux(opened, part)
            except CannotRemux as exc:
                reason = str(exc)
        if reason:
            cuts = reencode(opened, part)
        os.replace(part, target)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    return StitchReport(
        path=target,
        seconds=float(cuts[-1]),
        reencoded=bool(reason),
        reason=reason,
        size_bytes=target.stat().st_size,
        offsets=tuple(float(cut) for cut in cuts[:-1]),
    )
