"""The Seedance studio: a form that makes videos, and a gallery to browse, reload and
compare them, without writing code (`%seedance studio`, `seedance_magic.studio()`).

This module owns the model and the controller. The form's values (`FormValues`) become
a request through the magic's own parser, so validation and messages are the same as
for a `%%seedance` cell (`request_from_form`, pure); a past job's arguments become form
values again (`form_from_arguments`, pure). `Studio` generates through the shared
pipeline (budget, cache, upload), keeps this session's jobs, reads past results from
the journal, and opens the compare view. The widgets are ui/studio_view.py.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import endpoints as ep
from .errors import InvalidRequest, SeedanceError
from .providers import PROVIDERS
from .result import Result

if TYPE_CHECKING:
    from .engine import Job
    from .request import GenerationRequest
    from .runtime import Runtime
    from .ui.studio_view import Card, StudioPanel

__all__ = ["FormValues", "Studio", "estimate_line", "form_from_arguments", "request_from_form"]

MODES: tuple[tuple[str, str], ...] = (
    ("inferred from the inputs", "auto"),
    ("text-to-video", "t2v"),
    ("image-to-video", "i2v"),
    ("reference-to-video", "r2v"),
)
HISTORY = 24
# The provider dropdown: the configured one (Seedance.provider), or one by name.
PROVIDER_CHOICES = (("configured", "auto"), *((p.label, p.name) for p in PROVIDERS.values()))


@dataclass(frozen=True)
class FormValues:
    """What the studio's form holds. Media are what a `{{name}}` may stand for (bytes
    from the file pickers, paths, PIL images); `mode` "auto" is inferred from them."""

    prompt: str = ""
    provider: str = "auto"  # auto: the configured provider (Seedance.provider)
    mode: str = "auto"
    tier: ep.Tier = "standard"
    resolution: str = ep.DEFAULT_RESOLUTION
    duration: str = ep.DEFAULT_DURATION
    aspect_ratio: str = ep.DEFAULT_ASPECT_RATIO
    audio: bool = ep.DEFAULT_GENERATE_AUDIO
    seed: int | None = None
    yes: bool = False
    image: Any = None
    end_image: Any = None
    ref_images: tuple[Any, ...] = field(default=())
    ref_videos: tuple[Any, ...] = field(default=())
    ref_audios: tuple[Any, ...] = field(default=())


def request_from_form(values: FormValues) -> GenerationRequest:
    """The request the form stands for, parsed as the `%%seedance` cell with the same
    options would be (the same checks, the same one-line InvalidRequest messages)."""
    from .api import options_line
    from .request import parse_cell

    if not values.prompt.strip():
        raise InvalidRequest("the prompt is empty: describe the video in the prompt box")
    line, namespace = options_line(
        provider=None if values.provider == "auto" else values.provider,
        fast=values.tier == "fast",
        mode=None if values.mode == "auto" else values.mode,
        resolution=values.resolution,
        duration=values.duration,
        aspect_ratio=values.aspect_ratio,
        generate_audio=values.audio or None,
        no_audio=not values.audio,
        seed=values.seed,
        yes=values.yes,
        image=values.image,
        end_image=values.end_image,
        ref_images=list(values.ref_images) or None,
        ref_videos=list(values.ref_videos) or None,
        ref_audios=list(values.ref_audios) or None,
    )
    # The prompt is typed text: `{{` in it is literal, not a notebook variable.
    return parse_cell(line, values.prompt.replace("{{", "\\{{"), namespace=namespace)


def _implied_mode(arguments: Mapping[str, Any]) -> str:
    if arguments.get("image_url"):
        return "i2v"
    if any(arguments.get(f) for f in ("image_urls", "video_urls", "audio_urls")):
        return "r2v"
    return "t2v"


def form_from_arguments(
    endpoint_id: str, arguments: Mapping[str, Any], seed: int | None, provider: str = "auto"
) -> FormValues:
    """The form values that make these arguments again at this provider (the files
    aside): the mode stays "auto" when the inputs imply it."""
    endpoint = ep.find_endpoint(endpoint_id)
    mode = "auto" if endpoint is None or endpoint.mode == _implied_mode(arguments) else endpoint.mode
    given = arguments.get("seed")
    return FormValues(
        prompt=str(arguments.get("prompt", "")),
        provider=provider,
        mode=mode,
        tier=endpoint.tier if endpoint is not None else "standard",
        resolution=str(arguments.get("resolution", ep.DEFAULT_RESOLUTION)),
        duration=str(arguments.get("duration", ep.DEFAULT_DURATION)),
        aspect_ratio=str(arguments.get("aspect_ratio", ep.DEFAULT_ASPECT_RATIO)),
        audio=bool(arguments.get("generate_audio", ep.DEFAULT_GENERATE_AUDIO)),
        seed=seed if seed is not None else given if isinstance(given, int) else None,
    )


def inputs_note(arguments: Mapping[str, Any]) -> str:
    """What a reload cannot bring back: the input files, named by their option."""
    used = [
        name
        for key, name in (
            ("image_url", "start image"),
            ("end_image_url", "end image"),
            ("image_urls", "reference images"),
            ("video_urls", "reference videos"),
            ("audio_urls", "reference audio"),
        )
        if arguments.get(key)
    ]
    return f"settings loaded; this video also used {', '.join(used)}: pick the files again" if used else ""


def estimate_line(values: FormValues, configured: str = "auto") -> tuple[str, bool]:
    """The live estimate for the form ("est. $0.43 · Seedance 2.0 fast text-to-video ·
    via fal · 854x480 · 4 s"), or the parser's (or the provider's) message and False when
    the form is not valid. `configured` is Seedance.provider."""
    from . import providers
    from .plan import arguments, estimate
    from .ui.text import SEP, estimate_text

    try:
        request = request_from_form(values)
        provider = providers.choose(request.provider, configured)
        providers.check(provider, request.endpoint, arguments(request), timeout=request.timeout)
    except InvalidRequest as exc:
        return str(exc), False
    cost = estimate(request)
    width, height = ep.frame_size(request.resolution, request.aspect_ratio)
    seconds = "auto duration" if request.duration == "auto" else f"{request.duration} s"
    parts = [
        estimate_text(cost),
        request.endpoint.label,
        f"via {provider.label}",
        f"{width}x{height}",
        seconds,
    ]
    return SEP.join(parts) + (f" ({cost.note})" if cost.note else ""), True


class Studio:
    """The studio panel: display it (it shows as its widget, `studio.widget`).

    `history` past results are read from the journal; `embed` inlines the videos (by
    default as Seedance.embed says); `rng` draws the dice's seeds.
    """

    def __init__(
        self,
        runtime: Runtime | None = None,
        *,
        history: int = HISTORY,
        embed: bool | None = None,
        rng: random.Random | None = None,
    ) -> None:
        from .runtime import get_runtime
        from .ui.html import should_embed
        from .ui.studio_view import StudioPanel

        self.runtime = runtime or get_runtime()
        self.history = history
        self.embed = should_embed(self.runtime.settings.embed) if embed is None else embed
        self.jobs: list[Job] = []
        self._rng = rng or random.Random()
        self.panel: StudioPanel = StudioPanel(self)
        self.panel.set_values(FormValues(seed=self.roll()))
        self.refresh()

    @property
    def widget(self) -> Any:
        return self.panel

    @property
    def cards(self) -> list[Card]:
        """The gallery, newest first: this session's runs, then the journal's."""
        return self.panel.cards()

    def roll(self) -> int:
        """A new random seed (the dice)."""
        return self._rng.randrange(ep.MAX_SEED + 1)

    # --------------------------------------------------------------- actions
    def values(self) -> FormValues:
        return self.panel.values()

    def form_changed(self) -> None:
        self.panel.show_estimate(*estimate_line(self.values(), self.runtime.settings.provider))

    def generate(self) -> Job | None:
        """Start a job from the form (non-blocking) and put it at the top of the gallery;
        a form the parser, the inputs' checks or the budget refuse is one red line."""
        from . import pipeline

        try:
            request = request_from_form(self.values())
            plan = pipeline.make_plan(request, provider=self.runtime.settings.provider)
            pipeline.check_budget(plan.estimate, self.runtime.settings, self.runtime, yes=request.yes)
            if request.seed is not None and any(
                not j.done and j.spec.cache_key == plan.cache_key for j in self.jobs
            ):  # a second click must not pay for the same video twice
                raise InvalidRequest(
                    f"this exact video (seed {request.seed}) is already being made; "
                    "change a setting or roll the dice for another"
                )
            job = pipeline.launch(plan, self.runtime)
        except SeedanceError as exc:
            self.panel.say(str(exc), error=True)
            return None
        self.jobs.insert(0, job)
        self.panel.add_job(job)
        if job.result is not None and job.result.cached:
            said = "made before with these settings: shown again from the cache for $0 (roll the dice)"
        else:
            seed = "a random seed" if request.seed is None else f"seed {request.seed}"
            said = f"started {request.endpoint.label} with {seed}"
        self.panel.say(said, error=False)
        return job

    def load(
        self, endpoint_id: str, arguments: Mapping[str, Any], seed: int | None, provider: str = "auto"
    ) -> None:
        """Put a gallery item's settings back into the form (the file pickers keep theirs)."""
        values = form_from_arguments(endpoint_id, arguments, seed, provider)
        self.panel.set_values(values, keep_files=True)
        self.panel.say(inputs_note(arguments) or "settings loaded", error=False)

    def refresh(self) -> None:
        """Read the past results from the journal again."""
        mine = {job.request_id for job in self.jobs if job.request_id}
        try:
            records = self.runtime.journal.recent(limit=self.history + len(mine))
        except Exception as exc:  # an unreadable journal leaves the studio usable
            self.panel.say(f"the history could not be read: {exc}", error=True)
            records = []
        from .gallery import result_from

        past = [result_from(r) for r in records if r.request_id not in mine and r.cached_from is None]
        self.panel.set_past(past[: self.history])

    def selected(self) -> list[Result]:
        return [card.result for card in self.cards if card.selected and card.result is not None]

    def compare_selected(self) -> Any:
        """Open the compare view for the selected videos (two or more)."""
        from .comparison import compare_view

        chosen = self.selected()
        if len(chosen) < 2:
            self.panel.say("select two or more finished videos to compare them", error=True)
            return None
        view = compare_view(*chosen, embed=self.embed)
        self.panel.show_compare(view)
        self.panel.say(f"comparing {len(chosen)} videos", error=False)
        return view

    # --------------------------------------------------------------- display
    def __repr__(self) -> str:
        from .ui.studio_view import studio_text

        return studio_text(self.values(), [c.result for c in self.cards], sum(not j.done for j in self.jobs))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from .ui.studio_view import gallery_html

        bundle: dict[str, Any] = self.panel._repr_mimebundle_()
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = gallery_html([c.result for c in self.cards], embed=self.embed)
        return bundle
