"""The input media of a request, resolved and checked before anything is uploaded or sent.

`resolve_inputs(request)` turns the raw values of -i/--image, --end-image and --ref-*
(paths, `~` paths, globs, http(s) URLs, data: URIs, bytes, pathlib.Path, PIL images,
numpy arrays) into `Inputs`: one `InputItem` per file, its format sniffed from its
content, probed (dimensions, duration), digested and thumbnailed, and every limit of
spec/seedance-api.md checked, with the prompt's @Image1/@Video2/@Audio1 names. What the
user got wrong is one InvalidRequest line naming the option, the file and the limit.

Synchronous and without network: http(s) URLs pass through unread. Uploading is
media_upload.py; reading file content is media_probe.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from . import endpoints as ep
from . import media_probe as mp
from .errors import InvalidRequest
from .media_check import amount, check_items, reference_check, short
from .media_sources import expand
from .media_upload import SharedUpload, upload_inputs, upload_target
from .request import GenerationRequest

__all__ = [
    "FIELDS",
    "InputField",
    "InputItem",
    "Inputs",
    "SharedUpload",
    "check_items",
    "reference_check",
    "resolve_inputs",
    "upload_inputs",
    "upload_target",
]

Kind = Literal["image", "video", "audio"]


@dataclass(frozen=True)
class InputField:
    """An argument field that takes media, and how the user gives it."""

    name: str  # the argument field fal receives
    attr: str  # the GenerationRequest attribute holding the raw values
    option: str  # the option as messages show it
    kind: Kind
    reference: str  # "Image" for @Image1...; "" for the image-to-video frames


FIELDS: tuple[InputField, ...] = (
    InputField("image_url", "image", "-i/--image", "image", ""),
    InputField("end_image_url", "end_image", "--end-image", "image", ""),
    InputField("image_urls", "ref_images", "--ref-image", "image", "Image"),
    InputField("video_urls", "ref_videos", "--ref-video", "video", "Video"),
    InputField("audio_urls", "ref_audios", "--ref-audio", "audio", "Audio"),
)
FIELD = {f.name: f for f in FIELDS}


@dataclass(frozen=True)
class InputItem:
    """One input file: where it comes from and, once probed, what it is."""

    field: str
    index: int | None  # the position in a list field (image_urls.0), None for image_url
    kind: Kind
    name: str  # shown to the user: the path or URL as written, or what the object was
    path: Path | None = None
    data: bytes | None = dataclasses.field(default=None, repr=False)
    url: str | None = None  # an http(s) URL passed to fal as it is
    written: bool = False  # the name is text the user wrote (a path or URL)
    format: str | None = None  # sniffed from the content: a key of media_probe.DESCRIPTIONS
    size: int | None = None
    digest: str | None = None  # sha256 of the content
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    thumbnail: str | None = dataclasses.field(default=None, repr=False)

    @property
    def option(self) -> str:
        return FIELD[self.field].option

    @property
    def label(self) -> str:
        """The option and the file, as messages name it: `--ref-image shots/a.png`."""
        return f"{self.option} {short(self.name)}"

    @property
    def place(self) -> str:
        """The key of this input in plan.cache_key's digests: image_url, image_urls.0."""
        return self.field if self.index is None else f"{self.field}.{self.index}"

    @property
    def reference(self) -> str | None:
        """How the prompt names it (@Image1), or None for the image-to-video frames."""
        word = FIELD[self.field].reference
        return f"@{word}{(self.index or 0) + 1}" if word else None

    @property
    def content_type(self) -> str:
        return mp.CONTENT_TYPES.get(self.format or "", "application/octet-stream")

    @property
    def file_name(self) -> str:
        """The name sent with the upload, its extension matching the content."""
        stem, suffix = (self.path.stem, self.path.suffix.lower()) if self.path else (self.kind, "")
        extensions = mp.EXTENSIONS.get(self.format or "", ("",))
        return stem + (suffix if suffix in extensions else extensions[0])

    def read(self) -> bytes:
        """The content (read from disk for a path)."""
        if self.data is not None:
            return self.data
        if self.path is None:
            raise ValueError(f"{self.label} is a URL: it has no local content")
        return self.path.read_bytes()

    def describe(self) -> str:
        """What the file is, for a dry run: `PNG 640x480, 120 KB`."""
        if self.url is not None:
            return "URL, passed to fal unchecked"
        parts = [(self.format or "?").upper()]
        if self.width and self.height:
            parts[0] += f" {self.width}x{self.height}"
        if self.duration is not None:
            parts.append(f"{self.duration:.1f} s")
        if self.size is not None:
            parts.append(amount(self.size))
        return ", ".join(parts)


@dataclass(frozen=True)
class Inputs:
    """The checked inputs of one request, in field order (the order of fal's lists)."""

    mode: ep.Mode = "t2v"
    items: tuple[InputItem, ...] = ()
    warnings: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[InputItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def input_video_seconds(self) -> float:
        """Seconds of reference video, for the cost estimate (URL videos unknown: 0)."""
        return sum(i.duration or 0.0 for i in self.items if i.kind == "video")

    @property
    def needs_upload(self) -> bool:
        """True when some input is local content (a file, an object, a data: URI)."""
        return any(i.url is None for i in self.items)

    @property
    def digests(self) -> dict[str, str]:
        """Content digests by place (image_url, image_urls.0) for plan.cache_key."""
        return {i.place: i.digest for i in self.items if i.digest is not None}

    @property
    def names(self) -> dict[str, str | list[str]]:
        return self.names_for(None)

    def names_for(self, urls: Mapping[str, str | Sequence[str]] | None) -> dict[str, str | list[str]]:
        """Display names by field for plan.reproduce_cell: paths and URLs as written; an
        object or data: URI by its uploaded URL when `urls` is given (it reproduces)."""

        def name(item: InputItem) -> str:
            uploaded = (urls or {}).get(item.field)
            if item.written or uploaded is None:
                return item.name
            return uploaded if isinstance(uploaded, str) else uploaded[item.index or 0]

        return self.per_field(name)

    def per_field(self, value: Callable[[InputItem], str]) -> dict[str, str | list[str]]:
        """value(item) by field: a str for image_url and end_image_url, a list in input
        order for the list fields (the shape plan.arguments wants)."""
        out: dict[str, str | list[str]] = {}
        for item in self.items:
            if item.index is None:
                out[item.field] = value(item)
            else:
                listed = out.setdefault(item.field, [])
                assert isinstance(listed, list)
                listed.append(value(item))
        return out

    def thumbnails(self) -> list[dict[str, str | None]]:
        """{"kind", "name", "thumbnail"} per input, for ui.html.input_thumbnails_html."""
        return [{"kind": i.kind, "name": i.name, "thumbnail": i.thumbnail} for i in self.items]


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
        if item.url is not None and item.kind != "image":
            warnings.append(
                f"{item.label}: a URL is passed to fal unchecked; its duration is not in the "
                "limits checked here" + (" or in the cost estimate" if item.kind == "video" else "")
            )
    return Inputs(request.mode, tuple(items), tuple(warnings))


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

    def items(pair: tuple[InputField, Any]) -> list[InputItem]:
        f, value = pair
        found = expand(f.option, value, base, repeatable=f.reference != "")
        return [InputItem(f.name, None, f.kind, s.name, s.path, s.data, s.url, s.written) for s in found]

    pairs = []
    for f in FIELDS:
        raw = getattr(request, f.attr)
        values = list(raw) if f.reference and isinstance(raw, tuple) else [] if raw is None else [raw]
        pairs += [(f, value) for value in values]
    numbered: list[InputItem] = []
    counts: dict[str, int] = {}
    for item in _each(items, pairs):
        index = None
        if FIELD[item.field].reference:
            index = counts[item.field] = counts.get(item.field, -1) + 1
        numbered.append(replace(item, index=index))
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
    """The item with its digest, dimensions or duration, and thumbnail."""
    if item.url is not None:
        return replace(item, thumbnail=item.url if item.kind == "image" else None)
    source = item.path if item.path is not None else item.data or b""
    try:
        info = _PROBES[item.kind](source)
        digest = mp.sha256_of(source)
    except ValueError as exc:
        what = mp.DESCRIPTIONS.get(item.format or "", "file").split(" ", 1)[-1]
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
