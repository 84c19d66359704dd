"""The live grid of a JobGroup: a header (the total cost line and "Cancel all") over a
GridBox of cells, 2 to 4 columns by count; each cell is its caption (seed and swept
values) over the single-job view of ui/progress.py, which turns into the player when
its video is ready. Its text and HTML forms are render/grid.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ipywidgets import HTML, Button, GridBox, HBox, Layout, VBox

from ..render import style
from ..render.grid import WAITING, Cell, caption_html, grid_columns, grid_html, grid_text, head_html
from ..render.html import saved_running_html
from ..spec.cost import CostEstimate
from .progress import JobView, set_trait, show, style_widget
from .shapes import Watchable


class GroupShape(Protocol):
    """What the grid view needs of a JobGroup."""

    @property
    def jobs(self) -> Sequence[Watchable]: ...
    @property
    def captions(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def estimate(self) -> CostEstimate: ...
    @property
    def prompt(self) -> str: ...
    @property
    def done(self) -> bool: ...
    def cells(self) -> list[Cell]: ...
    def waiting_for_slot(self, index: int) -> bool: ...
    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]: ...
    def cancel(self) -> None: ...


GRID_CSS = f"""
.sd-grid {{ font-family: {style.FONT}; color: {style.TEXT}; max-width: 100%; }}
.sd-grid .sd-grid-top {{ gap: 12px; align-items: center; }}
.sd-grid .sd-grid-cell {{
  border: 1px solid {style.BORDER}; border-radius: 6px; padding: 4px 6px; min-width: 0;
}}
.sd-grid .seedance-job {{ max-width: none; border-left-width: 2px; padding-left: 6px; }}
.sd-grid .seedance-job .seedance-prompt,
.sd-grid .seedance-player .seedance-prompt,
.sd-grid .seedance-player .seedance-reproduce,
.sd-grid .seedance-player .seedance-path,
.sd-grid .seedance-player .seedance-inputs {{ display: none; }}
.sd-grid .seedance-player .seedance-seed {{ font-size: 18px; }}
.sd-grid .seedance-row {{ flex-wrap: wrap; }}
.sd-grid .seedance-bar {{ max-width: 100%; }}
"""


# ------------------------------------------------------------------------- widget
_shared: dict[str, Any] = {}


def grid_style_widget() -> HTML:
    """One hidden HTML widget carrying the grid's stylesheet, shared by every grid."""
    widget = _shared.get("style")
    if widget is None or widget.comm is None:
        widget = HTML(value=f"<style>{GRID_CSS}</style>", layout=Layout(display="none"))
        _shared["style"] = widget
    return widget


class GridView(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A JobGroup as a widget: the cost line and "Cancel all" over one cell per job.

    `tick=False` starts no timers (tests); `embed` inlines the videos (with Opus sound
    where `opus`).
    """

    def __init__(
        self, group: GroupShape, *, embed: bool = False, opus: bool = False, tick: bool = True, **kwargs: Any
    ) -> None:
        self.group = group
        self._embed = embed
        head = HTML(head_html(group.cells(), group.estimate, group.prompt), _dom_classes=("sd-grid-header",))
        cancel = Button(
            description="Cancel all",
            tooltip="cancel every job of this grid that has not ended",
            layout=Layout(width="auto", flex="0 0 auto"),
            _dom_classes=("sd-grid-cancel",),
        )
        self.views = [JobView(job, embed=embed, opus=opus, tick=tick) for job in group.jobs]
        self._notes = [
            HTML(f'<div style="{style.SUBTLE};font-size:12px">{WAITING}</div>', layout=Layout(display="none"))
            for _ in group.jobs
        ]
        cells = [
            VBox((HTML(caption_html(dict(caption))), view, note), _dom_classes=("sd-grid-cell",))
            for caption, view, note in zip(group.captions, self.views, self._notes, strict=True)
        ]
        columns = grid_columns(len(cells))
        self.grid = GridBox(
            cells, layout=Layout(grid_template_columns=f"repeat({columns}, minmax(0, 1fr))", grid_gap="10px")
        )
        top = HBox((head, cancel), _dom_classes=("sd-grid-top",))
        kwargs.setdefault("_dom_classes", ("sd-grid",))
        super().__init__(children=(style_widget(), grid_style_widget(), top, self.grid), **kwargs)
        self._head, self._cancel = head, cancel
        self._cancelled = False
        self._unsubscribe: Any = None
        cancel.on_click(self._on_cancel)
        self._render()
        if not group.done:
            self._unsubscribe = group.subscribe(self._render)

    def _on_cancel(self, _button: Any = None) -> None:
        if not self._cancelled:
            self._cancelled = True
            self._render()
            self.group.cancel()

    def _render(self) -> None:
        group = self.group
        set_trait(self._head, "value", head_html(group.cells(), group.estimate, group.prompt))
        for index, note in enumerate(self._notes):
            show(note, group.waiting_for_slot(index) and not self._cancelled)
        done = group.done
        label = "all ended" if done else "cancelling…" if self._cancelled else "Cancel all"
        set_trait(self._cancel, "description", label)
        set_trait(self._cancel, "disabled", done or self._cancelled)
        if done and self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for view in self.views:
            view.close()
        super().close()

    def __repr__(self) -> str:
        return grid_text(self.group.cells(), self.group.estimate)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = repr(self)
        data["text/html"] = grid_html(
            self.group.cells(), self.group.estimate, self.group.prompt, embed=self._embed
        )
        if not self.group.done:  # what shows where the widget cannot
            data["text/html"] += saved_running_html()
        return data
