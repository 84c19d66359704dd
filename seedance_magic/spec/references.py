"""The prompt's @Image1/@Video2/@Audio1 names against the reference inputs given: one
rule for the check before a submit (media/check.py, which blocks on an error) and for
the prompt coach (coach.py, which shows it while the prompt is written).

    found = check_references("@Image1 hands @Image3 a cup", "r2v", ["@Image1", "@Image2"])
    found.errors  # ('the prompt names @Image3, but 2 reference images were given (@Image1-@Image2)',)
    found.unused  # ('@Image2',)

A name with no input behind it is an error; in image-to-video, which takes no references
(-i is the start frame), it is a warning. A reference input the prompt never names is
reported in `unused`, for the caller to word as it needs (media names the files).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .endpoints import Mode
from .inputs import FIELDS

__all__ = ["NAMED", "REF_OPTIONS", "References", "check_references", "named_in"]

# Not after a word, a dot or another @: "me@Image1.com" and "x.@Image2" are not names.
NAMED = re.compile(r"(?<![\w.@])@(image|video|audio)([0-9]+)\b", re.IGNORECASE)
# "Image" -> "--ref-image", from the input table.
REF_OPTIONS = {f.reference: f.option for f in FIELDS if f.reference}
_NOUNS = {"Image": "image", "Video": "video", "Audio": "audio file"}


@dataclass(frozen=True)
class References:
    """What the check found: messages for errors and warnings, and the references given
    that the prompt does not name (`@Image2`), in the order given."""

    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    unused: tuple[str, ...] = ()


def named_in(prompt: str) -> dict[tuple[str, int], str]:
    """The names in the prompt: ("Image", 3) -> "@image3" as written (the last spelling
    wins when a name is written twice)."""
    return {(m[1].capitalize(), int(m[2])): m[0] for m in NAMED.finditer(prompt)}


def check_references(
    prompt: str, mode: Mode, given: Sequence[str], open_kinds: Collection[str] = ()
) -> References:
    """The names of `prompt` against the references `given` ("@Image1", ... as
    InputItem.reference gives them). `open_kinds` ("Image", ...) are kinds whose count is
    only a lower bound (a glob not yet expanded): a name beyond it is not reported."""
    named = named_in(prompt)
    have = set(given)
    errors: list[str] = []
    warnings: list[str] = []
    for (word, number), written in sorted(named.items()):
        if f"@{word}{number}" in have:
            continue
        option = REF_OPTIONS[word]
        if mode == "i2v":
            warnings.append(
                f"the prompt names {written}, but image-to-video takes no references (-i/--image "
                f"is the start frame); {option} is for reference-to-video"
            )
            continue
        if word in open_kinds:
            continue
        count = sum(1 for ref in given if ref.startswith(f"@{word}"))
        if count == 0:
            where = f"no {option} was given"
        else:
            noun = f"{_NOUNS[word]}{'s' if count > 1 else ''}"
            span = f"@{word}1" if count == 1 else f"@{word}1-@{word}{count}"
            where = f"{count} reference {noun} {'were' if count > 1 else 'was'} given ({span})"
        errors.append(f"the prompt names {written}, but {where}")
    unused = tuple(ref for ref in given if not _is_named(ref, named))
    return References(tuple(errors), tuple(warnings), unused)


def _is_named(reference: str, named: dict[tuple[str, int], str]) -> bool:
    match = NAMED.fullmatch(reference)
    return match is not None and (match[1].capitalize(), int(match[2])) in named
