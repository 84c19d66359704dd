"""The cell runner: what `%%seedance` does with a parsed request, for one video and for a
grid alike.

    plan (app/cells, app/grids) -> dry run? show it, send nothing
        -> guard (unknown submits, the budget on the total of what is new, the output
           folder) -> launch (a Job or a JobGroup)
        -> bind --out -> show the live view (a widget in a kernel, text lines elsewhere)
        -> with --wait (or where no loop keeps running) block
        -> when the job ends, waited for or not, its static form (text, the HTML player,
           a poster; no widget view) replaces the live view as the cell's output
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ..app import cells, grids
from ..app.reports import coached, dry_run
from ..engine.group import JobGroup
from ..engine.job import Job
from ..render.grid import dry_run_grid
from ..render.text import caption_text
from ..spec.request import GenerationRequest
from ..spec.story import StoryRequest
from ..ui.frontends import live_widgets
from ..ui.show import display
from ..ui.static import static_bundle
from ..ui.terminal import StoryTextProgress, TextProgress
from .display import options, present

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

Runnable = Job | JobGroup
BACKGROUND = "seedance: started; it goes on in the background (%seedance jobs shows it, .wait() waits for it)"


def run_cell(request: GenerationRequest | StoryRequest, shell: Any, runtime: Runtime) -> Any:
    """Plan, guard, launch and show one `%%seedance` cell; the Job (or JobGroup for a
    grid, Story for a story, Batch for --batch: notebook/batch.py), or None for a dry run."""
    if isinstance(request, StoryRequest) or request.continue_from is not None:
        from .stories import start_story

        started = start_story(request, shell, runtime)
        if not isinstance(started, GenerationRequest):  # a story (None: a dry run)
            if started is not None:
                show(started, shell, runtime, wait=started.waits or not runtime.loop_keeps_running())
            return started
        request = started  # --continue without --stitch: one image-to-video
    settings = runtime.settings
    if request.batch is not None:
        from .batch import run_batch

        return run_batch(request, shell, runtime)
    if request.coach:
        display(coached(request))
        return None
    if request.is_grid:
        plans = grids.plan_cells(request, settings.defaults, settings.provider)
    else:
        plans = [cells.make_plan(request, defaults=settings.defaults, provider=settings.provider)]
    warnings = plans[0].inputs.warnings if plans[0].inputs is not None else ()
    for warning in warnings:
        print(f"seedance: {warning}", file=sys.stderr)
    if request.dry_run:
        display(dry_run_grid(plans, grids.total_of(plans)) if request.is_grid else dry_run(plans[0]))
        return None
    cells.guard(plans, runtime, yes=request.yes, grid=request.is_grid)
    runnable: Runnable = (
        grids.launch_group(plans, runtime) if request.is_grid else cells.launch(plans[0], runtime)
    )
    if request.out:
        shell.user_ns[request.out] = runnable
    # Where no loop runs between cells (terminal IPython) a cell waits, unless --no-wait:
    # then its job goes on in the runtime's background thread.
    background = request.no_wait and not runtime.loop_keeps_running()
    show(runnable, shell, runtime, wait=request.wait or not (runtime.loop_keeps_running() or background))
    return runnable


def show(runnable: Any, shell: Any, runtime: Runtime, *, wait: bool) -> None:
    """A live view of the job, grid or story (a widget in a kernel, text lines elsewhere)
    that leaves the static form (text, the HTML player, a poster; no widget view) as the
    cell's output once it ends, whether or not the cell waits for it."""
    settings = runtime.settings
    live = live_widgets(shell, settings.headless)
    if live:  # a replayed (ended) job shows its static form at once
        present(runnable, shell, live=True)
    else:  # text lines; a job left to run on in the background prints only how it ended
        quiet = not wait and not runtime.loop_keeps_running()
        if quiet:
            print(BACKGROUND, file=sys.stderr)
        if getattr(runnable, "view", None) == "story":
            StoryTextProgress(runnable, sys.stderr)
        elif isinstance(runnable, JobGroup):
            for index, job in enumerate(runnable.jobs):
                prefix = f"seedance [{cell_label(runnable, index)}]: "
                TextProgress(job, sys.stderr, prefix=prefix, only_end=quiet)
        else:
            TextProgress(runnable, sys.stderr, only_end=quiet)
    if not wait:
        return
    try:
        runnable.wait()
    finally:
        if not live:  # a live view settles itself when the job ends
            display(static_bundle(runnable, **options(shell, settings.embed)), raw=True)


def cell_label(group: JobGroup, index: int) -> str:
    """`2/4 seed 3`: the cell's place in the grid and its caption, for text progress."""
    caption = caption_text(group.captions[index])
    return f"{index + 1}/{len(group)}" + (f" {caption}" if caption else "")
