"""The Seedance studio: a form that makes videos, and a gallery to browse, reload and
compare them, without writing code (`%seedance studio`, `seedance_magic.studio()`).

This module owns the model and the controller. The form's values (`FormValues`) become
a request through the magic's own parser, so validation and messages are the same as
for a `%%seedance` cell (`request_from_form`, pure); a past job's arguments become form
values again (`form_from_arguments`, pure). `Studio` generates through the shared
pipeline (budget, cache, upload), keeps this session's jobs, reads past results from
the journal, and opens the compare view. The widgets are ui/studio.py; the form's values are spec/form.py.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.job import Job
from ..errors import InvalidRequest, SeedanceError
from ..render.coach import hints_html
from ..render.shapes import ResultShape
from ..render.studio import gallery_html, studio_text
from ..render.text import SEP, estimate_text
from ..settings import choose
from ..spec import endpoints as ep
from ..spec.coach import coach
from ..spec.cost import frame_size
from ..spec.form import FormValues, form_from_arguments, inputs_note, request_from_form, story_from_form
from ..spec.grid import estimate
from ..spec.plan import arguments
from ..spec.providers import check
from ..spec.request import DEFAULTS, Defaults
from ..store.records import result_from, search
from ..ui.frontends import should_embed
from ..ui.studio import StudioPanel
from ..ui.studio_card import Card
from . import cells
from .compare import compare_view
from .story import Story, launch_story
from .story_plan import plan_story

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

__all__ = ["HISTORY", "Studio", "estimate_line"]

HISTORY = 24


def estimate_line(
    values: FormValues, configured: str = "auto", defaults: Defaults = DEFAULTS
) -> tuple[str, bool]:
    """The live estimate for the form ("est. $0.43 · Seedance 2.0 fast text-to-video ·
    via fal · 854x480 · 4 s"), or the parser's (or the provider's) message and False when
    the form is not valid. `configured` is Seedance.provider."""
    try:
        story = story_from_form(values, defaults) if values.story else None
        request = story.shots[0] if story is not None else request_from_form(values, defaults)
        provider = choose(request.provider, configured)
        check(provider, request.endpoint, arguments(request), timeout=request.timeout)
    except InvalidRequest as exc:
        return str(exc), False
    cost = story.estimate() if story is not None else estimate(request)
    width, height = frame_size(request.resolution, request.aspect_ratio)
    seconds = "auto duration" if request.duration == "auto" else f"{request.duration} s"
    parts = [
        estimate_text(cost),
        f"story of {len(story)} shots" if story is not None else request.endpoint.label,
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
        runtime: Runtime,
        *,
        history: int = HISTORY,
        embed: bool | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.runtime = runtime
        self.history = history
        self.embed = should_embed(self.runtime.settings.embed) if embed is None else embed
        self.jobs: list[Job] = []
        self.stories: list[Story] = []
        self._rng = rng or random.Random()
        self.panel: StudioPanel = StudioPanel(self)
        self.panel.set_values(FormValues.starting(runtime.settings.defaults, seed=self.roll()))
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
        """The live estimate, and the prompt coach's hints for what is typed so far."""
        settings = self.runtime.settings
        values = self.values()
        self.panel.show_estimate(*estimate_line(values, settings.provider, settings.defaults))
        try:
            hints = coach(request_from_form(values, settings.defaults)) if values.prompt.strip() else []
        except InvalidRequest:
            hints = []  # the estimate line says what is wrong
        self.panel.show_hints(hints_html(hints))

    def generate(self) -> Job | Story | None:
        """Start a job from the form (non-blocking) and put it at the top of the gallery;
        a form the parser, the inputs' checks or the budget refuse is one red line."""
        settings = self.runtime.settings
        if self.values().story:
            return self.generate_story()
        try:
            request = request_from_form(self.values(), settings.defaults)
            plan = cells.make_plan(request, defaults=settings.defaults, provider=settings.provider)
            cells.guard([plan], self.runtime, yes=request.yes)
            job = cells.launch(plan, self.runtime)  # a second click attaches to the first job
        except SeedanceError as exc:
            self.panel.say(str(exc), error=True)
            return None
        if job in self.jobs:
            self.panel.say(
                f"this exact video{'' if request.seed is None else f' (seed {request.seed})'} is already "
                "being made: it is shown once; "
                "change a setting or roll the dice for another",
                error=False,
            )
            return job
        self.jobs.insert(0, job)
        self.panel.add_job(job)
        if job.result is not None and job.result.cached:
            said = "made before with these settings: shown again from the cache for $0 (roll the dice)"
        else:
            seed = "a random seed" if request.seed is None else f"seed {request.seed}"
            said = f"started {request.endpoint.label} with {seed}"
        self.panel.say(said, error=False)
        return job

    def generate_story(self) -> Story | None:
        """Start the story the form stands for (its shots between --- lines), checked
        against the budget as a whole, and show it at the top of the gallery."""
        settings = self.runtime.settings
        try:
            request = story_from_form(self.values(), settings.defaults)
            plan = plan_story(request, self.runtime)
            what = f"story of {len(request)} shots"
            cells.check_budget(plan.to_pay, settings, self.runtime, yes=request.base.yes, what=what)
            story = launch_story(plan, self.runtime)
        except SeedanceError as exc:
            self.panel.say(str(exc), error=True)
            return None
        self.stories.insert(0, story)
        self.panel.add_story(story)
        self.panel.say(
            f"started a {what}: each shot starts from the last frame of the one before", error=False
        )
        return story

    def load(
        self, endpoint_id: str, arguments: Mapping[str, Any], seed: int | None, provider: str = "auto"
    ) -> None:
        """Put a gallery item's settings back into the form (the file pickers keep theirs)."""
        values = form_from_arguments(endpoint_id, arguments, seed, provider)
        self.panel.set_values(values, keep_files=True)
        self.panel.say(inputs_note(arguments) or "settings loaded", error=False)

    def refresh(self) -> None:
        """Read the past results from the journal again: those made in this folder (the
        journal is the user's; a video of another notebook's folder may not be served
        here, and `%seedance history` shows it with where it was made)."""
        mine = {job.request_id for job in self.jobs if job.request_id}
        try:
            records = search(self.runtime.journal, self.history + len(mine), under=Path.cwd())
        except Exception as exc:  # an unreadable journal leaves the studio usable
            self.panel.say(f"the history could not be read: {exc}", error=True)
            records = []
        past = [result_from(r) for r in records if r.request_id not in mine]
        self.panel.set_past(past[: self.history])

    def selected(self) -> list[ResultShape]:
        return [card.result for card in self.cards if card.selected and card.result is not None]

    def compare_selected(self) -> Any:
        """Open the compare view for the selected videos (two or more)."""
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
        return studio_text(self.values(), [c.result for c in self.cards], sum(not j.done for j in self.jobs))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = self.panel._repr_mimebundle_()
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = gallery_html([c.result for c in self.cards], embed=self.embed)
        return bundle
