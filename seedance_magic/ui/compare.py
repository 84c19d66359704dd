"""The compare view as a widget: the synced player of render/compare.py in an Output
(so JupyterLab resolves the videos' relative paths), with the same comparison as its
text/plain and text/html."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ipywidgets import Output, VBox

from ..render.compare import compare_html, compare_text
from ..render.shapes import ResultShape as Result
from .player import display_data

__all__ = ["CompareView"]


class CompareView(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """The synced player as a widget (an Output holding the HTML); display it, or put it
    in a layout. Its text/plain and text/html are the same comparison without widgets."""

    def __init__(self, results: Sequence[Result], *, embed: bool = False, **kwargs: Any) -> None:
        self.results = list(results)
        self.html = compare_html(self.results, embed=embed)
        self.text = compare_text(self.results)
        self.output = Output(outputs=(display_data(self.text, self.html),))
        kwargs.setdefault("_dom_classes", ("sd-compare-widget",))
        super().__init__(children=(self.output,), **kwargs)

    def __repr__(self) -> str:
        return self.text

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = self.text
        data["text/html"] = self.html
        return data
