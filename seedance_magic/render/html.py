"""Static HTML for jobs: the status, the header, the badge, copy buttons and the
`<video>` element (the player of a result is player.py).

Pure functions from a `Snapshot` to a string. They serve the text/html of every
mimebundle (nbconvert and GitHub exports, frontends without widgets) and the inside of
the widgets. Every value that comes from the user or from fal (prompt,
file names, log lines, error messages, the reproduce cell) is escaped, attributes
included. Styles are inline (see style.py) so that exports keep them. No ipywidgets.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from . import style
from .shapes import SnapshotShape as Snapshot
from .text import EMULATOR, SEP, caption_text, endpoint_label, estimate_text, status_text, via_text

PROMPT_CHARS = 160


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when cut."""
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
            f"{esc(shorten(prompt, PROMPT_CHARS))}</div>"
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


def status_html(
    snapshot: Snapshot,
    now: float | None = None,
    *,
    prompt: str = "",
    saved_note: bool = False,
    after: str = "",
) -> str:
    """A job's status as static HTML: the header, then the status line or the outcome
    (and `after` it, e.g. its request id and reproduce cell); with `saved_note`, for a
    job under way, the note that this is a moment of it."""
    if snapshot.state.value in style.OUTCOME_COLOURS:
        body = outcome_html(snapshot) + after
    else:
        body = f'<div class="seedance-status">{esc(status_text(snapshot, now))}</div>'
        body += trouble_html(snapshot.trouble)
        if saved_note and not snapshot.state.terminal:
            body += saved_running_html()
    head = header_html(snapshot, prompt)
    return f'<div class="seedance-job-static {style.NO_MATH}" style="{style.BOX}">{head}{body}</div>'


SAVED_RUNNING = (
    "saved while the job was under way: once it has ended, `%seedance history` shows its video "
    "and the cell that makes it again"
)


def saved_running_html() -> str:
    """Under a live view's HTML (what shows where its widget cannot: an export, GitHub):
    this is a moment of a job, not its result."""
    note = esc(SAVED_RUNNING)
    return f'<div class="seedance-saved-running" style="{style.SUBTLE};font-size:11px">{note}</div>'


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
    where: str = "",
    events: Mapping[str, str] | None = None,
) -> str:
    """An HTML5 player that never starts or loops by itself, sized to fit its cell. It
    starts muted (say so next to it: player.py's sound button). `where` names the file
    for front-ends that drop the `<video>` element (its fallback content); `events` are
    the player's own inline handlers (constants, never user text)."""
    attributes = [f'src="{esc(src)}"', "controls", "muted", "playsinline", 'preload="metadata"']
    if width and height:
        attributes += [f'width="{int(width)}"', f'height="{int(height)}"']
    if poster:
        attributes.append(f'poster="{esc(poster)}"')
    if label:
        attributes.append(f'aria-label="{esc(shorten(label, 300))}"')
    for name, script in (events or {}).items():
        attributes.append(f'{name}="{esc(script)}"')
    fallback = (
        f"The video: {esc(where)}"
        if where
        else "This browser cannot play the video here; open the file instead."
    )
    return f'<video class="seedance-video" {" ".join(attributes)} style="{style.VIDEO}">{fallback}</video>'
