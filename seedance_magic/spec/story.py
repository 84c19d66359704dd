"""Stories: what a checked story is (`StoryRequest`: the requests of its shots), what it
costs, its identity in the journal, the texts that make it again, its film's name, and
the "continue this clip" cell. Pure; story_parse.py reads a cell or Python shots.

    %%seedance --story --fast -r 480p -d 4 --seed 5
    A paper boat is folded on a kitchen table
    --- -d 6 --no-audio
    The boat drifts down a gutter stream

The body is split into shots by lines that are `---`, alone or followed by that shot's
own options, read with the same option table over the cell's own options
(story_parse.py). A shot may
change its duration, tier, sound and (when the cell gives no seed) its seed; a story
keeps one aspect ratio and resolution. `--seed N` gives shot k the seed N+k-1. Every
shot after the first becomes image-to-video from the last frame of the one before when
it runs (`continued`); app/story.py runs them, media/stitch.py joins them.
"""

from __future__ import annotations

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
from .request import Defaults, GenerationRequest

__all__ = [
    "MAX_SHOTS",
    "StoryRequest",
    "at_resolution",
    "continue_cell",
    "continued",
    "film_name",
    "seed_shots",
    "story_cell",
    "story_id",
]

MAX_SHOTS = 20
_SLUG = re.compile(r"[^a-z0-9]+")


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


def continued(shot: GenerationRequest, frame: Any, source: str | None = None) -> GenerationRequest:
    """The shot as image-to-video from `frame` (the previous shot's last frame, PNG bytes);
    `source` names that shot (a notebook variable or a request id) for the reproduce cell."""
    return replace(
        shot,
        mode="i2v",
        image=frame,
        end_image=None,
        ref_images=(),
        ref_videos=(),
        ref_audios=(),
        variables=(),
        start_from=source,
    )


def at_resolution(
    request: GenerationRequest | StoryRequest, resolution: Any
) -> GenerationRequest | StoryRequest:
    """A `--continue` cell whose line gave no -r, at the resolution of the clip it
    continues (`resolution`, from its arguments), when its tier offers it: the next shot
    matches the clip, and a stitched film is joined without encoding it again."""
    base = request.base if isinstance(request, StoryRequest) else request
    if base.resolution_given or not isinstance(resolution, str) or resolution == base.resolution:
        return request
    try:
        opt.check_resolution(resolution, (base.tier,), "the continued clip's resolution")
    except InvalidRequest:
        return request
    if isinstance(request, StoryRequest):
        shots = tuple(replace(shot, resolution=resolution) for shot in request.shots)
        return StoryRequest(replace(request.base, resolution=resolution), shots)
    return replace(request, resolution=resolution)


def seed_shots(base: GenerationRequest, shots: list[GenerationRequest]) -> tuple[GenerationRequest, ...]:
    """The shots with their seeds: the cell's seed N gives shot k the seed N+k-1."""
    if base.seed is None:
        return tuple(shots)
    last = base.seed + len(shots) - 1
    if last > ep.MAX_SEED:
        raise InvalidRequest(
            f"-s/--seed: {base.seed} is too high for {len(shots)} shots (shot {len(shots)} would get "
            f"{last}); use a seed from 0 to {ep.MAX_SEED - len(shots) + 1}"
        )
    return tuple(replace(shot, seed=base.seed + k) for k, shot in enumerate(shots))


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


def film_name(group_id: str, first_prompt: str, made: int | None = None, planned: int | None = None) -> str:
    """The film's file name: `story_paper-boat-is-folded_3a9c41d2.mp4`, with `_2of3`
    when the story stopped early. The same story (its group id) gives the same name, so
    the history finds its film again."""
    slug = _SLUG.sub("-", first_prompt.lower())[:32].strip("-") or "story"
    short = group_id.removeprefix("story-").rsplit("-", 1)[-1][:8]
    part = f"_{made}of{planned}" if made is not None and planned is not None and made != planned else ""
    return f"story_{slug}_{short}{part}.mp4"


NEXT = "What happens next: the new shot's prompt"


def continue_cell(
    endpoint_id: str,
    arguments: Mapping[str, Any],
    request_id: str,
    provider: str = "fal",
    *,
    seed: int | None = None,
    stitch: bool = True,
) -> str:
    """A `%%seedance --continue REQUEST_ID` cell with these arguments' tier, resolution,
    duration, aspect ratio and sound. With `seed` (and the arguments' prompt), the cell
    that makes a continued shot again; without, the player's "continue this clip"
    button: `--stitch` and a line to replace with the next shot's prompt."""
    endpoint = ep.find_endpoint(endpoint_id)
    if endpoint is None:
        raise ValueError(f"unknown endpoint {endpoint_id!r}")
    opt.check_continue(request_id)  # an id --continue takes (InvalidRequest is a ValueError)
    kept = ("resolution", "duration", "aspect_ratio", "generate_audio", "end_user_id")
    values = {key: arguments[key] for key in kept if key in arguments}
    t2v = ep.endpoint_for("t2v", endpoint.tier).id
    line = planning.reproduce_cell(t2v, values, None, provider=provider).split("\n", 1)[0]
    line += f" --continue {request_id}" + (" --stitch" if stitch else "")
    if seed is None:
        return f"{line}\n{NEXT}"
    prompt = str(arguments.get("prompt", "")).replace("{{", "\\{{")
    return f"{line} --seed {seed}\n{prompt}"


def _differences(shot: GenerationRequest, first: GenerationRequest) -> list[str]:
    own = []
    if shot.tier != first.tier:
        own.append(f"--{shot.tier}")
    if shot.duration != first.duration:
        own.append(f"-d {shot.duration}")
    if shot.generate_audio != first.generate_audio:
        own.append("--audio" if shot.generate_audio else "--no-audio")
    return own
