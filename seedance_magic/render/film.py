"""A story's film as text and static HTML: the stitched film's player (with the sound
button that says it starts muted, and a link to download the MP4), its facts, a row
per shot (its seed, its start in the film, what it cost, the cell that makes it again)
and the story's reproduce cell. Pure functions of a `StoryResult` (by shape), every value
escaped; the form a saved notebook keeps. The running story is render/story.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from ..spec.formats import counted
from ..spec.providers import label as provider_label
from ..spec.story import continue_cell
from . import style
from .html import badge_html, copy_button, esc, video_html, video_src
from .player import SCOPE, SOUND_EVENTS, download_html, sound_button
from .shapes import ResultShape as Result
from .text import EMULATOR, SEP, cost_text, format_elapsed, reproduce_text

PROMPT_CHARS = 90
SHOT_CELL = f"font-family:{style.MONO};font-size:11px;white-space:pre-wrap;margin:2px 0;user-select:all"


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


def shorten(text: str, limit: int = PROMPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def _film_facts(film: FilmShape) -> list[str]:
    made = len(film.shots)
    facts = [
        f"{film.seconds:.1f} s",
        f"{made} of {counted(film.planned, 'shot')}" if made != film.planned else counted(made, "shot"),
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
        lines.append(f"     {shorten(shot.prompt, 70)}")
    lines += ["reproduce:", film.reproduce]
    return "\n".join(lines)


def shot_cell(shot: Result, before: Result | None) -> str:
    """The cell that makes a shot again: a shot that continued the one `before` is that
    shot continued again (`--continue ITS_REQUEST_ID`: the same last frame, so the same
    start image); a first shot is its own cell."""
    if before is not None and before.request_id:
        try:
            return continue_cell(
                shot.endpoint, shot.arguments, before.request_id, shot.provider, seed=shot.seed, stitch=False
            )
        except ValueError:
            pass
    return shot.reproduce or reproduce_text(shot)


def _shot_row(number: int, shot: Result, offset: str, before: Result | None) -> str:
    seed = esc(shot.seed) if shot.seed is not None else "?"
    seconds = f"{shot.duration_s:.1f} s" if shot.duration_s is not None else ""
    cell = shot_cell(shot, before)
    facts = SEP.join(p for p in (offset, seconds, cost_text(shot)) if p)
    reproduce = (
        f'<details><summary style="{style.SUBTLE};font-size:11px">the cell that makes it again</summary>'
        f'<pre class="seedance-shot-cell" style="{SHOT_CELL}">{esc(cell)}</pre></details>'
        if cell
        else ""
    )
    return (
        f'<tr class="seedance-story-shot" style="vertical-align:top"><td><b>{number}</b></td>'
        f'<td>seed <span class="seedance-seed" style="font-family:{style.MONO};font-weight:700">'
        f"{seed}</span></td>"
        f'<td title="{esc(shot.prompt)}">{esc(shorten(shot.prompt))}{reproduce}</td>'
        f'<td style="{style.SUBTLE};white-space:nowrap">{esc(facts)}</td></tr>'
    )


def _sound(shots: Sequence[Result]) -> bool | None:
    """Whether the film has sound: False only when every shot is known to be silent."""
    known = [shot.has_audio for shot in shots]
    if any(known):
        return True
    return False if known and all(value is False for value in known) else None


def film_html(
    film: FilmShape, *, embed: bool = False, src: str | None = None, poster: str | None = None
) -> str:
    """The film's player (`poster`: an image shown before it plays, and where it
    cannot), its facts, a row per shot (seed, prompt, start, cost, and the
    cell that makes it again, folded) and the story's reproduce cell with a copy button."""
    title = f'<span style="{style.TITLE}">Seedance story</span>'
    if film.emulated:
        title += " " + badge_html()
    first = film.shots[0] if film.shots else film.prelude
    if film.path is not None:
        address = src or video_src(film.path, embed)
        width, height = (first.width, first.height) if first is not None else (None, None)
        label = " / ".join(shorten(s.prompt, 60) for s in film.shots)
        player = video_html(
            address,
            width=width,
            height=height,
            label=label,
            poster=poster,
            where=str(film.path),
            events=SOUND_EVENTS,
        )
        player += (
            '<div class="seedance-file" style="display:flex;flex-wrap:wrap;gap:4px 14px;'
            'align-items:center;margin-top:4px;font-size:12px">'
            f"{sound_button(_sound(film.shots))}"
            f"{download_html(address, film.path, embedded=address.startswith('data:'))}</div>"
        )
    else:
        player = f'<div style="{style.SUBTLE}">no shot made a video, so there is no film</div>'
    failed = (
        f'<div class="seedance-story-error" style="color:{style.ERROR}">stopped: {esc(film.failed)}</div>'
        if film.failed
        else ""
    )
    offsets = list(film.offsets)
    skip = 1 if film.prelude is not None and len(offsets) > len(film.shots) else 0
    starts = [f"at {format_elapsed(offset)}" for offset in offsets[skip:]]
    starts += [""] * (len(film.shots) - len(starts))
    before = [film.prelude, *film.shots]
    rows = "".join(_shot_row(n, shot, starts[n - 1], before[n - 1]) for n, shot in enumerate(film.shots, 1))
    location = str(film.path) if film.path is not None else ""
    return (
        f'<div class="seedance-story seedance-film {SCOPE} {style.NO_MATH}" style="{style.BOX}">'
        f'<div style="margin-bottom:4px">{title}{SEP}{esc(SEP.join(_film_facts(film)))}</div>{failed}'
        f"{player}"
        f'<table class="seedance-story-shots" style="margin-top:6px;font-size:12px">{rows}</table>'
        f'<div style="margin-top:8px">{copy_button(film.reproduce, "copy the story cell")}</div>'
        f'<pre class="seedance-reproduce" style="{style.PRE}">{esc(film.reproduce)}</pre>'
        f'<div class="seedance-path" style="{style.SUBTLE};font-size:11px">{esc(location)}</div></div>'
    )
