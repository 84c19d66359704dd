"""`--continue NAME_OR_REQUEST_ID`: the finished result a cell continues from, found by
notebook variable (a Job, Result, Story or StoryResult) or by request id in the
journal. A story continues from its film. Anything that is not a finished video on
this machine is one line, before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..engine.job import Job
from ..errors import InvalidRequest
from ..model import Result, StoryResult
from ..spec.states import State
from ..store.records import result_from

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

__all__ = ["resolve_continue"]


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
