"""The history gallery and the list of jobs an earlier kernel left unfinished, as text
and static HTML.

Pure functions of their inputs (cards, rows and the current time), like text.py and
html.py: no journal, no files, no ipywidgets. Every value that comes from the user or
from fal (prompt, request id, paths, the reproduce cell) is escaped. app/history.py
builds the inputs from the journal and shows the result.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ..spec.providers import get as get_provider
from . import style
from .html import badge_html, copy_button, esc
from .shapes import RecordShape as JobRecord
from .shapes import ResultShape as Result
from .story_card import StoryCard, story_card_html, story_card_lines
from .text import EMULATOR, SEP, cost_text, endpoint_label, reproduce_text, via_text

PROMPT_CHARS = 140
CARD = (
    f"flex:0 1 260px;min-width:200px;border:1px solid {style.BORDER};border-radius:6px;"
    "padding:8px;display:flex;flex-direction:column;gap:4px"
)
POSTER = "display:block;width:100%;height:auto;border-radius:4px;background:#000"
SEED = f"font-family:{style.MONO};font-weight:700"
NO_POSTER = (
    f"display:flex;align-items:center;justify-content:center;height:90px;border-radius:4px;"
    f"background:{style.SURFACE};{style.SUBTLE};font-size:12px"
)


@dataclass(frozen=True)
class Card:
    """One past result as the gallery shows it: `poster` is a data: URI or None,
    `src` the video's address (None when the file is gone)."""

    result: Result
    poster: str | None = None
    src: str | None = None


@dataclass(frozen=True)
class Unfinished:
    """A job an earlier (dead) kernel left unfinished, with when its submit was sent."""

    record: JobRecord
    sent_at: float

    @property
    def unknown(self) -> bool:
        """The submit's outcome is unknown: no request id came back (or the kernel died
        while sending it). Such a job is never resubmitted."""
        return not self.record.request_id

    @property
    def command(self) -> str:
        return f"%seedance resume {self.record.request_id}" if self.record.request_id else ""


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def stamp(when: float) -> str:
    """Local date and time: 2026-11-22 14:30."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(when))


def age_text(seconds: float) -> str:
    """How long ago: "just now", "5 min ago", "3 h ago", "2 days ago"."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"


# ----------------------------------------------------------------------- history
def _where(card: Card) -> str:
    result = card.result
    if card.src is None:
        return f"file gone ({result.path}); run the reproduce cell to download it again"
    return str(result.path)


def history_text(cards: Sequence[Card | StoryCard], *, search: str | None = None) -> str:
    """The gallery for terminals and text/plain: one block per result (a story is one
    block with its shots), newest first."""
    if not cards:
        return f"no past results match {search!r}" if search else "no past results in the journal yet"
    what = f"matching {search!r} " if search else ""
    lines = [f"{len(cards)} past result{'s' if len(cards) != 1 else ''} {what}(newest first)"]
    for number, card in enumerate(cards, 1):
        if isinstance(card, StoryCard):
            lines += story_card_lines(number, card)
            continue
        result = card.result
        seed = f"seed {result.seed}" if result.seed is not None else "seed unknown"
        head = [
            stamp(result.created_at),
            seed,
            endpoint_label(result.endpoint, short=True),
            via_text(result.provider),
            cost_text(result),
        ]
        if result.emulated:
            head.append(EMULATOR)
        lines.append(f"{number:>2}. {SEP.join(head)}")
        lines.append(f"    {_shorten(result.prompt, PROMPT_CHARS)}")
        if result.seed_note:
            lines.append(f"    seed    {result.seed_note}")
        if result.request_id:
            lines.append(f"    request {result.request_id}")
        lines.append(f"    video   {_where(card)}")
        cell = reproduce_text(result)
        if cell:
            lines.append("    reproduce:")
            lines += [f"      {line}" for line in cell.splitlines()]
    return "\n".join(lines)


def card_html(card: Card) -> str:
    """One result: poster (linking to the video), prompt, seed, endpoint, cost, date,
    request id, and the reproduce cell with a copy button."""
    result = card.result
    prompt = result.prompt
    if card.poster and card.src:
        picture = (
            f'<a href="{esc(card.src)}" target="_blank" title="open the video">'
            f'<img class="seedance-poster" src="{esc(card.poster)}" alt="{esc(_shorten(prompt, 300))}" '
            f'style="{POSTER}"></a>'
        )
    else:
        note = "video file gone" if card.src is None else "no preview"
        picture = f'<div class="seedance-poster-missing" style="{NO_POSTER}">{note}</div>'
    seed = esc(result.seed) if result.seed is not None else "?"
    title = f'<span style="{style.TITLE}">{esc(endpoint_label(result.endpoint, short=True))}</span>'
    title += f' <span class="seedance-via" style="{style.SUBTLE}">{esc(via_text(result.provider))}</span>'
    if result.emulated:
        title += " " + badge_html()
    facts = SEP.join(
        [
            f'seed <span class="seedance-seed" style="{SEED}">{seed}</span>',
            f'<span class="seedance-cost">{esc(cost_text(result))}</span>',
            f'<span class="seedance-date">{esc(stamp(result.created_at))}</span>',
        ]
    )
    if result.seed_note:
        note = esc(result.seed_note)
        facts += f'<div class="seedance-seed-note" style="color:{style.WARN};font-size:11px">{note}</div>'

    parts = [
        picture,
        f"<div>{title}</div>",
        f'<div class="seedance-prompt" title="{esc(prompt)}" style="font-size:12px">'
        f"{esc(_shorten(prompt, PROMPT_CHARS))}</div>",
        f'<div style="font-size:12px">{facts}</div>',
    ]
    if result.request_id:
        parts.append(
            f'<div class="seedance-request" style="{style.SUBTLE};font-family:{style.MONO};font-size:11px">'
            f"{esc(result.request_id)}</div>"
        )
    if card.src is None:
        parts.append(
            f'<div class="seedance-missing" style="color:{style.WARN};font-size:11px">'
            f"{esc(_where(card))}</div>"
        )
    cell = reproduce_text(result)
    if cell:
        parts.append(f"<div>{copy_button(cell, 'copy the reproduce cell')}</div>")
        parts.append(f'<pre class="seedance-reproduce" style="{style.PRE};font-size:11px">{esc(cell)}</pre>')
    return f'<div class="seedance-card" style="{CARD}">{"".join(parts)}</div>'


def history_html(cards: Sequence[Card | StoryCard], *, search: str | None = None) -> str:
    """The gallery as static HTML: a wrapping row of cards (a story's spans the row),
    newest first."""
    head = esc(history_text(cards, search=search).splitlines()[0])
    body = "".join(story_card_html(c) if isinstance(c, StoryCard) else card_html(c) for c in cards)
    return (
        f'<div class="seedance-history {style.NO_MATH}" style="{style.BOX}">'
        f'<div style="{style.LABEL};margin-bottom:6px">{head}</div>'
        f'<div style="display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start">{body}</div></div>'
    )


# --------------------------------------------------------------------- unfinished
def unknown_text(row: Unfinished) -> str:
    """What is known of a job whose submit got no answer, and how to check it."""
    record = row.record
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.sent_at))
    if record.emulated:
        where = f"the emulator at {record.base_url}" if record.base_url else "the emulator"
        check = f"Nothing was charged ({where}); run the cell again if you still want it"
    else:
        provider = get_provider(record.provider)
        check = (
            f"{provider.label} may have queued it and will charge for it: look for a request sent at "
            f"that time on {provider.dashboard} before running the cell again"
        )
    return f"outcome unknown: its submit at {when} got no answer and was NOT sent again. {check}"


def _row_text(row: Unfinished, now: float) -> list[str]:
    record = row.record
    state = "unknown" if row.unknown else record.state
    head = SEP.join(
        [
            state,
            endpoint_label(record.endpoint, short=True),
            via_text(record.provider),
            f"sent {age_text(now - row.sent_at)}",
        ]
        + ([EMULATOR] if record.emulated else [])
    )
    lines = [f"- {head}", f"  {_shorten(record.prompt, PROMPT_CHARS)}"]
    if row.unknown:
        lines.append(f"  {unknown_text(row)}")
    else:
        lines.append(f"  request {record.request_id}: {row.command}")
    return lines


def orphans_text(rows: Sequence[Unfinished], now: float | None = None) -> str:
    """The unfinished jobs for terminals and text/plain."""
    now = time.time() if now is None else now
    count = len(rows)
    lines = [f"seedance: {count} job{'s' if count != 1 else ''} left unfinished by an earlier kernel:"]
    for row in rows:
        lines += _row_text(row, now)
    if any(not row.unknown for row in rows):
        lines.append("Nothing is submitted again: `%seedance resume ID` follows a job and downloads it.")
    return "\n".join(lines)


def _row_html(row: Unfinished, now: float) -> str:
    record = row.record
    state = "unknown" if row.unknown else record.state
    colour = style.OUTCOME_COLOURS["unknown"] if row.unknown else style.ACCENT
    badge = f" {badge_html()}" if record.emulated else ""
    head = (
        f'<span class="seedance-state" style="color:{colour};font-weight:600">{esc(state)}</span>{SEP}'
        f"{esc(endpoint_label(record.endpoint, short=True))}{SEP}{esc(via_text(record.provider))}{SEP}"
        f'<span title="{esc(stamp(row.sent_at))}">sent {esc(age_text(now - row.sent_at))}</span>{badge}'
    )
    prompt = (
        f'<div class="seedance-prompt" title="{esc(record.prompt)}" style="font-size:12px">'
        f"{esc(_shorten(record.prompt, PROMPT_CHARS))}</div>"
    )
    if row.unknown:
        tail = (
            f'<div class="seedance-unknown" style="color:{style.WARN};font-size:12px">'
            f"{esc(unknown_text(row))}</div>"
        )
    else:
        tail = (
            f'<div style="font-size:12px">request <code>{esc(record.request_id)}</code> '
            f"{copy_button(row.command, 'copy the resume line')}</div>"
            f'<pre class="seedance-resume" style="{style.PRE}">{esc(row.command)}</pre>'
        )
    return f'<div class="seedance-orphan" style="margin:6px 0">{head}{prompt}{tail}</div>'


def orphans_html(rows: Sequence[Unfinished], now: float | None = None) -> str:
    now = time.time() if now is None else now
    head = esc(orphans_text(rows, now).splitlines()[0].removeprefix("seedance: "))
    return (
        f'<div class="seedance-orphans {style.NO_MATH}" '
        f'style="{style.BOX};border-left:3px solid {style.WARN};padding-left:8px">'
        f'<div style="{style.TITLE}">{head}</div>' + "".join(_row_html(row, now) for row in rows) + "</div>"
    )
