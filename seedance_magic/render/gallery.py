"""The history gallery, as text and static HTML (the list of jobs an earlier kernel
left unfinished is unfinished.py).

Pure functions of their inputs (cards, rows and the current time), like text.py and
html.py: no journal, no files, no ipywidgets. Every value that comes from the user or
from fal (prompt, request id, paths, the reproduce cell) is escaped. app/history.py
builds the inputs from the journal and shows the result.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from . import style
from .html import badge_html, copy_button, esc
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
    `src` the video's address (None when the file is gone), `made_in` the folder it was
    made in when that is not this notebook's (it is then linked, not played here)."""

    result: Result
    poster: str | None = None
    src: str | None = None
    made_in: str | None = None


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def stamp(when: float) -> str:
    """Local date and time: 2026-11-22 14:30."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(when))


# ----------------------------------------------------------------------- history
def _where(card: Card) -> str:
    result = card.result
    if card.src is None:
        return f"file gone ({result.path}); run the reproduce cell to download it again"
    if card.made_in is not None:
        return f"{result.path} (made in {card.made_in})"
    return str(result.path)


def running_text(running: int) -> str:
    """What the gallery says of this kernel's jobs still under way (not in it yet)."""
    if not running:
        return ""
    jobs = "1 job of this kernel is" if running == 1 else f"{running} jobs of this kernel are"
    return f"{jobs} still under way: shown here once done (%seedance jobs lists them now)"


def history_text(
    cards: Sequence[Card | StoryCard], *, search: str | None = None, here: bool = False, running: int = 0
) -> str:
    """The gallery for terminals and text/plain: one block per result (a story is one
    block with its shots), newest first."""
    where = " made in this folder" if here else ""
    pending = running_text(running)
    if not cards:
        if search:
            empty = f"no past results{where} match {search!r}"
        else:
            empty = f"no past results{where} yet" if here else "no past results in the journal yet"
        return empty + (f"; {pending}" if pending else "")
    what = (f"matching {search!r} " if search else "") + (f"{where.strip()} " if here else "")
    lines = [f"{len(cards)} past result{'s' if len(cards) != 1 else ''} {what}(newest first)"]
    if pending:
        lines.append(pending)
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
        lines.append(f"    {shorten(result.prompt, PROMPT_CHARS)}")
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
            f'<img class="seedance-poster" src="{esc(card.poster)}" alt="{esc(shorten(prompt, 300))}" '
            f'style="{POSTER}"></a>'
        )
    elif card.src and card.made_in is not None:  # no poster could be made: no dead player either
        picture = f'<div class="seedance-poster-missing" style="{NO_POSTER}">made in another folder</div>'
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
        f"{esc(shorten(prompt, PROMPT_CHARS))}</div>",
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
    elif card.made_in is not None:
        parts.append(
            f'<div class="seedance-made-in" style="{style.SUBTLE};font-size:11px">made in '
            f'<code>{esc(card.made_in)}</code>: <a href="{esc(card.src)}" target="_blank">open the video</a> '
            "(it opens where Jupyter serves that folder)</div>"
        )
    cell = reproduce_text(result)
    if cell:
        parts.append(f"<div>{copy_button(cell, 'copy the reproduce cell')}</div>")
        parts.append(f'<pre class="seedance-reproduce" style="{style.PRE};font-size:11px">{esc(cell)}</pre>')
    return f'<div class="seedance-card" style="{CARD}">{"".join(parts)}</div>'


def history_html(
    cards: Sequence[Card | StoryCard], *, search: str | None = None, here: bool = False, running: int = 0
) -> str:
    """The gallery as static HTML: a wrapping row of cards (a story's spans the row),
    newest first."""
    head = esc(history_text(cards, search=search, here=here).splitlines()[0])
    pending = running_text(running)
    if pending:
        head += f'<div class="seedance-pending" style="text-transform:none">{esc(pending)}</div>'
    body = "".join(story_card_html(c) if isinstance(c, StoryCard) else card_html(c) for c in cards)
    return (
        f'<div class="seedance-history {style.NO_MATH}" style="{style.BOX}">'
        f'<div style="{style.LABEL};margin-bottom:6px">{head}</div>'
        f'<div style="display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start">{body}</div></div>'
    )
