"""Static HTML for jobs and results: the player, the status, the dry run.

Pure functions from a `Snapshot` or `Result` to a string. They serve the text/html of
every mimebundle (nbconvert and GitHub exports, frontends without widgets) and the
inside of the player widget. Every value that comes from the user or from fal (prompt,
file names, log lines, error messages, the reproduce cell) is escaped, attributes
included. Styles are inline (see style.py) so that exports keep them. No ipywidgets.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import style
from .shapes import ResultShape as Result
from .shapes import SnapshotShape as Snapshot
from .text import (
    EMULATOR,
    SEP,
    caption_text,
    cost_text,
    endpoint_label,
    estimate_text,
    reproduce_text,
    size_text,
    status_text,
    via_text,
)

PROMPT_CHARS = 160


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def badge_html() -> str:
    """The EMULATOR badge: nothing shown with it was made or charged by a provider."""
    title = "made by the offline emulator: nothing is sent to fal or Lumenfall and nothing is charged"
    return f'<span class="seedance-badge" title="{title}" style="{style.BADGE}">{EMULATOR}</span>'


def copy_button(text: str, label: str) -> str:
    """A button that copies `text` (carried, escaped, in a data- attribute)."""
    script = (
        "var b=this;function say(t){b.textContent=t;"
        "setTimeout(function(){b.textContent=b.dataset.label},2500)}"
        "try{navigator.clipboard.writeText(b.dataset.copy).then("
        "function(){say('copied')},function(){say('copy blocked: select the text below')})}"
        "catch(e){say('copy blocked: select the text below')}"
    )
    return (
        f'<button type="button" class="seedance-copy" data-copy="{esc(text).replace(chr(10), "&#10;")}" '
        f'data-label="{esc(label)}" '
        f'onclick="{script}" style="{style.BUTTON}">{esc(label)}</button>'
    )


def header_html(snapshot: Snapshot, prompt: str = "") -> str:
    """Endpoint, estimate, grid caption and badge; the prompt below, shortened."""
    estimate = snapshot.estimate
    parts = [
        f'<span style="{style.TITLE}">{esc(endpoint_label(snapshot.endpoint_id))}</span>',
        f'<span class="seedance-via">{esc(via_text(snapshot.provider))}</span>',
        f'<span title="{esc(estimate.note)}">{esc(estimate_text(estimate))}</span>',
    ]
    if snapshot.caption:
        parts.append(f"<span>{esc(caption_text(snapshot.caption))}</span>")
    if snapshot.emulated:
        parts.append(f'{badge_html()} <span style="{style.SUBTLE}">nothing is charged</span>')
    line = f'<div class="seedance-head">{SEP.join(parts)}</div>'
    if prompt:
        line += (
            f'<div class="seedance-prompt" title="{esc(prompt)}" style="{style.SUBTLE};font-size:12px">'
            f"{esc(_shorten(prompt, PROMPT_CHARS))}</div>"
        )
    return line


def outcome_html(snapshot: Snapshot) -> str:
    """One coloured line for a job that ended without a video (red, grey or amber)."""
    state = snapshot.state.value
    colour = style.OUTCOME_COLOURS.get(state, style.TEXT)
    return (
        f'<div class="seedance-outcome seedance-{esc(state)}" style="color:{colour}">'
        f"{esc(status_text(snapshot))}</div>"
    )


def trouble_html(trouble: str | None) -> str:
    if not trouble:
        return ""
    return f'<div class="seedance-trouble" style="color:{style.WARN};font-size:12px">⚠ {esc(trouble)}</div>'


def logs_html(lines: Sequence[str]) -> str:
    """Log lines in a box that keeps the newest line in view."""
    return f'<div class="seedance-logscroll"><pre>{esc(chr(10).join(lines))}</pre></div>'


def status_html(snapshot: Snapshot, now: float | None = None, *, prompt: str = "") -> str:
    """A job's status as static HTML: the header, then the status line or the outcome."""
    if snapshot.state.value in style.OUTCOME_COLOURS:
        body = outcome_html(snapshot)
    else:
        body = f'<div class="seedance-status">{esc(status_text(snapshot, now))}</div>'
        body += trouble_html(snapshot.trouble)
    head = header_html(snapshot, prompt)
    return f'<div class="seedance-job-static {style.NO_MATH}" style="{style.BOX}">{head}{body}</div>'


# ------------------------------------------------------------------------ video
def video_src(
    path: str | os.PathLike[str], embed: bool = False, *, cwd: str | os.PathLike[str] | None = None
) -> str:
    """The `src` of a local video: its path relative to the kernel's cwd, with forward
    slashes and URL-quoted (Jupyter serves it relative to the notebook), or with
    `embed` the whole file as a base64 data: URI. A file that cannot be read for
    embedding falls back to the relative path."""
    base = Path(cwd) if cwd is not None else Path.cwd()
    target = Path(path)
    if embed:
        mime = mimetypes.guess_type(target.name)[0] or "video/mp4"
        try:
            data = (target if target.is_absolute() else base / target).read_bytes()
        except OSError:
            pass
        else:
            return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    absolute = target if target.is_absolute() else base / target
    try:
        relative = Path(os.path.relpath(absolute, base)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        relative = target.as_posix()
    return quote(relative, safe="/")


def video_html(
    src: str,
    *,
    width: int | None = None,
    height: int | None = None,
    poster: str | None = None,
    label: str = "",
) -> str:
    """An HTML5 player that never starts or loops by itself, sized to fit its cell."""
    attributes = [f'src="{esc(src)}"', "controls", "muted", "playsinline", 'preload="metadata"']
    if width and height:
        attributes += [f'width="{int(width)}"', f'height="{int(height)}"']
    if poster:
        attributes.append(f'poster="{esc(poster)}"')
    if label:
        attributes.append(f'aria-label="{esc(_shorten(label, 300))}"')
    return (
        f'<video class="seedance-video" {" ".join(attributes)} style="{style.VIDEO}">'
        "This browser cannot play the video here; open the file instead.</video>"
    )


def _safe_image_url(url: object) -> str | None:
    text = str(url or "")
    return text if text.startswith(("data:image/", "https://", "http://")) else None


def input_thumbnails_html(inputs: Iterable[Mapping[str, Any]]) -> str:
    """Small thumbnails of the input images (a named chip for other inputs)."""
    items = []
    for item in inputs:
        name = str(item.get("name") or item.get("kind") or "input")
        kind = str(item.get("kind") or "")
        thumbnail = _safe_image_url(item.get("thumbnail"))
        if thumbnail:
            items.append(
                f'<figure style="margin:0" title="{esc(name)}"><img src="{esc(thumbnail)}" '
                f'alt="{esc(name)}" style="{style.THUMB}"><figcaption style="{style.SUBTLE};font-size:11px;'
                f'max-width:8em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">{esc(name)}'
                "</figcaption></figure>"
            )
        else:
            icon = {"audio": "♪", "video": "▶", "image": "▣"}.get(kind, "•")
            items.append(f'<span style="{style.CHIP}" title="{esc(name)}">{icon} {esc(name)}</span>')
    if not items:
        return ""
    return (
        '<div class="seedance-inputs" style="display:flex;flex-direction:column;gap:6px">'
        f'<div style="{style.LABEL}">inputs</div>{"".join(items)}</div>'
    )


def _fact(label: str, value_html: str, value_style: str = "") -> str:
    styled = f' style="{value_style}"' if value_style else ""
    return f'<div><div style="{style.LABEL}">{esc(label)}</div><div{styled}>{value_html}</div></div>'


def _reproduce_html(cell: str) -> str:
    return (
        f'<div style="margin-top:8px">{copy_button(cell, "copy the cell that reproduces this")}</div>'
        f'<pre class="seedance-reproduce" style="{style.PRE}">{esc(cell)}</pre>'
    )


def result_html(
    result: Result, *, embed: bool = False, src: str | None = None, poster: str | None = None
) -> str:
    """The player as static HTML: the video, the seed in large type, what it cost, and
    the cell that makes it again (a copy button and the text itself)."""
    if src is None:
        src = video_src(result.path, embed) if result.path is not None else result.video_url
    title = f'<span style="{style.TITLE}">{esc(endpoint_label(result.endpoint))}</span>'
    title += f' <span class="seedance-via" style="{style.SUBTLE}">{esc(via_text(result.provider))}</span>'
    if result.emulated:
        title += " " + badge_html()
    prompt = result.prompt
    media = (
        '<div style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">'
        '<div style="flex:0 1 auto;min-width:0;max-width:100%">'
        f"{video_html(src, width=result.width, height=result.height, poster=poster, label=prompt)}</div>"
        f"{input_thumbnails_html(result.inputs)}</div>"
    )
    seed = esc(result.seed) if result.seed is not None else "?"
    audio = {True: "with audio", False: "no audio", None: ""}[result.has_audio]
    facts = [
        _fact("seed", f'<span class="seedance-seed">{seed}</span>', style.SEED),
        _fact("video", esc(SEP.join(p for p in (size_text(result), audio) if p)) or "–"),
        _fact("cost", f'<span class="seedance-cost">{esc(cost_text(result))}</span>'),
    ]
    if result.request_id:
        facts.append(_fact("request", esc(result.request_id), f"font-family:{style.MONO};font-size:12px"))
    if result.seed_note:
        note = f"{result.seed_note}; the same cell may make another video"
        facts.append(
            _fact("seed note", f'<span class="seedance-seed-note">{esc(note)}</span>', f"color:{style.WARN}")
        )
    cell = reproduce_text(result)
    location = str(result.path) if result.path is not None else result.video_url
    return (
        f'<div class="seedance-player {style.NO_MATH}" style="{style.BOX}">'
        f'<div style="margin-bottom:4px">{title}</div>'
        + (
            f'<div class="seedance-prompt" style="{style.SUBTLE};font-size:12px;margin-bottom:6px">'
            f"{esc(_shorten(prompt, PROMPT_CHARS))}</div>"
            if prompt
            else ""
        )
        + media
        + '<div style="display:flex;flex-wrap:wrap;gap:6px 24px;align-items:flex-end;margin-top:8px">'
        + "".join(facts)
        + "</div>"
        + (_reproduce_html(cell) if cell else "")
        + f'<div class="seedance-path" style="{style.SUBTLE};font-size:11px">{esc(location)}</div>'
        + "</div>"
    )
