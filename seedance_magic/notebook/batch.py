"""`%%seedance --batch ROWS`: the rows planned and checked (app/batch_plan.py), the
batch started (app/batch.py), `--out` bound, and one view shown: the live widget in a
kernel (replaced by the static form when the batch ends), text lines elsewhere. With
`--wait` (or where no loop keeps running) the cell blocks until every row has ended."""

from __future__ import annotations

import collections
import sys
from typing import TYPE_CHECKING, Any

from ..app.batch import Batch, start_batch
from ..app.batch_plan import plan_batch
from ..render.batch import plan_text
from ..render.shown import Shown
from ..spec.request import GenerationRequest
from ..ui.batch import BatchTextProgress
from ..ui.frontends import live_widgets, should_embed
from ..ui.show import display, live_view

if TYPE_CHECKING:
    from ..engine.runtime import Runtime


def run_batch(request: GenerationRequest, shell: Any, runtime: Runtime) -> Batch | None:
    """Plan, guard, start and show a `--batch` cell; the Batch, or None for a dry run."""
    plan = plan_batch(
        request.batch,
        dict(request.batch_options),
        runtime,
        skip_bad=request.skip_bad,
        flags=True,
        budget=not request.dry_run,
    )
    for warning in plan.warnings:
        print(f"seedance: {warning}", file=sys.stderr)
    if request.dry_run:
        counts = collections.Counter(row.action for row in plan.rows)
        display(Shown(plan_text(len(plan.rows), counts, plan.estimate)))
        return None
    batch = start_batch(plan, runtime)
    if request.out:
        shell.user_ns[request.out] = batch
    show_batch(batch, shell, runtime, wait=request.wait or not runtime.loop_keeps_running())
    return batch


def show_batch(batch: Batch, shell: Any, runtime: Runtime, *, wait: bool) -> None:
    """The batch's one view; when it ends, its static form takes the view's place (a
    saved notebook keeps text and HTML, not a widget)."""
    settings = runtime.settings
    handle = None
    if live_widgets(shell, settings.headless):
        handle = display(live_view(batch, embed=should_embed(settings.embed)), display_id=True)
    else:
        BatchTextProgress(batch)
    if not wait:
        if handle is not None:

            def ended() -> None:
                if batch.done:
                    handle.update(static_form(batch))

            batch.subscribe(ended)
        return
    try:
        batch.wait()
    finally:
        final = static_form(batch)
        if handle is not None:
            handle.update(final)
        else:
            display(final)


def static_form(batch: Batch) -> Shown:
    bundle = batch._repr_mimebundle_()
    return Shown(bundle["text/plain"], bundle["text/html"])
