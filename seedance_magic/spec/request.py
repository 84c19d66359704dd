"""What a parsed cell or line is: `GenerationRequest` (one checked `%%seedance` cell),
`Defaults` (the configured values an option falls back to) and `LineCommand` (one
`%seedance` line). Frozen values; parse.py makes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import endpoints as ep

__all__ = ["COMMANDS", "DEFAULTS", "Defaults", "GenerationRequest", "LineCommand"]


@dataclass(frozen=True)
class Defaults:
    """The configured defaults an option falls back to when it is not given."""

    tier: ep.Tier = "standard"
    resolution: str = ep.DEFAULT_RESOLUTION
    duration: str = ep.DEFAULT_DURATION
    aspect_ratio: str = ep.DEFAULT_ASPECT_RATIO
    generate_audio: bool = ep.DEFAULT_GENERATE_AUDIO
    wait: bool = False
    timeout: float | None = None


DEFAULTS = Defaults()


@dataclass(frozen=True)
class GenerationRequest:
    """One checked `%%seedance` cell; a grid when seeds, n or sweeps are set; a batch
    when `batch` is (its rows are checked by spec/batch.py)."""

    prompt: str
    mode: ep.Mode = "t2v"
    tier: ep.Tier = "standard"
    resolution: str = ep.DEFAULT_RESOLUTION
    duration: str = ep.DEFAULT_DURATION
    aspect_ratio: str = ep.DEFAULT_ASPECT_RATIO
    generate_audio: bool = ep.DEFAULT_GENERATE_AUDIO
    seed: int | None = None
    end_user_id: str | None = None
    provider: str | None = None  # None: the configured provider (Seedance.provider)
    image: Any = None
    end_image: Any = None
    ref_images: tuple[Any, ...] = ()
    ref_videos: tuple[Any, ...] = ()
    ref_audios: tuple[Any, ...] = ()
    # (attribute, position, variable name) of the inputs a cell gave as one `{{name}}`
    variables: tuple[tuple[str, int, str], ...] = ()
    out: str | None = None
    wait: bool = False
    no_wait: bool = False  # --no-wait given: return at once even where cells wait by default
    dry_run: bool = False
    coach: bool = False
    timeout: float | None = None
    no_cache: bool = False
    yes: bool = False
    seeds: tuple[int, ...] = ()
    n: int | None = None
    sweeps: tuple[tuple[str, tuple[str, ...]], ...] = ()
    batch: Any = None  # --batch: a CSV file's path, or the rows themselves (a list, a DataFrame)
    skip_bad: bool = False
    batch_options: tuple[tuple[str, Any], ...] = ()  # the line's options by keyword, for every row
    story: bool = False  # the body is shots between `---` lines (spec/story.py)
    continue_from: str | None = None  # a notebook variable or a request id: start from its last frame
    # the result whose last frame `image` is (spec/story.continued): the reproduce cell's --continue
    start_from: str | None = None
    stitch: bool = False  # with continue_from: the new shot joined to the original
    # False: -r came from the defaults, so a --continue cell takes its clip's (not compared)
    resolution_given: bool = field(default=True, compare=False)

    @property
    def endpoint(self) -> ep.Endpoint:
        return ep.endpoint_for(self.mode, self.tier)

    @property
    def is_grid(self) -> bool:
        return bool(self.seeds or self.n or self.sweeps)

    @property
    def grid_size(self) -> int:
        """How many videos this request makes (1 unless it is a grid)."""
        size = len(self.seeds) or self.n or 1
        for _, values in self.sweeps:
            size *= len(values)
        return size


COMMANDS = ("jobs", "cancel", "price", "config", "resume", "history", "studio", "help")


@dataclass(frozen=True)
class LineCommand:
    """A `%seedance` line: the subcommand and what it was given."""

    name: str
    target: str | None = None  # cancel: a request id or "all"; resume: a request id
    limit: int | None = None  # history N
    search: str | None = None  # history --search TEXT
    here: bool = False  # history --here: only the videos made in this folder
    request: GenerationRequest | None = None  # price: the request to price
