"""Small video helpers used across the package: probing a clip, its first frame, a poster
image (PNG, or a JPEG kept under a size bound for notebooks' saved outputs), a sheet of
posters side by side, and the duration of an audio or video file.

They need the `video` extra (av, numpy, Pillow), imported on first use; without it they
raise MissingDependency with the pip line that installs it.
"""

from __future__ import annotations

import io
import os
import urllib.request
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeAlias

from ..errors import require_video_extra

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Source: TypeAlias = "str | os.PathLike[str] | bytes"
"""A media file: its path, or its bytes."""


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    duration_s: float
    fps: float
    video_codec: str
    has_audio: bool
    audio_codec: str | None
    size_bytes: int


def _open(source: Source) -> Any:
    import av

    if isinstance(source, (bytes, bytearray, memoryview)):
        return av.open(io.BytesIO(bytes(source)))
    return av.open(os.fspath(source))


def _size(source: Source) -> int:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return len(source)
    return os.path.getsize(source)


def _duration(container: Any) -> float:
    """The container's duration, else the longest stream's, in seconds."""
    if container.duration is not None:
        return float(container.duration) / 1_000_000
    best = 0.0
    for stream in container.streams:
        if stream.duration is not None and stream.time_base is not None:
            best = max(best, float(stream.duration * stream.time_base))
    return best


def probe(source: Source) -> VideoInfo:
    """Size, duration, frame rate and codecs of a video file (a path or its bytes)."""
    require_video_extra("Probing a video")
    import av

    try:
        with _open(source) as container:
            if not container.streams.video:
                raise ValueError("the file has no video stream")
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            rate = video.average_rate or video.base_rate or Fraction(0)
            return VideoInfo(
                width=video.codec_context.width,
                height=video.codec_context.height,
                duration_s=_duration(container),
                fps=float(rate),
                video_codec=video.codec_context.name,
                has_audio=audio is not None,
                audio_codec=audio.codec_context.name if audio is not None else None,
                size_bytes=_size(source),
            )
    except av.FFmpegError as exc:
        raise ValueError(f"not a readable video: {exc}") from exc


def probe_url(url: str, timeout: float = 10.0) -> VideoInfo:
    """What a video at an http(s) URL is, read over the network by PyAV (the container's
    header, not the whole file); `timeout` bounds opening it and each read. The proxy the
    environment names for it is used (`url_proxy`), as by every other client here."""
    require_video_extra("Probing a video URL")
    import av

    if not url.lower().startswith(("http://", "https://")):
        raise ValueError("not an http(s) URL")
    try:
        with av.open(url, timeout=timeout, options={"http_proxy": url_proxy(url)}) as container:
            if not container.streams.video:
                raise ValueError("it has no video stream")
            codec = container.streams.video[0].codec_context
            return VideoInfo(codec.width, codec.height, _duration(container), 0.0, codec.name, False, None, 0)
    except (av.FFmpegError, OSError) as exc:
        raise ValueError(" ".join(str(exc).split())[:120] or type(exc).__name__) from exc


def url_proxy(url: str) -> str:
    """The proxy for `url` as httpx (and so fal_client) takes it from the environment:
    HTTP_PROXY / HTTPS_PROXY / ALL_PROXY in either case, unless NO_PROXY names the host;
    "" for none. FFmpeg alone reads only a lowercase http_proxy, so it is told; it speaks
    to http:// proxies only."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if urllib.request.proxy_bypass_environment(host):  # type: ignore[attr-defined]  # stdlib, not in typeshed
        return ""
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(scheme.lower()) or proxies.get("all") or ""
    return proxy if proxy.lower().startswith("http://") else ""


def media_duration(source: Source) -> float:
    """Duration in seconds of an audio or video file (a path or its bytes)."""
    require_video_extra("Measuring a media file")
    import av

    try:
        with _open(source) as container:
            return _duration(container)
    except av.FFmpegError as exc:
        raise ValueError(f"not a readable audio or video file: {exc}") from exc


def _frame_at(source: Source, fraction: float) -> NDArray[np.uint8]:
    import av

    try:
        with _open(source) as container:
            if not container.streams.video:
                raise ValueError("the file has no video stream")
            stream = container.streams.video[0]
            target = _duration(container) * fraction
            if target > 0 and stream.time_base is not None:
                container.seek(int(target / stream.time_base), stream=stream, backward=True)
            picked = None
            for frame in container.decode(stream):
                picked = frame
                if frame.time is None or frame.time >= target:
                    break
            if picked is None:
                raise ValueError("the video has no frames")
            array: NDArray[np.uint8] = picked.to_ndarray(format="rgb24")
            return array
    except av.FFmpegError as exc:
        raise ValueError(f"not a readable video: {exc}") from exc


def first_frame(source: Source) -> NDArray[np.uint8]:
    """The first frame of a video as an (height, width, 3) uint8 RGB array."""
    require_video_extra("Reading a video frame")
    return _frame_at(source, 0.0)


def poster_png(source: Source, max_width: int = 320) -> bytes:
    """A PNG of the frame about a third into the clip, at most `max_width` wide."""
    require_video_extra("Making a poster image")
    from PIL import Image

    image = Image.fromarray(_frame_at(source, 1 / 3))
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg(image: Any, max_bytes: int) -> bytes:
    """`image` as a JPEG of at most `max_bytes`: the quality steps down first, then the
    size (a picture too detailed for the bound at a quarter of its area is returned at
    that size and the lowest quality)."""
    from PIL import Image

    image = image.convert("RGB")
    data = b""
    for _ in range(3):
        for quality in (75, 65, 55, 45, 35):
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=quality, optimize=True)
            data = buffer.getvalue()
            if len(data) <= max_bytes:
                return data
        width, height = max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    return data


def _bounded(image: Any, max_side: int) -> Any:
    from PIL import Image

    scale = max_side / max(image.width, image.height)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def poster_jpeg(source: Source, max_side: int = 400, max_bytes: int = 15_000) -> bytes:
    """A JPEG of the frame about a third into the clip, its longer side at most
    `max_side` pixels and its size at most `max_bytes` (a few KB for a test card, tens
    of KB for detailed footage): small enough to keep in a notebook's outputs."""
    require_video_extra("Making a poster image")
    from PIL import Image

    return _jpeg(_bounded(Image.fromarray(_frame_at(source, 1 / 3)), max_side), max_bytes)


def poster_sheet(
    posters: list[bytes | None], columns: int, cell: int = 240, max_bytes: int = 40_000
) -> bytes:
    """Posters (JPEG bytes; None for a cell without a video, drawn grey) side by side,
    `columns` to a row, each fitted into a `cell`-pixel square: one picture of a grid."""
    require_video_extra("Making a sheet of posters")
    from PIL import Image

    columns = max(1, min(columns, len(posters)))
    rows = -(-len(posters) // columns)
    gap = 4
    sheet = Image.new("RGB", (columns * (cell + gap) - gap, rows * (cell + gap) - gap), (32, 32, 32))
    for index, poster in enumerate(posters):
        x, y = (index % columns) * (cell + gap), (index // columns) * (cell + gap)
        if poster is None:
            sheet.paste((96, 96, 96), (x, y, x + cell, y + cell))
            continue
        with Image.open(io.BytesIO(poster)) as opened:
            picture = _bounded(opened.convert("RGB"), cell)
            if max(picture.size) < cell:  # a small poster is scaled up to fill its cell
                scale = cell / max(picture.size)
                size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
                picture = picture.resize(size, Image.Resampling.LANCZOS)
        sheet.paste(picture, (x + (cell - picture.width) // 2, y + (cell - picture.height) // 2))
    return _jpeg(sheet, max_bytes)
