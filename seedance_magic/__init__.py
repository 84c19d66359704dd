"""seedance-magic: ByteDance's Seedance 2.0 video model on fal.ai, native in Jupyter.

    %load_ext seedance_magic
    %%seedance --fast -d 6 -a 16:9 --seed 42
    Slow dolly-in on a hummingbird at a neon flower at dusk

Importing this package and loading the extension are cheap: fal_client, ipywidgets and
the video libraries are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Job",
    "JobGroup",
    "Result",
    "Results",
    "Story",
    "StoryResult",
    "__version__",
    "batch",
    "coach",
    "compare",
    "export",
    "generate",
    "history",
    "load_ipython_extension",
    "story",
    "studio",
    "unload_ipython_extension",
]

if TYPE_CHECKING:
    from .api import batch, coach, compare, export, generate, history, story, studio
    from .app.story import Story
    from .engine.group import JobGroup
    from .engine.job import Job
    from .model import Result, Results, StoryResult

# Public names and the module that defines each; loaded on first attribute access.
_LAZY = {
    "Job": "engine.job",
    "Result": "model",
    "Results": "model",
    "JobGroup": "engine.group",
    "Story": "app.story",
    "StoryResult": "model",
    "generate": "api",
    "batch": "api",
    "coach": "api",
    "history": "api",
    "studio": "api",
    "compare": "api",
    "story": "api",
    "export": "api",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'seedance_magic' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext seedance_magic`: register `%%seedance` and `%seedance`."""
    from .notebook.magic import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .notebook.magic import unload

    unload(ipython)
