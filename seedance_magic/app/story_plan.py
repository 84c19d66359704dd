"""A story before anything is sent: its first shot planned (inputs read and checked),
its identity in the journal, the shots the journal has finished already, what the rest
would cost, and its reproduce cell; and `--continue`: the earlier result a cell
continues from, found by notebook variable or request id.

    request -> plan_story (one line for anything wrong; nothing sent)
            -> budget check on the shots still to make (notebook/stories.py, api.story)
            -> Story(plan).start() (app/story.py)

A seeded story (with the cache on) has a stable identity: re-running its cell finds its
journal rows (`group_id`, `group_index`), replays the finished shots from the cache for
$0 and reattaches to a shot that was sent but not finished, also after a kernel restart.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..engine.job import Job
from ..errors import InvalidRequest, require_video_extra
from ..model import Result, StoryResult
from ..settings import choose
from ..spec import plan as planning
from ..spec import providers
from ..spec.cost import CostEstimate
from ..spec.request import GenerationRequest
from ..spec.states import State
from ..spec.story import StoryRequest, continued, story_cell, story_id
from ..store.records import result_from
from . import cells

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

__all__ = ["StoryPlan", "continue_request", "plan_story", "resolve_continue"]


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
    return continued(replace(request, continue_from=None), last_frame(prelude.path))


def resolve_continue(value: str, namespace: Mapping[str, Any], runtime: Runtime) -> Result:
    """The finished result `--continue VALUE` names: a notebook variable holding a Job,
    Result, Story or StoryResult (a story continues from its film), else a request id
    from the journal."""
    if value in namespace:
        return _of_object(value, namespace[value])
    record = runtime.journal.by_request_id(value)
    if record is None:
        raise InvalidRequest(
            f"--continue {value}: there is no notebook variable or journalled request by that name; "
            "give the --out name of a result, or a request id from %seedance history"
        )
    if record.state != State.COMPLETED.value:
        raise InvalidRequest(
            f"--continue {value}: that job is {record.state}, not completed; "
            f"%seedance resume {value} follows it to the end"
        )
    return result_from(record)


def _of_object(name: str, obj: Any) -> Result:
    if getattr(obj, "view", None) == "story":  # a Story (app/story.py)
        if not obj.done:
            raise InvalidRequest(
                f"--continue {name}: the story is still running; run the cell when it has ended"
            )
        film = obj.film
        if film is None:
            raise InvalidRequest(f"--continue {name}: the story made no film ({obj.snapshot.error})")
        obj = film
    if isinstance(obj, StoryResult):
        if obj.path is None or not obj.shots:
            raise InvalidRequest(f"--continue {name}: the story made no film ({obj.failed})")
        return replace(obj.shots[-1], path=obj.path, duration_s=obj.seconds)
    if isinstance(obj, Job):
        if not obj.done:
            raise InvalidRequest(
                f"--continue {name}: the job is still {obj.status.value}; wait for it, then run the cell"
            )
        if obj.result is None:
            raise InvalidRequest(f"--continue {name}: the job made no video ({obj.snapshot.error})")
        return obj.result
    if isinstance(obj, Result):
        return obj
    raise InvalidRequest(
        f"--continue {name}: the variable holds a {type(obj).__name__}, not a Job, Result or Story"
    )
