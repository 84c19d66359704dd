"""The player of a finished video as static HTML: the video (with its poster), a sound
button, where the file is and a link to download it, the seed in large type, what it
cost, the request id, and the cell that makes it again.

Pure functions from a `Result` to a string, for the text/html of every mimebundle and
the inside of the player widget. The same markup serves a live notebook, a reopened one,
an nbconvert export and a sanitized renderer (GitHub, an untrusted notebook): the few
inline handlers (copy, unmute) are conveniences, and without them the cell is still
selectable text and the player's own controls still unmute. Everything from the user or
from a provider is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from ..spec.story import continue_cell
from . import style
from .html import PROMPT_CHARS, badge_html, copy_button, esc, shorten, video_html, video_src
from .shapes import ResultShape as Result
from .text import SEP, cost_text, endpoint_label, reproduce_text, size_text, via_text

SOUND_OFF = "sound off · click to unmute"
SOUND_ON = "sound on · click to mute"
SCOPE = "seedance-sound-scope"
"""The element whose video a sound button controls (a player, a grid's cell)."""

_TOGGLE = (
    f"var v=this.closest('.{SCOPE}');v=v&&v.querySelector('video');"
    "if(v){v.muted=!v.muted;if(!v.muted&&!v.volume){v.volume=1}}"
)
_SYNC = (
    f"var r=this.closest('.{SCOPE}'),b=r&&r.querySelector('.seedance-sound');"
    f"if(b){{var off=this.muted||!this.volume;b.textContent=off?'{SOUND_OFF}':'{SOUND_ON}';"
    "b.setAttribute('aria-pressed',off?'false':'true')}"
)
SOUND_EVENTS = {"onvolumechange": _SYNC}
"""The video's handler that keeps its sound button's label true."""


def sound_button(has_audio: bool | None) -> str:
    """Says that the video starts muted, and unmutes it (its player's controls do too).
    Nothing for a video without sound."""
    if has_audio is False:
        return ""
    title = "the player starts muted; click here, or the speaker in its controls, to hear it"
    return (
        f'<button type="button" class="seedance-sound" aria-pressed="false" title="{title}" '
        f'onclick="{esc(_TOGGLE)}" style="{style.BUTTON}">{SOUND_OFF}</button>'
    )


def download_html(src: str, path: PurePath | None, *, embedded: bool) -> str:
    """A visible link that saves the MP4 (for an embedded video, where its copy in the
    page is the only one at hand, the player's menu does that)."""
    if embedded:
        note = "⤓ save the MP4 from the player's ⋮ menu"
        return f'<span class="seedance-download" style="{style.SUBTLE}">{esc(note)}</span>'
    name = path.name if path is not None else "seedance.mp4"
    return (
        f'<a class="seedance-download" href="{esc(src)}" download="{esc(name)}" target="_blank" '
        f'style="color:{style.ACCENT}">⤓ download the MP4</a>'
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


def continue_text(result: Result) -> str:
    """The `%%seedance --continue REQUEST_ID --stitch` cell that carries the clip on ("" when
    it has no request id)."""
    if not result.request_id:
        return ""
    try:
        return continue_cell(result.endpoint, result.arguments, result.request_id, result.provider)
    except ValueError:
        return ""


def request_html(request_id: str) -> str:
    """The request id of a job that ended without a video (what fal's support asks for)."""
    return _fact("request", esc(request_id), f"font-family:{style.MONO};font-size:12px")


def reproduce_html(cell: str, follow: str = "") -> str:
    """The cell that makes the video again: a copy button (it needs no kernel), and the
    cell itself as text that one click selects, for where the button cannot copy; with
    `follow`, a "continue this clip" button that copies the cell carrying it on."""
    more = " " + copy_button(follow, "continue this clip") if follow else ""
    return (
        f'<div class="seedance-reproduce-box" style="margin-top:8px">'
        f'<span style="{style.LABEL}">reproduce</span> {copy_button(cell, "copy the cell")}{more} '
        f'<span style="{style.SUBTLE};font-size:11px">or click the cell to select it</span>'
        f'<pre class="seedance-reproduce" style="{style.PRE}">{esc(cell)}</pre></div>'
    )


def result_html(
    result: Result, *, embed: bool = False, src: str | None = None, poster: str | None = None
) -> str:
    """The player as static HTML: the video (`poster`: an image shown before it plays,
    and where it cannot), the seed in large type, what it cost, and the cell that makes
    it again. `src` overrides the video's address; `embed` inlines the file."""
    if src is None:
        src = video_src(result.path, embed) if result.path is not None else result.video_url
    title = f'<span style="{style.TITLE}">{esc(endpoint_label(result.endpoint))}</span>'
    title += f' <span class="seedance-via" style="{style.SUBTLE}">{esc(via_text(result.provider))}</span>'
    if result.emulated:
        title += " " + badge_html()
    prompt = result.prompt
    location = str(result.path) if result.path is not None else result.video_url
    player = video_html(
        src,
        width=result.width,
        height=result.height,
        poster=poster,
        label=prompt,
        where=location,
        events=SOUND_EVENTS,
    )
    media = (
        '<div style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">'
        f'<div style="flex:0 1 auto;min-width:0;max-width:100%">{player}</div>'
        f"{input_thumbnails_html(result.inputs)}</div>"
    )
    download = download_html(src, result.path, embedded=src.startswith("data:"))
    controls = (
        '<div class="seedance-file" style="display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center;'
        'margin-top:4px;font-size:12px">'
        f"{sound_button(result.has_audio)}{download}"
        f'<span class="seedance-path" style="{style.SUBTLE};font-size:11px">'
        f"video file: {esc(location)}</span>"
        "</div>"
    )
    seed = esc(result.seed) if result.seed is not None else "?"
    audio = {True: "with audio", False: "no audio", None: ""}[result.has_audio]
    facts = [
        _fact("seed", f'<span class="seedance-seed">{seed}</span>', style.SEED),
        _fact("video", esc(SEP.join(p for p in (size_text(result), audio) if p)) or "–"),
        _fact("cost", f'<span class="seedance-cost">{esc(cost_text(result))}</span>'),
    ]
    if result.request_id:
        facts.append(request_html(result.request_id))
    if result.seed_note:
        note = f"{result.seed_note}; the same cell may make another video"
        facts.append(
            _fact("seed note", f'<span class="seedance-seed-note">{esc(note)}</span>', f"color:{style.WARN}")
        )
    cell = reproduce_text(result)
    return (
        f'<div class="seedance-player {SCOPE} {style.NO_MATH}" style="{style.BOX}">'
        f'<div style="margin-bottom:4px">{title}</div>'
        + (
            f'<div class="seedance-prompt" style="{style.SUBTLE};font-size:12px;margin-bottom:6px">'
            f"{esc(shorten(prompt, PROMPT_CHARS))}</div>"
            if prompt
            else ""
        )
        + media
        + controls
        + '<div style="display:flex;flex-wrap:wrap;gap:6px 24px;align-items:flex-end;margin-top:8px">'
        + "".join(facts)
        + "</div>"
        + (reproduce_html(cell, continue_text(result)) if cell else "")
        + "</div>"
    )
