"""The live story widget: the total estimate and spend with "Cancel story" over the strip
of shots (queued, running, done with a poster), then, once it is stitched, the film's
player with each shot's seed and reproduce cell and the story's reproduce cell.

The strip is an HTML widget re-rendered from each `StorySnapshot` (render/story.py),
its posters inline; the film goes into an `ipywidgets.Output` as display data, set as a
value, so that its relative `src` resolves against the notebook's folder and it can be
set from the story's task. Its text and HTML forms are render/story.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ipywidgets import HTML, Button, HBox, Layout, Output, VBox

from ..model import StorySnapshot
from ..render.film import film_html, film_text
from ..render.story import head_html, story_html, story_text, strip_html
from .player import display_data
from .progress import set_trait, show, style_widget


class StoryLike(Protocol):
    """What the view needs of a Story."""

    @property
    def snapshot(self) -> StorySnapshot: ...
    def subscribe(self, callback: Callable[[StorySnapshot], None]) -> Callable[[], None]: ...
    def cancel(self) -> None: ...


class StoryView(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A story as one widget; `embed` inlines the film (Colab, VS Code)."""

    def __init__(self, story: StoryLike, *, embed: bool = False, **kwargs: Any) -> None:
        snap = story.snapshot
        self.story = story
        self._embed = embed
        self._head = HTML(head_html(snap), _dom_classes=("seedance-story-head",))
        self._cancel = Button(
            description="Cancel story",
            tooltip="cancel the shot under way and send no more; the shots made are stitched",
            layout=Layout(width="auto", flex="0 0 auto"),
            _dom_classes=("seedance-story-cancel",),
        )
        self._strip = HTML(strip_html(snap), _dom_classes=("seedance-story-strip",))
        self.film = Output(layout=Layout(display="none"), _dom_classes=("seedance-story-film",))
        top = HBox((self._head, self._cancel), layout=Layout(align_items="center"))
        kwargs.setdefault("_dom_classes", ("seedance-story-widget",))
        super().__init__(children=(style_widget(), top, self._strip, self.film), **kwargs)
        self._cancel.on_click(lambda _button: story.cancel())
        self._unsubscribe: Callable[[], None] | None = None
        self.render(snap)
        if not snap.terminal:
            self._unsubscribe = story.subscribe(self.render)

    def render(self, snap: StorySnapshot) -> None:
        """Show the story as it stands (only what changed is sent to the browser)."""
        set_trait(self._head, "value", head_html(snap))
        set_trait(self._strip, "value", strip_html(snap))
        cancelling = snap.stage.startswith("cancelling")
        label = "ended" if snap.terminal else "cancelling…" if cancelling else "Cancel story"
        set_trait(self._cancel, "description", label)
        set_trait(self._cancel, "disabled", snap.terminal or cancelling)
        if snap.film is not None and not self.film.outputs:
            html = film_html(snap.film, embed=self._embed)
            self.film.outputs = (display_data(film_text(snap.film), html),)
            show(self.film, True)
        if snap.terminal:
            self.close_subscription()

    def close_subscription(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def close(self) -> None:
        self.close_subscription()
        super().close()

    def __repr__(self) -> str:
        return story_text(self.story.snapshot)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = repr(self)
        data["text/html"] = story_html(self.story.snapshot, embed=self._embed)
        return data
