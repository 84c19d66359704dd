"""Keyword options (`generate(prompt, fast=True, duration=6, image=img)`, a studio form,
a batch row) into a GenerationRequest, through the same checks as a `%%seedance` cell:
no options line is written and parsed again, the values go to rules.combine as given.

    request_from_options("A kite", defaults, fast=True, duration=6, seed=7)

The keywords are the magic's options by their Python names; `KEYWORDS` lists them.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidRequest
from .checks import check_prompt
from .inputs import FIELDS
from .options import build_parser
from .request import DEFAULTS, Defaults, GenerationRequest
from .rules import combine
from .suggest import suggest
from .template import Values

# keyword -> argparse dest, for the options that take a value
_VALUES = {
    "mode": "mode",
    "provider": "provider",
    "resolution": "resolution",
    "duration": "duration",
    "aspect_ratio": "aspect_ratio",
    "seed": "seed",
    "end_user_id": "end_user_id",
    "timeout": "timeout",
}
_SWITCHES = {"fast": "fast", "standard": "standard", "no_cache": "no_cache", "yes": "yes"}
# image / end_image take one input; ref_images / ref_videos / ref_audios a list
_MEDIA = {f.attr: f.attr.removesuffix("s") if f.repeatable else f.attr for f in FIELDS}
KEYWORDS: tuple[str, ...] = (*_VALUES, *_SWITCHES, "generate_audio", "no_audio", *_MEDIA)


class _AsGiven:
    """rules.combine's template for values given as Python objects: text is str() of the
    value, media are the objects themselves."""

    def text_of(self, value: Any) -> str:
        return value if isinstance(value, str) else str(value)

    def media(self, value: Any) -> Any:
        return value

    def shown(self, text: str) -> str:
        return text


@functools.cache
def _blank() -> argparse.Namespace:
    return build_parser().parse_args([])


def request_from_options(prompt: str, defaults: Defaults = DEFAULTS, /, **options: Any) -> GenerationRequest:
    """The checked request for `prompt` with these keyword options (None or False means
    not given); an unknown keyword or a bad value is one InvalidRequest line."""
    unknown = [k for k in options if k not in KEYWORDS]
    if unknown:
        name = unknown[0]
        raise InvalidRequest(
            f"unknown option {name!r}{suggest(name, KEYWORDS)}; the options are {', '.join(KEYWORDS)}"
        )
    a = argparse.Namespace(**vars(_blank()))
    for key, value in options.items():
        if value is None or value is False:
            continue
        if key in _VALUES:
            setattr(a, _VALUES[key], value)
        elif key in _SWITCHES:
            setattr(a, _SWITCHES[key], bool(value))
        elif key == "generate_audio":
            setattr(a, "audio" if value else "no_audio", True)
        elif key == "no_audio":
            a.no_audio = True
        else:
            dest = _MEDIA[key]
            many = dest != key
            if many:
                items = list(value) if isinstance(value, (list, tuple)) else [value]
                setattr(a, dest, items or None)
            else:
                setattr(a, dest, value)
    if options.get("generate_audio") is False:
        a.no_audio = True
    text = prompt if isinstance(prompt, str) else ""
    if not isinstance(prompt, str):
        raise InvalidRequest(f"the prompt must be text, not a {type(prompt).__name__}")
    fields = combine(a, _AsGiven(), defaults)
    check_prompt(text, "give the video's description as the first argument")
    return GenerationRequest(prompt=text.strip(), **fields)


def given_options(a: argparse.Namespace, t: Values) -> dict[str, Any]:
    """The keyword options a cell's line gave, by name (not the defaults they fall back
    to): what `--batch` applies to every row."""
    given: dict[str, Any] = {
        k: t.text_of(getattr(a, dest)) for k, dest in _VALUES.items() if getattr(a, dest) is not None
    }
    given.update({k: True for k, dest in _SWITCHES.items() if getattr(a, dest)})
    if a.audio:
        given["generate_audio"] = True
    if a.no_audio:
        given["no_audio"] = True
    for key, dest in _MEDIA.items():
        value = getattr(a, dest)
        if value is not None:
            given[key] = [t.media(v) for v in value] if dest != key else t.media(value)
    return given


def options_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword options among `values` (a batch row, a form), others left out."""
    return {k: v for k, v in values.items() if k in KEYWORDS}
