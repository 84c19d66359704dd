"""`%seedance jobs`: the jobs of this kernel as a table, in text and HTML.

One row per job, oldest first, left-aligned columns: its state (with `cached` for a
replay of an earlier result, and how many times a result was replayed), how long it took
or has taken, what it cost or is estimated to cost, its request id, and its prompt cut
at a word. A pure function of the rows app/reports.py builds from the jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .html import esc
from .style import NO_MATH

__all__ = ["JobRow", "cut", "jobs_html", "jobs_text"]

PROMPT_CHARS = 60
HEAD = ("", "state", "time", "cost", "request id", "prompt")
LEFT = "text-align:left;vertical-align:top;padding:2px 10px 2px 0"


@dataclass(frozen=True)
class JobRow:
    """One job as the table shows it."""

    state: str  # "completed", "running 40%", "cached", "completed, replayed 2 times"
    time: str  # "0:07", or "" for a replay
    cost: str  # "$0.45", "est. $0.45", "$0 (emulator)"
    request_id: str  # "" when nothing was sent
    prompt: str  # with the cell's caption in front for a grid ("seed 3: ...")


def cut(text: str, limit: int = PROMPT_CHARS) -> str:
    """`text` on one line, at most `limit` characters: cut at the last word that fits,
    with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-") + "…"


def _cells(row: JobRow, number: int) -> tuple[str, ...]:
    return (f"{number}", row.state, row.time, row.cost, row.request_id or "(not sent)", cut(row.prompt))


def jobs_text(rows: Sequence[JobRow], *, note: str = "") -> str:
    """The table for terminals and text/plain, its columns padded to line up."""
    if not rows:
        return "no jobs in this kernel yet"
    table = [HEAD] + [_cells(row, n) for n, row in enumerate(rows, 1)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEAD))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in table
    ]
    return "\n".join(lines + ([note] if note else []))


def jobs_html(rows: Sequence[JobRow], *, note: str = "") -> str:
    """The table as HTML, left-aligned (Jupyter right-aligns table cells by default), the
    request ids in code and the whole prompt in each prompt's tooltip."""
    if not rows:
        return f"<div>{esc(jobs_text(rows))}</div>"
    head = "".join(f'<th style="{LEFT}">{esc(h)}</th>' for h in HEAD)
    body = []
    for number, row in enumerate(rows, 1):
        cells = _cells(row, number)
        rid = f"<code>{esc(cells[4])}</code>" if row.request_id else esc(cells[4])
        body.append(
            "<tr>"
            + "".join(f'<td style="{LEFT}">{esc(c)}</td>' for c in cells[:4])
            + f'<td style="{LEFT}">{rid}</td>'
            + f'<td style="{LEFT}" title="{esc(" ".join(row.prompt.split()))}">{esc(cells[5])}</td>'
            + "</tr>"
        )
    tail = f"<div>{esc(note)}</div>" if note else ""
    return (
        f'<table class="seedance-jobs {NO_MATH}" style="border-collapse:collapse">'
        f"<tr>{head}</tr>{''.join(body)}</table>{tail}"
    )
