"""A story as text and static HTML: while it runs, its strip of shots (queued, running,
done with a poster) under the total estimate and what was spent; once it ends, the
stitched film's player with each shot's seed and reproduce cell, and the story's own
reproduce cell. Pure functions of a `StorySnapshot` or `StoryResult` (by shape); every
value from the user or the provider is escaped; the static form stands alone without
widgets, so a saved notebook keeps it. The live widget is ui/story.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from ..spec.cost import CostEstimate
from ..spec.providers import label as provider_label
from . import style
from .html import badge_html, copy_button, esc, video_html, video_src
from .shapes import ResultShape as Result
from .shapes import SnapshotShape as Snapshot
from .text import EMULATOR, SEP, cost_text, estimate_text, format_elapsed, reproduce_text, status_text

PROMPT_CHARS = 90
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


class FilmShape(Protocol):
    """A story's film (model.StoryResult)."""

    @property
    def path(self) -> Path | None: ...
    @property
    def shots(self) -> Sequence[Result]: ...
    @property
    def reproduce(self) -> str: ...
    @property
    def planned(self) -> int: ...
    @property
    def seconds(self) -> float: ...
    @property
    def failed(self) -> str | None: ...
    @property
    def prelude(self) -> Result | None: ...
    @property
    def reencoded(self) -> bool: ...
    @property
    def reason(self) -> str: ...
    @property
    def offsets(self) -> Sequence[float]: ...
    @property
    def cost_usd(self) -> float: ...
    @property
    def charged_usd(self) -> float: ...
    @property
    def emulated(self) -> bool: ...


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


def _short(text: str, limit: int = PROMPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shot_word(snapshot: Snapshot | None) -> str:
    """queued, done, failed, cancelled, or the state of a shot under way."""
    if snapshot is None:
        return "queued"
    state = snapshot.state.value
    return {"completed": "done", "unknown": "failed"}.get(state, state)


def spend_text(results: Sequence[Result]) -> str:
    """'charged $0.97', with what the emulator stands in for and how many were cached."""
    charged = sum(r.charged_usd for r in results)
    line = f"charged ${charged:.2f}"
    would = sum(r.cost_usd for r in results if r.emulated and not r.cached)
    if would:
        who = " / ".join(dict.fromkeys(provider_label(r.provider) for r in results))
        line += f" (emulator: {who} would charge ${would:.2f})"
    cached = sum(r.cached for r in results)
    return line + (f", {cached} cached" if cached else "")


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
        lines.append(f"  {number}. {state}{SEP}{_short(prompt, 60)}")
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
        picture = f'<div class="seedance-shot-status" style="{NO_POSTER}">{esc(_short(detail, 60))}</div>'
    seed = snap.result.seed if snap is not None and snap.result is not None else None
    head = f'<b>{number}</b> <span style="color:{colour}">{esc(word)}</span>'
    head += f' <span style="{style.SUBTLE}">seed {esc(seed)}</span>' if seed is not None else ""
    return (
        f'<div class="seedance-shot seedance-shot-{esc(word)}" style="{TILE}">'
        f'<div style="font-size:12px">{head}</div>{picture}'
        f'<div class="seedance-prompt" title="{esc(prompt)}" style="{style.SUBTLE};font-size:11px">'
        f"{esc(_short(prompt, 70))}</div></div>"
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


# ------------------------------------------------------------------------ film
def _film_facts(film: FilmShape) -> list[str]:
    made = len(film.shots)
    facts = [
        f"{film.seconds:.1f} s",
        f"{made} of {film.planned} shots" if made != film.planned else f"{made} shots",
    ]
    facts.append(spend_text(film.shots) if film.shots else "nothing made")
    if film.path is not None:
        facts.append(f"re-encoded ({film.reason})" if film.reencoded else "joined without re-encoding")
    return facts


def film_text(film: FilmShape) -> str:
    """The film for terminals and text/plain: where it is, its shots and how to redo it."""
    lines = [
        f"seedance story{SEP}{SEP.join(_film_facts(film))}" + (f"{SEP}{EMULATOR}" if film.emulated else "")
    ]
    if film.failed:
        lines.append(f"stopped:  {film.failed}")
    lines.append(f"film:     {film.path if film.path is not None else '(no shot made a video)'}")
    if film.prelude is not None:
        lines.append(f"  0. the clip it continues{SEP}{film.prelude.path or film.prelude.video_url}")
    for number, shot in enumerate(film.shots, 1):
        seconds = f"{shot.duration_s:.1f} s" if shot.duration_s is not None else ""
        seed = f"seed {shot.seed}" if shot.seed is not None else "seed unknown"
        lines.append(f"  {number}. {SEP.join(p for p in (seed, seconds, cost_text(shot)) if p)}")
        lines.append(f"     {_short(shot.prompt, 70)}")
    lines += ["reproduce:", film.reproduce]
    return "\n".join(lines)


def _shot_row(number: int, shot: Result, offset: str) -> str:
    seed = esc(shot.seed) if shot.seed is not None else "?"
    seconds = f"{shot.duration_s:.1f} s" if shot.duration_s is not None else ""
    cell = reproduce_text(shot)
    facts = SEP.join(p for p in (offset, seconds, cost_text(shot)) if p)
    button = copy_button(cell, "copy cell") if cell else ""
    return (
        f'<tr class="seedance-story-shot"><td><b>{number}</b></td>'
        f'<td><span class="seedance-seed" style="font-family:{style.MONO};font-weight:700">{seed}</span></td>'
        f'<td title="{esc(shot.prompt)}">{esc(_short(shot.prompt))}</td>'
        f'<td style="{style.SUBTLE};white-space:nowrap">{esc(facts)}</td><td>{button}</td></tr>'
        + (
            f'<tr><td></td><td colspan="4"><details><summary style="{style.SUBTLE};font-size:11px">'
            f'reproduce shot {number}</summary><pre style="{style.PRE}">{esc(cell)}</pre></details></td></tr>'
            if cell
            else ""
        )
    )


def film_html(film: FilmShape, *, embed: bool = False, src: str | None = None) -> str:
    """The film's player, its facts, a row per shot (seed, prompt, cost, its reproduce
    cell) and the story's reproduce cell, with copy buttons."""
    title = f'<span style="{style.TITLE}">Seedance story</span>'
    if film.emulated:
        title += " " + badge_html()
    first = film.shots[0] if film.shots else film.prelude
    if film.path is not None:
        address = src or video_src(film.path, embed)
        width, height = (first.width, first.height) if first is not None else (None, None)
        label = " / ".join(_short(s.prompt, 60) for s in film.shots)
        player = video_html(address, width=width, height=height, label=label)
    else:
        player = f'<div style="{style.SUBTLE}">no shot made a video, so there is no film</div>'
    failed = (
        f'<div class="seedance-story-error" style="color:{style.ERROR}">stopped: {esc(film.failed)}</div>'
        if film.failed
        else ""
    )
    offsets = list(film.offsets)
    skip = 1 if film.prelude is not None and len(offsets) > len(film.shots) else 0
    rows = "".join(
        _shot_row(
            n, shot, f"at {format_elapsed(offsets[n - 1 + skip])}" if n - 1 + skip < len(offsets) else ""
        )
        for n, shot in enumerate(film.shots, 1)
    )
    location = str(film.path) if film.path is not None else ""
    return (
        f'<div class="seedance-story seedance-film {style.NO_MATH}" style="{style.BOX}">'
        f'<div style="margin-bottom:4px">{title}{SEP}{esc(SEP.join(_film_facts(film)))}</div>{failed}'
        f"{player}"
        f'<table class="seedance-story-shots" style="margin-top:6px;font-size:12px">{rows}</table>'
        f'<div style="margin-top:8px">{copy_button(film.reproduce, "copy the story cell")}</div>'
        f'<pre class="seedance-reproduce" style="{style.PRE}">{esc(film.reproduce)}</pre>'
        f'<div class="seedance-path" style="{style.SUBTLE};font-size:11px">{esc(location)}</div></div>'
    )
