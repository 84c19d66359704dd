"""A studio gallery card: one video, as its live job view while it runs, then a compact
player with its settings, "use these settings", a select box and "copy as %%seedance";
and what the studio's widgets need of the controller and of a job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ipywidgets import HTML, Button, Checkbox, HBox, Layout, Output, VBox

from ..render.shapes import ResultShape as Result
from ..render.shapes import SnapshotShape as Snapshot
from ..render.studio import card_html, copy_html
from ..render.text import reproduce_text, result_line
from .player import display_data
from .progress import JobView, set_trait
from .shapes import Watchable


class StudioJob(Watchable, Protocol):
    """What a card needs of a running job (engine.Job)."""

    @property
    def result(self) -> Result | None: ...
    @property
    def spec(self) -> Any: ...


class StudioControls(Protocol):
    """What the panel's buttons call (app.studio.Studio)."""

    embed: bool

    def roll(self) -> int: ...
    def generate(self) -> Any: ...
    def compare_selected(self) -> Any: ...
    def refresh(self) -> None: ...
    def form_changed(self) -> None: ...
    def load(
        self, endpoint_id: str, arguments: Mapping[str, Any], seed: int | None, provider: str = "auto"
    ) -> None: ...


def row(*children: Any) -> HBox:
    return HBox(children, _dom_classes=("sd-row",))


class Card(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """One gallery video: a running job (its live view, then its player) or a result."""

    def __init__(
        self, studio: StudioControls, *, job: StudioJob | None = None, result: Result | None = None
    ) -> None:
        self.job = job
        self._result = result
        self._studio = studio
        self.select = Checkbox(description="select", indent=False, layout=Layout(width="auto"))
        load = Button(description="use these settings", tooltip="load this video's settings into the form")
        load.layout.width = "auto"
        load.on_click(lambda _b: self.load())
        self.copy = HTML()
        self.view: JobView | None = None
        super().__init__(_dom_classes=("sd-card",))
        self._actions = row(load, self.select)
        if job is not None and job.result is None:
            self.view = JobView(job, embed=studio.embed)
            self.select.disabled = True
            live: tuple[Any, ...] = (self.view, self._actions, self.copy)
            self.children = live
            self._unsubscribe = job.subscribe(self._changed)
        self._show_result()

    @property
    def result(self) -> Result | None:
        return self.job.result if self.job is not None else self._result

    @property
    def selected(self) -> bool:
        return bool(self.select.value) and self.result is not None

    @property
    def reproduce(self) -> str:
        if self.result is not None:
            return reproduce_text(self.result)
        return (self.job.spec.reproduce or "") if self.job is not None else ""

    def load(self) -> None:
        if self.result is not None:
            result = self.result
            self._studio.load(result.endpoint, result.arguments, result.seed, result.provider)
        elif self.job is not None:
            spec = self.job.spec
            self._studio.load(spec.endpoint_id, spec.arguments, spec.arguments.get("seed"), spec.provider)

    def _changed(self, snapshot: Snapshot) -> None:
        if snapshot.state.terminal:
            self._unsubscribe()
            self._show_result()

    def _show_result(self) -> None:
        set_trait(self.copy, "value", copy_html(self.reproduce))
        result = self.result
        if result is None:
            if self.view is None:
                self.children = (self._actions, self.copy)
            return
        player = Output(
            outputs=(display_data(result_line(result), card_html(result, embed=self._studio.embed)),)
        )
        self.children = (player, self._actions, self.copy)
        self.select.disabled = False
        if self.view is not None:  # the live view's own player is not shown here
            if self.view.player is not None:
                self.view.player.output.close()
                self.view.player.close()
            self.view.close()
            self.view = None
