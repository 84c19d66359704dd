"""The page `sd.export(results, "page.html")` writes: one self-contained HTML file that
shows a set of results (a class's, say) to anyone with a browser, with no Jupyter and no
network: a player per video (its poster inside the page, the video beside the page or
inside it too), its prompt, seed, model, provider, cost, date and request id, and the
cell that makes it again.

A pure function of its entries; every value from the user or a provider is escaped, and
the page has no script.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import style
from .gallery import stamp
from .html import esc
from .shapes import ResultShape as Result
from .text import EMULATOR, SEP, cost_text, endpoint_label, reproduce_text, via_text

__all__ = ["Entry", "page_html"]

PAGE_CSS = """
body{margin:0;padding:24px;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;
color:#1a1a1a;background:#fafafa;line-height:1.45}
h1{font-size:20px;margin:0 0 4px}
.count{color:#6b6b6b;font-size:13px;margin:0 0 16px}
.grid{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.video{flex:0 1 360px;min-width:240px;background:#fff;border:1px solid #ddd;border-radius:8px;
padding:10px;display:flex;flex-direction:column;gap:6px}
video,.poster{display:block;width:100%;height:auto;border-radius:4px;background:#000}
.gone{display:flex;align-items:center;justify-content:center;min-height:120px;border-radius:4px;
background:#eee;color:#6b6b6b;font-size:12px}
.prompt{font-size:14px}
.facts{font-size:12px;color:#444}
.rid{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;color:#6b6b6b;word-break:break-all}
pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;background:#f2f2f2;
border:1px solid #ddd;border-radius:4px;padding:6px 8px;margin:0;white-space:pre-wrap;word-break:break-word}
.badge{display:inline-block;font-weight:700;font-size:11px;letter-spacing:.08em;padding:1px 7px;
border-radius:9px;vertical-align:middle}
"""


@dataclass(frozen=True)
class Entry:
    """One video on the page: `poster` a data: URI (or None), `src` the video's address
    relative to the page or a data: URI (None when its file is gone)."""

    result: Result
    poster: str | None = None
    src: str | None = None


def _player(entry: Entry) -> str:
    alt = esc(" ".join(entry.result.prompt.split())[:300])
    if entry.src is not None:
        poster = f' poster="{esc(entry.poster)}"' if entry.poster else ""
        return (
            f'<video controls preload="none" playsinline{poster} aria-label="{alt}">'
            f'<source src="{esc(entry.src)}" type="video/mp4"></video>'
        )
    if entry.poster:
        return f'<img class="poster" src="{esc(entry.poster)}" alt="{alt}">'
    return '<div class="gone">the video file was not found when this page was made</div>'


def _entry_html(entry: Entry) -> str:
    result = entry.result
    seed = esc(result.seed) if result.seed is not None else "?"
    badge = (
        f' <span class="badge" style="background:{style.BADGE_BG};color:{style.BADGE_FG}">{EMULATOR}</span>'
        if result.emulated
        else ""
    )
    facts = SEP.join(
        [
            f"seed <b>{seed}</b>",
            esc(endpoint_label(result.endpoint, short=True)),
            esc(via_text(result.provider)),
            esc(cost_text(result)),
            esc(stamp(result.created_at)),
        ]
    )
    parts = [
        _player(entry),
        f'<div class="prompt">{esc(result.prompt)}</div>',
        f'<div class="facts">{facts}{badge}</div>',
    ]
    if result.request_id:
        parts.append(f'<div class="rid">request {esc(result.request_id)}</div>')
    cell = reproduce_text(result)
    if cell:
        parts.append(
            f"<details><summary>the cell that makes it again</summary><pre>{esc(cell)}</pre></details>"
        )
    return f'<section class="video">{"".join(parts)}</section>'


def page_html(entries: Sequence[Entry], *, title: str, note: str = "") -> str:
    """The whole page: a title, how many videos, a note (where it came from), then one
    block per video in the order given."""
    count = len(entries)
    line = f"{count} video{'s' if count != 1 else ''}" + (f"{SEP}{note}" if note else "")
    body = "".join(_entry_html(entry) for entry in entries)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{PAGE_CSS}</style></head>"
        f'<body><h1>{esc(title)}</h1><p class="count">{esc(line)}</p>'
        f'<main class="grid">{body}</main></body></html>\n'
    )
