"""The prompt coach: the Seedance prompting guide as hints on one prompt, before anything
is paid for. Pure and fast (the studio coaches on every keystroke): word lookups in the
sets of coach_words.py, no model, no network.

    coach_prompt("a cat")  # no-camera, no-motion, no-setting, no-audio-cue, too-short, no-light

The guide's template is "[shot type] of [subject] [action] in [environment], [lighting],
[mood/style], [camera movement], [audio cue]". Each hint (hints.py) has a level ("error":
the request will be refused; "warning": the video will likely miss what was meant; "tip":
it could be better) and a stable code:

    missing-reference     error    @Image3 named, but fewer reference images given
    stray-reference       warning  a @name in image-to-video, which takes no references
    no-camera             warning  no shot type (close-up, aerial) or camera move (dolly-in)
    no-motion             warning  no action verb: nothing is said to move
    no-setting            warning  no place where it happens
    no-audio-cue          warning  audio is on but no sound is named
    unquoted-dialogue     warning  someone speaks, but the words are not in quotes
    lip-sync-needs-audio  warning  a quoted spoken line with audio off
    too-many-shots        warning  more "cut to" shots than the duration leaves time for
    aspect-mismatch       warning  a portrait framed wide, or a landscape framed tall
                          (a tip when the aspect ratio is "auto")
    too-short             warning  fewer than 6 words (MIN_WORDS)
    too-long              warning  more than 200 words (MAX_WORDS)
    no-light              tip      no light, time of day or weather
    no-emotion            tip      a spoken line without how it is delivered
    unused-reference      tip      a reference input the prompt never names
    empty-prompt          error    (coach_prompt) nothing written yet
    invalid-option        error    (coach_prompt) an option value the request refuses
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import Any

from ..errors import InvalidRequest
from . import coach_words as w
from .endpoints import MAX_DURATION
from .hints import LEVELS, Hint, hints_text, ordered
from .inputs import FIELDS
from .keywords import request_from_options
from .references import check_references
from .request import DEFAULTS, Defaults, GenerationRequest

__all__ = ["LEVELS", "Hint", "coach", "coach_prompt", "hints_text"]

MIN_WORDS = 6
MAX_WORDS = 200
SECONDS_PER_SHOT = 2  # a shot shorter than this barely registers
TALL = frozenset({"9:16", "3:4"})
WIDE = frozenset({"16:9", "21:9", "4:3"})
TEMPLATE = (
    "[shot type] of [subject] [action] in [environment], [lighting], [mood/style], "
    "[camera movement], [audio cue]"
)

# Quoted text: straight or curly double quotes, guillemets, or single quotes that open
# after a space and close before one (so "it's" and "the dogs' bowls" are not quotes).
_QUOTED = re.compile(r"\"[^\"\n]+\"|“[^”]+”|«[^»]+»|„[^“”]+[“”]|(?<!\w)['‘][^'’\n]+['’](?!\w)")
# "in Paris", "through Tokyo", "over the Alps": a named place the word lists cannot know.
_NAMED_PLACE = re.compile(r"\b(?:in|at|across|through|over|inside|near|above)\s+(?:the\s+)?[A-Z][a-z]")
_GLOB = re.compile(r"[*?[]")
_ARTICLE = re.compile(r"(?i)(?:a|an|the)\s")
_USE = {"Image": "the character from {}", "Video": "moving like {}", "Audio": "music from {}"}


class _Words:
    """The prompt as the rules see it: its words, and every run of one to three words."""

    __slots__ = ("count", "cuts", "grams", "quoted")

    def __init__(self, prompt: str) -> None:
        tokens = w.WORD.findall(prompt.lower())
        pairs = [f"{a} {b}" for a, b in pairwise(tokens)]
        grams = set(tokens)
        grams.update(pairs)
        grams.update(f"{a} {b}" for a, b in zip(pairs, tokens[2:], strict=False))
        self.grams = grams
        self.count = len(tokens)
        self.cuts = sum(pairs.count(cut) for cut in w.CUT)
        self.quoted = _QUOTED.search(prompt) is not None

    def has(self, words: frozenset[str]) -> bool:
        return not words.isdisjoint(self.grams)


def coach(request: GenerationRequest) -> list[Hint]:
    """The hints on a checked request, errors first, then warnings, then tips."""
    words = _Words(request.prompt)
    return ordered(
        [
            *_references(request),
            *_template(request, words),
            *_speech(request, words),
            *_shots(request, words),
            *_aspect(request, words),
            *_length(words),
        ]
    )


def coach_prompt(prompt: str, defaults: Defaults = DEFAULTS, /, **options: Any) -> list[Hint]:
    """The hints on `prompt` with generate()'s keyword options. What the request itself
    refuses (an empty prompt, a bad value) is one error hint, never an exception, so a
    half-written prompt can be coached as it is typed."""
    if isinstance(prompt, str) and not prompt.strip():
        return [Hint("error", "empty-prompt", "Nothing to coach yet: describe the video.", TEMPLATE)]
    try:
        request = request_from_options(prompt, defaults, **options)
    except InvalidRequest as exc:
        return [Hint("error", "invalid-option", _sentence(exc.message))]
    return coach(request)


# --------------------------------------------------------------------------- rules
def _references(request: GenerationRequest) -> Iterator[Hint]:
    given: list[str] = []
    open_kinds: set[str] = set()
    for f in FIELDS:
        if not f.reference:
            continue
        values: Sequence[Any] = getattr(request, f.attr)
        given += [f"@{f.reference}{n}" for n in range(1, len(values) + 1)]
        if any(_may_be_several(v) for v in values):
            open_kinds.add(f.reference)  # a glob: the count is only a lower bound
    found = check_references(request.prompt, request.mode, given, open_kinds)
    for message in found.errors:
        yield Hint("error", "missing-reference", _sentence(message))
    for message in found.warnings:
        yield Hint("warning", "stray-reference", _sentence(message))
    if found.unused:
        names = found.unused
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        one = len(names) == 1
        first = names[0]
        yield Hint(
            "tip",
            "unused-reference",
            f"{listed} {'is' if one else 'are'} given but never named: write {'it' if one else 'each'} "
            "into the prompt to say how it is used.",
            _USE[first[1:].rstrip("0123456789")].format(first),
        )


def _template(request: GenerationRequest, words: _Words) -> Iterator[Hint]:
    if not words.has(w.CAMERA):
        yield Hint(
            "warning",
            "no-camera",
            "Say how it is filmed: a shot type (close-up, wide aerial shot) or a camera move "
            "(slow dolly-in, whip pan, handheld follow).",
            _camera_example(request.prompt, words),
        )
    if not (words.has(w.MOTION) or words.has(w.SPEECH)):
        yield Hint(
            "warning",
            "no-motion",
            "Nothing is said to move: give the subject a specific action verb.",
            "… stretches, then leaps onto the windowsill",
        )
    if not words.has(w.PLACE) and _NAMED_PLACE.search(request.prompt) is None:
        yield Hint(
            "warning",
            "no-setting",
            "Say where it happens: a place gives the scene its backdrop and its scale.",
            "… in a rain-soaked neon alley",
        )
    if request.generate_audio and not (words.has(w.AUDIO) or words.has(w.SPEECH) or words.quoted):
        yield Hint(
            "warning",
            "no-audio-cue",
            "Audio is on but no sound is named: write the sounds you want to hear.",
            "…, footsteps on gravel and distant thunder",
        )
    if not words.has(w.LIGHT):
        yield Hint(
            "tip",
            "no-light",
            "Describe the light or the time of day; it sets the look of every frame.",
            "…, golden hour light through the window",
        )


def _speech(request: GenerationRequest, words: _Words) -> Iterator[Hint]:
    speaks = words.has(w.SPEECH)
    if speaks and not words.quoted:
        yield Hint(
            "warning",
            "unquoted-dialogue",
            "Someone speaks but the words are not in quotes: quote the exact line so the lips can match it.",
            'she says softly, "We made it."',
        )
    spoken = words.quoted and (not words.has(w.WRITTEN) or words.has(w.SPOKEN))
    if not spoken:
        return
    if not request.generate_audio:
        yield Hint(
            "warning",
            "lip-sync-needs-audio",
            "The prompt has a spoken line but audio is off: lip-sync needs audio, so turn it on.",
            "generate_audio=True (or --audio)",
        )
    if not words.has(w.EMOTION):
        yield Hint(
            "tip",
            "no-emotion",
            "Say how the line is delivered (whispered, laughing, close to tears): face and voice follow it.",
            'he mutters nervously, "Not again."',
        )


def _shots(request: GenerationRequest, words: _Words) -> Iterator[Hint]:
    shots = words.cuts + 1
    seconds = MAX_DURATION if request.duration == "auto" else int(request.duration)
    if shots * SECONDS_PER_SHOT <= seconds:
        return
    clip = "the longest clip" if request.duration == "auto" else f"a {seconds}-second clip"
    needed = shots * SECONDS_PER_SHOT
    fix = (
        f"set a duration of {needed} s or more, or cut fewer times"
        if needed <= MAX_DURATION
        else "cut fewer times"
    )
    yield Hint(
        "warning",
        "too-many-shots",
        f"{shots} shots in {clip} leave about {seconds / shots:.1f} s each: {fix}.",
    )


def _aspect(request: GenerationRequest, words: _Words) -> Iterator[Hint]:
    portrait, landscape = words.has(w.PORTRAIT), words.has(w.LANDSCAPE)
    if portrait == landscape:
        return  # neither, or both: nothing to say
    ratio = request.aspect_ratio
    want, better = ("portrait", "9:16") if portrait else ("landscape", "21:9")
    if ratio == "auto":
        yield Hint(
            "tip",
            "aspect-mismatch",
            f"A {want} composition: set the aspect ratio to {better} rather than auto to frame it.",
            f"aspect_ratio={better!r}",
        )
    elif ratio in (WIDE if portrait else TALL):
        yield Hint(
            "warning",
            "aspect-mismatch",
            f"A {want} composition in {ratio}: {better} frames it better.",
            f"aspect_ratio={better!r}",
        )


def _length(words: _Words) -> Iterator[Hint]:
    if words.count < MIN_WORDS:
        yield Hint(
            "warning",
            "too-short",
            f"{words.count} {'word leaves' if words.count == 1 else 'words leave'} the rest to chance; "
            "follow the template: shot, subject, action, place, light, style, camera, sound.",
            TEMPLATE,
        )
    elif words.count > MAX_WORDS:
        yield Hint(
            "warning",
            "too-long",
            f"{words.count} words blur what matters: keep the shot, subject, action and sound, "
            "and cut the rest.",
        )


# ------------------------------------------------------------------------- helpers
def _may_be_several(value: Any) -> bool:
    """A value that may turn into several inputs: a glob, or a list inside the list."""
    if isinstance(value, (list, tuple)):
        return True
    return isinstance(value, str) and "://" not in value[:12] and _GLOB.search(value) is not None


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + "."


def _camera_example(prompt: str, words: _Words) -> str:
    """The no-camera example: "Close-up of a cat, slow dolly-in" when the prompt is a few
    words naming a subject ("A cat"); a generic fragment otherwise."""
    subject = prompt.strip().rstrip(".!")
    if words.count > 4 or words.has(w.MOTION) or not _ARTICLE.match(subject):
        return "Close-up of …, slow dolly-in"
    return f"Close-up of {subject[0].lower()}{subject[1:]}, slow dolly-in"
