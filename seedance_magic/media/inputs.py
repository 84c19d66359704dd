"""The input media of a request, resolved and checked before anything is uploaded or sent.

`resolve_inputs(request)` turns the raw values of -i/--image, --end-image and --ref-*
(paths, `~` paths, globs, http(s) URLs, data: URIs, bytes, pathlib.Path, PIL images,
numpy arrays) into `Inputs`: one `InputItem` per file, its format sniffed from its
content, probed (dimensions, duration), digested and thumbnailed, and every limit of
spec/seedance-api.md checked, with the prompt's @Image1/@Video2/@Audio1 names. What the
user got wrong is one InvalidRequest line naming the option, the file and the limit.

Synchronous. http(s) URLs pass through to the provider unread, except reference
videos: their header is read over the network (bounded by a timeout) for their duration,
which counts in the limits and the price; one that cannot be read is priced at the limit
of reference video seconds, and a warning says so. Uploading is upload.py; reading file
content is probe.py; the values themselves are spec/inputs.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import InvalidRequest, MissingDependency
from ..spec import endpoints as ep
from ..spec.formats import DESCRIPTIONS
from ..spec.inputs import FIELD, FIELDS, InputField, InputItem, Inputs
from ..spec.request import GenerationRequest
from . import probe as mp
from .check import check_items, reference_check
from .sources import expand

__all__ = ["check_reference_names", "read_item", "resolve_inputs"]


def read_item(item: InputItem) -> bytes:
    """An input's content (read from disk for a path)."""
    if item.data is not None:
        return item.data
    if item.path is None:
        raise ValueError(f"{item.label} is a URL: it has no local content")
    return item.path.read_bytes()


# ------------------------------------------------------------------------ resolving
def resolve_inputs(request: GenerationRequest, *, cwd: Path | None = None) -> Inputs:
    """Every input of `request` read, probed and checked against the limits; raises
    InvalidRequest (one line) when anything is wrong. Relative paths start at `cwd`
    (the current directory by default). Reads files; sends nothing."""
    base = Path.cwd() if cwd is None else Path(cwd)
    _check_mode(request)
    items = _expand(request, base)
    ref_errors, warnings = reference_check(request.prompt, request.mode, items)
    _raise(check_items(items) + ref_errors)  # counts and @names, before reading any file
    items = _each(lambda i: [_load(i)], items)
    _raise(check_items(items))  # formats and sizes, before decoding anything
    items = _each(lambda i: [_probe(i)], items)
    _raise(check_items(items))  # durations and resolutions
    for item in items:
        if item.url is not None and item.kind == "audio":
            warnings.append(f"{item.label}: a URL is passed on unchecked; its duration is not in the limits")
        elif item.url is not None and item.kind == "video" and item.duration is None:
            warnings.append(
                f"{item.label}: could not be measured ({item.describe_problem or 'unknown'}); "
                f"priced at the {ep.LIMITS.max_total_video_seconds:g} s limit of reference video"
            )
    return Inputs(request.mode, tuple(items), tuple(warnings))


def check_reference_names(request: GenerationRequest) -> None:
    """For a request with no inputs: its prompt's @Image1/@Video1/@Audio1 names, by the
    rule resolve_inputs applies (a name with no input behind it is refused, one line)."""
    errors, _ = reference_check(request.prompt, request.mode, [])
    _raise(errors)


def _given(raw: Any) -> bool:
    return raw is not None and not (isinstance(raw, tuple) and not raw)


def _check_mode(request: GenerationRequest) -> None:
    allowed = ep.MODE_FIELDS[request.mode]
    for f in FIELDS:
        if _given(getattr(request, f.attr)) and f.name not in allowed:
            raise InvalidRequest(f"{f.option}: {ep.MODE_NAMES[request.mode]} does not take it")
    if request.mode == "i2v" and request.image is None:
        raise InvalidRequest("image-to-video needs -i/--image (the start frame)")
    if request.mode == "r2v" and not any(_given(getattr(request, f.attr)) for f in FIELDS[2:]):
        raise InvalidRequest("reference-to-video needs --ref-image, --ref-video or --ref-audio")


def _each(fn: Callable[[Any], Sequence[InputItem]], values: Sequence[Any], limit: int = 3) -> list[InputItem]:
    """fn over values, flattened; InvalidRequests are collected and raised as one line."""
    out: list[InputItem] = []
    problems: list[str] = []
    for value in values:
        try:
            out.extend(fn(value))
        except InvalidRequest as exc:
            problems.append(exc.message)
    _raise(problems, limit)
    return out


def _raise(problems: Sequence[str], limit: int = 3) -> None:
    unique = list(dict.fromkeys(problems))
    if unique:
        more = f"; and {len(unique) - limit} more" if len(unique) > limit else ""
        raise InvalidRequest("; ".join(unique[:limit]) + more)


def _expand(request: GenerationRequest, base: Path) -> list[InputItem]:
    """The items of every input option, each raw value resolved to its sources (a glob
    to several), numbered within the list fields; problems of all values in one line."""

    variables = {(attr, position): name for attr, position, name in request.variables}

    def items(pair: tuple[InputField, Any, str | None]) -> list[InputItem]:
        f, value, variable = pair
        found = expand(f.option, value, base, repeatable=f.reference != "")
        # a variable holding several files is named once, by the first
        named = [variable] + [None if variable is None else ""] * (len(found) - 1)
        return [
            InputItem(f.name, None, f.kind, s.name, s.path, s.data, s.url, s.written, variable=v)
            for s, v in zip(found, named, strict=True)
        ]

    pairs = []
    for f in FIELDS:
        raw = getattr(request, f.attr)
        values = list(raw) if f.reference and isinstance(raw, tuple) else [] if raw is None else [raw]
        pairs += [(f, value, variables.get((f.attr, position))) for position, value in enumerate(values)]
    numbered: list[InputItem] = []
    counts: dict[str, int] = {}
    for item in _each(items, pairs):
        index = None
        if FIELD[item.field].reference:
            index = counts[item.field] = counts.get(item.field, -1) + 1
        continues = request.start_from if item.field == "image_url" else None
        numbered.append(replace(item, index=index, continues=continues))
    return numbered


def _load(item: InputItem) -> InputItem:
    """The item with its size and sniffed format (reads only the first bytes)."""
    if item.url is not None:
        return item
    try:
        size = item.path.stat().st_size if item.path is not None else len(item.data or b"")
        head = mp.read_head(item.path if item.path is not None else item.data or b"")
    except OSError as exc:
        raise InvalidRequest(f"{item.label}: cannot be read ({exc.strerror or exc})") from None
    return replace(item, size=size, format=mp.sniff(head))


_PROBES = {"image": mp.probe_image, "video": mp.probe_video, "audio": mp.probe_audio}


def _probe(item: InputItem) -> InputItem:
    """The item with its digest, dimensions or duration, and thumbnail; a video URL
    with what its header says (or why it could not be read)."""
    if item.url is not None and item.kind == "video":
        try:
            info = mp.probe_video_url(item.url)
        except (ValueError, MissingDependency) as exc:
            reason = exc.message if isinstance(exc, MissingDependency) else str(exc)
            return replace(item, describe_problem=reason)
        return replace(item, width=info.width, height=info.height, duration=info.duration)
    if item.url is not None:
        return replace(item, thumbnail=item.url if item.kind == "image" else None)
    source = item.path if item.path is not None else item.data or b""
    try:
        info = _PROBES[item.kind](source)
        digest = mp.sha256_of(source)
    except ValueError as exc:
        what = DESCRIPTIONS.get(item.format or "", "file").split(" ", 1)[-1]
        raise InvalidRequest(f"{item.label}: not a readable {what} ({exc})") from None
    except OSError as exc:
        raise InvalidRequest(f"{item.label}: cannot be read ({exc.strerror or exc})") from None
    return replace(
        item,
        digest=digest,
        width=info.width,
        height=info.height,
        duration=info.duration,
        thumbnail=info.thumbnail,
    )
