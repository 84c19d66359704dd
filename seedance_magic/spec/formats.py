"""The file formats inputs may have (sniffed from content, never from the name), their
content types and extensions, and how sizes and long names are shown in messages."""

from __future__ import annotations

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


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 13] + "…" + text[-12:]


def amount(size: int) -> str:
    """A byte count for people: 812 B, 37 KB, 1.2 MB."""
    if size < 1024:
        return f"{size} B"
    return f"{size / 1024:.0f} KB" if size < MB else f"{size / MB:.1f} MB"
