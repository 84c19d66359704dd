"""The live job widget: status, queue position, elapsed time, logs, Cancel; then the player.

`JobView(job)` subscribes to the job's snapshots. Its callback only sets widget
attributes, to values computed by render/text.py and render/html.py from the snapshot, and only
when a value changed, so a burst of snapshots costs few messages to the browser: renders
are at most one per `min_interval` (state changes at once), log lines are coalesced, and
the bar moves in whole percents. While the job is queued or running, a task on the
running asyncio loop (the kernel's own loop in Jupyter) re-renders the status line every
`tick_interval` so the elapsed time ticks; it ends with the job. Nothing here prints or
uses `with output:`: both misbehave from a background task.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from ipywidgets import HTML, Accordion, Button, FloatProgress, HBox, Layout, VBox

from ..render.html import esc, header_html, logs_html, outcome_html, status_html, trouble_html
from ..render.player import result_html
from ..render.shapes import SnapshotShape as Snapshot
from ..render.style import style_tag
from ..render.text import log_lines, progress_model, status_line
from ..spec.providers import label as provider_label
from .player import PlayerView
from .shapes import Watchable

MAX_LOG_LINES = 500
TITLE_CHARS = 100
INDETERMINATE = "seedance-indeterminate"
_shared: dict[str, Any] = {}


def style_widget() -> HTML:
    """One hidden HTML widget carrying the stylesheet, shared by every view."""
    widget = _shared.get("style")
    if widget is None or widget.comm is None:
        widget = HTML(value=style_tag(), layout=Layout(display="none"), _dom_classes=("seedance-style",))
        _shared["style"] = widget
    return widget


def set_trait(widget: Any, name: str, value: Any) -> None:
    """Set a trait only when it changes: an unchanged value sends nothing."""
    if getattr(widget, name) != value:
        setattr(widget, name, value)


def show(widget: Any, visible: bool) -> None:
    set_trait(widget.layout, "display", None if visible else "none")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class JobView(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A job's progress as a widget, then its player; display it or put it in a grid.

    `tick=False` starts no timer (tests, static use); `embed` inlines the video, with
    Opus sound where `opus`; `clock` is the monotonic clock the elapsed time is
    measured with.
    """

    def __init__(
        self,
        job: Watchable,
        *,
        tick: bool = True,
        embed: bool = False,
        opus: bool = False,
        tick_interval: float = 1.0,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        tz: tzinfo | None = None,
        **kwargs: Any,
    ) -> None:
        snap: Snapshot = job.snapshot
        prompt = str((getattr(getattr(job, "spec", None), "arguments", None) or {}).get("prompt", ""))
        # The widgets open with the first render's values, so showing them sends nothing more.
        first = progress_model(snap, clock())
        header = HTML(header_html(snap, prompt), _dom_classes=("seedance-header",))
        status = HTML(esc(first.status), _dom_classes=("seedance-status",))
        trouble = HTML(layout=Layout(display="none"), _dom_classes=("seedance-trouble",))
        bar = FloatProgress(
            value=first.bar or 0.0,
            min=0.0,
            max=1.0,
            bar_style=first.bar_style,
            layout=Layout(width="220px"),
            _dom_classes=("seedance-bar",) + ((INDETERMINATE,) if first.bar is None else ()),
        )
        cancel = Button(
            description=first.cancel_label,
            disabled=first.cancel_disabled,
            tooltip=first.cancel_tip,
            layout=Layout(width="auto"),
            _dom_classes=("seedance-cancel",),
        )
        log_box = HTML()
        logs = Accordion(
            (log_box,),
            titles=(f"{provider_label(snap.provider)} logs",),
            selected_index=None,
            layout=Layout(display="none"),
            _dom_classes=("seedance-logs",),
        )
        row = HBox((bar, status, cancel), layout=Layout(align_items="center"), _dom_classes=("seedance-row",))
        classes = ("seedance-job", "seedance-emulated") if snap.emulated else ("seedance-job",)
        kwargs.setdefault("_dom_classes", classes)
        super().__init__(children=(style_widget(), header, row, trouble, logs), **kwargs)
        self.job = job
        self.player: PlayerView | None = None
        self._header, self._status, self._bar, self._cancel = header, status, bar, cancel
        self._row, self._trouble, self._logs, self._log_box = row, trouble, logs, log_box
        self._embed = embed
        self._opus = opus
        self._clock = clock
        self._tz = tz
        self._tick_interval = tick_interval
        self._min_interval = min_interval
        self._prompt = prompt
        self._snap = snap
        self._lines: list[str] = []
        self._log_count = 0
        self._last_render = 0.0
        self._deferred: asyncio.TimerHandle | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._cancel_pending = False
        self._saw_cancelling = False
        self._finished = False
        self._unsubscribe: Callable[[], None] | None = None
        cancel.on_click(self._on_cancel)
        logs.observe(self._on_logs_toggled, names="selected_index")
        self._render()
        if not self._finished:
            self._unsubscribe = job.subscribe(self._on_snapshot)
            if tick:
                self.start_ticker()

    # ------------------------------------------------------------------ public
    @property
    def snapshot(self) -> Snapshot:
        return self._snap

    def start_ticker(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Tick the elapsed time on `loop` (default: the running loop, if any)."""
        loop = loop or _running_loop()
        if loop is None or self._ticker is not None or self._finished:
            return
        self._ticker = loop.create_task(self._tick(), name=f"seedance-view-{self._snap.key}")

    def static_html(self) -> str:
        """As static HTML: the player when complete, else the status, noted as a moment of a job."""
        result = self._snap.result
        if self._snap.state.value == "completed" and result is not None:
            return self.player.html if self.player is not None else result_html(result, embed=self._embed)
        return status_html(self._snap, self._clock(), prompt=self._prompt, saved_note=True)

    def close(self) -> None:
        self._stop()
        super().close()

    def __repr__(self) -> str:
        return status_line(self._snap, self._clock())

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = repr(self)
        data["text/html"] = self.static_html()
        return data

    # --------------------------------------------------------------- callbacks
    def _on_snapshot(self, snap: Snapshot) -> None:
        previous, self._snap = self._snap, snap
        if snap.cancelling:
            self._saw_cancelling = True
        elif self._saw_cancelling and not snap.state.terminal:  # the cancel failed: allow another
            self._saw_cancelling = self._cancel_pending = False
        urgent = (
            snap.state != previous.state
            or snap.cancelling != previous.cancelling
            or snap.trouble != previous.trouble
        )
        if not urgent and self._ticker is not None and not self._ticker.done():
            return  # the next tick (at most tick_interval away) shows it
        wait = self._min_interval - (time.monotonic() - self._last_render)
        loop = _running_loop()
        if urgent or wait <= 0 or loop is None:
            self._render()
        elif self._deferred is None:
            self._deferred = loop.call_later(wait, self._render)

    def _on_logs_toggled(self, change: dict[str, Any]) -> None:
        if change["new"] is not None:  # opened: fill in the lines kept while it was closed
            set_trait(self._log_box, "value", logs_html(self._lines))

    def _on_cancel(self, _button: Any = None) -> None:
        if self._cancel_pending or self._finished:
            return
        self._cancel_pending = True
        self._render()
        self.job.cancel()

    async def _tick(self) -> None:
        while not self._finished:
            await asyncio.sleep(self._tick_interval)
            if self._finished or self._snap.state.terminal:
                break
            self._render()  # the elapsed time, and any change held back by the throttle

    # --------------------------------------------------------------- rendering
    def _render(self) -> None:
        if self._deferred is not None:
            self._deferred.cancel()
            self._deferred = None
        self._last_render = time.monotonic()
        snap = self._snap
        if self._finished:
            return
        if snap.state.terminal:
            self._finish(snap)
            return
        model = progress_model(snap, self._clock(), cancel_requested=self._cancel_pending)
        set_trait(self._header, "value", header_html(snap, self._prompt))
        set_trait(self._status, "value", esc(model.status))
        if model.bar is None:
            self._bar.add_class(INDETERMINATE)
        else:
            self._bar.remove_class(INDETERMINATE)
            set_trait(self._bar, "value", model.bar)
        set_trait(self._bar, "bar_style", model.bar_style)
        set_trait(self._cancel, "description", model.cancel_label)
        set_trait(self._cancel, "disabled", model.cancel_disabled)
        set_trait(self._cancel, "tooltip", model.cancel_tip)
        set_trait(self._trouble, "value", trouble_html(snap.trouble))
        show(self._trouble, bool(snap.trouble))
        self._render_logs(snap)

    def _render_logs(self, snap: Snapshot) -> None:
        if len(snap.logs) < self._log_count:  # the engine restarted its log
            self._lines, self._log_count = [], 0
        if len(snap.logs) > self._log_count:
            self._lines.extend(log_lines(snap.logs[self._log_count :], self._tz))
            del self._lines[:-MAX_LOG_LINES]
            self._log_count = len(snap.logs)
            # The lines go to the browser only while the logs are open (or the job has
            # ended); closed, the title carries the latest line: a new line is then one
            # small message, not the whole log again.
            if self._logs.selected_index is not None or snap.state.terminal:
                set_trait(self._log_box, "value", logs_html(self._lines))
            label = provider_label(snap.provider)
            title = f"{label} logs ({self._log_count}) · {self._lines[-1]}"
            set_trait(
                self._logs,
                "titles",
                (title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…",),
            )
        show(self._logs, bool(self._lines))

    def _finish(self, snap: Snapshot) -> None:
        """The job ended: become the player, or one line saying how it ended."""
        self._finished = True
        self._stop()
        retired: list[Any] = [self._row, self._bar, self._status, self._cancel, self._trouble]
        if snap.state.value == "completed" and snap.result is not None:
            self.player = PlayerView(snap.result, embed=self._embed, opus=self._opus)
            children: list[Any] = [style_widget(), self.player]
            retired += [self._header, self._logs, self._log_box]
        else:
            self._render_logs(snap)
            set_trait(self._header, "value", header_html(snap, self._prompt))
            outcome = HTML(outcome_html(snap))
            outcome.add_class("seedance-outcome")
            children = [style_widget(), self._header, outcome]
            if self._lines:  # the logs stay, to see what happened
                children.append(self._logs)
            else:
                retired += [self._logs, self._log_box]
        self.children = tuple(children)
        for widget in retired:  # closed in the browser too
            widget.close()

    def _stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._deferred is not None:
            self._deferred.cancel()
            self._deferred = None
        if self._ticker is not None and not self._ticker.done():
            self._ticker.cancel()
