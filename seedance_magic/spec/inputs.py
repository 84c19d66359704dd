"""Input media as values: the argument fields that take media (one table, the
vocabulary of every layer), one `InputItem` per file and the checked `Inputs` of a
request. media/ reads, probes, checks and uploads them; nothing here touches a file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .endpoints import LIMITS, Mode
from .formats import CONTENT_TYPES, EXTENSIONS, amount, short

Kind = Literal["image", "video", "audio"]


@dataclass(frozen=True)
class InputField:
    """An argument field that takes media, and how the user gives it."""

    name: str  # the argument field fal receives
    attr: str  # the GenerationRequest attribute holding the raw values (and generate()'s keyword)
    option: str  # the option as messages show it
    flag: str  # the option as a reproduce cell writes it
    kind: Kind
    reference: str  # "Image" for @Image1...; "" for the image-to-video frames

    @property
    def repeatable(self) -> bool:
        return bool(self.reference)


FIELDS: tuple[InputField, ...] = (
    InputField("image_url", "image", "-i/--image", "-i", "image", ""),
    InputField("end_image_url", "end_image", "--end-image", "--end-image", "image", ""),
    InputField("image_urls", "ref_images", "--ref-image", "--ref-image", "image", "Image"),
    InputField("video_urls", "ref_videos", "--ref-video", "--ref-video", "video", "Video"),
    InputField("audio_urls", "ref_audios", "--ref-audio", "--ref-audio", "audio", "Audio"),
)
FIELD = {f.name: f for f in FIELDS}


class Variable(str):
    """The name of a notebook variable that gave an input, written `{{name}}` in a reproduce
    cell; empty for the other files of a variable that held several (named once)."""


class Continued(str):
    """What a start frame is the last frame of (a notebook variable or a request id),
    written `--continue NAME` in a reproduce cell."""


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
    format: str | None = None  # sniffed from the content: a key of formats.DESCRIPTIONS
    size: int | None = None
    digest: str | None = None  # sha256 of the content
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    thumbnail: str | None = dataclasses.field(default=None, repr=False)
    describe_problem: str | None = None  # why a URL's content could not be measured
    # the notebook variable that gave it, by name ("" for the other files it held)
    variable: str | None = None
    # the result whose last frame it is (--continue NAME, a story's next shot)
    continues: str | None = None

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
        return CONTENT_TYPES.get(self.format or "", "application/octet-stream")

    @property
    def file_name(self) -> str:
        """The name sent with the upload, its extension matching the content."""
        stem, suffix = (self.path.stem, self.path.suffix.lower()) if self.path else (self.kind, "")
        extensions = EXTENSIONS.get(self.format or "", ("",))
        return stem + (suffix if suffix in extensions else extensions[0])

    def describe(self) -> str:
        """What the file is, for a dry run: `PNG 640x480, 120 KB`."""
        if self.url is not None and self.duration is not None:
            return f"URL, {self.duration:.1f} s"
        if self.url is not None:
            return "URL, passed on unchecked"
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

    mode: Mode = "t2v"
    items: tuple[InputItem, ...] = ()
    warnings: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[InputItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def input_video_seconds(self) -> float:
        """Seconds of reference video, as priced: their measured sum, or, when a video (a
        URL) could not be measured, the limit of reference video seconds (the worst case)."""
        measured = sum(i.duration or 0.0 for i in self.items if i.kind == "video")
        return max(measured, LIMITS.max_total_video_seconds) if self.unmeasured_videos else measured

    @property
    def unmeasured_videos(self) -> tuple[str, ...]:
        """The reference videos whose length is not known (URLs that could not be read)."""
        return tuple(i.label for i in self.items if i.kind == "video" and i.duration is None)

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
        """Display names by field for plan.reproduce_cell: paths and URLs as written, a
        notebook variable as `{{name}}` ("" for the other files it held); an object or
        data: URI by its uploaded URL when `urls` is given (it reproduces); the last frame of
        a result as `--continue NAME`."""

        def name(item: InputItem) -> str:
            if item.continues is not None:
                return Continued(item.continues)
            if item.variable is not None:
                return Variable(item.variable)
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
        """{"kind", "name", "thumbnail"} per input, for ui.html.input_thumbnails_html, with
        its "field", and what a reproduce cell gives it again by (plan.input_names): the
        "source" the user wrote (a path or URL), the notebook "variable" they named, or the result
        whose last frame it is ("continues")."""
        return [
            {
                "kind": i.kind,
                "name": i.name,
                "thumbnail": i.thumbnail,
                "field": i.field,
                "source": i.name if i.written else None,
                "variable": i.variable,
                "continues": i.continues,
            }
            for i in self.items
        ]
