"""How jobs, grids and results show themselves in a kernel, and what stays once they end.

A running Job or JobGroup shows its live widget, displayed with a display id; when it
ends (done, failed, cancelled) `settle` updates that output in place (same display id)
to its static form (ui/static.py): text, the HTML player and a poster, with no widget
view. A saved notebook then never depends on widget state, which JupyterLab does not
keep: a widget view whose model is gone shows "model not found" even when its output
also has HTML. An ended job or grid, a Result and a story's film show their static form at once.

IPython type printers, registered by name (installing them imports nothing): `%load_ext`
and the Python API's first use in a kernel install them. Jobs and grids use the
`_ipython_display_` hook, so that showing one (`job` as a cell's last line, `display`,
`sd.generate(...)`) can give it a display id to update later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_SHOWN = (
    ("seedance_magic.engine.job", "Job"),
    ("seedance_magic.engine.group", "JobGroup"),
    ("seedance_magic.app.batch", "Batch"),
    ("seedance_magic.app.story", "Story"),
)
_RESULT = ("seedance_magic.model", "Result")
_FILM = ("seedance_magic.model", "StoryResult")


def install(shell: Any) -> None:
    """Register the printers on this shell (nothing outside IPython)."""
    formatters = getattr(shell, "display_formatter", None)
    if formatters is None:
        return
    for module, name in _SHOWN:
        formatters.ipython_display_formatter.for_type_by_name(
            module, name, lambda obj, shell=shell: present(obj, shell)
        )
    formatters.mimebundle_formatter.for_type_by_name(
        *_RESULT, lambda result, shell=shell: result_printed(result, shell)
    )
    formatters.mimebundle_formatter.for_type_by_name(
        *_FILM, lambda film, shell=shell: film_printed(film, shell)
    )


def options(shell: Any, embed: str | bool) -> dict[str, bool]:
    """How this front-end plays videos: embedded (VS Code, Colab, Voilà), and with Opus
    sound where the player has no AAC (VS Code)."""
    from ..ui.frontends import needs_opus, should_embed

    embedded = should_embed(embed, shell)
    return {"embed": embedded, "opus": embedded and needs_opus(shell)}


def in_kernel(shell: Any) -> bool:
    """A kernel talking to a front-end (display updates reach it), not terminal IPython."""
    return type(shell).__name__ in ("ZMQInteractiveShell", "Shell")


def present(runnable: Any, shell: Any, *, live: bool | None = None) -> Any:
    """Show a job or grid: running, its live widget (where widgets render, unless `live`
    is False), which becomes its static form when it ends; ended, its static form.
    Returns the DisplayHandle, or None when nothing will change."""
    from ..ui.frontends import live_widgets
    from ..ui.show import display, live_view
    from ..ui.static import static_bundle

    settings = runnable.runtime.settings
    how = options(shell, settings.embed)

    def final() -> dict[str, Any]:
        return static_bundle(runnable, **how)

    if runnable.done:
        display(final(), raw=True)
        return None
    if live is None:
        live = live_widgets(shell, settings.headless)
    if live:
        handle = display(live_view(runnable, **how), display_id=True)
    elif in_kernel(shell):
        handle = display(final(), raw=True, display_id=True)
    else:  # terminal IPython: nothing updates a line already printed
        display(final(), raw=True)
        return None
    settle(runnable, handle, final)
    return handle


def settle(runnable: Any, handle: Any, final: Callable[[], dict[str, Any]]) -> None:
    """When `runnable` (anything with `subscribe` and `done`: a Job, a JobGroup) ends,
    or now if it has, update `handle`'s output in place to the mime bundle `final()`.
    Runs on whatever ends the job (the kernel's loop, after the cell returned): it only
    sends a display update, which reaches the output by its display id."""
    settled = False
    unsubscribe: Callable[[], None] | None = None

    def check(*_: Any) -> None:
        nonlocal settled
        if settled or not runnable.done:
            return
        settled = True
        if unsubscribe is not None:
            unsubscribe()
        try:
            handle.update(final(), raw=True)
        except Exception:  # a display that cannot be updated must never break the job
            log.exception("could not leave the static form of a finished job")

    unsubscribe = runnable.subscribe(check)
    check()


def result_printed(result: Any, shell: Any) -> dict[str, Any]:
    """A Result's static form: text, the HTML player and its poster."""
    from ..settings import current
    from ..ui.static import result_bundle

    return result_bundle(result, **options(shell, current().embed))


def film_printed(film: Any, shell: Any) -> dict[str, Any]:
    """A story's film (StoryResult): text, its HTML player and its poster."""
    from ..settings import current
    from ..ui.static import film_bundle

    return film_bundle(film, embed=options(shell, current().embed)["embed"])
