"""The Python API: the same plan, guard and launch as the magic, for code and scripts.

    import seedance_magic as sd
    job = sd.generate("A hummingbird at dusk", fast=True, duration=6, seed=42)
    result = job.wait()
    sd.coach("a cat")  # hints on a prompt before it is paid for
    clips = sd.batch(["A kite", "A boat"], fast=True, duration=4)  # .wait(): a DataFrame
    film = sd.story(["A kite rises", "It lands in a tree"], fast=True, seed=5).wait()
    sd.export(sd.history(10), "class.html")  # one page to share; .to_pandas(): a table

Option defaults come from `%config Seedance.*` once the extension is loaded (else from
the environment), exactly as for the magic and the studio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import os
    from pathlib import Path

    from .app.batch import Batch
    from .app.story import Story
    from .app.studio import Studio
    from .engine.job import Job
    from .engine.runtime import Runtime
    from .model import Results
    from .spec.hints import Hint
    from .ui.compare import CompareView

__all__ = ["batch", "coach", "compare", "export", "generate", "history", "story", "studio"]


def _runtime(runtime: Runtime | None) -> Runtime:
    from .engine.runtime import get_runtime
    from .notebook.display import install
    from .ui.frontends import current_shell

    install(current_shell())
    return runtime or get_runtime()


def generate(
    prompt: str,
    *,
    provider: str | None = None,
    fast: bool = False,
    standard: bool = False,
    mode: str | None = None,
    resolution: str | None = None,
    duration: str | int | None = None,
    aspect_ratio: str | None = None,
    seed: int | None = None,
    generate_audio: bool | None = None,
    no_audio: bool = False,
    end_user_id: str | None = None,
    image: Any = None,
    end_image: Any = None,
    ref_images: Any = None,
    ref_videos: Any = None,
    ref_audios: Any = None,
    timeout: float | None = None,
    no_cache: bool = False,
    yes: bool = False,
    runtime: Runtime | None = None,
) -> Job:
    """Start a job at once (non-blocking) and return it; `.wait()` (or `await job`) gives
    the Result. The options are the magic's: `image` is -i, `ref_images` --ref-image (one
    input or a list), and so on; anything not given takes its `%config Seedance.*`
    default. Cost limits and the cache apply as in the magic."""
    from .app import cells
    from .spec.keywords import request_from_options

    rt = _runtime(runtime)
    settings = rt.settings
    request = request_from_options(
        prompt,
        settings.defaults,
        provider=provider,
        fast=fast,
        standard=standard,
        mode=mode,
        resolution=resolution,
        duration=duration,
        aspect_ratio=aspect_ratio,
        seed=seed,
        generate_audio=generate_audio,
        no_audio=no_audio,
        end_user_id=end_user_id,
        image=image,
        end_image=end_image,
        ref_images=ref_images,
        ref_videos=ref_videos,
        ref_audios=ref_audios,
        timeout=timeout,
        no_cache=no_cache,
        yes=yes,
    )
    plan = cells.make_plan(request, defaults=settings.defaults, provider=settings.provider)
    cells.guard([plan], rt, yes=request.yes)
    return cells.launch(plan, rt)


def batch(
    rows: Any,
    *,
    concurrency: int | None = None,
    skip_bad: bool = False,
    retry_failed: bool = False,
    runtime: Runtime | None = None,
    **options: Any,
) -> Batch:
    """Start one video per row at once (non-blocking) and return the Batch; `.wait()`
    gives a table with one row per input row, in order (a pandas DataFrame when pandas
    is installed, else a list of dicts): prompt, status, seed, path, cost_usd, ...

    `rows` is a list of prompts, a list of dicts, a pandas DataFrame or the path of a CSV
    file; a row has a `prompt` and may give any of generate()'s options by name (`seed`,
    `duration`, `fast`, `image`, ...); the keyword `options` apply to every row unless the
    row gives its own. Every row is checked, and the total estimate against the budget,
    before anything is sent: a bad row is reported by its number (from 0) and nothing is
    sent unless `skip_bad`. At most `concurrency` jobs (default Seedance.concurrency) are
    in flight. The same batch run again sends only the rows not finished yet (failed
    ones too with `retry_failed`)."""
    import sys

    from .app.batch import start_batch
    from .app.batch_plan import plan_batch
    from .errors import InvalidRequest

    if concurrency is not None and (
        isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1
    ):
        raise InvalidRequest(f"concurrency: {concurrency!r} is not allowed; use a whole number from 1")
    rt = _runtime(runtime)
    plan = plan_batch(rows, options, rt, skip_bad=skip_bad, retry_failed=retry_failed)
    for warning in plan.warnings:
        print(f"seedance: {warning}", file=sys.stderr)
    return start_batch(plan, rt, concurrency=concurrency)


def story(
    shots: Any,
    *,
    provider: str | None = None,
    fast: bool = False,
    standard: bool = False,
    mode: str | None = None,
    resolution: str | None = None,
    duration: str | int | None = None,
    aspect_ratio: str | None = None,
    seed: int | None = None,
    generate_audio: bool | None = None,
    no_audio: bool = False,
    end_user_id: str | None = None,
    image: Any = None,
    timeout: float | None = None,
    no_cache: bool = False,
    yes: bool = False,
    runtime: Runtime | None = None,
) -> Story:
    """Start a story at once (non-blocking) and return it: the shots (a list of prompts)
    made one after another, each after the first from the last frame of the one before,
    stitched into one film. `.wait()` (or `await story`) gives the StoryResult (`.path`
    is the film). The options are generate()'s and apply to every shot; a shot may be
    {"prompt": ..., "duration": 6} to change its duration, tier, sound or seed. `seed=N`
    gives shot k the seed N+k-1. The whole story's estimate is checked against the
    budget before the first shot is sent; a seeded story run again replays for $0."""
    from .app import cells
    from .app.story import launch_story
    from .app.story_plan import plan_story
    from .spec.story_parse import story_from_options

    rt = _runtime(runtime)
    settings = rt.settings
    request = story_from_options(
        shots,
        settings.defaults,
        provider=provider,
        fast=fast,
        standard=standard,
        mode=mode,
        resolution=resolution,
        duration=duration,
        aspect_ratio=aspect_ratio,
        seed=seed,
        generate_audio=generate_audio,
        no_audio=no_audio,
        end_user_id=end_user_id,
        image=image,
        timeout=timeout,
        no_cache=no_cache,
        yes=yes,
    )
    plan = plan_story(request, rt)
    count = len(request)
    what = f"story of {count} shot{'' if count == 1 else 's'}"
    cells.check_budget(plan.to_pay, settings, rt, yes=request.base.yes, what=what)
    return launch_story(plan, rt)


def coach(
    prompt: str,
    *,
    provider: str | None = None,
    fast: bool = False,
    standard: bool = False,
    mode: str | None = None,
    resolution: str | None = None,
    duration: str | int | None = None,
    aspect_ratio: str | None = None,
    seed: int | None = None,
    generate_audio: bool | None = None,
    no_audio: bool = False,
    end_user_id: str | None = None,
    image: Any = None,
    end_image: Any = None,
    ref_images: Any = None,
    ref_videos: Any = None,
    ref_audios: Any = None,
    timeout: float | None = None,
    no_cache: bool = False,
    yes: bool = False,
) -> list[Hint]:
    """Hints on a prompt from the prompting guide, before anything is paid for: errors
    (the request would be refused), warnings (the video would likely miss), tips. Takes
    generate()'s options, with the same `%config Seedance.*` defaults; sends nothing,
    reads no file and starts no emulator. Each Hint prints as one line."""
    from .render.coach import Hints
    from .settings import current
    from .spec.coach import coach_prompt

    hints = coach_prompt(
        prompt,
        current().defaults,
        provider=provider,
        fast=fast,
        standard=standard,
        mode=mode,
        resolution=resolution,
        duration=duration,
        aspect_ratio=aspect_ratio,
        seed=seed,
        generate_audio=generate_audio,
        no_audio=no_audio,
        end_user_id=end_user_id,
        image=image,
        end_image=end_image,
        ref_images=ref_images,
        ref_videos=ref_videos,
        ref_audios=ref_audios,
        timeout=timeout,
        no_cache=no_cache,
        yes=yes,
    )
    return Hints(hints)


def history(limit: int = 20, search: str | None = None, *, here: bool = False) -> Results:
    """Past results from the journal, newest first; `search` finds a text in the prompt,
    a provider, the start of a request id, or a seed; `here` keeps the videos made in this
    folder. A list of Result that turns into a table: `sd.history().to_pandas()` (with
    pandas installed) or `.records()`."""
    from .app.history import history_results

    return history_results(_runtime(None), limit, search, here=here)


def studio() -> Studio:
    """A widget panel to generate, browse, reload and compare without writing code."""
    from .app.studio import Studio

    return Studio(_runtime(None))


def compare(*results: Any) -> CompareView:
    """Play two or more results (or jobs, or a grid's JobGroup) side by side with one
    play/pause/seek for all."""
    from .app.compare import compare_view

    return compare_view(*results)


def export(
    results: Any,
    path: str | os.PathLike[str] = "seedance_videos.html",
    *,
    embed: bool = False,
    title: str | None = None,
) -> Path:
    """Write `results` (sd.history(), a grid's results, a list of results or jobs) as one
    page to share, and return its path: each video with its poster, prompt, seed, model,
    provider, cost, date, request id and the cell that makes it again. The videos are
    linked by their paths relative to the page (share the page with its videos), or put
    inside it with `embed=True`. A job still under way is waited for."""
    from .app.export import export_page

    return export_page(results, path, embed=embed, title=title)
