"""A story as text and static HTML: while it runs, its strip of shots (queued, running,
done with a poster) under the total estimate and what was spent; once it ends, its film
(render/film.py: the player with each shot's seed and reproduce cell, and the story's own
reproduce cell). Pure functions of a `StorySnapshot` or `StoryResult` (by shape); every
value from the user or the provider is escaped; the static form stands alone without
widgets, so a saved notebook keeps it. The live widget is ui/story.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..spec.cost import CostEstimate
from . import style
from .film import FilmShape, film_html, film_text, shorten, spend_text
from .html import badge_html, esc
from .shapes import SnapshotShape as Snapshot
from .text import EMULATOR, SEP, estimate_text, status_text

TILE = (
    f"flex:0 0 150px;width:150px;border:1px solid {style.BORDER};border-radius:6px;padding:4px 6px;"
    "display:flex;flex-direction:column;gap:3px;min-width:0"
)
POSTER = "display:block;width:100%;height:auto;border-radius:3px;background:#000"
NO_POSTER = (
    f"display:flex;align-items:center;justify-content:center;height:60px;border-radius:3px;"
    f"background:{style.SURFACE};{style.SUBTLE};font-size:11px;text-align:center;padding:0 4px"
)
STATE_COLOURS = {"done": style.ACCENT, "failed": style.ERROR, "cancelled": style.MUTED, "queued": style.MUTED}


class StoryShape(Protocol):
    """A story at one moment (model.StorySnapshot)."""

    @property
    def state(self) -> str: ...
    @property
    def prompts(self) -> Sequence[str]: ...
    @property
    def shots(self) -> Sequence[Snapshot | None]: ...
    @property
    def estimate(self) -> CostEstimate: ...
    @property
    def emulated(self) -> bool: ...
    @property
    def reproduce(self) -> str: ...
    @property
    def posters(self) -> Sequence[str | None]: ...
    @property
    def stage(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    @property
    def film(self) -> FilmShape | None: ...


def shot_word(snapshot: Snapshot | None) -> str:
    """queued, done, failed, cancelled, or the state of a shot under way."""
    if snapshot is None:
        return "queued"
    state = snapshot.state.value
    return {"completed": "done", "unknown": "failed"}.get(state, state)


# --------------------------------------------------------------------- running
def story_line(story: StoryShape) -> str:
    """'seedance story · 3 shots · est. $1.46 · 1 done, 1 running, 1 queued · charged $0.00'."""
    count = len(story.prompts)
    words = [shot_word(s) for s in story.shots]
    tally = {w: words.count(w) for w in dict.fromkeys(words)}
    results = [s.result for s in story.shots if s is not None and s.result is not None]
    parts = [f"seedance story{SEP}{count} shot{'' if count == 1 else 's'}", estimate_text(story.estimate)]
    parts.append(", ".join(f"{n} {w}" for w, n in tally.items()))
    if results:
        parts.append(spend_text(results))
    if story.emulated:
        parts.append(EMULATOR)
    return SEP.join(parts)


def story_text(story: StoryShape, now: float | None = None) -> str:
    """The story for terminals and text/plain: its line, one line per shot, what happens
    now; once it has ended, its film."""
    if story.film is not None:
        return film_text(story.film)
    lines = [story_line(story)]
    for number, (prompt, snap) in enumerate(zip(story.prompts, story.shots, strict=True), 1):
        state = "queued" if snap is None else status_text(snap, now)
        lines.append(f"  {number}. {state}{SEP}{shorten(prompt, 60)}")
    if story.error:
        lines.append(f"  {story.error}")
    elif story.stage:
        lines.append(f"  {story.stage}")
    return "\n".join(lines)


def tile_html(number: int, prompt: str, snap: Snapshot | None, poster: str | None, now: float | None) -> str:
    """One shot of the strip: its number and state, its poster once done, its prompt."""
    word = shot_word(snap)
    colour = STATE_COLOURS.get(word, style.TEXT)
    if poster and word == "done":
        picture = f'<img class="seedance-poster" src="{esc(poster)}" alt="shot {number}" style="{POSTER}">'
    else:
        detail = "waiting for the shot before" if snap is None else status_text(snap, now)
        picture = f'<div class="seedance-shot-status" style="{NO_POSTER}">{esc(shorten(detail, 60))}</div>'
    seed = snap.result.seed if snap is not None and snap.result is not None else None
    head = f'<b>{number}</b> <span style="color:{colour}">{esc(word)}</span>'
    head += f' <span style="{style.SUBTLE}">seed {esc(seed)}</span>' if seed is not None else ""
    return (
        f'<div class="seedance-shot seedance-shot-{esc(word)}" style="{TILE}">'
        f'<div style="font-size:12px">{head}</div>{picture}'
        f'<div class="seedance-prompt" title="{esc(prompt)}" style="{style.SUBTLE};font-size:11px">'
        f"{esc(shorten(prompt, 70))}</div></div>"
    )


def strip_html(story: StoryShape, now: float | None = None) -> str:
    """The shots side by side, in order."""
    posters = list(story.posters) + [None] * (len(story.prompts) - len(story.posters))
    tiles = [
        tile_html(n, prompt, snap, poster, now)
        for n, (prompt, snap, poster) in enumerate(zip(story.prompts, story.shots, posters, strict=True), 1)
    ]
    return (
        '<div class="seedance-strip" style="display:flex;gap:8px;overflow-x:auto;padding:4px 0">'
        f"{''.join(tiles)}</div>"
    )


def head_html(story: StoryShape) -> str:
    """The title, the total estimate and what was spent, and the stage or the error."""
    title = f'<span style="{style.TITLE}">Seedance story</span>'
    if story.emulated:
        title += " " + badge_html()
    line = esc(story_line(story).removeprefix("seedance story" + SEP).replace(SEP + EMULATOR, ""))
    below = ""
    if story.error:
        below = f'<div class="seedance-story-error" style="color:{style.ERROR}">{esc(story.error)}</div>'
    elif story.stage:
        below = f'<div class="seedance-story-stage" style="{style.SUBTLE}">{esc(story.stage)}</div>'
    return f'<div class="seedance-story-head">{title}{SEP}{line}</div>{below}'


def story_html(story: StoryShape, now: float | None = None, *, embed: bool = False) -> str:
    """The story as static HTML: its film once it has one, else its head and strip."""
    if story.film is not None:
        return film_html(story.film, embed=embed)
    return (
        f'<div class="seedance-story {style.NO_MATH}" style="{style.BOX}">'
        f"{head_html(story)}{strip_html(story, now)}</div>"
    )
