"""The file formats inputs may have (sniffed from content, never from the name), their
content types and extensions, how sizes and long names are shown in messages, and
whether a downloaded file is a whole MP4/MOV video (its boxes, read without decoding)."""

from __future__ import annotations

from collections.abc import Callable

from .endpoints import MB

CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
}
EXTENSIONS = {
    "jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "png": (".png",),
    "webp": (".webp",),
    "mp4": (".mp4", ".m4v"),
    "mov": (".mov", ".qt"),
    "mp3": (".mp3",),
    "wav": (".wav", ".wave"),
}
DESCRIPTIONS = {
    "jpeg": "a JPEG image",
    "png": "a PNG image",
    "webp": "a WebP image",
    "gif": "a GIF image",
    "bmp": "a BMP image",
    "tiff": "a TIFF image",
    "heic": "a HEIC/AVIF image",
    "mp4": "an MP4 video",
    "mov": "a QuickTime (MOV) video",
    "avi": "an AVI video",
    "webm": "a WebM/Matroska file",
    "mp3": "an MP3 audio file",
    "wav": "a WAV audio file",
    "m4a": "an M4A audio file",
    "ogg": "an Ogg file",
    "flac": "a FLAC audio file",
    "pdf": "a PDF document",
    "text": "text",
    "empty": "an empty file",
    "unknown": "no image, video or audio format that could be recognised",
}


def counted(count: int, noun: str) -> str:
    """A count and its noun: "1 shot", "3 shots"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 13] + "…" + text[-12:]


def amount(size: int) -> str:
    """A byte count for people: 812 B, 37 KB, 1.2 MB."""
    if size < 1024:
        return f"{size} B"
    return f"{size / 1024:.0f} KB" if size < MB else f"{size / MB:.1f} MB"


# ------------------------------------------------------------------ a video's container
# Top-level boxes an MP4 or QuickTime file may begin with (old QuickTime files have no ftyp).
_FIRST_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"})
_MAX_BOXES = 10_000


def video_container_problem(read: Callable[[int, int], bytes], size: int) -> str | None:
    """Why a file of `size` bytes is not a whole MP4/MOV video, or None when it is one:
    its top-level boxes are walked (`read(offset, count)` gives the file's bytes), the
    first must be one a video begins with, each must fit in the file, and a `moov` (the
    index a player needs) must be among them."""
    if size == 0:
        return "the file is empty"
    head = read(0, 16)
    if head.lstrip()[:1] == b"<":
        return "it is a web page (HTML), not a video"
    offset, seen = 0, list[bytes]()
    while offset < size and len(seen) < _MAX_BOXES:
        header = head if offset == 0 else read(offset, 16)
        if len(header) < 8:
            return "it ends inside a box header (cut short)"
        length, kind = int.from_bytes(header[:4], "big"), header[4:8]
        if not all(32 <= c < 127 for c in kind) or (not seen and kind not in _FIRST_BOXES):
            return "it is not an MP4/MOV video"
        if length == 1:
            length = int.from_bytes(header[8:16], "big") if len(header) >= 16 else 0
        elif length == 0:
            length = size - offset
        if length < 8 or offset + length > size:
            return f"its {kind.decode()} box runs past the end of the file (cut short)"
        seen.append(kind)
        offset += length
    return None if b"moov" in seen else "it has no moov box (not a whole video)"
