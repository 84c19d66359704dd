"""A batch as text and HTML: its counts by state, a progress bar, elapsed and remaining
time, the spend against the estimate, the posters of its last videos and its failures
by row. Pure functions of a `BatchSummary`; everything from the user is escaped. The
live view (ui/batch.py) shows `live_html`, `posters_html` and `failures_html`; the
static form (a saved notebook, an export, `--wait`) is `batch_html`, small whatever the
batch's size: a few posters and failures, never one entry per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..spec.cost import CostEstimate
from . import style
from .html import badge_html, esc
from .text import EMULATOR, SEP, estimate_text, format_elapsed

__all__ = [
    "BatchSummary",
    "Finished",
    "batch_html",
    "batch_text",
    "counts_text",
    "failures_html",
    "live_html",
    "posters_html",
    "summary_line",
]

UNDER_WAY = ("pending", "submitting", "queued", "running", "downloading")
PROMPT_CHARS = 80
ERROR_CHARS = 200


@dataclass(frozen=True)
class BatchSummary:
    """How a batch stands at one moment."""

    total: int
    counts: Mapping[str, int]  # rows by state: waiting, pending, ..., completed, failed, invalid
    elapsed: float
    remaining: float | None
    spent: float  # the price of the videos this run made
    charged: float  # what was charged for them (nothing for emulator clips)
    estimate: CostEstimate  # of the rows this run sends
    emulated: bool
    done: bool
    cancelled: bool = False
    failures: tuple[tuple[int, str], ...] = ()  # (row, error), the first few
    failed_count: int = 0
    concurrency: int = 1

    def count(self, *states: str) -> int:
        return sum(self.counts.get(s, 0) for s in states)

    @property
    def finished(self) -> int:
        return self.count("completed", "failed", "cancelled", "unknown", "invalid")

    @property
    def fraction(self) -> float:
        return self.finished / self.total if self.total else 1.0


@dataclass(frozen=True)
class Finished:
    """A finished row as the poster strip shows it: `poster` and `src` are URLs."""

    index: int
    prompt: str
    seed: int | None
    poster: str | None
    src: str | None


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- text
def counts_text(s: BatchSummary) -> str:
    """ "40 completed, 8 under way, 52 waiting, 2 failed": the states that have rows."""
    parts = [
        ("completed", s.count("completed")),
        ("under way", s.count(*UNDER_WAY)),
        ("waiting", s.count("waiting")),
        ("failed", s.count("failed", "unknown")),
        ("cancelled", s.count("cancelled")),
        ("invalid", s.count("invalid")),
    ]
    return ", ".join(f"{n} {word}" for word, n in parts if n) or "no rows"


def time_text(s: BatchSummary) -> str:
    """ "0:32 elapsed, about 0:05 left"."""
    text = f"{format_elapsed(s.elapsed)} elapsed"
    if s.remaining is not None and not s.done:
        text += f", about {format_elapsed(s.remaining)} left"
    return text


def spend_text(s: BatchSummary) -> str:
    """ "$1.21 of est. $4.84", with what the emulator saved."""
    text = f"${s.spent:.2f} of {estimate_text(s.estimate)}"
    if s.emulated and s.spent and not s.charged:
        text += " (emulator: $0 charged)"
    return text


def summary_line(s: BatchSummary) -> str:
    """The batch in one line."""
    word = "cancelled" if s.cancelled and s.done else "done" if s.done else f"{s.fraction:.0%}"
    parts = [f"seedance batch of {s.total}", word, counts_text(s), time_text(s), spend_text(s)]
    if s.emulated:
        parts.append(EMULATOR)
    return SEP.join(parts)


def batch_text(s: BatchSummary) -> str:
    """The summary line, then the failures by row."""
    lines = [summary_line(s)]
    lines += [f"  row {index}: {_short(error, ERROR_CHARS)}" for index, error in s.failures]
    more = s.failed_count - len(s.failures)
    if more > 0:
        lines.append(f"  and {more} more failed rows")
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTML
def bar_html(fraction: float, *, failed: bool = False) -> str:
    colour = style.ERROR if failed else style.ACCENT
    width = f"{max(0.0, min(1.0, fraction)) * 100:.1f}%"
    return (
        f'<div class="sd-batch-bar" style="height:8px;max-width:420px;background:{style.SURFACE};'
        f'border:1px solid {style.BORDER};border-radius:4px;overflow:hidden;margin:4px 0">'
        f'<div style="height:100%;width:{width};background:{colour}"></div></div>'
    )


def live_html(s: BatchSummary) -> str:
    """The title, counts, bar, times and spend (what changes every second)."""
    title = f'<span style="{style.TITLE}">seedance batch of {s.total}</span>'
    if s.emulated:
        title += " " + badge_html()
    state = "cancelled" if s.cancelled and s.done else "done" if s.done else f"{s.fraction:.0%}"
    flight = f"{SEP}at most {s.concurrency} at once" if not s.done else ""
    return (
        f'<div class="sd-batch-live {style.NO_MATH}" style="{style.BOX}">{title}{SEP}{esc(state)}'
        f"{bar_html(s.fraction, failed=bool(s.failed_count) and s.done)}"
        f'<div class="sd-batch-counts">{esc(counts_text(s))}{esc(flight)}</div>'
        f'<div class="sd-batch-time" style="{style.SUBTLE};font-variant-numeric:tabular-nums">'
        f"{esc(time_text(s))}{SEP}{esc(spend_text(s))}</div></div>"
    )


def posters_html(items: Sequence[Finished]) -> str:
    """The last videos: a poster each (a link to the video) with its row and seed."""
    if not items:
        return ""
    figures = []
    for item in items:
        alt = esc(_short(item.prompt, 300))
        if item.poster:
            picture = (
                f'<img src="{esc(item.poster)}" alt="{alt}" title="{alt}" style="height:72px;'
                f'width:auto;border-radius:3px;border:1px solid {style.BORDER};display:block">'
            )
        else:
            picture = (
                f'<div style="height:72px;width:96px;background:{style.SURFACE};border-radius:3px"></div>'
            )
        if item.src:
            picture = f'<a href="{esc(item.src)}" target="_blank">{picture}</a>'
        seed = f"{SEP}seed {item.seed}" if item.seed is not None else ""
        figures.append(
            f'<figure style="margin:0">{picture}<figcaption style="{style.SUBTLE};font-size:11px">'
            f"row {item.index}{esc(seed)}</figcaption></figure>"
        )
    return (
        f'<div class="sd-batch-posters" style="display:flex;gap:8px;flex-wrap:wrap;margin-top:6px">'
        f"{''.join(figures)}</div>"
    )


def failures_html(s: BatchSummary) -> str:
    """The failed and invalid rows, the first few with their error, then how many more."""
    if not s.failures:
        return ""
    items = "".join(
        f'<li><span style="{style.TITLE}">row {index}</span>: {esc(_short(error, ERROR_CHARS))}</li>'
        for index, error in s.failures
    )
    more = s.failed_count - len(s.failures)
    if more > 0:
        items += f"<li>and {more} more failed rows</li>"
    return (
        f'<div class="sd-batch-failures {style.NO_MATH}" style="{style.BOX};color:{style.ERROR}">'
        f'<ul style="margin:4px 0;padding-left:18px">{items}</ul></div>'
    )


def batch_html(s: BatchSummary, items: Sequence[Finished]) -> str:
    """The static form: what the live view shows, as one piece of HTML."""
    return (
        f'<div class="sd-batch {style.NO_MATH}" style="{style.BOX}">'
        f"{live_html(s)}{posters_html(items)}{failures_html(s)}</div>"
    )


def plan_text(total: int, counts: Mapping[str, int], estimate: CostEstimate) -> str:
    """What a batch would do (`--batch ... --dry-run`): how many rows it sends and for
    how much, and what becomes of the others."""
    words = {
        "send": "to send",
        "replay": "finished before (shown again, $0)",
        "resume": "under way from before (followed, not sent again)",
        "failed": "failed before (sent again with retry_failed=True)",
        "invalid": "bad (left out)",
    }
    parts = [f"{counts[k]} {w}" for k, w in words.items() if counts.get(k)]
    what = f"batch of {total} rows: {', '.join(parts)}"
    return SEP.join((what, estimate_text(estimate), "nothing was sent (--dry-run)"))
