"""The studio's gallery as text and static HTML: a card per video (player, prompt,
settings, cost, date), "copy as %%seedance", and the studio in a few lines for
terminals. Pure; the widgets are ui/studio.py."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..spec import endpoints as ep
from ..spec.form import MODES, FormValues
from . import style
from .html import badge_html, copy_button, esc, video_html, video_src
from .shapes import ResultShape as Result
from .text import SEP, cost_text, endpoint_label, result_line, via_text

PROMPT_CHARS = 140


def settings_text(result: Result) -> str:
    """ "seed 42 · fast text-to-video · 480p · 4 s · 16:9 · no audio · via fal"."""
    args = result.arguments
    duration = str(args.get("duration", "auto"))
    parts = [
        f"seed {result.seed}" if result.seed is not None else "",
        endpoint_label(result.endpoint, short=True),
        str(args.get("resolution", ep.DEFAULT_RESOLUTION)),
        duration if duration == "auto" else f"{duration} s",
        str(args.get("aspect_ratio", ep.DEFAULT_ASPECT_RATIO)),
        "audio" if args.get("generate_audio", True) else "no audio",
        via_text(result.provider),
    ]
    return SEP.join(p for p in parts if p)


def card_html(result: Result, *, embed: bool = False) -> str:
    """One gallery video: the player, the prompt, the settings, cost and date."""
    path = result.path
    src = video_src(path, embed) if path is not None and path.exists() else result.video_url
    prompt = result.prompt if len(result.prompt) <= PROMPT_CHARS else result.prompt[: PROMPT_CHARS - 1] + "…"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(result.created_at))
    badge = " " + badge_html() if result.emulated else ""
    return (
        f'<figure class="sd-card-video {style.NO_MATH}" style="margin:0;min-width:0">'
        f"{video_html(src, width=result.width, height=result.height, label=result.prompt)}"
        f'<figcaption style="font-size:12px;margin-top:4px">'
        f'<div title="{esc(result.prompt)}">{esc(prompt)}</div>'
        f'<div style="font-weight:600">{esc(settings_text(result))}{badge}</div>'
        f'<div style="{style.SUBTLE}">{esc(cost_text(result))}{SEP}{esc(when)}</div></figcaption></figure>'
    )


def copy_html(cell: str) -> str:
    """ "copy as %%seedance": a copy button, and the cell itself to select by hand."""
    if not cell:
        return ""
    return (
        f"{copy_button(cell, 'copy as %%seedance')}"
        f'<details style="font-size:12px"><summary>the cell</summary>'
        f'<pre class="seedance-reproduce" style="{style.PRE}">{esc(cell)}</pre></details>'
    )


def gallery_html(results: Sequence[Result | None], *, embed: bool = False) -> str:
    """The gallery as static HTML (exports): the finished videos with their captions."""
    done = [r for r in results if r is not None]
    cards = "".join(f'<div style="min-width:0">{card_html(r, embed=embed)}</div>' for r in done)
    return (
        f'<div class="sd-studio-static {style.NO_MATH}" style="{style.BOX}">'
        f'<div style="{style.TITLE}">seedance studio</div>'
        f'<div style="{style.SUBTLE};font-size:12px">{len(done)} videos '
        "(the form works in a live notebook)</div>"
        f'<div style="display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:10px;margin-top:6px">'
        f"{cards}</div></div>"
    )


def studio_text(values: FormValues, results: Sequence[Result | None], running: int) -> str:
    """The studio for terminals: the form in one line, then one line per video."""
    done = [r for r in results if r is not None]
    head = f"seedance studio · {len(done)} videos in the gallery" + (
        f" · {running} under way" if running else ""
    )
    form = SEP.join(
        [
            values.provider if values.provider != "auto" else "configured provider",
            values.tier,
            dict((v, k) for k, v in MODES).get(values.mode, values.mode),
            values.resolution,
            f"duration {values.duration}",
            values.aspect_ratio,
            "audio" if values.audio else "no audio",
            f"seed {values.seed}" if values.seed is not None else "random seed",
        ]
    )
    lines = [head, f"form: {form}", f"prompt: {values.prompt}" if values.prompt else "prompt: (empty)"]
    lines += [f"  {i}. {result_line(r)}" for i, r in enumerate(done, 1)]
    return "\n".join(lines)
