"""The compare view: the synced player of render/compare.py, with the videos' posters
(and the posters side by side as its image/jpeg).
Displayed on its own it is static text and HTML (no widget view, so a saved notebook
shows it again); put in a layout (the studio) it is a widget, the HTML in an Output (so
JupyterLab resolves the videos' relative paths)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from ipywidgets import Output, VBox

from ..render.compare import compare_html, compare_text
from ..render.shapes import ResultShape as Result
from .player import display_data
from .static import CELL_BYTES, CELL_SIDE, data_uri, poster, poster_sheet

__all__ = ["CompareView"]


class CompareView(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """The synced player: display it (static text and HTML), or put it in a layout (a
    widget: an Output holding the HTML)."""

    def __init__(self, results: Sequence[Result], *, embed: bool = False, **kwargs: Any) -> None:
        self.results = list(results)
        posters = [poster(result, CELL_SIDE, CELL_BYTES) for result in self.results]
        self.html = compare_html(self.results, embed=embed, posters=[data_uri(p) for p in posters])
        self.sheet = poster_sheet(posters, min(len(posters), 4))
        self.text = compare_text(self.results)
        self.output = Output(outputs=(display_data(self.text, self.html),))
        kwargs.setdefault("_dom_classes", ("sd-compare-widget",))
        super().__init__(children=(self.output,), **kwargs)

    def __repr__(self) -> str:
        return self.text

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """Text, HTML and the posters as one picture: no widget view, whose state a saved
        notebook would lack."""
        bundle: dict[str, Any] = {"text/plain": self.text, "text/html": self.html}
        if self.sheet:
            bundle["image/jpeg"] = base64.b64encode(self.sheet).decode("ascii")
        return bundle
