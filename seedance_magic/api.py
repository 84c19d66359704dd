"""The Python API: the same pipeline as the magic, for code and scripts.

import seedance_magic as sd
job = sd.generate("A hummingbird at dusk", fast=True, duration=6, seed=42)
result = job.wait()
sd.history(5)
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from . import pipeline
from .request import parse_cell

if TYPE_CHECKING:
    from .engine import Job
    from .result import Result
    from .runtime import Runtime

_FLAGS = {"fast": "--fast", "no_audio": "--no-audio", "no_cache": "--no-cache", "yes": "--yes"}
_VALUES = {
    "mode": "--mode",
    "provider": "--provider",
    "resolution": "-r",
    "duration": "-d",
    "aspect_ratio": "-a",
    "seed": "-s",
    "end_user_id": "--end-user-id",
    "timeout": "--timeout",
}
_MEDIA = {"image": "-i", "end_image": "--end-image"}
_MEDIA_LISTS = {"ref_images": "--ref-image", "ref_videos": "--ref-video", "ref_audios": "--ref-audio"}


def options_line(**options: Any) -> tuple[str, dict[str, Any]]:
    """Keyword options as a %%seedance options line (checked by the same parser), with
    media objects passed through the namespace as `{{_sd_N}}`."""
    words: list[str] = []
    namespace: dict[str, Any] = {}

    def media(flag: str, value: Any) -> None:
        name = f"_sd_{len(namespace)}"
        namespace[name] = value
        words.extend([flag, "{{" + name + "}}"])

    for key, value in options.items():
        if key == "generate_audio" and value is not None:
            words.append("--audio" if value else "--no-audio")
            continue
        if value is None or value is False:
            continue
        if key in _FLAGS:
            words.append(_FLAGS[key])
        elif key in _VALUES:
            words.extend([_VALUES[key], shlex.quote(str(value))])
        elif key in _MEDIA:
            media(_MEDIA[key], value)
        elif key in _MEDIA_LISTS:
            for item in value if isinstance(value, (list, tuple)) else [value]:
                media(_MEDIA_LISTS[key], item)
        else:
            from .errors import InvalidRequest

            allowed = sorted([*_FLAGS, *_VALUES, *_MEDIA, *_MEDIA_LISTS, "generate_audio"])
            raise InvalidRequest(f"generate() got an unknown option {key!r}; use {', '.join(allowed)}")
    return " ".join(words), namespace


def generate(prompt: str, *, runtime: Runtime | None = None, **options: Any) -> Job:
    """Start a job (non-blocking) and return it; `.wait()` gives the Result. Options are
    the magic's, as keywords: provider, fast, mode, resolution, duration, aspect_ratio, seed,
    generate_audio, no_audio, end_user_id, image, end_image, ref_images, ref_videos,
    ref_audios, timeout, no_cache, yes. Cost limits and the cache apply as in the magic."""
    from .runtime import get_runtime

    rt = runtime or get_runtime()
    line, namespace = options_line(**options)
    request = parse_cell(line, prompt, namespace=namespace)
    plan = pipeline.make_plan(request, provider=rt.settings.provider)
    pipeline.check_budget(plan.estimate, rt.settings, rt, yes=request.yes)
    return pipeline.launch(plan, rt)


def history(limit: int = 20, search: str | None = None) -> list[Result]:
    """Past results from the journal, newest first."""
    from .gallery import history_results
    from .runtime import get_runtime

    results: list[Result] = history_results(get_runtime(), limit, search)
    return results


def studio() -> Any:
    """A widget panel to generate, browse, reload and compare without writing code."""
    from .runtime import get_runtime
    from .studio_panel import Studio

    return Studio(get_runtime())


def compare(*results: Result | Job) -> Any:
    """Play two or more results side by side with one play/pause/seek for all."""
    from .comparison import compare_view

    return compare_view(*results)
