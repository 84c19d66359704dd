"""What a batch knows of each row (`Row`), its table (`table_of`: a pandas DataFrame when
pandas is installed, else a list of dicts) and how a Batch shows itself (`BatchShow`:
its summary, the posters of its last videos, its text and HTML forms; render/batch.py
draws them). A row keeps its result or error, not its job: a finished batch of a
thousand rows holds a thousand small rows."""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..render.batch import BatchSummary, Finished, batch_html, batch_text
from ..render.html import video_src
from ..spec.cost import CostEstimate
from ..spec.states import State
from .history import poster_src

if TYPE_CHECKING:
    from ..engine.runtime import Runtime
    from ..model import Result
    from .cells import Plan

__all__ = ["COLUMNS", "BatchShow", "Row", "table_of"]

COLUMNS = ("prompt", "status", "seed", "path", "cost_usd", "cached", "request_id", "endpoint", "error")
ENDED = frozenset({*(s.value for s in State if s.terminal), "invalid"})
SHOWN_FAILURES = 5
SHOWN_POSTERS = 4


@dataclass(eq=False)
class Row:
    """One row: what it asks for while it waits (`plan`), then how it ended."""

    index: int
    prompt: str
    plan: Plan | None
    state: str = "waiting"  # "waiting" (not sent yet), a State's value, or "invalid"
    result: Result | None = None
    error: str | None = None
    request_id: str | None = None
    seed: int | None = None
    endpoint: str | None = None
    finished: float | None = None

    def __post_init__(self) -> None:
        if self.plan is not None:
            self.seed = self.plan.request.seed
            self.endpoint = self.plan.endpoint_id

    def record(self) -> dict[str, Any]:
        result = self.result
        return {
            "row": self.index,
            "prompt": self.prompt,
            "status": self.state,
            "seed": result.seed if result is not None else self.seed,
            "path": str(result.path) if result is not None and result.path is not None else None,
            "cost_usd": result.cost_usd if result is not None else None,
            "cached": result.cached if result is not None else False,
            "request_id": self.request_id,
            "endpoint": result.endpoint if result is not None else self.endpoint,
            "error": self.error,
        }


def table_of(rows: list[Row]) -> Any:
    """One record per row in row order: a DataFrame indexed by row when pandas is
    installed, else the list of dicts."""
    records = [row.record() for row in rows]
    try:
        import pandas as pd
    except ImportError:
        return records
    frame = pd.DataFrame.from_records(records, columns=["row", *COLUMNS]).set_index("row")
    frame["seed"] = frame["seed"].astype("Int64")  # whole numbers, with gaps where there is none
    return frame


class BatchShow:
    """The Batch's summary and its display (mixed into app.batch.Batch)."""

    rows: list[Row]
    counts: collections.Counter[str]
    estimate: CostEstimate
    started: float
    ended: float | None
    recent: collections.deque[int]
    concurrency: int
    runtime: Runtime
    _cancelled: bool

    @property
    def finished_count(self) -> int:
        return sum(n for state, n in self.counts.items() if state in ENDED)

    def summary(self, now: float | None = None) -> BatchSummary:
        """How the batch stands: counts, times, spend, the first failures."""
        now = time.monotonic() if now is None else now
        elapsed = (self.ended or now) - self.started
        ended_here = [r.finished for r in self.rows if r.finished is not None and r.finished > self.started]
        left = len(self.rows) - self.finished_count
        remaining = None
        if ended_here and left and elapsed > 0:
            remaining = left * elapsed / len(ended_here)
        made = [r.result for r in self.rows if r.result is not None and not r.result.cached]
        failed = [r for r in self.rows if r.state in (State.FAILED.value, State.UNKNOWN.value, "invalid")]
        return BatchSummary(
            total=len(self.rows),
            counts=dict(self.counts),
            elapsed=elapsed,
            remaining=None if self.ended else remaining,
            spent=round(sum(r.cost_usd for r in made), 4),
            charged=round(sum(r.charged_usd for r in made), 4),
            estimate=self.estimate,
            emulated=any(r.emulated for r in made) or self.runtime.would_emulate(),
            done=self.ended is not None,
            cancelled=self._cancelled,
            failures=tuple((r.index, r.error or r.state) for r in failed[:SHOWN_FAILURES]),
            failed_count=len(failed),
            concurrency=self.concurrency,
        )

    def finished(self, indices: list[int], *, embed: bool = False) -> list[Finished]:
        """These rows' videos with a poster each (made once per video, kept beside it):
        slow the first time, so the live view calls it off the loop."""
        items = []
        for index in indices:
            row = self.rows[index]
            result = row.result
            if result is None or result.path is None:
                continue
            poster = poster_src(result.path, embed=embed)
            src = video_src(result.path) if result.path.exists() else None
            items.append(Finished(index, row.prompt, result.seed, poster, src))
        return items

    def last_finished(self, count: int = SHOWN_POSTERS) -> list[int]:
        return list(self.recent)[-count:]

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return batch_text(self.summary())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Text and HTML of the batch as it stands: the summary, the last videos' posters
        (inside the page, small JPEGs: a saved notebook shows them where files are not
        served) and the failures (the notebook layer shows the live view while it runs)."""
        summary = self.summary()
        posters = self.finished(self.last_finished(8), embed=True)
        return {"text/plain": batch_text(summary), "text/html": batch_html(summary, posters)}
