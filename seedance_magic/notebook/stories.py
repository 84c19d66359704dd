"""What the cell runner does with a story (`%%seedance --story`) and with `--continue`.

--continue NAME_OR_REQUEST_ID   the result it names (a variable, else the journal)
    without --stitch: one image-to-video from its last frame, run as any cell
a story (or --continue with --stitch)
    -> plan (shot 1's inputs checked, the journal's finished shots found)
    -> --coach / --dry-run: show it, send nothing
    -> budget: the whole story's estimate, less its finished shots, before shot 1
    -> launch (the running Story when this story runs already) -> bind --out
then the runner shows it (notebook/runner.py).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from ..app import cells
from ..app.continuing import resolve_continue
from ..app.story import Story, launch_story
from ..app.story_plan import StoryPlan, continue_request, plan_story
from ..render.coach import Hints, hints_html
from ..render.html import esc
from ..render.shown import Shown
from ..render.style import BOX, NO_MATH, PRE, TITLE
from ..render.text import SEP, endpoint_label, estimate_text
from ..spec.coach import coach
from ..spec.formats import counted
from ..spec.request import GenerationRequest
from ..spec.story import StoryRequest, at_resolution
from ..ui.show import display

if TYPE_CHECKING:
    from ..engine.runtime import Runtime


def start_story(
    request: GenerationRequest | StoryRequest, shell: Any, runtime: Runtime
) -> Story | GenerationRequest | None:
    """Plan, guard and start a story (bound to its --out name); None for a dry run or
    --coach. A `--continue` cell without --stitch comes back as the request it stands
    for (image-to-video from the clip's last frame), for the runner to run as any cell."""
    base = request.base if isinstance(request, StoryRequest) else request
    prelude = None
    if base.continue_from is not None:
        namespace = shell.user_ns if shell is not None else {}
        prelude = resolve_continue(base.continue_from, namespace, runtime)
        request = at_resolution(request, prelude.arguments.get("resolution"))
        base = request.base if isinstance(request, StoryRequest) else request
    if isinstance(request, GenerationRequest):
        if not request.stitch:
            assert prelude is not None
            return continue_request(request, prelude)
        request = StoryRequest(request, (request,))
    if base.coach:
        display(coached(request))
        return None
    plan = plan_story(request, runtime, prelude=prelude, stitch_prelude=base.stitch)
    for warning in plan.first.inputs.warnings if plan.first.inputs is not None else ():
        print(f"seedance: {warning}", file=sys.stderr)
    if base.dry_run:
        display(dry_run(plan))
        return None
    what = f"story of {counted(len(request), 'shot')}"
    cells.check_budget(plan.to_pay, runtime.settings, runtime, yes=base.yes, what=what)
    story: Story = launch_story(plan, runtime)
    if base.out:
        shell.user_ns[base.out] = story
    return story


def coached(story: StoryRequest) -> Shown:
    """What `--story --coach` shows: each shot's hints (nothing is sent)."""
    texts, htmls = [], []
    for number in range(1, len(story) + 1):
        hints = Hints(coach(story.runs_as(number - 1)))
        texts.append(f"shot {number}:\n{hints!r}")
        htmls.append(f'<div style="{TITLE}">shot {number}</div>' + (hints_html(hints) or esc(repr(hints))))
    line = "nothing was sent (--coach)"
    return Shown("\n".join([*texts, line]), "".join(htmls) + f"<div>{esc(line)}</div>")


def dry_run(plan: StoryPlan) -> Shown:
    """What `--story --dry-run` shows: each shot's endpoint, estimate and arguments (a
    later shot's start frame is the last frame of the one before) with the prompt
    coach's hints for it, the total, and what the journal has made already."""
    story = plan.request
    note = f" ({plan.estimate.note})" if plan.estimate.note else ""
    lines = [f"story of {counted(len(story), 'shot')}, {estimate_text(plan.estimate)}{note}"]
    rows = []
    for index, estimate in enumerate(story.estimates()):
        shot = story.runs_as(index)
        arguments = dict(plan.first.arguments) if index == 0 else _arguments(shot, index)
        shown = json.dumps(arguments, ensure_ascii=False, default=str)
        done = " (made before: replayed for $0)" if index in plan.done else ""
        label = f"{endpoint_label(shot.endpoint.id, short=True)}{SEP}{estimate_text(estimate)}{done}"
        hints = Hints(coach(shot))
        lines.append(f"  {index + 1}. {label}\n     {shown}")
        lines += [f"     {line}" for line in repr(hints).splitlines()] if hints else []
        rows.append(
            f"<tr><td>{index + 1}</td><td>{esc(label)}</td><td><code>{esc(shown)}</code>"
            f"{hints_html(hints)}</td></tr>"
        )
    lines += ["reproduce:", plan.reproduce, "nothing was sent (--dry-run)"]
    html = (
        f'<div class="seedance-dry-run {NO_MATH}" style="{BOX}"><div><span style="{TITLE}">dry run</span>'
        f"{SEP}nothing was sent{SEP}{esc(lines[0])}</div><table>"
        f"<tr><th>shot</th><th>endpoint and estimate</th><th>arguments</th></tr>{''.join(rows)}</table>"
        f'<pre style="{PRE}">{esc(plan.reproduce)}</pre></div>'
    )
    return Shown("\n".join(lines), html)


def _arguments(shot: GenerationRequest, index: int) -> dict[str, Any]:
    from ..spec.plan import arguments

    values = arguments(shot)
    values["image_url"] = f"<the last frame of shot {index}>"
    return values
