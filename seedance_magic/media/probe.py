"""What an input file is, read from its content: the format sniffed from its first bytes,
its dimensions or duration, a content digest and a small thumbnail; and notebook objects
(PIL images, numpy arrays) encoded as PNG.

The extension of a file name is never trusted. Pillow and PyAV are imported on first
use; a missing one is a MissingDependency with the pip line. Failures to read a file are
ValueErrors with a short reason, which media.py turns into one line for the user.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PIP_VIDEO, MissingDependency, require_video_extra

THUMB_PX = 160
HEAD_BYTES = 64

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_TEXT_BYTES = set(range(0x20, 0x100)) | set(b"\t\r\n\f")


def sniff(head: bytes) -> str:
    """The format of a file from its first bytes: a key of DESCRIPTIONS."""
    riff = head[8:12] if head[:4] == b"RIFF" else b""
    if not head:
        return "empty"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if riff in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}[riff]
    if head[4:8] == b"ftyp":  # ISO base media: the major brand tells MP4, MOV and the rest apart
        brand = head[8:12]
        if brand == b"qt  ":
            return "mov"
        return "heic" if brand in _HEIF_BRANDS else "m4a" if brand in _M4A_BRANDS else "mp4"
    if head[4:8] in _QT_ATOMS:  # older QuickTime files start with an atom, not ftyp
        return "mov"
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return "mp3"
    for magic, name in (
        (b"GIF8", "gif"),
        (b"BM", "bmp"),
        (b"II*\x00", "tiff"),
        (b"MM\x00*", "tiff"),
        (b"\x1aE\xdf\xa3", "webm"),
        (b"OggS", "ogg"),
        (b"fLaC", "flac"),
        (b"%PDF", "pdf"),
    ):
        if head.startswith(magic):
            return name
    return "text" if _is_text(head) else "unknown"


def _is_text(head: bytes) -> bool:
    """UTF-8 without control characters (the head may cut the last character short)."""
    if not set(head) <= _TEXT_BYTES:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data"
    return True


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio layer III frame header: 11 sync bits, a valid version, layer III."""
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    return version != 1 and layer == 1


def read_head(source: Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source[:HEAD_BYTES]
    with source.open("rb") as f:
        return f.read(HEAD_BYTES)


def sha256_of(source: Path | bytes) -> str:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    digest = hashlib.sha256()
    with source.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------------- probing
@dataclass(frozen=True)
class MediaInfo:
    """What probing found; None where it does not apply or could not be measured."""

    width: int | None = None
    height: int | None = None
    duration: float | None = None
    thumbnail: str | None = None


def _pillow(feature: str) -> Any:
    try:
        from PIL import Image
    except ImportError as exc:
        raise MissingDependency(
            f"{feature} needs Pillow, which is not installed", hint=f"Install the video extra: {PIP_VIDEO}"
        ) from exc
    return Image


def thumbnail_uri(image: Any) -> str:
    """A PIL image as a PNG data: URI at most THUMB_PX on its longer side."""
    small = image.copy()
    small.thumbnail((THUMB_PX, THUMB_PX))
    if small.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        small = small.convert("RGBA" if "A" in small.getbands() else "RGB")
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def probe_image(source: Path | bytes) -> MediaInfo:
    """Dimensions and thumbnail of an image; without Pillow nothing is measured (the file
    is still sent as it is: images have no dimension limit)."""
    try:
        from PIL import Image
    except ImportError:
        return MediaInfo()
    fp = io.BytesIO(source) if isinstance(source, bytes) else source
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(fp) as image:
                width, height = image.size
                image.draft("RGB", (THUMB_PX * 2, THUMB_PX * 2))  # JPEG: decode at a reduced size
                image.load()
                return MediaInfo(width, height, thumbnail=thumbnail_uri(image))
        except Image.DecompressionBombError:
            return MediaInfo()  # too many pixels to decode here; fal judges the file itself
        except (OSError, SyntaxError, ValueError) as exc:
            raise ValueError(_reason(exc)) from None


def probe_video(source: Path | bytes) -> MediaInfo:
    """Width, height, duration and a first-frame thumbnail of a video (PyAV)."""
    from . import video

    arg: str | bytes = source if isinstance(source, bytes) else str(source)
    info = video.probe(arg)
    thumbnail = None
    try:
        Image = _pillow("A video thumbnail")
        thumbnail = thumbnail_uri(Image.fromarray(video.first_frame(arg)))
    except ValueError:
        pass  # a clip whose frames do not decode still has its size and duration checked
    return MediaInfo(info.width, info.height, info.duration_s, thumbnail)


def probe_video_url(url: str) -> MediaInfo:
    """Width, height and duration of a video given by URL (no thumbnail: the URL itself
    is shown); a ValueError says why it could not be measured."""
    from . import video

    info = video.probe_url(url)
    return MediaInfo(info.width, info.height, info.duration_s)


def probe_audio(source: Path | bytes) -> MediaInfo:
    """The duration of an audio file (PyAV)."""
    from . import video

    require_video_extra("Measuring an audio file")
    import av

    try:
        with av.open(io.BytesIO(source) if isinstance(source, bytes) else str(source)) as container:
            if not container.streams.audio:
                raise ValueError("the file has no audio stream")
    except av.FFmpegError as exc:
        raise ValueError(_reason(exc)) from None
    return MediaInfo(duration=video.media_duration(source if isinstance(source, bytes) else str(source)))


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:120]


# ---------------------------------------------------------------- notebook objects
def is_pil_image(value: object) -> bool:
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(value, module.Image)


def is_array(value: object) -> bool:
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.ndarray)


def pil_to_png(image: Any) -> bytes:
    """A PIL image as PNG bytes (converted first when PNG cannot hold its mode)."""
    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def array_to_png(array: Any) -> bytes:
    """A uint8 image array, (H, W), (H, W, 3) or (H, W, 4), as PNG bytes."""
    import numpy

    shape = tuple(array.shape)
    if array.dtype != numpy.uint8:
        raise ValueError(f"a numpy array of {array.dtype}; give uint8 values 0-255, e.g. arr.astype('uint8')")
    if not (len(shape) == 2 or (len(shape) == 3 and shape[2] in (1, 3, 4))) or 0 in shape:
        shown = "x".join(map(str, shape))
        raise ValueError(f"a numpy array of shape {shown}; give an image: (H, W, 3) RGB or (H, W, 4) RGBA")
    Image = _pillow("A numpy image input")
    if len(shape) == 3 and shape[2] == 1:
        array = array[:, :, 0]
    return pil_to_png(Image.fromarray(numpy.ascontiguousarray(array)))
