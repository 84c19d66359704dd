"""The batch's one view and its text and HTML, without a browser: a fake batch, and the
messages the widgets send through a recording comm. A thousand rows changing send
nothing; the view sends only on its timer, and only what changed."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from seedance_magic.render.batch import (
    BatchSummary,
    Finished,
    batch_html,
    batch_text,
    posters_html,
    summary_line,
)
from seedance_magic.spec.cost import CostEstimate
from seedance_magic.ui.batch import BatchTextProgress, BatchView

from helpers.widgets import EVIL, CommRecorder, comms

pytestmark = pytest.mark.usefixtures(comms.__name__)


@dataclass
class FakeBatch:
    """What the view reads of a Batch; `step()` is a row changing state."""

    total: int = 1000
    counts: dict[str, int] = field(default_factory=dict)
    failures: tuple[tuple[int, str], ...] = ()
    done: bool = False
    cancels: int = 0
    recent: list[int] = field(default_factory=list)
    listeners: list[Any] = field(default_factory=list)
    posters_made: int = 0

    def __post_init__(self) -> None:
        self.counts = {"waiting": self.total}

    @property
    def finished_count(self) -> int:
        return self.counts.get("completed", 0) + self.counts.get("failed", 0)

    def __len__(self) -> int:
        return self.total

    def summary(self, now: float | None = None) -> BatchSummary:
        return BatchSummary(
            total=self.total,
            counts=dict(self.counts),
            elapsed=12.0,
            remaining=None if self.done else 30.0,
            spent=0.45 * self.counts.get("completed", 0),
            charged=0.0,
            estimate=CostEstimate(450.0, 450.0, f"{self.total} videos"),
            emulated=True,
            done=self.done,
            failures=self.failures,
            failed_count=len(self.failures),
            concurrency=8,
        )

    def step(self, state: str = "completed") -> None:
        self.counts["waiting"] -= 1
        self.counts[state] = self.counts.get(state, 0) + 1
        if state == "completed":
            self.recent.append(self.finished_count - 1)
        for callback in list(self.listeners):
            callback()

    def last_finished(self, count: int = 4) -> list[int]:
        return self.recent[-count:]

    def finished(self, indices: list[int], *, embed: bool = False) -> list[Finished]:
        self.posters_made += len(indices)
        return [Finished(i, f"prompt {i}", i, f"out/{i}.poster.png", f"out/{i}.mp4") for i in indices]

    def cancel(self) -> None:
        self.cancels += 1

    def subscribe(self, callback: Any) -> Any:
        self.listeners.append(callback)
        return lambda: self.listeners.remove(callback)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return {"text/plain": batch_text(self.summary()), "text/html": batch_html(self.summary(), [])}


def test_rows_changing_send_nothing_until_the_view_renders(comms: CommRecorder) -> None:
    batch = FakeBatch()
    view = BatchView(batch, tick=False)  # type: ignore[arg-type]
    opened = comms.count()
    for _ in range(500):
        batch.step()
    assert comms.count() == opened  # the view does not listen to rows
    view.render()
    sent = comms.updates()[opened:]
    assert 1 <= len(sent) <= 3  # the live part and the posters, each once
    assert "500 completed, 500 waiting" in view._live.value
    assert view._posters.value.count("<img") == 4 and batch.posters_made == 4
    view.render()
    assert comms.count() == opened + len(sent)  # nothing changed: nothing sent


def test_the_timer_renders_about_once_an_interval(comms: CommRecorder) -> None:
    batch = FakeBatch()

    async def run() -> int:
        view = BatchView(batch, interval=0.05, poster_interval=0.2)  # type: ignore[arg-type]
        before = comms.count()
        for _ in range(10):  # 1000 row changes over about ten ticks
            for _ in range(100):
                batch.step()
            await asyncio.sleep(0.05)
        batch.done = True
        assert view._ticker is not None
        await asyncio.wait_for(view._ticker, 2)
        assert view._cancel.description == "all ended" and view._cancel.disabled
        return comms.count() - before

    sent = asyncio.run(run())
    assert sent <= 2 * 12 + 6, sent  # a live update a tick, posters now and then, the button once


def test_cancel_is_one_button_for_the_whole_batch(comms: CommRecorder) -> None:
    batch = FakeBatch(total=6)
    view = BatchView(batch, tick=False)  # type: ignore[arg-type]
    assert view._cancel.description == "Cancel batch"
    view._cancel.click()
    view._cancel.click()
    assert batch.cancels == 1 and view._cancel.disabled and view._cancel.description == "cancelling…"


def test_failures_are_listed_with_their_row(comms: CommRecorder) -> None:
    batch = FakeBatch(total=10, failures=((3, EVIL), (7, "fal answered 503")))
    view = BatchView(batch, tick=False)  # type: ignore[arg-type]
    html = view._failures.value
    assert "row 3" in html and "row 7" in html and "<script>" not in html and "&lt;script&gt;" in html


def test_text_and_html_of_a_batch() -> None:
    summary = replace(
        FakeBatch(total=48).summary(),
        counts={"completed": 40, "running": 6, "queued": 2},
        remaining=5.0,
        spent=18.0,
        failures=((2, "fal answered 500"),),
        failed_count=9,
    )
    line = summary_line(summary)
    assert line == (
        "seedance batch of 48 · 83% · 40 completed, 8 under way · 0:12 elapsed, about 0:05 left · "
        "$18.00 of est. $450.00 (emulator: $0 charged) · EMULATOR"
    )
    assert batch_text(summary).splitlines()[1:] == ["  row 2: fal answered 500", "  and 8 more failed rows"]
    items = [Finished(5, EVIL, 9, "out/a b.poster.png", "out/a%20b.mp4")]
    html = posters_html(items)
    assert "<script>" not in html and 'href="out/a%20b.mp4"' in html and "row 5 · seed 9" in html
    whole = batch_html(summary, items)
    assert "EMULATOR" in whole and "width:83.3%" in whole and "and 8 more failed rows" in whole


def test_text_progress_writes_a_line_a_tenth() -> None:
    batch = FakeBatch(total=100)
    out = io.StringIO()
    BatchTextProgress(batch, out)  # type: ignore[arg-type]
    for _ in range(99):
        batch.step()
    batch.done = True
    batch.step()  # the last row ends the batch
    lines = out.getvalue().splitlines()
    assert len(lines) == 11 and lines[0].startswith("seedance: seedance batch of 100 · 0%")
    assert "100 completed" in lines[-1]
