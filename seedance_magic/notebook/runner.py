"""The cell runner: what `%%seedance` does with a parsed request, for one video and for a
grid alike.

    plan (app/cells, app/grids) -> dry run? show it, send nothing
        -> budget (the total of what is not cached) -> launch (a Job or a JobGroup)
        -> bind --out -> show the live view (a widget in a kernel, text lines elsewhere)
        -> with --wait (or where no loop keeps running) block, then leave the result's
           static form as the cell's output
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ..app import cells, grids
from ..app.reports import coached, dry_run
from ..engine.group import JobGroup
from ..engine.job import Job
from ..render.grid import dry_run_grid
from ..render.shown import Shown
from ..render.text import caption_text
from ..spec.request import GenerationRequest
from ..ui.frontends import live_widgets, should_embed
from ..ui.show import display, live_view
from ..ui.terminal import TextProgress

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

Runnable = Job | JobGroup
BACKGROUND = "seedance: started; it goes on in the background (%seedance jobs shows it, .wait() waits for it)"


def run_cell(request: GenerationRequest, shell: Any, runtime: Runtime) -> Runnable | None:
    """Plan, guard, launch and show one `%%seedance` cell; the Job (or JobGroup for a
    grid), or None for a dry run."""
    settings = runtime.settings
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
    to_pay = [p for p in plans if cells.cache_hit(p, settings, runtime) is None]
    if to_pay:
        what = f"grid of {len(to_pay)} videos" if request.is_grid else "run"
        cost = grids.total_of(to_pay) if request.is_grid else to_pay[0].estimate
        cells.check_budget(cost, settings, runtime, yes=request.yes, what=what)
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


def show(runnable: Runnable, shell: Any, runtime: Runtime, *, wait: bool) -> None:
    """A live view of the job or grid (a widget in a kernel, text lines elsewhere); when
    waiting, block until it ends and leave its static form as the cell's output."""
    settings = runtime.settings
    embed = should_embed(settings.embed)
    handle = None
    if live_widgets(shell, settings.headless):
        handle = display(live_view(runnable, embed=embed), display_id=True)
    else:  # text lines; a job left to run on in the background prints only how it ended
        quiet = not wait and not runtime.loop_keeps_running()
        if quiet:
            print(BACKGROUND, file=sys.stderr)
        if isinstance(runnable, JobGroup):
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
        final = static_form(runnable)
        if handle is not None:
            handle.update(final)
        else:
            display(final)


def static_form(runnable: Runnable) -> Shown:
    """What stays in the notebook once the job or grid has ended: no widget, only text
    and HTML."""
    bundle = runnable._repr_mimebundle_()
    return Shown(bundle["text/plain"], bundle.get("text/html"))


def cell_label(group: JobGroup, index: int) -> str:
    """`2/4 seed 3`: the cell's place in the grid and its caption, for text progress."""
    caption = caption_text(group.captions[index])
    return f"{index + 1}/{len(group)}" + (f" {caption}" if caption else "")
