"""The live view of a batch: one widget for all its rows, never one per row.

It shows the counts by state, a progress bar, elapsed and remaining time, the spend
against the estimate, the posters of the last few videos and the failed rows, with one
Cancel for the whole batch. It renders on a timer (at most once a `interval`), never on
a job's events, and sends a widget only the values that changed: a thousand-row batch
costs about one message a second. Posters are made off the loop (a video is decoded for
each, once), at most every `poster_interval`. Without a loop (tests, `tick=False`) it
renders when `render()` is called.

`BatchTextProgress` is the same for terminals and headless runs: a line each time
another tenth of the rows has ended, and one at the end.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TextIO

from ipywidgets import HTML, Button, HBox, Layout, VBox

from ..render.batch import BatchSummary, Finished, failures_html, live_html, posters_html, summary_line
from .progress import set_trait, style_widget


class BatchShape(Protocol):
    """What the view needs of a Batch (app/batch.py)."""

    @property
    def done(self) -> bool: ...
    @property
    def finished_count(self) -> int: ...
    def __len__(self) -> int: ...
    def summary(self, now: float | None = None) -> BatchSummary: ...
    def last_finished(self, count: int = 4) -> list[int]: ...
    def finished(self, indices: list[int], *, embed: bool = False) -> list[Finished]: ...
    def cancel(self) -> None: ...
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]: ...


class BatchView(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A Batch as one widget. `tick=False` starts no timer; `embed` inlines the posters."""

    def __init__(
        self,
        batch: BatchShape,
        *,
        embed: bool = False,
        tick: bool = True,
        interval: float = 1.0,
        poster_interval: float = 3.0,
        posters: int = 4,
        **kwargs: Any,
    ) -> None:
        self.batch = batch
        self._embed = embed
        self._interval = interval
        self._poster_interval = poster_interval
        self._poster_count = posters
        summary = batch.summary()
        self._live = HTML(live_html(summary), _dom_classes=("sd-batch-live",))
        self._posters = HTML(_dom_classes=("sd-batch-posters",))
        self._failures = HTML(failures_html(summary), _dom_classes=("sd-batch-failures",))
        self._cancel = Button(
            description="Cancel batch",
            tooltip="send no more rows and cancel the jobs in flight",
            layout=Layout(width="auto", flex="0 0 auto", margin="0 0 0 12px"),
            _dom_classes=("sd-batch-cancel",),
        )
        top = HBox((self._live, self._cancel), layout=Layout(align_items="flex-start"))
        kwargs.setdefault("_dom_classes", ("sd-batch",))
        super().__init__(children=(style_widget(), top, self._posters, self._failures), **kwargs)
        self._cancelled = False
        self._shown: list[int] = []
        self._posters_at = 0.0
        self._ticker: asyncio.Task[None] | None = None
        self._cancel.on_click(self._on_cancel)
        self._set_button(summary.done)
        if not batch.done:
            self._posters_now()
            if tick:
                self.start_ticker()
        else:
            self.render()

    # ------------------------------------------------------------------ public
    def start_ticker(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Render every `interval` on `loop` (default: the running loop, if any)."""
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
        if self._ticker is None:
            self._ticker = loop.create_task(self._tick(), name="seedance-batch-view")

    def render(self) -> None:
        """Show how the batch stands now (posters made here, on this thread)."""
        self._render(self.batch.summary())
        self._posters_now()

    def close(self) -> None:
        ticker = getattr(self, "_ticker", None)
        if ticker is not None and not ticker.done():
            ticker.cancel()
        super().close()

    def __repr__(self) -> str:
        return summary_line(self.batch.summary())

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        own: dict[str, Any] = self.batch._repr_mimebundle_()  # type: ignore[attr-defined]
        data["text/plain"], data["text/html"] = own["text/plain"], own["text/html"]
        return data

    # --------------------------------------------------------------- internals
    def _on_cancel(self, _button: Any = None) -> None:
        if not self._cancelled:
            self._cancelled = True
            self.batch.cancel()
            self._render(self.batch.summary())

    def _set_button(self, done: bool) -> None:
        label = "all ended" if done else "cancelling…" if self._cancelled else "Cancel batch"
        set_trait(self._cancel, "description", label)
        set_trait(self._cancel, "disabled", done or self._cancelled)

    def _render(self, summary: BatchSummary) -> None:
        set_trait(self._live, "value", live_html(summary))
        set_trait(self._failures, "value", failures_html(summary))
        self._set_button(summary.done)

    def _show_posters(self, items: Sequence[Finished]) -> None:
        set_trait(self._posters, "value", posters_html(items))

    def _posters_now(self) -> None:
        indices = self.batch.last_finished(self._poster_count)
        if indices != self._shown:
            self._shown = indices
            self._show_posters(self.batch.finished(indices, embed=self._embed))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            done = self.batch.done
            self._render(self.batch.summary())
            indices = self.batch.last_finished(self._poster_count)
            due = time.monotonic() - self._posters_at >= self._poster_interval
            if indices != self._shown and (due or done):
                self._shown, self._posters_at = indices, time.monotonic()
                items = await asyncio.to_thread(self.batch.finished, indices, embed=self._embed)
                self._show_posters(items)
            if done:
                return


class BatchTextProgress:
    """A batch's progress as text lines on a stream (stderr by default): one when it
    starts, one each time another tenth of the rows has ended, one at the end."""

    def __init__(
        self, batch: BatchShape, stream: TextIO | None = None, *, prefix: str = "seedance: "
    ) -> None:
        self._batch = batch
        self._stream = stream
        self._prefix = prefix
        self._step = -1
        self._unsubscribe: Callable[[], None] | None = None
        self.update()
        if not batch.done:
            self._unsubscribe = batch.subscribe(self.update)

    def update(self) -> None:
        batch = self._batch
        step = batch.finished_count * 10 // max(1, len(batch))
        if step == self._step and not batch.done:
            return
        self._step = step
        stream = self._stream if self._stream is not None else sys.stderr
        stream.write(f"{self._prefix}{summary_line(batch.summary())}\n")
        stream.flush()
        if batch.done and self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
