"""The player widget: a finished `Result` as an ipywidgets container.

The video HTML (render/html.py `result_html`) goes into an `ipywidgets.Output` as display
data, not into an HTML widget: JupyterLab resolves the relative `src` of outputs against
the notebook's folder, while an HTML widget's innerHTML would not. The outputs are set
as a value, never with `with output:`, so that this works from a background task. The
progress view (ui/progress.py) turns into this on completion; grids reuse it.
"""

from __future__ import annotations

from typing import Any

from ipywidgets import Output, VBox

from ..render.player import result_html
from ..render.shapes import ResultShape as Result
from ..render.text import result_line, result_text
from .static import player_src


def display_data(text_plain: str, text_html: str) -> dict[str, Any]:
    """An Output widget's entry for one piece of rich display data."""
    return {
        "output_type": "display_data",
        "data": {"text/plain": text_plain, "text/html": text_html},
        "metadata": {},
    }


class PlayerView(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """The player for one result: `PlayerView(result)`, then display it.

    `embed` inlines the video as a data: URI (Colab, VS Code, Voilà), with Opus sound
    where `opus` (VS Code's player has no AAC); `src` overrides the video's address;
    `poster` is an image shown before playing.
    """

    def __init__(
        self,
        result: Result,
        *,
        embed: bool = False,
        opus: bool = False,
        src: str | None = None,
        poster: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.result = result
        if src is None:
            src = player_src(result, embed=embed, opus=opus)
        self._html = result_html(result, src=src, poster=poster)
        output = Output(outputs=(display_data(result_text(result), self._html),))
        kwargs.setdefault("_dom_classes", ("seedance-player-widget",))
        super().__init__(children=(output,), **kwargs)
        self.output = output

    @property
    def html(self) -> str:
        """The player as static HTML (what the Output shows)."""
        return self._html

    def __repr__(self) -> str:
        return f"completed · {result_line(self.result)}"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = result_text(self.result)
        data["text/html"] = self._html
        return data
