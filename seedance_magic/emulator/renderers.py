"""Which renderer makes a job's clip, and making it.

"video" is synth.py (the prompt, seed and inputs drawn and encoded with PyAV, NumPy and
Pillow: the `video` extra); "plain" is plain.py (a pre-encoded EMULATOR card repeated to
length, standard library only). `EmulatorConfig.renderer` picks one, or "auto": "video"
when the extra imports, else "plain", so a plain `pip install seedance-magic` still gets
a playable clip for every job.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

from .clip import RenderSpec
from .plain import render_plain
from .synth import render_cached

VIDEO_MODULES = ("av", "numpy", "PIL")


@functools.lru_cache(maxsize=1)
def video_extra_present() -> bool:
    """Whether av, numpy and Pillow import (checked once per process)."""
    try:
        for name in VIDEO_MODULES:
            importlib.import_module(name)
    except ImportError:
        return False
    return True


def resolve(renderer: str) -> str:
    """ "video" or "plain": what `EmulatorConfig.renderer` means in this process."""
    if renderer == "auto":
        return "video" if video_extra_present() else "plain"
    return renderer


def render(renderer: str, spec: RenderSpec, should_stop: Callable[[], bool] | None = None) -> bytes:
    """The clip for `spec` from the resolved `renderer` ("video" or "plain")."""
    if renderer == "plain":
        return render_plain(spec, should_stop)
    return render_cached(spec, should_stop)
