"""A story in the history gallery: one entry with its shots (each with its poster, seed
and cost), its film when the file is found, and the story's reproduce cell. Text and
static HTML, pure; render/gallery.py puts it among the other cards and app/history.py
builds it from the journal's rows of the story.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from . import style
from .html import badge_html, copy_button, esc
from .shapes import ResultShape as Result
from .text import EMULATOR, SEP, cost_text

SHOT = "flex:0 0 96px;width:96px;font-size:11px;min-width:0"
THUMB = "display:block;width:100%;height:auto;border-radius:3px;background:#000"
CARD = (
    f"flex:1 1 100%;border:1px solid {style.BORDER};border-left:3px solid {style.ACCENT};"
    "border-radius:6px;padding:8px;display:flex;flex-direction:column;gap:4px"
)


@dataclass(frozen=True)
class Shot:
    """One shot of a story in the history: `poster` a data: URI or relative URL, `src`
    the video's address (None when the file is gone)."""

    result: Result
    poster: str | None = None
    src: str | None = None


@dataclass(frozen=True)
class StoryCard:
    """A story in the history; `film` is its stitched film's address and `film_path`
    its file (None when no film is found)."""

    shots: Sequence[Shot]
    reproduce: str
    film: str | None = None
    film_path: str | None = None

    @property
    def created_at(self) -> float:
        return max(shot.result.created_at for shot in self.shots)

    @property
    def emulated(self) -> bool:
        return any(shot.result.emulated for shot in self.shots)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _summary(card: StoryCard) -> str:
    count = len(card.shots)
    seconds = sum(s.result.duration_s or 0.0 for s in card.shots)
    charged = sum(s.result.charged_usd for s in card.shots)
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(card.created_at))
    parts = [stamp, f"story of {count} shot{'s' if count != 1 else ''}"]
    parts += [f"{seconds:.1f} s", f"charged ${charged:.2f}"]
    return SEP.join(parts + ([EMULATOR] if card.emulated else []))


def story_card_lines(number: int, card: StoryCard) -> list[str]:
    """The story for text/plain: its summary, film, shots and reproduce cell."""
    lines = [f"{number:>2}. {_summary(card)}"]
    lines.append(f"    film    {card.film_path or 'not found in the output folder'}")
    for index, shot in enumerate(card.shots, 1):
        result = shot.result
        seed = f"seed {result.seed}" if result.seed is not None else "seed unknown"
        lines.append(f"    {index}. {seed}{SEP}{cost_text(result)}{SEP}{_shorten(result.prompt, 70)}")
        if result.request_id:
            lines.append(f"       request {result.request_id}")
    lines.append("    reproduce:")
    lines += [f"      {line}" for line in card.reproduce.splitlines()]
    return lines


def _shot_html(index: int, shot: Shot) -> str:
    result = shot.result
    if shot.poster:
        picture = f'<img src="{esc(shot.poster)}" alt="shot {index}" style="{THUMB}">'
        if shot.src:
            picture = f'<a href="{esc(shot.src)}" target="_blank" title="open shot {index}">{picture}</a>'
    else:
        picture = f'<div style="{style.SUBTLE}">{"file gone" if shot.src is None else "no preview"}</div>'
    seed = esc(result.seed) if result.seed is not None else "?"
    return (
        f'<div class="seedance-story-shot" style="{SHOT}" title="{esc(result.prompt)}">{picture}'
        f'<div><b>{index}</b> seed <span class="seedance-seed">{seed}</span></div>'
        f'<div style="{style.SUBTLE}">{esc(_shorten(result.prompt, 40))}</div></div>'
    )


def story_card_html(card: StoryCard) -> str:
    """The story as a wide card: summary, a link to the film, the shots side by side,
    and the reproduce cell with its copy button."""
    title = f'<span style="{style.TITLE}">Story</span>'
    if card.emulated:
        title += " " + badge_html()
    film = (
        f'<a href="{esc(card.film)}" target="_blank">open the film</a>'
        f' <span style="{style.SUBTLE};font-size:11px">{esc(card.film_path or "")}</span>'
        if card.film
        else f'<span style="{style.SUBTLE}">film not found in the output folder</span>'
    )
    shots = "".join(_shot_html(i, shot) for i, shot in enumerate(card.shots, 1))
    return (
        f'<div class="seedance-card seedance-story-card" style="{CARD}">'
        f"<div>{title}{SEP}{esc(_summary(card).replace(SEP + EMULATOR, ''))}</div><div>{film}</div>"
        f'<div style="display:flex;gap:6px;overflow-x:auto">{shots}</div>'
        f"<div>{copy_button(card.reproduce, 'copy the story cell')}</div>"
        f'<pre class="seedance-reproduce" style="{style.PRE};font-size:11px">{esc(card.reproduce)}</pre>'
        "</div>"
    )
