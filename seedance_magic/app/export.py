"""`sd.export(results, "page.html")`: a set of results as one page to share.

The results may be Results, Jobs (waited for if still under way), a grid's JobGroup or
lists of them (`sd.history()`). Each video's poster frame is made from its file and put
inside the page; the video itself is linked by its path relative to the page (copy the
page with its videos, keeping their places), or put inside the page with `embed=True`
(one file that plays anywhere, as large as the videos). The page is render/export.py.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from ..errors import InvalidRequest, MissingDependency
from ..media.video import poster_png
from ..model import Result
from ..render.export import Entry, page_html
from ..render.html import video_src
from .compare import results_of

__all__ = ["export_page"]

POSTER_WIDTH = 640
DEFAULT_TITLE = "Seedance videos"


def _poster(video: Path) -> str | None:
    """The video's poster frame as a data: URI, or None when it cannot be made."""
    try:
        png = poster_png(video, max_width=POSTER_WIDTH)
    except (MissingDependency, ValueError, OSError):
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _entry(result: Result, folder: Path, embed: bool) -> Entry:
    path = result.path
    if path is None or not path.exists():
        return Entry(result)
    return Entry(result, poster=_poster(path), src=video_src(path.resolve(), embed, cwd=folder))


def export_page(
    results: Any, path: str | os.PathLike[str], *, embed: bool = False, title: str | None = None
) -> Path:
    """Write the page of `results` to `path` (its folder made if needed) and return the
    path. A video whose file is gone shows its poster-less card and facts."""
    items = results if isinstance(results, (list, tuple)) else [results]
    found = results_of(items, least=1, what="export")
    page = Path(path).expanduser()
    if page.suffix.lower() not in (".html", ".htm"):
        raise InvalidRequest(f"export: {page.name} is not an .html file; give a path like class.html")
    folder = page.parent.resolve()
    entries = [_entry(result, folder, embed) for result in found]
    where = "videos inside the page" if embed else "videos beside the page"
    html = page_html(entries, title=title or DEFAULT_TITLE, note=f"made with seedance-magic, {where}")
    folder.mkdir(parents=True, exist_ok=True)
    page.write_text(html, encoding="utf-8")
    return page
