"""The list of jobs an earlier kernel left unfinished, as a widget: the list, a "resume
all" button, then one live view per resumed job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ipywidgets import HTML, Button, Layout, VBox

from ..render.html import esc
from ..render.unfinished import Unfinished, orphans_html
from .progress import JobView
from .shapes import Watchable


class Resumable(Protocol):
    """What the widget needs of the list (app.history.OrphansView)."""

    @property
    def rows(self) -> Sequence[Unfinished]: ...
    @property
    def resumable(self) -> Sequence[Unfinished]: ...
    @property
    def errors(self) -> Sequence[str]: ...
    @property
    def embed(self) -> bool: ...
    def resume_all(self) -> Sequence[Watchable]: ...
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]: ...


class OrphansWidget(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """The list, a "resume all" button, then one live view per resumed job."""

    def __init__(self, view: Resumable) -> None:
        self.view = view
        count = len(view.resumable)
        self.button = Button(
            description=f"resume all ({count})",
            tooltip="follow each job at fal, fetch and download its video; nothing is submitted again",
            layout=Layout(width="auto"),
            _dom_classes=("seedance-resume-all",),
        )
        self.button.on_click(lambda _button: self.resume())
        self.jobs_box = VBox(_dom_classes=("seedance-resumed",))
        self.problems = HTML(layout=Layout(display="none"), _dom_classes=("seedance-resume-errors",))
        listing = HTML(orphans_html(view.rows), _dom_classes=("seedance-orphans-list",))
        super().__init__(children=(listing, self.button, self.problems, self.jobs_box))

    def resume(self) -> None:
        self.button.disabled = True
        jobs = self.view.resume_all()
        self.jobs_box.children = tuple(JobView(job, embed=self.view.embed) for job in jobs)
        self.button.description = f"resumed {len(jobs)}"
        if self.view.errors:
            self.problems.value = "<br>".join(esc(line) for line in self.view.errors)
            self.problems.layout.display = None

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        data.update(self.view._repr_mimebundle_())
        return data
