"""A grid of jobs (a JobGroup) as text and static HTML: one line per cell for terminals
and `repr()`, and a grid of `<video>` elements with captions for `--wait` and exports.
Pure functions of the cells' snapshots; everything from the user is escaped. The live
widget is ui/grid.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..spec.cost import CostEstimate
from ..spec.providers import label as provider_label
from . import style
from .html import badge_html, copy_button, esc, outcome_html, status_html, video_html, video_src
from .player import SCOPE, SOUND_EVENTS, download_html, sound_button
from .shapes import SnapshotShape as Snapshot
from .shown import Shown
from .text import (
    EMULATOR,
    SEP,
    caption_text,
    endpoint_label,
    estimate_text,
    reproduce_text,
    size_text,
    status_text,
    via_text,
)

WAITING = "waiting for a slot"
PROMPT_CHARS = 120
Cell = tuple[Snapshot, Mapping[str, Any], bool]
"""One cell of a grid: its job's snapshot, its caption, and whether it waits for a slot."""


class PlannedCell(Protocol):
    """A cell of a grid not yet sent (app.cells.Plan), for the dry run."""

    @property
    def caption(self) -> Mapping[str, Any] | None: ...
    @property
    def arguments(self) -> Mapping[str, Any]: ...
    @property
    def endpoint_id(self) -> str: ...
    @property
    def estimate(self) -> CostEstimate: ...


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
    snapshot: Snapshot, caption: Mapping[str, Any], *, waiting: bool = False, now: float | None = None
) -> str:
    """One cell for terminals: "seed 3 · aspect_ratio 9:16: running · 0:04 · 40%"."""
    state = f"pending{SEP}{WAITING}" if waiting else status_text(snapshot, now)
    label = caption_text(caption)
    return f"{label}: {state}" if label else state


def grid_text(cells: Sequence[Cell], estimate: CostEstimate, now: float | None = None) -> str:
    """The grid in a few lines: the cost line, then one line per cell."""
    emulated = EMULATOR if any(s.emulated for s, _, _ in cells) else ""
    via = SEP.join(dict.fromkeys(via_text(s.provider) for s, _, _ in cells))
    head = SEP.join(
        p for p in ("seedance grid", cost_line([s for s, _, _ in cells], estimate), via, emulated) if p
    )
    width = len(str(len(cells)))
    lines = [
        f"  {i + 1:>{width}}. {cell_line(s, c, waiting=w, now=now)}" for i, (s, c, w) in enumerate(cells)
    ]
    return "\n".join([head, *lines])


# --------------------------------------------------------------------- pure HTML
def caption_html(caption: Mapping[str, Any]) -> str:
    """The caption in bold: what this cell varies."""
    text = caption_text(caption)
    return f'<div class="sd-grid-caption" style="font-weight:600">{esc(text)}</div>' if text else ""


def cell_html(
    snapshot: Snapshot,
    caption: Mapping[str, Any],
    *,
    embed: bool = False,
    waiting: bool = False,
    prompt: str = "",
    poster: str | None = None,
    src: str | None = None,
) -> str:
    """A cell as static HTML: the video (with its `poster`; `src` overrides its address)
    and its caption, or how the job stands."""
    result = snapshot.result
    if snapshot.state.value != "completed" or result is None:
        if waiting:
            body = f'<div class="seedance-status">pending{SEP}{WAITING}</div>'
        elif snapshot.state.terminal:
            body = outcome_html(snapshot)
        else:
            body = status_html(snapshot, prompt="")
        return f'<div class="sd-grid-cell" style="min-width:0">{caption_html(caption)}{body}</div>'
    if src is None:
        src = video_src(result.path, embed) if result.path is not None else result.video_url
    facts = [f"seed {result.seed}" if result.seed is not None else "", size_text(result)]
    facts.append("$0 (cached)" if result.cached else "$0" if result.emulated else f"${result.cost_usd:.2f}")
    detail = esc(SEP.join(f for f in facts if f))
    if result.emulated:
        detail += " " + badge_html()
    cell = reproduce_text(result)
    where = str(result.path) if result.path is not None else result.video_url
    player = video_html(
        src,
        width=result.width,
        height=result.height,
        poster=poster,
        label=prompt or result.prompt,
        where=where,
        events=SOUND_EVENTS,
    )
    controls = (
        sound_button(result.has_audio)
        + " "
        + download_html(src, result.path, embedded=src.startswith("data:"))
    )
    return (
        f'<figure class="sd-grid-cell {SCOPE}" style="margin:0;min-width:0">{player}'
        f'<figcaption style="margin-top:4px">{caption_html(caption)}'
        f'<div style="{style.SUBTLE};font-size:12px">{detail}</div>'
        f'<div class="seedance-file" style="font-size:11px;margin-top:2px">{controls}</div>'
        + (
            f'<div style="margin-top:4px">{copy_button(cell, "copy cell")}</div>'
            f'<pre class="seedance-reproduce" style="{style.PRE};font-size:11px">{esc(cell)}</pre>'
            if cell
            else ""
        )
        + "</figcaption></figure>"
    )


def head_html(cells: Sequence[Cell], estimate: CostEstimate, prompt: str) -> str:
    """The header: what the grid is, its prompt, and the cost line."""
    snapshots = [snapshot for snapshot, _, _ in cells]
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
        f'<div class="sd-grid-cost">{esc(cost_line(snapshots, estimate))}</div></div>'
    )


def grid_html(
    cells: Sequence[Cell],
    estimate: CostEstimate,
    prompt: str,
    *,
    embed: bool = False,
    posters: Sequence[str | None] = (),
    sources: Sequence[str | None] = (),
) -> str:
    """The whole grid as static HTML (exports, a finished grid's output): header and
    cells; `posters` are the cells' poster images and `sources` their videos' addresses,
    in order, where they are given."""
    columns = grid_columns(len(cells))

    def nth(values: Sequence[str | None], index: int) -> str | None:
        return values[index] if index < len(values) else None

    body = "".join(
        cell_html(s, c, embed=embed, waiting=w, prompt=prompt, poster=nth(posters, i), src=nth(sources, i))
        for i, (s, c, w) in enumerate(cells)
    )
    return (
        f'<div class="sd-grid {style.NO_MATH}" style="{style.BOX}">{head_html(cells, estimate, prompt)}'
        f'<div style="display:grid;grid-template-columns:repeat({columns},minmax(0,1fr));gap:10px;'
        f'margin-top:6px">{body}</div></div>'
    )


def dry_run_grid(plans: Sequence[PlannedCell], total: CostEstimate) -> Shown:
    """What `--dry-run` shows for a grid: each cell's endpoint, estimate and arguments."""
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
