"""Reading a story: a `%%seedance --story` cell's body split into shots by its `---`
lines, each line's options read with the same option table over the cell's own options
(`parse_story`), or the shots given in Python (`story_from_options`). Pure, like the rest
of parsing; what a story is, is story.py.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import InvalidRequest
from . import checks as opt
from .keywords import request_from_options
from .parse import parse_options
from .request import DEFAULTS, Defaults, GenerationRequest
from .rules import combine
from .story import MAX_SHOTS, StoryRequest, seed_shots
from .template import Template, interpolate

__all__ = ["PER_SHOT", "PER_SHOT_KEYWORDS", "parse_story", "split_shots", "story_from_options"]

SEPARATOR = re.compile(r"[ \t]*---(?:[ \t]+(.*?))?[ \t]*")
# What a `---` line may set, by argparse dest; the rest belongs to the whole story.
PER_SHOT = ("fast", "standard", "duration", "audio", "no_audio", "seed")
PER_SHOT_KEYWORDS = ("duration", "fast", "standard", "seed", "generate_audio", "no_audio")
_KEPT = ("aspect_ratio", "resolution")
_GRID = ("seeds", "n", "sweep")
_PAIRS = {"fast": "standard", "standard": "fast", "audio": "no_audio", "no_audio": "audio"}
_SHOT_TAKES = "a --- line takes -d, --fast or --standard, --audio or --no-audio, and --seed"


@dataclass(frozen=True)
class _Shot:
    options: str  # what follows its `---` ("" when none)
    text: str
    line: int  # the body's line where it starts (from 1)


def split_shots(body: str) -> list[_Shot]:
    """The body's shots, as typed: a separator line starts a new shot; one before any
    text introduces the first shot."""
    shots: list[_Shot] = []
    options, lines, start, opened = "", [], 1, False
    for number, line in enumerate(body.splitlines(), 1):
        match = SEPARATOR.fullmatch(line)
        if match is None:
            lines.append(line)
            continue
        if opened or "\n".join(lines).strip():
            shots.append(_Shot(options, "\n".join(lines), start))
        options, lines, start, opened = match[1] or "", [], number, True
    shots.append(_Shot(options, "\n".join(lines), start))
    return shots


def parse_story(
    line: str, cell: str, *, defaults: Defaults = DEFAULTS, namespace: Mapping[str, Any] | None = None
) -> StoryRequest:
    """A `%%seedance --story` cell into its checked shots. Anything wrong is one
    InvalidRequest line naming the shot."""
    names: Mapping[str, Any] = namespace or {}
    template = Template(line, names)
    cell_options = parse_options(template.words(), template)
    typed = split_shots(cell)
    if len(typed) > MAX_SHOTS:
        raise InvalidRequest(f"the story has {len(typed)} shots; at most {MAX_SHOTS} (split it in two cells)")
    prompts = [interpolate(shot.text, names).strip() for shot in typed]
    for number, prompt in enumerate(prompts, 1):
        if not prompt:
            raise InvalidRequest(
                f"shot {number} is empty: write its prompt under its --- line (shots are separated by "
                "lines that are --- alone, or --- with that shot's options)"
            )
    base = GenerationRequest(
        prompt=prompts[0], **{**combine(cell_options, template, defaults), "story": True}
    )
    shots = []
    for number, (shot, prompt) in enumerate(zip(typed, prompts, strict=True), 1):
        own = _shot_options(number, shot.options, names, base)
        merged = argparse.Namespace(**vars(cell_options))
        for dest, value in own.items():
            setattr(merged, dest, value)
            if dest in _PAIRS:
                setattr(merged, _PAIRS[dest], False)
        try:
            fields = combine(merged, template, defaults)
        except InvalidRequest as exc:
            raise InvalidRequest(f"shot {number}: {exc.message}") from None
        shots.append(GenerationRequest(prompt=prompt, **fields))
    return StoryRequest(base, seed_shots(base, shots))


def _shot_options(
    number: int, text: str, names: Mapping[str, Any], base: GenerationRequest
) -> dict[str, Any]:
    """What shot `number`'s `---` line sets (argparse dest -> text), checked."""
    if not text.strip():
        return {}
    template = Template(text, names)
    try:
        parsed = parse_options(template.words(), template)
    except InvalidRequest as exc:
        raise InvalidRequest(f"shot {number} (its --- line): {exc.message}") from None
    given = {dest: value for dest, value in vars(parsed).items() if value is not None and value is not False}
    for dest in given:
        shown = opt.SHOWN.get(dest) or "--" + dest.replace("_", "-")
        if dest in _KEPT:
            raise InvalidRequest(
                f"shot {number}: {shown} cannot change within a story (a story keeps one aspect ratio "
                "and resolution); give it on the %%seedance line"
            )
        if dest in _GRID:
            raise InvalidRequest(f"shot {number}: {shown} makes a grid; a shot is one video ({_SHOT_TAKES})")
        if dest == "seed" and base.seed is not None:
            raise InvalidRequest(
                f"shot {number}: --seed is given on the %%seedance line (--seed {base.seed} gives shot k "
                f"the seed {base.seed}+k-1); drop it there to give each shot its own"
            )
        if dest not in PER_SHOT:
            raise InvalidRequest(
                f"shot {number}: {shown} applies to the whole story; give it on the %%seedance line "
                f"({_SHOT_TAKES})"
            )
    return {
        dest: value if isinstance(value, bool) else template.text_of(value) for dest, value in given.items()
    }


def story_from_options(
    shots: Sequence[str | Mapping[str, Any]], defaults: Defaults = DEFAULTS, /, **options: Any
) -> StoryRequest:
    """`story(["shot 1", "shot 2"], fast=True, seed=5)`: the same story as the cell with
    those options. A shot may be a mapping with its `prompt` and its own duration, tier,
    sound or seed ({"prompt": "...", "duration": 6})."""
    if isinstance(shots, (str, bytes)) or not isinstance(shots, Sequence) or not shots:
        raise InvalidRequest('a story takes a list of shots, e.g. story(["a kite rises", "it lands"])')
    if len(shots) > MAX_SHOTS:
        raise InvalidRequest(f"the story has {len(shots)} shots; at most {MAX_SHOTS}")
    items = [{"prompt": shot} if isinstance(shot, str) else dict(shot) for shot in shots]
    for number, item in enumerate(items, 1):
        if not isinstance(item.get("prompt"), str) or not item["prompt"].strip():
            raise InvalidRequest(f"shot {number} has no prompt: give it as text, or as {{'prompt': ...}}")
    base = request_from_options(items[0]["prompt"], defaults, **options)
    inputs = [name for name in ("end_image", "ref_images", "ref_videos", "ref_audios") if options.get(name)]
    if inputs:
        raise InvalidRequest(
            f"a story takes no {inputs[0]}: each shot after the first starts from the last frame of "
            "the one before (give image= for the first shot's start frame)"
        )
    requests = []
    for number, item in enumerate(items, 1):
        prompt = item.pop("prompt")
        unknown = [key for key in item if key not in PER_SHOT_KEYWORDS]
        if unknown:
            raise InvalidRequest(
                f"shot {number}: {unknown[0]!r} applies to the whole story; a shot takes "
                + ", ".join(PER_SHOT_KEYWORDS)
            )
        if "seed" in item and options.get("seed") is not None:
            raise InvalidRequest(
                f"shot {number}: seed is given for the whole story (seed={options['seed']} gives shot k "
                f"the seed {options['seed']}+k-1); drop it there to give each shot its own"
            )
        merged = {**options, **item}
        for key, other in (("fast", "standard"), ("standard", "fast")):
            if item.get(key):
                merged[other] = False
        if item.get("no_audio") or item.get("generate_audio") is False:
            merged["generate_audio"] = None
        elif item.get("generate_audio"):
            merged["no_audio"] = False
        try:
            requests.append(replace(request_from_options(prompt, defaults, **merged), story=True))
        except InvalidRequest as exc:
            raise InvalidRequest(f"shot {number}: {exc.message}") from None
    return StoryRequest(replace(base, story=True), seed_shots(base, requests))
