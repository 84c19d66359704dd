"""Stories: a `%%seedance --story` cell (or `story([...])` in Python) as the checked
requests of its shots. Pure, like the rest of parsing.

    %%seedance --story --fast -r 480p -d 4 --seed 5
    A paper boat is folded on a kitchen table
    --- -d 6 --no-audio
    The boat drifts down a gutter stream

The body is split into shots by lines that are `---`, alone or followed by that shot's
own options, read with the same option table over the cell's own options. A shot may
change its duration, tier, sound and (when the cell gives no seed) its seed; a story
keeps one aspect ratio and resolution. `--seed N` gives shot k the seed N+k-1. Every
shot after the first becomes image-to-video from the last frame of the one before when
it runs (`continued`); app/story.py runs them, media/stitch.py joins them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import InvalidRequest
from . import checks as opt
from . import endpoints as ep
from . import plan as planning
from .cost import CostEstimate
from .keywords import request_from_options
from .parse import parse_options
from .request import DEFAULTS, Defaults, GenerationRequest
from .rules import combine
from .template import Template, interpolate

__all__ = [
    "MAX_SHOTS",
    "StoryRequest",
    "continue_cell",
    "continued",
    "parse_story",
    "story_cell",
    "story_from_options",
    "story_id",
]

MAX_SHOTS = 20
SEPARATOR = re.compile(r"[ \t]*---(?:[ \t]+(.*?))?[ \t]*")
# What a `---` line may set, by argparse dest; the rest belongs to the whole story.
PER_SHOT = ("fast", "standard", "duration", "audio", "no_audio", "seed")
PER_SHOT_KEYWORDS = ("duration", "fast", "standard", "seed", "generate_audio", "no_audio")
_KEPT = ("aspect_ratio", "resolution")
_GRID = ("seeds", "n", "sweep")
_PAIRS = {"fast": "standard", "standard": "fast", "audio": "no_audio", "no_audio": "audio"}
_SHOT_TAKES = "a --- line takes -d, --fast or --standard, --audio or --no-audio, and --seed"


@dataclass(frozen=True)
class StoryRequest:
    """A checked story: `base` holds the cell's own options (run options such as --out,
    --wait, --yes, --dry-run, and --continue) with the first shot's prompt; `shots` are
    the requests of the shots in order, each with its own seed and options."""

    base: GenerationRequest
    shots: tuple[GenerationRequest, ...]

    def __len__(self) -> int:
        return len(self.shots)

    @property
    def seeded(self) -> bool:
        """Every shot has a seed: running the story again makes the same shots."""
        return all(shot.seed is not None for shot in self.shots)

    def runs_as(self, index: int) -> GenerationRequest:
        """The request shot `index` (from 0) is priced and sent as: image-to-video from a
        frame for every shot after the first, and for the first when it continues a clip."""
        shot = self.shots[index]
        if index == 0 and self.base.continue_from is None:
            return shot
        return replace(shot, mode="i2v", image=shot.image or "<last frame>", end_image=None)

    def estimates(self) -> list[CostEstimate]:
        return [planning.estimate(self.runs_as(i)) for i in range(len(self.shots))]

    def estimate(self, skip: Sequence[int] = ()) -> CostEstimate:
        """What the shots are expected to cost together, those in `skip` left out."""
        chosen = [e for i, e in enumerate(self.estimates()) if i not in skip]
        count = len(chosen)
        notes = dict.fromkeys(e.note for e in chosen if e.note)
        notes[f"{count} shot{'' if count == 1 else 's'}"] = None
        low, high = round(sum(e.low for e in chosen), 4), round(sum(e.high for e in chosen), 4)
        return CostEstimate(low, high, "; ".join(notes))


def continued(shot: GenerationRequest, frame: Any) -> GenerationRequest:
    """The shot as image-to-video from `frame` (the previous shot's last frame, PNG bytes)."""
    return replace(shot, mode="i2v", image=frame, end_image=None, ref_images=(), ref_videos=(), ref_audios=())


# ------------------------------------------------------------------------- a cell
@dataclass(frozen=True)
class _Shot:
    options: str  # what follows its `---` ("" when none)
    text: str
    line: int  # the body's line where it starts (from 1)


def split_shots(body: str) -> list[_Shot]:
    """The body's shots, as typed: a separator line starts a new shot; one before any
    text introduces the first shot."""
    shots: list[_Shot] = []
    options, lines, start = "", [], 1
    for number, line in enumerate(body.splitlines(), 1):
        match = SEPARATOR.fullmatch(line)
        if match is None:
            lines.append(line)
            continue
        if shots or "\n".join(lines).strip() or options:
            shots.append(_Shot(options, "\n".join(lines), start))
        options, lines, start = match[1] or "", [], number
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
    return StoryRequest(base, _seeded(base, shots))


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


def _seeded(base: GenerationRequest, shots: list[GenerationRequest]) -> tuple[GenerationRequest, ...]:
    """Shot k gets the cell's seed N as N+k-1."""
    if base.seed is None:
        return tuple(shots)
    last = base.seed + len(shots) - 1
    if last > ep.MAX_SEED:
        raise InvalidRequest(
            f"-s/--seed: {base.seed} is too high for {len(shots)} shots (shot {len(shots)} would get "
            f"{last}); use a seed from 0 to {ep.MAX_SEED - len(shots) + 1}"
        )
    return tuple(replace(shot, seed=base.seed + k) for k, shot in enumerate(shots))


# ----------------------------------------------------------------------- Python
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
            requests.append(request_from_options(prompt, defaults, **merged))
        except InvalidRequest as exc:
            raise InvalidRequest(f"shot {number}: {exc.message}") from None
    return StoryRequest(replace(base, story=True), _seeded(base, requests))


# ------------------------------------------------------------------ identity, text
def story_id(story: StoryRequest, *, provider: str, start: str = "") -> str:
    """A name equal for stories that would make the same shots: over the provider, what
    shot 1 starts from (`start`: its image's digest or the clip it continues) and every
    shot's prompt and options. Meaningful only for a seeded story."""
    shots = [
        [s.prompt, s.tier, s.resolution, s.duration, s.aspect_ratio, s.generate_audio, s.seed]
        for s in story.shots
    ]
    text = json.dumps(["seedance-story-1", provider, start, shots], sort_keys=True, default=str)
    return "story-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def story_cell(
    story: StoryRequest,
    seeds: Sequence[int | None] | None = None,
    names: Mapping[str, Any] | None = None,
    *,
    defaults: Defaults | None = None,
    provider: str = "fal",
) -> str:
    """The `%%seedance --story` cell that makes this story again: the first shot's
    options on the line, each later shot's differences on its `---` line, and the seeds
    (`seeds`: those the shots were made with, when known)."""
    first = story.shots[0]
    used = list(seeds) if seeds is not None else [s.seed for s in story.shots]
    arguments = {k: v for k, v in planning.arguments(first).items() if k != "seed"}
    line = planning.reproduce_cell(
        first.endpoint.id, arguments, None, names, defaults=defaults, provider=provider
    ).split("\n", 1)[0]
    words = [line, "--story"]
    if story.base.continue_from is not None:
        words.append(f"--continue {story.base.continue_from}")
    consecutive = used[0] is not None and all(s == used[0] + k for k, s in enumerate(used))
    if consecutive:
        words.append(f"--seed {used[0]}")
    lines = [" ".join(words)]
    for k, shot in enumerate(story.shots):
        own = _differences(shot, first)
        if not consecutive and used[k] is not None:
            own.append(f"--seed {used[k]}")
        if k or own:
            lines.append(" ".join(["---", *own]))
        lines.append(shot.prompt.replace("{{", "\\{{"))
    return "\n".join(lines)


def continue_cell(
    endpoint_id: str, arguments: Mapping[str, Any], request_id: str, provider: str = "fal"
) -> str:
    """The cell that carries a clip on: `%%seedance --continue REQUEST_ID --stitch` with
    the clip's tier, resolution, duration, aspect ratio and sound, and a line to replace
    with the next shot's prompt (the player's "continue this clip" button)."""
    endpoint = ep.find_endpoint(endpoint_id)
    if endpoint is None:
        raise ValueError(f"unknown endpoint {endpoint_id!r}")
    opt.check_continue(request_id)  # an id --continue takes (InvalidRequest is a ValueError)
    kept = ("resolution", "duration", "aspect_ratio", "generate_audio")
    values = {key: arguments[key] for key in kept if key in arguments}
    t2v = ep.endpoint_for("t2v", endpoint.tier).id
    line = planning.reproduce_cell(t2v, values, None, provider=provider).split("\n", 1)[0]
    return f"{line} --continue {request_id} --stitch\nWhat happens next: the new shot's prompt"


def _differences(shot: GenerationRequest, first: GenerationRequest) -> list[str]:
    own = []
    if shot.tier != first.tier:
        own.append(f"--{shot.tier}")
    if shot.duration != first.duration:
        own.append(f"-d {shot.duration}")
    if shot.generate_audio != first.generate_audio:
        own.append("--audio" if shot.generate_audio else "--no-audio")
    return own
