"""How jobs and grids show themselves in a kernel: IPython type printers that give a
running Job, JobGroup, Batch or Story its live widget (a finished one shows its static form, its own
text and HTML). Registered by name, so installing them imports nothing: `%load_ext`
and the Python API's first use in a kernel install them."""

from __future__ import annotations

from typing import Any

_PRINTED = (
    ("seedance_magic.engine.job", "Job"),
    ("seedance_magic.engine.group", "JobGroup"),
    ("seedance_magic.app.batch", "Batch"),
    ("seedance_magic.app.story", "Story"),
)


def install(shell: Any) -> None:
    """Register the printers on this shell (nothing outside IPython)."""
    formatter = getattr(getattr(shell, "display_formatter", None), "mimebundle_formatter", None)
    if formatter is None:
        return
    for module, name in _PRINTED:
        formatter.for_type_by_name(module, name, lambda obj, shell=shell: bundle(obj, shell))


def bundle(obj: Any, shell: Any) -> dict[str, Any]:
    """The live widget of a running job or grid where widgets render, else its own
    text and HTML."""
    from ..ui.frontends import live_widgets, should_embed
    from ..ui.show import live_view

    settings = obj.runtime.settings
    if not obj.done and live_widgets(shell, settings.headless):
        data: dict[str, Any] = live_view(obj, embed=should_embed(settings.embed))._repr_mimebundle_()
        return data
    own: dict[str, Any] = obj._repr_mimebundle_()
    return own
