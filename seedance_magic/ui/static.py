"""Static forms: a finished video, job or grid as a plain mime bundle with no widget
view, which is what a notebook keeps once a job has ended (the comparison's is
compare.py's).

    result_bundle(result)   text/plain, text/html (the player), image/jpeg (its poster)
    job_bundle(job)         a result's bundle, or how the job ended (text and HTML)
    group_bundle(group)     the grid as text and HTML, and one picture of its posters
    film_bundle(film)       a story's film: text, its player (its poster inline), the poster

A saved notebook then never depends on widget state: JupyterLab and Notebook 7 show the
HTML player again on reopening (the video is served from the notebook's folder), an
nbconvert export next to `seedance_outputs/` plays it, and renderers with no scripts
and no access to files (GitHub, nbviewer, an export moved elsewhere) still show the
poster, the seed, the prompt and the reproduce cell. The poster is a small JPEG (a few
KB to tens of KB), kept in memory once made. Without the `video` extra there is no
poster and the rest is the same.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

from ..errors import MissingDependency
from ..render.film import film_html, film_text
from ..render.grid import grid_columns, grid_html, grid_text
from ..render.html import status_html, video_src
from ..render.player import reproduce_html, request_html, result_html
from ..render.shapes import ResultShape as Result
from ..render.text import result_text, status_line

log = logging.getLogger(__name__)

POSTER_SIDE, POSTER_BYTES = 400, 15_000  # a single video's poster
CELL_SIDE, CELL_BYTES = 320, 9_000  # a poster in a grid or a comparison
SHEET_CELL, SHEET_BYTES = 240, 40_000  # a grid's posters as one picture
_KEPT = 128
_posters: dict[tuple[str, int, int, int], bytes | None] = {}
_opus: dict[tuple[str, int], str] = {}


def _stamp(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _keep(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _KEPT:
        cache.pop(next(iter(cache)))
    cache[key] = value


def poster(result: Result, max_side: int = POSTER_SIDE, max_bytes: int = POSTER_BYTES) -> bytes | None:
    """The result's poster frame as JPEG bytes, or None (no local file, an unreadable
    one, or no `video` extra)."""
    return poster_of(result.path, max_side, max_bytes)


def poster_of(path: Path | None, max_side: int = POSTER_SIDE, max_bytes: int = POSTER_BYTES) -> bytes | None:
    """The poster frame of the video at `path` as JPEG bytes (see `poster`)."""
    stamp = _stamp(path) if path is not None else None
    if path is None or stamp is None:
        return None
    key = (str(path.resolve()), stamp, max_side, max_bytes)
    if key not in _posters:
        from ..media.video import poster_jpeg

        try:
            made: bytes | None = poster_jpeg(path, max_side=max_side, max_bytes=max_bytes)
        except (MissingDependency, ValueError, OSError) as exc:
            log.debug("no poster for %s: %s", path, exc)
            made = None
        _keep(_posters, key, made)
    return _posters[key]


def data_uri(jpeg: bytes | None) -> str | None:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii") if jpeg else None


def player_src(result: Result, *, embed: bool = False, opus: bool = False) -> str:
    """Where the player finds the video: its path relative to the kernel's folder (served
    by Jupyter), or embedded as a data: URI; with `opus` (a player without AAC, VS
    Code's) the embedded copy has Opus sound (media/opus.py), made once per file."""
    path = result.path
    if path is None:
        return result.video_url
    stamp = _stamp(path)
    if embed and opus and result.has_audio is not False and stamp is not None:
        key = (str(path.resolve()), stamp)
        if key not in _opus:
            from ..media.opus import opus_copy

            try:
                copy = opus_copy(path)
            except (MissingDependency, ValueError, OSError) as exc:
                log.debug("no Opus copy of %s: %s", path, exc)
                return video_src(path, embed)
            _keep(_opus, key, "data:video/mp4;base64," + base64.b64encode(copy).decode("ascii"))
        return _opus[key]
    return video_src(path, embed)


def result_bundle(result: Result, *, embed: bool = False, opus: bool = False) -> dict[str, Any]:
    """A finished video as text, the HTML player (its poster inline) and the poster."""
    jpeg = poster(result)
    src = player_src(result, embed=embed, opus=opus)
    return _with_poster(result_text(result), result_html(result, src=src, poster=data_uri(jpeg)), jpeg)


def _with_poster(text: str, html: str, jpeg: bytes | None) -> dict[str, Any]:
    bundle: dict[str, Any] = {"text/plain": text, "text/html": html}
    if jpeg:
        bundle["image/jpeg"] = base64.b64encode(jpeg).decode("ascii")
    return bundle


def job_bundle(job: Any, *, embed: bool = False, opus: bool = False) -> dict[str, Any]:
    """A job's static form: its video's bundle, or its status (how it ended) as text and
    HTML."""
    if job.result is not None:
        return result_bundle(job.result, embed=embed, opus=opus)
    spec, snap = getattr(job, "spec", None), job.snapshot
    prompt = str((getattr(spec, "arguments", None) or {}).get("prompt", ""))
    cell = getattr(spec, "reproduce", None) if snap.state.terminal else None
    text, after = [status_line(snap)], ""
    if snap.state.terminal and snap.request_id:
        text.append(f"request:  {snap.request_id}")
        after += request_html(snap.request_id)
    if isinstance(cell, str) and cell:
        text += ["reproduce:", cell]
        after += reproduce_html(cell)
    return {"text/plain": "\n".join(text), "text/html": status_html(snap, prompt=prompt, after=after)}


def group_bundle(group: Any, *, embed: bool = False, opus: bool = False) -> dict[str, Any]:
    """A grid's static form: its text, its HTML (each video with its poster) and one
    picture of every cell's poster."""
    cells = group.cells()
    posters = [
        poster(job.result, CELL_SIDE, CELL_BYTES) if job.result is not None else None for job in group.jobs
    ]
    sources = [
        player_src(job.result, embed=embed, opus=opus) if job.result is not None else None
        for job in group.jobs
    ]
    html = grid_html(
        cells, group.estimate, group.prompt, posters=[data_uri(p) for p in posters], sources=sources
    )
    bundle: dict[str, Any] = {"text/plain": grid_text(cells, group.estimate), "text/html": html}
    sheet = poster_sheet(posters, grid_columns(len(cells)))
    if sheet:
        bundle["image/jpeg"] = base64.b64encode(sheet).decode("ascii")
    return bundle


def poster_sheet(posters: list[bytes | None], columns: int) -> bytes | None:
    """Several videos' posters as one JPEG (the image/jpeg of a grid or a comparison),
    or None when there is none."""
    if not any(posters):
        return None
    from ..media import video

    try:
        return video.poster_sheet(posters, columns, SHEET_CELL, SHEET_BYTES)
    except (MissingDependency, ValueError, OSError):
        return None


def film_bundle(film: Any, *, embed: bool = False) -> dict[str, Any]:
    """A story's film (a StoryResult) as text, its HTML player with the film's poster
    inline, and the poster: what stays of a story in a saved notebook."""
    jpeg = poster_of(film.path)
    return _with_poster(film_text(film), film_html(film, embed=embed, poster=data_uri(jpeg)), jpeg)


def static_bundle(runnable: Any, *, embed: bool = False, opus: bool = False) -> dict[str, Any]:
    """The static form of a Job or a JobGroup (anything with `jobs` is a group); a
    story's is its film's once it has one; a batch is its own text and HTML
    (render/batch.py), as is a story that made no film."""
    film = getattr(runnable, "film", None) if getattr(runnable, "view", None) == "story" else None
    if film is not None:
        return film_bundle(film, embed=embed)
    if getattr(runnable, "view", None) == "story" or getattr(runnable, "is_batch", False):
        own: dict[str, Any] = runnable._repr_mimebundle_()
        return own
    if hasattr(runnable, "jobs"):
        return group_bundle(runnable, embed=embed, opus=opus)
    return job_bundle(runnable, embed=embed, opus=opus)
