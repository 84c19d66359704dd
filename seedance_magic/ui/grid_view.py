"""The grid of a JobGroup: pure text and HTML renderers, and the live `GridView` widget.

The widget is a header (the total cost line and "Cancel all") over a GridBox of cells,
2 to 4 columns by count; each cell is its caption (seed and swept values) over the
single-job view of ui/progress.py, which turns into the player when its video is ready.
The renderers serve `repr()`, terminals, `--wait` and static exports: one line per cell,
and a grid of `<video>` elements with captions. Everything from the user is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ipywidgets import HTML, Button, GridBox, HBox, Layout, VBox

from . import style
from .html import badge_html, copy_button, esc, outcome_html, status_html, video_html, video_src
from .progress import JobView, set_trait, show, style_widget
from .text import (
    EMULATOR,
    SEP,
    caption_text,
    endpoint_label,
    estimate_text,
    provider_label,
    reproduce_text,
    size_text,
    status_text,
    via_text,
)

if TYPE_CHECKING:
    from ..commands import Shown
    from ..endpoints import CostEstimate
    from ..engine import Snapshot
    from ..grid import JobGroup
    from ..pipeline import Plan

WAITING = "waiting for a slot"
PROMPT_CHARS = 120
GRID_CSS = f"""
.sd-grid {{ font-family: {style.FONT}; color: {style.TEXT}; max-width: 100%; }}
.sd-grid .sd-grid-top {{ gap: 12px; align-items: center; }}
.sd-grid .sd-grid-cell {{
  border: 1px solid {style.BORDER}; border-radius: 6px; padding: 4px 6px; min-width: 0;
}}
.sd-grid .seedance-job {{ max-width: none; border-left-width: 2px; padding-left: 6px; }}
.sd-grid .seedance-job .seedance-prompt,
.sd-grid .seedance-player .seedance-prompt,
.sd-grid .seedance-player .seedance-reproduce,
.sd-grid .seedance-player .seedance-path,
.sd-grid .seedance-player .seedance-inputs {{ display: none; }}
.sd-grid .seedance-player .seedance-seed {{ font-size: 18px; }}
.sd-grid .seedance-row {{ flex-wrap: wrap; }}
.sd-grid .seedance-bar {{ max-width: 100%; }}
"""


# --------------------------------------------------------------------- pure text
def grid_columns(count: int) -> int:
    """Columns for `count` cells: 1, 2 for 2 and 4, 3 for 3, 5, 6 and 9, else 4."""
    if count <= 1:
        return 1
    if count in (2, 4):
        return 2
    if count in (3, 5, 6, 9):
        return 3
    return 4


def cost_line(snapshots: Sequence[Snapshot], estimate: CostEstimate) -> str:
    """ "4 videos · est. $3.87 · 2 done, 2 running · charged $0.00 (emulator: fal would
    charge $1.94)": the estimate, then how the jobs stand and what they cost so far."""
    count = len(snapshots)
    parts = [f"{count} video{'' if count == 1 else 's'}", estimate_text(estimate)]
    tally: dict[str, int] = {}
    for snap in snapshots:
        word = {"completed": "done", "unknown": "unknown"}.get(snap.state.value, snap.state.value)
        if not snap.state.terminal:
            word = "under way"
        tally[word] = tally.get(word, 0) + 1
    parts.append(", ".join(f"{n} {word}" for word, n in tally.items()))
    results = [s.result for s in snapshots if s.result is not None]
    if results:
        charged = sum(r.charged_usd for r in results)
        line = f"charged ${charged:.2f}"
        would = sum(r.cost_usd for r in results if r.emulated and not r.cached)
        if would:
            who = " / ".join(dict.fromkeys(provider_label(r.provider) for r in results))
            line += f" (emulator: {who} would charge ${would:.2f})"
        cached = sum(r.cached for r in results)
        if cached:
            line += f", {cached} cached"
        parts.append(line)
    return SEP.join(parts)


def cell_line(
    snapshot: Snapshot, caption: dict[str, Any], *, waiting: bool = False, now: float | None = None
) -> str:
    """One cell for terminals: "seed 3 · aspect_ratio 9:16: running · 0:04 · 40%"."""
    state = f"pending{SEP}{WAITING}" if waiting else status_text(snapshot, now)
    label = caption_text(caption)
    return f"{label}: {state}" if label else state


def _cells(group: JobGroup) -> list[tuple[Snapshot, dict[str, Any], bool]]:
    return [
        (job.snapshot, dict(group.captions[i]), group.waiting_for_slot(i)) for i, job in enumerate(group.jobs)
    ]


def grid_text(group: JobGroup, now: float | None = None) -> str:
    """The grid in a few lines: the cost line, then one line per cell."""
    cells = _cells(group)
    emulated = EMULATOR if any(s.emulated for s, _, _ in cells) else ""
    via = SEP.join(dict.fromkeys(via_text(s.provider) for s, _, _ in cells))
    head = SEP.join(
        p for p in ("seedance grid", cost_line([s for s, _, _ in cells], group.estimate), via, emulated) if p
    )
    width = len(str(len(cells)))
    lines = [
        f"  {i + 1:>{width}}. {cell_line(s, c, waiting=w, now=now)}" for i, (s, c, w) in enumerate(cells)
    ]
    return "\n".join([head, *lines])


# --------------------------------------------------------------------- pure HTML
def caption_html(caption: dict[str, Any]) -> str:
    """The caption in bold: what this cell varies."""
    text = caption_text(caption)
    return f'<div class="sd-grid-caption" style="font-weight:600">{esc(text)}</div>' if text else ""


def cell_html(
    snapshot: Snapshot,
    caption: dict[str, Any],
    *,
    embed: bool = False,
    waiting: bool = False,
    prompt: str = "",
) -> str:
    """A cell as static HTML: the video with its caption, or how the job stands."""
    result = snapshot.result
    if snapshot.state.value != "completed" or result is None:
        if waiting:
            body = f'<div class="seedance-status">pending{SEP}{WAITING}</div>'
        elif snapshot.state.terminal:
            body = outcome_html(snapshot)
        else:
            body = status_html(snapshot, prompt="")
        return f'<div class="sd-grid-cell" style="min-width:0">{caption_html(caption)}{body}</div>'
    src = video_src(result.path, embed) if result.path is not None else result.video_url
    facts = [f"seed {result.seed}" if result.seed is not None else "", size_text(result)]
    facts.append("$0 (cached)" if result.cached else "$0" if result.emulated else f"${result.cost_usd:.2f}")
    detail = esc(SEP.join(f for f in facts if f))
    if result.emulated:
        detail += " " + badge_html()
    cell = reproduce_text(result)
    return (
        '<figure class="sd-grid-cell" style="margin:0;min-width:0">'
        f"{video_html(src, width=result.width, height=result.height, label=prompt or result.prompt)}"
        f'<figcaption style="margin-top:4px">{caption_html(caption)}'
        f'<div style="{style.SUBTLE};font-size:12px">{detail}</div>'
        + (f'<div style="margin-top:4px">{copy_button(cell, "copy cell")}</div>' if cell else "")
        + "</figcaption></figure>"
    )


def head_html(group: JobGroup) -> str:
    """The header: what the grid is, its prompt, and the cost line."""
    snapshots = [job.snapshot for job in group.jobs]
    prompt = str(group.jobs[0].spec.arguments.get("prompt", "")) if group.jobs else ""
    short = prompt if len(prompt) <= PROMPT_CHARS else prompt[: PROMPT_CHARS - 1] + "…"
    endpoints = dict.fromkeys(endpoint_label(s.endpoint_id) for s in snapshots)
    title = f'<span style="{style.TITLE}">{esc(" / ".join(endpoints) or "seedance")} grid</span>'
    vias = dict.fromkeys(via_text(s.provider) for s in snapshots)
    title += f' <span class="seedance-via" style="{style.SUBTLE}">{esc(" / ".join(vias))}</span>'
    if any(s.emulated for s in snapshots):
        title += " " + badge_html()
    return (
        f'<div class="sd-grid-head" style="{style.BOX}">{title}'
        f'<div class="seedance-prompt" title="{esc(prompt)}" style="{style.SUBTLE};font-size:12px">'
        f"{esc(short)}</div>"
        f'<div class="sd-grid-cost">{esc(cost_line(snapshots, group.estimate))}</div></div>'
    )


def grid_html(group: JobGroup, *, embed: bool = False) -> str:
    """The whole grid as static HTML (exports, `--wait`): header and cells."""
    columns = grid_columns(len(group.jobs))
    prompt = str(group.jobs[0].spec.arguments.get("prompt", "")) if group.jobs else ""
    cells = "".join(cell_html(s, c, embed=embed, waiting=w, prompt=prompt) for s, c, w in _cells(group))
    return (
        f'<div class="sd-grid {style.NO_MATH}" style="{style.BOX}">{head_html(group)}'
        f'<div style="display:grid;grid-template-columns:repeat({columns},minmax(0,1fr));gap:10px;'
        f'margin-top:6px">{cells}</div></div>'
    )


def static_grid(group: JobGroup, *, embed: bool = False) -> Shown:
    """The grid as it stands, as text and HTML without widgets (what --wait leaves)."""
    from ..commands import Shown

    return Shown(grid_text(group), grid_html(group, embed=embed))


def dry_run_grid(plans: Sequence[Plan], total: CostEstimate) -> Shown:
    """What `--dry-run` shows for a grid: each cell's endpoint, estimate and arguments."""
    from ..commands import Shown

    note = f" ({total.note})" if total.note else ""
    lines = [f"grid of {len(plans)} videos, {estimate_text(total)}{note}"]
    rows = []
    for i, plan in enumerate(plans, 1):
        label = caption_text(plan.caption or {}) or f"cell {i}"
        arguments = json.dumps(dict(plan.arguments), ensure_ascii=False, default=str)
        lines.append(
            f"  {i}. {label}{SEP}{endpoint_label(plan.endpoint_id, short=True)}{SEP}"
            f"{estimate_text(plan.estimate)}\n     {arguments}"
        )
        endpoint = endpoint_label(plan.endpoint_id, short=True)
        rows.append(
            f"<tr><td>{i}</td><td>{esc(label)}</td><td>{esc(endpoint)}</td>"
            f"<td>{esc(estimate_text(plan.estimate))}</td>"
            f'<td><code style="font-family:{style.MONO};font-size:11px">{esc(arguments)}</code></td></tr>'
        )
    lines.append("nothing was sent (--dry-run)")
    html = (
        f'<div class="seedance-dry-run {style.NO_MATH}" style="{style.BOX}">'
        f'<div><span style="{style.TITLE}">dry run</span>'
        f"{SEP}nothing was sent{SEP}{esc(lines[0])}</div><table>"
        "<tr><th>#</th><th>cell</th><th>endpoint</th><th>estimate</th><th>arguments</th></tr>"
        f"{''.join(rows)}</table></div>"
    )
    return Shown("\n".join(lines), html)


# ------------------------------------------------------------------------- widget
_shared: dict[str, Any] = {}


def grid_style_widget() -> HTML:
    """One hidden HTML widget carrying the grid's stylesheet, shared by every grid."""
    widget = _shared.get("style")
    if widget is None or widget.comm is None:
        widget = HTML(value=f"<style>{GRID_CSS}</style>", layout=Layout(display="none"))
        _shared["style"] = widget
    return widget


class GridView(VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A JobGroup as a widget: the cost line and "Cancel all" over one cell per job.

    `tick=False` starts no timers (tests); `embed` inlines the videos.
    """

    def __init__(self, group: JobGroup, *, embed: bool = False, tick: bool = True, **kwargs: Any) -> None:
        self.group = group
        self._embed = embed
        head = HTML(head_html(group), _dom_classes=("sd-grid-header",))
        cancel = Button(
            description="Cancel all",
            tooltip="cancel every job of this grid that has not ended",
            layout=Layout(width="auto", flex="0 0 auto"),
            _dom_classes=("sd-grid-cancel",),
        )
        self.views = [JobView(job, embed=embed, tick=tick) for job in group.jobs]
        self._notes = [
            HTML(f'<div style="{style.SUBTLE};font-size:12px">{WAITING}</div>', layout=Layout(display="none"))
            for _ in group.jobs
        ]
        cells = [
            VBox((HTML(caption_html(dict(caption))), view, note), _dom_classes=("sd-grid-cell",))
            for caption, view, note in zip(group.captions, self.views, self._notes, strict=True)
        ]
        columns = grid_columns(len(cells))
        self.grid = GridBox(
            cells, layout=Layout(grid_template_columns=f"repeat({columns}, minmax(0, 1fr))", grid_gap="10px")
        )
        top = HBox((head, cancel), _dom_classes=("sd-grid-top",))
        kwargs.setdefault("_dom_classes", ("sd-grid",))
        super().__init__(children=(style_widget(), grid_style_widget(), top, self.grid), **kwargs)
        self._head, self._cancel = head, cancel
        self._cancelled = False
        self._unsubscribe: Any = None
        cancel.on_click(self._on_cancel)
        self._render()
        if not group.done:
            self._unsubscribe = group.subscribe(self._render)

    def _on_cancel(self, _button: Any = None) -> None:
        if not self._cancelled:
            self._cancelled = True
            self._render()
            self.group.cancel()

    def _render(self) -> None:
        group = self.group
        set_trait(self._head, "value", head_html(group))
        for index, note in enumerate(self._notes):
            show(note, group.waiting_for_slot(index) and not self._cancelled)
        done = group.done
        label = "all ended" if done else "cancelling…" if self._cancelled else "Cancel all"
        set_trait(self._cancel, "description", label)
        set_trait(self._cancel, "disabled", done or self._cancelled)
        if done and self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for view in self.views:
            view.close()
        super().close()

    def __repr__(self) -> str:
        return grid_text(self.group)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = repr(self)
        data["text/html"] = grid_html(self.group, embed=self._embed)
        return data
