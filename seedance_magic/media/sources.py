"""Where the content of an input comes from: a path (relative to the working folder,
`~` expanded), a glob for the repeatable --ref-* options (sorted), an http(s) URL (passed
through unread), a data: URI (decoded), or a notebook object (bytes, pathlib.Path, a PIL
image or numpy array, both encoded as PNG).

`expand(option, raw, base, repeatable)` turns the raw values of one option into Sources;
what cannot be one is an InvalidRequest naming the option and the value.
"""

from __future__ import annotations

import base64
import binascii
import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from ..errors import InvalidRequest
from ..spec.formats import amount, short
from . import probe as mp

_GLOB = re.compile(r"[*?[]")
_OTHER_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
REPEATABLE = "--ref-image, --ref-video and --ref-audio"


@dataclass(frozen=True)
class Source:
    """One input's origin: exactly one of path, data and url is set."""

    name: str  # shown to the user: the path or URL as written, or what the object was
    path: Path | None = None
    data: bytes | None = field(default=None, repr=False)
    url: str | None = None
    written: bool = False  # the name is text the user wrote (a path or URL)


def expand(option: str, value: Any, base: Path, repeatable: bool) -> list[Source]:
    """The sources of one value given to an option (several for a glob, or for a list
    or tuple that a `{{name}}` gave a repeatable option)."""
    if isinstance(value, (list, tuple)):
        if not repeatable:
            raise InvalidRequest(f"{option}: takes one image, not a {type(value).__name__}")
        return [s for inner in value for s in _sources(option, inner, base, repeatable)]
    return _sources(option, value, base, repeatable)


def _sources(option: str, value: Any, base: Path, repeatable: bool) -> list[Source]:
    if isinstance(value, str):
        if re.match(r"(?i)https?://", value):
            return [Source(value, url=value, written=True)]
        if value[:5].lower() == "data:":
            data, media_type = decode_data_uri(option, value)
            return [Source(f"data: URI ({media_type}, {amount(len(data))})", data=data)]
        if _OTHER_SCHEME.match(value):
            raise InvalidRequest(
                f"{option} {short(value)}: only http(s) URLs are passed to fal; for a file "
                "on this machine give its path"
            )
        return [
            Source(name, path=path, written=True) for name, path in _paths(option, value, base, repeatable)
        ]
    if isinstance(value, os.PathLike):
        return [Source(str(value), path=_one_path(option, os.fspath(value), base, repeatable), written=True)]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return [Source(f"bytes ({amount(len(value))})", data=bytes(value))]
    if mp.is_pil_image(value):
        name = f"PIL image {value.width}x{value.height}"
        try:
            data = mp.pil_to_png(value)
        except Exception as exc:  # Pillow raises several kinds, e.g. for an image whose file closed
            raise InvalidRequest(
                f"{option} {name}: could not be encoded as PNG ({type(exc).__name__}); an image "
                "opened in a `with` block must be loaded inside it (img.load() or img.copy())"
            ) from None
        return [Source(name, data=data)]
    if mp.is_array(value):
        try:
            data = mp.array_to_png(value)
        except ValueError as exc:
            raise InvalidRequest(f"{option}: {exc}") from None
        return [Source(f"numpy array {'x'.join(map(str, value.shape))}", data=data)]
    raise InvalidRequest(
        f"{option}: a {type(value).__name__} is not a media input; give a path, an http(s) URL, "
        "a data: URI, bytes, a pathlib.Path, a PIL image or a numpy image array"
    )


def decode_data_uri(option: str, uri: str) -> tuple[bytes, str]:
    """The bytes of a data: URI (base64 or percent-encoded) and its declared media type."""
    header, comma, payload = uri.partition(",")
    params = header[5:].split(";")
    media_type = params[0].strip() or "no type"
    try:
        if not comma:
            raise ValueError("no comma")
        if "base64" in (p.strip().lower() for p in params[1:]):
            data = base64.b64decode("".join(payload.split()), validate=True)
        else:
            data = unquote_to_bytes(payload)
    except (ValueError, binascii.Error):
        raise InvalidRequest(f"{option} {short(uri)}: not a valid data: URI") from None
    return data, media_type


def _one_path(option: str, text: str, base: Path, repeatable: bool) -> Path:
    expanded = os.path.expanduser(text)
    path = Path(expanded) if os.path.isabs(expanded) else base / expanded
    if path.is_file():
        return path
    if path.is_dir():
        glob_hint = f" (or a glob like {Path(text) / '*'})" if repeatable else ""
        raise InvalidRequest(f"{option} {short(text)}: is a folder; give a file{glob_hint}")
    where = "" if os.path.isabs(expanded) else f" (relative paths start in {base})"
    hint = f" (globs work with {REPEATABLE})" if _GLOB.search(text) and not repeatable else ""
    raise InvalidRequest(f"{option} {short(text)}: no such file{where}{hint}")


def _paths(option: str, text: str, base: Path, repeatable: bool) -> list[tuple[str, Path]]:
    """The files a path or (for a repeatable option) a glob names, globs in sorted order;
    a path that exists as written is taken literally even if it has glob characters."""
    expanded = os.path.expanduser(text)
    absolute = os.path.isabs(expanded)
    literal = Path(expanded) if absolute else base / expanded
    if not (repeatable and _GLOB.search(text)) or literal.is_file():
        return [(text, _one_path(option, text, base, repeatable))]
    matches = sorted(glob.glob(expanded, root_dir=None if absolute else base, recursive=True))
    files = [(m, p) for m in matches if (p := Path(m) if absolute else base / m).is_file()]
    if not files:
        raise InvalidRequest(f"{option} {short(text)}: the glob matches no file (in {base})")
    return files
