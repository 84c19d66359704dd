"""Compare: two or more results played side by side in sync, as text and HTML.

One play/pause button, one seek slider and one time readout drive every video. The
controls are plain HTML with inline event attributes (no <script>, nothing fetched), so
the same markup works in the live notebook and in exported HTML. In a notebook it sits
in an `Output` widget's display data (ui/compare.py), where JupyterLab resolves the
videos' relative paths. Every video is muted and never starts by itself. The browser
test finds the controls by their classes: `sd-compare`, `sd-compare-play`,
`sd-compare-seek`, `sd-compare-time`, and `data-sd-sync` on each video.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from ..spec.endpoints import (
    DEFAULT_ASPECT_RATIO,
    DEFAULT_DURATION,
    DEFAULT_GENERATE_AUDIO,
    DEFAULT_RESOLUTION,
    MODE_NAMES,
    find_endpoint,
)
from . import style
from .html import badge_html, esc, video_src
from .shapes import ResultShape as Result
from .text import EMULATOR, SEP, result_line, via_text

__all__ = ["compare_html", "compare_text", "labels"]

# The fields that tell results apart, in the order captions show them.
_FIELDS = ("prompt", "provider", "tier", "mode", "resolution", "duration", "aspect_ratio", "audio")
PROMPT_CHARS = 60

_TIME = (
    "function F(s){s=Math.max(0,s||0);var m=Math.floor(s/60),c=(s%60).toFixed(1);"
    "return m+':'+(c<10?'0':'')+c}"
)
_PLAY = (
    "var r=this.closest('.sd-compare'),v=r.querySelectorAll('video[data-sd-sync]'),"
    "l=r.querySelector('video[data-sd-lead]');"
    "if(l.paused||l.ended){var t=l.ended?0:l.currentTime;v.forEach(function(x){"
    "try{x.currentTime=Math.min(t,x.duration||t)}catch(e){}"
    "var p=x.play();if(p&&p.catch){p.catch(function(){})}});"
    "this.textContent='\u275a\u275a pause';this.setAttribute('aria-pressed','true')}"
    "else{v.forEach(function(x){x.pause()});"
    "this.textContent='\u25b6 play';this.setAttribute('aria-pressed','false')}"
)
_SEEK = (
    "var r=this.closest('.sd-compare'),l=r.querySelector('video[data-sd-lead]'),"
    "t=this.value/1000*(l.duration||0);"
    "r.querySelectorAll('video[data-sd-sync]').forEach(function(x){"
    "try{x.currentTime=Math.min(t,x.duration||t)}catch(e){}})"
)
_TICK = (
    _TIME + ";var r=this.closest('.sd-compare');if(!r){return}"
    "var s=r.querySelector('.sd-compare-seek'),d=this.duration||0,t=this.currentTime,l=this;"
    "if(d&&document.activeElement!==s){s.value=Math.round(1000*t/d)}"
    "r.querySelector('.sd-compare-time').textContent=F(t)+' / '+F(d);"
    "if(!l.paused){r.querySelectorAll('video[data-sd-sync]').forEach(function(x){"
    "if(x!==l&&t<(x.duration||0)&&Math.abs(x.currentTime-t)>0.25){x.currentTime=t}})}"
)
_ENDED = (
    "var r=this.closest('.sd-compare');if(!r){return}"
    "r.querySelectorAll('video[data-sd-sync]').forEach(function(x){x.pause()});"
    "var b=r.querySelector('.sd-compare-play');b.textContent='\u25b6 play';"
    "b.setAttribute('aria-pressed','false')"
)


def _facts(result: Result) -> dict[str, str]:
    endpoint = find_endpoint(result.endpoint)
    args = result.arguments
    prompt = result.prompt
    return {
        "prompt": prompt if len(prompt) <= PROMPT_CHARS else prompt[: PROMPT_CHARS - 1] + "…",
        "provider": via_text(result.provider),
        "tier": endpoint.tier if endpoint else result.endpoint,
        "mode": MODE_NAMES[endpoint.mode] if endpoint else "",
        "resolution": str(args.get("resolution", DEFAULT_RESOLUTION)),
        "duration": f"{args.get('duration', DEFAULT_DURATION)} s".replace("auto s", "auto"),
        "aspect_ratio": str(args.get("aspect_ratio", DEFAULT_ASPECT_RATIO)),
        "audio": "audio" if args.get("generate_audio", DEFAULT_GENERATE_AUDIO) else "no audio",
    }


def labels(results: Sequence[Result]) -> list[str]:
    """Each video's caption: its seed, then whatever differs between the videos."""
    facts = [_facts(r) for r in results]
    varying = [f for f in _FIELDS if len({fact[f] for fact in facts}) > 1]
    out = []
    for result, fact in zip(results, facts, strict=True):
        parts = [f"seed {result.seed}" if result.seed is not None else "seed ?"]
        parts += [fact[f] for f in varying]
        out.append(SEP.join(p for p in parts if p))
    return out


def _seconds(result: Result) -> float:
    if result.duration_s is not None:
        return result.duration_s
    duration = str(result.arguments.get("duration", DEFAULT_DURATION))
    return float(duration) if duration.isdigit() else 0.0


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


# --------------------------------------------------------------------- rendering
def compare_text(results: Sequence[Result]) -> str:
    """The comparison for terminals and text/plain: one line per video."""
    head = f"compare {len(results)} videos (side by side in sync in a notebook)"
    lines = [
        f"  {i}. {label}{SEP}{result_line(r, seed=False)}"
        for i, (r, label) in enumerate(zip(results, labels(results), strict=True), 1)
    ]
    emulated = f"{SEP}{EMULATOR}" if any(r.emulated for r in results) else ""
    return "\n".join([head + emulated, *lines])


def compare_html(
    results: Sequence[Result],
    *,
    embed: bool = False,
    uid: str | None = None,
    posters: Sequence[str | None] = (),
) -> str:
    """The synced player: the videos in a row (wrapping), and the controls below;
    `posters` are the videos' poster images, in order, where there are some."""
    root = f"sd-compare-{uid or uuid.uuid4().hex[:12]}"
    lead = max(range(len(results)), key=lambda i: _seconds(results[i]))
    columns = min(len(results), 4)
    figures = []
    for i, (result, label) in enumerate(zip(results, labels(results), strict=True)):
        src = video_src(result.path, embed) if result.path is not None else result.video_url
        size = (
            f' width="{int(result.width)}" height="{int(result.height)}"'
            if result.width and result.height
            else ""
        )
        poster = posters[i] if i < len(posters) else None
        if poster:
            size += f' poster="{esc(poster)}"'
        tick = esc(_TICK)
        events = f' data-sd-lead ontimeupdate="{tick}" onloadedmetadata="{tick}" onended="{esc(_ENDED)}"'
        figures.append(
            f'<figure style="margin:0;min-width:0"><video id="{root}-v{i}" data-sd-sync muted playsinline '
            f'preload="metadata" src="{esc(src)}"{size}{events if i == lead else ""} '
            f'aria-label="{esc(label)}" style="{style.VIDEO};width:100%">'
            f"The video: {esc(result.path if result.path is not None else result.video_url)}</video>"
            f'<figcaption style="font-size:12px;margin-top:3px">{esc(label)}'
            f"{' ' + badge_html() if result.emulated else ''}</figcaption></figure>"
        )
    total = _clock(_seconds(results[lead]))
    controls = (
        '<div class="sd-compare-controls" style="display:flex;align-items:center;gap:10px;margin-top:6px">'
        f'<button type="button" id="{root}-play" class="sd-compare-play" aria-pressed="false" '
        f'onclick="{esc(_PLAY)}" style="{style.BUTTON}">\u25b6 play</button>'
        f'<input type="range" id="{root}-seek" class="sd-compare-seek" min="0" max="1000" step="1" value="0" '
        f'aria-label="position in every video" oninput="{esc(_SEEK)}" style="flex:1 1 auto;min-width:120px">'
        f'<span id="{root}-time" class="sd-compare-time" style="font-family:{style.MONO};font-size:12px">'
        f"0:00.0 / {total}</span></div>"
    )
    return (
        f'<div id="{root}" class="sd-compare {style.NO_MATH}" style="{style.BOX}">'
        f'<div style="{style.LABEL};margin-bottom:4px">compare {len(results)} videos · muted · in sync</div>'
        f'<div style="display:grid;grid-template-columns:repeat({columns},minmax(0,1fr));gap:10px">'
        f"{''.join(figures)}</div>{controls}</div>"
    )
