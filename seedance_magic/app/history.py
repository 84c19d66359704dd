"""History and unfinished jobs, read from the journal: `%seedance history`,
`seedance_magic.history()`, and the list `%load_ext` shows of jobs a dead kernel left
behind, with a "resume all" button.

    history_results(runtime, limit, text)   -> [Result]       newest first
    history_view(runtime, limit, search)    -> HistoryView     text/plain + text/html cards
    orphans_view(runtime, orphans, shell)   -> OrphansView     listed once per job

Poster frames are small JPEGs made once per video and kept next to it
(`NAME.poster.jpg`), so showing the history again costs no decoding; the gallery carries
them inside the page, so a saved notebook shows them where files are not served (GitHub,
nbviewer, an export moved away from its videos). A job whose submit got no answer is shown
as such, with the time it was sent and where to check it; nothing here ever submits.
The rendering itself lives in render/gallery.py and render/unfinished.py, the widget in
ui/orphans.py.
"""

from __future__ import annotations

import base64
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.job import EMULATOR_ENDED, Job
from ..errors import MissingDependency
from ..media.video import poster_jpeg
from ..model import Result, Results
from ..render.gallery import Card, history_html, history_text
from ..render.html import video_src
from ..render.story_card import Shot, StoryCard
from ..render.unfinished import Unfinished, orphans_html, orphans_text
from ..spec.states import State
from ..store.journal import JobRecord, Journal
from ..store.records import result_from, search
from ..store.records import search as search_records
from ..ui.frontends import should_embed, widgets_usable
from ..ui.show import display
from .story_history import StoryEntry, fold_stories

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

__all__ = ["HistoryView", "OrphansView", "history_results", "history_view", "orphans_view", "poster_src"]

log = logging.getLogger(__name__)

# A transition note (same state, this detail) marks a job that %load_ext has listed.
ANNOUNCED = "listed as unfinished at %load_ext"
DIED_SUBMITTING = "its kernel stopped while the submit was under way: the outcome is unknown"
POSTER_WIDTH = 240
POSTER_BYTES = 6_000  # a poster inside a page: a few KB


# ----------------------------------------------------------------------- history
def history_results(
    runtime: Runtime, limit: int = 20, text: str | None = None, *, here: bool = False
) -> Results:
    """Past results from the journal, newest first; `search` finds a text in the prompt
    or the endpoint (case-insensitive), a provider (fal, lumenfall), the start of a request
    id, or a seed; `here` keeps the videos made in this folder (the kernel's working
    folder, the notebook's). `.to_pandas()` makes them a table."""
    under = Path.cwd() if here else None
    return Results(result_from(record) for record in search(runtime.journal, limit, text, under=under))


def poster_src(video: Path, *, embed: bool = False, width: int = POSTER_WIDTH) -> str | None:
    """A small poster frame of `video` (a JPEG of a few KB), made once and kept as
    `NAME.poster.jpg` next to it (remade when the video is newer): its relative URL, which
    Jupyter serves like the video itself, or with `embed` (or a read-only folder) a data:
    URI. None when the video is gone or cannot be read (or PyAV is missing)."""
    cached = video.with_suffix(".poster.jpg")
    try:
        made = video.stat().st_mtime
    except OSError:
        return None
    try:
        fresh = cached.stat().st_mtime >= made
    except OSError:
        fresh = False
    jpeg = None
    if not fresh:
        try:
            jpeg = poster_jpeg(video, max_side=width, max_bytes=POSTER_BYTES)
        except (MissingDependency, ValueError, OSError):
            return None
        try:
            cached.write_bytes(jpeg)
            fresh = True
        except OSError:  # a read-only folder: show it inline, make it again next time
            log.debug("cannot keep the poster next to %s", video)
    if fresh and not embed:
        return video_src(cached)
    data = jpeg if jpeg is not None else cached.read_bytes()
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def made_elsewhere(video: Path, cwd: Path | None = None) -> str | None:
    """The folder a video was made in when it is not under this one (the journal is the
    user's, each notebook's videos are beside it), as a path from here when the two
    folders share more than the root, else as it is; None for a video of this folder."""
    here = (cwd or Path.cwd()).resolve()
    folder = video.resolve().parent
    if folder.is_relative_to(here):
        return None
    relative = os.path.relpath(folder, here)
    shared = os.path.commonpath([folder, here])
    return relative if shared not in (folder.anchor, str(Path.home().parent)) else str(folder)


def _card(result: Result) -> Card:
    path = result.path
    if path is None or not path.exists():
        return Card(result)
    # The poster goes inside the page (a video of another folder is linked by its path
    # from here, which Jupyter serves only when both folders are under its root).
    poster = poster_src(path, embed=True)
    return Card(result, poster=poster, src=video_src(path), made_in=made_elsewhere(path))


def _story_card(entry: StoryEntry) -> StoryCard:
    shots = [
        Shot(s, poster_src(s.path, embed=True), video_src(s.path))
        if s.path is not None and s.path.exists()
        else Shot(s)
        for s in entry.shots
    ]
    film = entry.film
    return StoryCard(shots, entry.reproduce, video_src(film) if film else None, str(film) if film else None)


class HistoryView:
    """Past results as a gallery: text/plain for terminals, cards in text/html (each
    poster inside the page); a story is one entry with its shots."""

    def __init__(
        self,
        results: Sequence[Result | StoryEntry],
        search: str | None = None,
        *,
        here: bool = False,
        running: int = 0,
    ) -> None:
        self.results = list(results)
        self.search = search
        self.here = here
        self.running = running  # this kernel's jobs still under way (not in the journal's history yet)
        self.cards = [_story_card(r) if isinstance(r, StoryEntry) else _card(r) for r in self.results]

    def __len__(self) -> int:
        return len(self.results)

    def __repr__(self) -> str:
        return history_text(self.cards, search=self.search, here=self.here, running=self.running)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "text/plain": history_text(self.cards, search=self.search, here=self.here, running=self.running),
            "text/html": history_html(self.cards, search=self.search, here=self.here, running=self.running),
        }


def history_view(
    runtime: Runtime, limit: int = 12, search: str | None = None, *, here: bool = False
) -> HistoryView:
    """The gallery of past results (see history_results), saying how many of this
    kernel's jobs are still under way."""
    running = sum(not job.done for job in list(runtime.active))
    under = Path.cwd() if here else None
    records = search_records(runtime.journal, limit * 8, search, under=under)
    entries = fold_stories(records, runtime.journal, runtime.settings.output_dir, limit)
    return HistoryView(entries, search, here=here, running=running)


# --------------------------------------------------------------------- unfinished
def _sent_at(journal: Journal, record: JobRecord) -> tuple[float, bool]:
    """When the submit was sent, and whether %load_ext has listed this job before."""
    sent, announced = record.created_at, False
    for state, at, detail in journal.transitions(record.id):
        if state == State.SUBMITTING:
            sent = at
        announced = announced or detail == ANNOUNCED
    return sent, announced


def unannounced(
    journal: Journal, orphans: Sequence[JobRecord], ended: Callable[[JobRecord], bool] | None = None
) -> list[Unfinished]:
    """The jobs among `orphans` not listed before, marked as listed now; those `ended`
    says can never finish (an ended kernel's emulator made them) are marked ended instead."""
    rows = []
    for record in orphans:
        if ended is not None and ended(record):
            journal.update(record.id, state=State.FAILED.value, detail=EMULATOR_ENDED, error=EMULATOR_ENDED)
            continue
        sent, announced = _sent_at(journal, record)
        if announced:
            continue
        if record.state == State.SUBMITTING:  # its kernel died before fal's answer was journalled
            journal.update(record.id, state=State.UNKNOWN.value, detail=ANNOUNCED, error=DIED_SUBMITTING)
        else:
            journal.note(record.id, ANNOUNCED)
        unknown = record.state in (State.UNKNOWN, State.SUBMITTING) or not record.request_id
        rows.append(Unfinished(replace(record, state=State.UNKNOWN.value) if unknown else record, sent))
    return rows


class OrphansView:
    """Jobs a dead kernel left unfinished: the list (text and HTML), and in a kernel a
    "resume all" button that reattaches each (no new submit) and shows its progress."""

    def __init__(self, runtime: Runtime, rows: Sequence[Unfinished], shell: Any = None) -> None:
        self.runtime = runtime
        self.rows = list(rows)
        self.shell = shell
        self.jobs: list[Job] = []
        self.errors: list[str] = []

    @property
    def resumable(self) -> list[Unfinished]:
        return [row for row in self.rows if not row.unknown]

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return orphans_text(self.rows) if self.rows else ""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        if not self.rows:
            return {"text/plain": ""}
        now = time.time()
        return {"text/plain": orphans_text(self.rows, now), "text/html": orphans_html(self.rows, now)}

    def resume_all(self) -> list[Job]:
        """Reattach to every job that has a request id (each once); never submits."""
        from .reports import resume

        done = {job.request_id for job in self.jobs}
        for row in self.resumable:
            request_id = row.record.request_id
            if request_id is None or request_id in done:
                continue
            try:
                self.jobs.append(resume(self.runtime, request_id))
            except Exception as exc:  # one job that cannot be resumed must not stop the others
                self.errors.append(f"{request_id}: {exc}")
        return self.jobs

    @property
    def embed(self) -> bool:
        return should_embed(self.runtime.settings.embed)

    def widget(self) -> Any:
        """The list with a "resume all" button, as a widget."""
        from ..ui.orphans import OrphansWidget

        return OrphansWidget(self)

    def show(self) -> None:
        """Display the list: with its button where widgets render and a job can be
        resumed, else as text and HTML."""
        if not self.rows:
            return
        display(self.widget() if widgets_usable(self.shell) and self.resumable else self)


def orphans_view(runtime: Runtime, orphans: Sequence[JobRecord], shell: Any = None) -> OrphansView:
    """The jobs a dead kernel left unfinished that were not listed before (each job is
    listed once); displaying an empty view shows nothing."""
    gone: dict[str | None, bool] = {}

    def ended(record: JobRecord) -> bool:
        if not record.emulated or not record.request_id:
            return False
        if record.base_url not in gone:  # asked once per server
            target = runtime.target_for(record.provider, record.base_url, True)
            gone[record.base_url] = runtime.emulator_ended(target)
        return gone[record.base_url]

    return OrphansView(runtime, unannounced(runtime.journal, orphans, ended), shell)
