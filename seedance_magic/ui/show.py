"""Putting things on screen: `display` (IPython's, typed), and the live view of a job, a
grid or a story (its widget)."""

from __future__ import annotations

from typing import Any


def display(obj: Any, **kwargs: Any) -> Any:
    """IPython's display(); with display_id=True its DisplayHandle (to update in place)."""
    from IPython import display as ipd

    show: Any = ipd.display  # untyped in IPython
    return show(obj, **kwargs)


def live_view(runnable: Any, *, embed: bool = False, opus: bool = False) -> Any:
    """The widget that follows a job (JobView), the jobs of a grid (GridView), a batch
    (BatchView) or a story (StoryView): a story says so (`view = "story"`), a batch has
    `is_batch`, anything else with `jobs` is a group. `embed` inlines the videos, with
    Opus sound where `opus`."""
    from .frontends import prepare_widgets

    prepare_widgets()
    if getattr(runnable, "is_batch", False):
        from .batch import BatchView

        return BatchView(runnable, embed=embed)
    if getattr(runnable, "view", None) == "story":
        from .story import StoryView

        return StoryView(runnable, embed=embed)
    if hasattr(runnable, "jobs"):
        from .grid import GridView

        return GridView(runnable, embed=embed, opus=opus)
    from .progress import JobView

    return JobView(runnable, embed=embed, opus=opus)
