"""A story before anything is sent: its first shot planned (inputs read and checked),
its identity in the journal, the shots the journal has finished already, what the rest
would cost, and its reproduce cell; and `--continue`: the earlier result a cell
continues from, found by notebook variable or request id.

    request -> plan_story (one line for anything wrong; nothing sent)
            -> budget check on the shots still to make (notebook/stories.py, api.story)
            -> Story(plan).start() (app/story.py)

Each shot's job (`shot_job`) is a cache replay, a reattached unfinished job, or a new
one. A seeded story (with the cache on) has a stable identity: re-running its cell finds its
journal rows (`group_id`, `group_index`), replays the finished shots from the cache for
$0 and reattaches to a shot that was sent but not finished, also after a kernel restart.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.job import Job
from ..errors import BudgetExceeded, InvalidRequest, SeedanceError, require_video_extra
from ..model import Result, StoryResult
from ..settings import choose
from ..spec import plan as planning
from ..spec import providers
from ..spec.cost import CostEstimate
from ..spec.request import Defaults, GenerationRequest
from ..spec.states import State
from ..spec.story import StoryRequest, continued, film_name, story_cell, story_id
from ..store.journal import JobRecord
from . import cells

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

__all__ = ["StoryPlan", "continue_request", "plan_story", "shot_job", "stitched"]


@dataclass(frozen=True)
class StoryPlan:
    """Everything known about a story before its first shot is sent."""

    request: StoryRequest
    first: cells.Plan  # shot 1, planned
    group_id: str
    resumable: bool  # seeded and cached: its journal rows are its own across runs
    done: frozenset[int]  # shots (from 0) the journal has finished: replayed for $0
    estimate: CostEstimate  # every shot
    to_pay: CostEstimate  # the shots not finished yet
    reproduce: str
    prelude: Result | None = None  # the clip it continues
    stitch_prelude: bool = False  # the film begins with the prelude

    @property
    def budgeted(self) -> frozenset[int]:
        """The shots the budget check counted."""
        return frozenset(range(len(self.request))) - self.done

    def film_of(
        self, results: list[Result], failed: str | None, defaults: Defaults | None = None
    ) -> tuple[StoryResult, list[Path]]:
        """The film of the shots made (not stitched yet: no path), with the story's cell
        and the seeds they were made with; and the clips to stitch, in order."""
        request, inputs = self.request, self.first.inputs
        names = inputs.names if inputs is not None and request.shots[0].image is not None else None
        seeds = [r.seed for r in results] + [s.seed for s in request.shots[len(results) :]]
        cell = story_cell(request, seeds, names, defaults=defaults, provider=self.first.provider)
        film = StoryResult(None, tuple(results), cell, len(request), failed=failed, prelude=self.prelude)
        clips = [r.path for r in results if r.path is not None]
        if self.stitch_prelude and self.prelude is not None and self.prelude.path is not None and clips:
            clips.insert(0, self.prelude.path)
        return film, clips


def plan_story(
    request: StoryRequest, runtime: Runtime, *, prelude: Result | None = None, stitch_prelude: bool = False
) -> StoryPlan:
    """Plan the story (shot 1's inputs are read and checked, every shot is checked
    against its provider) and find what the journal has of it. Sends nothing."""
    settings = runtime.settings
    if len(request) > 1 or prelude is not None:
        require_video_extra("A story (each shot starts from the last frame of the one before)")
    for index in range(len(request)):
        shot = request.runs_as(index)
        chosen = choose(shot.provider, settings.provider)
        try:
            args = chosen.complete(planning.arguments(shot))
            providers.check(chosen, shot.endpoint, args, timeout=shot.timeout)
        except InvalidRequest as exc:
            raise InvalidRequest(f"shot {index + 1}: {exc.message}", hint=exc.hint) from None
    first_shot = request.shots[0]
    if prelude is not None:
        first_shot = continue_request(first_shot, prelude)
    first = cells.make_plan(
        first_shot, defaults=settings.defaults, provider=settings.provider, caption={"shot": 1}
    )
    resumable = request.seeded and not request.base.no_cache and settings.cache != "never"
    group = story_id(request, provider=first.provider, start=first.cache_key or "")
    if not resumable:
        group = f"{group}-{uuid.uuid4().hex[:8]}"
    done: set[int] = set()
    if cells.cache_hit(first, settings, runtime) is not None:
        done.add(0)
    if resumable:
        done |= {
            r.group_index
            for r in runtime.journal.group(group)
            if r.state == State.COMPLETED.value and r.group_index is not None
        }
    names = first.inputs.names if first.inputs is not None and request.shots[0].image is not None else None
    reproduce = story_cell(request, None, names, defaults=settings.defaults, provider=first.provider)
    return StoryPlan(
        request=request,
        first=first,
        group_id=group,
        resumable=resumable,
        done=frozenset(done),
        estimate=request.estimate(),
        to_pay=request.estimate(skip=sorted(done)),
        reproduce=reproduce,
        prelude=prelude,
        stitch_prelude=stitch_prelude,
    )


# ------------------------------------------------------------------- --continue
def continue_request(request: GenerationRequest, prelude: Result) -> GenerationRequest:
    """The request as image-to-video from the last frame of `prelude` (read now: a
    clip that cannot be read is one line, before anything is sent)."""
    from ..media.stitch import last_frame

    if prelude.path is None or not prelude.path.exists():
        where = prelude.path or prelude.video_url
        raise InvalidRequest(
            f"--continue: the video {where} is not on this machine; run its reproduce cell to make it again"
        )
    return continued(replace(request, continue_from=None), last_frame(prelude.path), request.continue_from)


# ------------------------------------------------------------------- each shot
def shot_job(story: StoryPlan, plan: cells.Plan, index: int, runtime: Runtime) -> Job:
    """The job of shot `index` (not started): a cache replay, the job the journal has as
    sent and unfinished (reattached, never sent again), or a new one, checked against the
    budget first when the story's check counted it as made already."""
    if cells.cache_hit(plan, runtime.settings, runtime) is not None:
        return cells.launch(plan, runtime, start=False)
    record = _unfinished(story, plan, index, runtime)
    if record is not None:
        for known in list(runtime.jobs.values()):
            if isinstance(known, Job) and known.journal_id == record.id and not known.done:
                return known
        return Job.resume(record, runtime)
    count = len(story.request)
    if index not in story.budgeted and not story.request.base.yes:
        rest = {i for i in range(index, count) if i not in story.budgeted}
        cost = story.request.estimate(skip=[i for i in range(count) if i not in rest])
        try:
            cells.check_budget(cost, runtime.settings, runtime, yes=False, what="rest of the story")
        except BudgetExceeded as exc:
            raise BudgetExceeded(f"shot {index + 1} is not in the cache after all: {exc}") from None
    return cells.launch(plan, runtime, start=False, group=story.group_id, group_index=index)


def _unfinished(story: StoryPlan, plan: cells.Plan, index: int, runtime: Runtime) -> JobRecord | None:
    """The journal's newest row of this shot, when it was sent and has not ended."""
    if not story.resumable:
        return None
    rows = [
        r
        for r in runtime.journal.group(story.group_id)
        if r.group_index == index and r.cache_key == plan.cache_key
    ]
    if not rows:
        return None
    newest = rows[0]
    sent = newest.request_id and newest.status_url and not State(newest.state).terminal
    return newest if sent else None


async def stitched(
    plan: StoryPlan, film: StoryResult, clips: list[Path], made: int, folder: Path
) -> StoryResult:
    """The film with its clips stitched into one MP4 in `folder` (off the loop); a stitch
    that fails is said in `failed`, the shots' videos kept."""
    from ..media.stitch import stitch

    name = film_name(plan.group_id, plan.request.shots[0].prompt, made, len(plan.request))
    try:
        report = await asyncio.to_thread(stitch, clips, folder / name)
    except SeedanceError as exc:
        failed = f"{film.failed}; " if film.failed else ""
        return replace(film, failed=f"{failed}stitching failed: {exc}")
    return replace(
        film,
        path=report.path,
        seconds=report.seconds,
        reencoded=report.reencoded,
        reason=report.reason,
        offsets=report.offsets,
    )
