"""`compare(...)`: two or more videos played side by side in sync, from results, jobs
or job groups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import InvalidRequest
from ..model import Result
from ..ui.compare import CompareView

__all__ = ["compare_view", "results_of"]


def results_of(items: Iterable[Any], *, least: int = 2, what: str = "compare") -> list[Result]:
    """Results from results, jobs, job groups or lists of them (their videos, in order).
    A job or group still under way is waited for (as `.wait()` does: Ctrl-C cancels it),
    so that a cell that compares what the cells above it started works under Run All; a
    job that ended without a video, or fewer than `least` videos, is one clear line."""
    found: list[Result] = []
    for item in items:
        if isinstance(item, (list, tuple)):  # sd.history(), a grid's results
            found.extend(results_of(item, least=0, what=what))
        elif isinstance(item, Result):
            found.append(item)
        elif hasattr(item, "jobs") and hasattr(item, "results"):  # a JobGroup
            if not item.done:
                item.wait()
            found.extend(r for r in item.results if r is not None)
        elif hasattr(item, "result") and hasattr(item, "snapshot"):  # a Job
            if item.result is None and not item.done:
                item.wait()
            if item.result is None:
                state = getattr(item.snapshot.state, "value", "unfinished")
                raise InvalidRequest(f"{what}: a job {state} without a video; {what} the others")
            found.append(item.result)
        else:
            raise InvalidRequest(f"{what} takes results or jobs, not a {type(item).__name__}")
    if len(found) < least:
        wanted = "two or more videos" if least == 2 else f"at least {least} video{'s' * (least > 1)}"
        raise InvalidRequest(f"{what} needs {wanted}, not {len(found)}")
    return found


def compare_view(*items: Any, embed: bool | None = None) -> CompareView:
    """Play two or more results (or jobs, or a grid's JobGroup, waited for if still under
    way) side by side with one play/pause, seek and time for all. `embed` inlines the videos (default:
    the Seedance.embed setting)."""
    results = results_of(items)
    if embed is None:
        from ..engine.runtime import get_runtime
        from ..ui.frontends import should_embed

        embed = should_embed(get_runtime().settings.embed)
    return CompareView(results, embed=embed)
