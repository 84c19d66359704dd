"""History and unfinished jobs, read from the journal: `%seedance history`,
`seedance_magic.history()`, and the list `%load_ext` shows of jobs a dead kernel left
behind, with a "resume all" button.

    history_results(runtime, limit, search) -> [Result]       newest first
    history_view(runtime, limit, search)    -> HistoryView     text/plain + text/html cards
    orphans_view(runtime, orphans, shell)   -> OrphansView     listed once per job

Poster frames are made once per video and kept next to it (`NAME.poster.png`), so
showing the history again costs no decoding. A job whose submit got no answer is shown
as such, with the time it was sent and where to check it; nothing here ever submits.
The rendering itself lives in ui/gallery_view.py.
"""

from __future__ import annotations

import base64
import functools
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .endpoints import APP
from .result import Result
from .ui.gallery_view import Card, Unfinished, history_html, history_text, orphans_html, orphans_text

if TYPE_CHECKING:
    from .engine import Job
    from .runtime import Runtime
    from .store import JobRecord, Journal

__all__ = ["HistoryView", "OrphansView", "history_results", "history_view", "orphans_view", "poster_src"]

log = logging.getLogger(__name__)

# A transition note (same state, this detail) marks a job that %load_ext has listed.
ANNOUNCED = "listed as unfinished at %load_ext"
DIED_SUBMITTING = "its kernel stopped while the submit was under way: the outcome is unknown"
SEARCH_SCAN = 5000
POSTER_WIDTH = 240


# ----------------------------------------------------------------------- history
def _matches(record: JobRecord, needle: str) -> bool:
    """The prompt or the endpoint's own name contains it, it names the provider, the request
    id starts with it, or it is the seed."""
    endpoint = record.endpoint.removeprefix(APP + "/")  # "fast/text-to-video"
    if needle in record.prompt.casefold() or needle in endpoint.casefold() or needle == record.provider:
        return True
    if record.request_id and record.request_id.casefold().startswith(needle):
        return True
    return record.seed is not None and needle == str(record.seed)


def _records(journal: Journal, limit: int, search: str | None) -> list[JobRecord]:
    if not search:
        return journal.recent(limit=limit)
    # Matched here rather than in SQL: the arguments are stored as JSON, where a
    # non-ASCII prompt is escaped and would never match the text as typed.
    needle = search.strip().casefold()
    return [r for r in journal.recent(limit=SEARCH_SCAN) if _matches(r, needle)][:limit]


def result_from(record: JobRecord) -> Result:
    """A journal row of a completed job as a Result (what it cost, how to redo it)."""
    data = record.result or {"seed": record.seed, "video": {"url": record.video_url}}
    if data.get("seed") is None and record.seed is not None:
        data = {**data, "seed": record.seed}
    result = Result.build(
        endpoint=record.endpoint,
        arguments=dict(record.arguments),
        request_id=record.request_id,
        data=data,
        path=Path(record.path) if record.path else None,
        emulated=record.emulated,
        provider=record.provider,
        timings=record.timings,
        reproduce=record.reproduce,
        inputs=tuple(record.inputs or ()),
    )
    cost = record.cost_usd if record.cost_usd is not None else result.cost_usd
    return replace(result, cost_usd=cost, created_at=record.created_at)


def history_results(runtime: Runtime, limit: int = 20, search: str | None = None) -> list[Result]:
    """Past results from the journal, newest first; `search` finds a text in the prompt
    or the endpoint (case-insensitive), a provider (fal, lumenfall), the start of a request
    id, or a seed."""
    return [result_from(record) for record in _records(runtime.journal, limit, search)]


def poster_src(video: Path, *, embed: bool = False, width: int = POSTER_WIDTH) -> str | None:
    """A small poster frame of `video`, made once and kept as `NAME.poster.png` next to
    it (remade when the video is newer): its relative URL, which Jupyter serves like the
    video itself, or with `embed` (or a read-only folder) a data: URI. None when the
    video is gone or cannot be read (or PyAV is missing)."""
    from .ui.html import video_src

    cached = video.with_suffix(".poster.png")
    try:
        made = video.stat().st_mtime
    except OSError:
        return None
    try:
        fresh = cached.stat().st_mtime >= made
    except OSError:
        fresh = False
    png = None
    if not fresh:
        from .errors import MissingDependency
        from .video import poster_png

        try:
            png = poster_png(video, max_width=width)
        except (MissingDependency, ValueError, OSError):
            return None
        try:
            cached.write_bytes(png)
            fresh = True
        except OSError:  # a read-only folder: show it inline, make it again next time
            log.debug("cannot keep the poster next to %s", video)
    if fresh and not embed:
        return video_src(cached)
    data = png if png is not None else cached.read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _card(result: Result) -> Card:
    from .ui.html import video_src

    path = result.path
    if path is None or not path.exists():
        return Card(result)
    from .runtime import get_runtime
    from .ui.html import should_embed

    embed = should_embed(get_runtime().settings.embed)
    return Card(result, poster=poster_src(path, embed=embed), src=video_src(path))


class HistoryView:
    """Past results as a gallery: text/plain for terminals, cards in text/html."""

    def __init__(self, results: Sequence[Result], search: str | None = None) -> None:
        self.results = list(results)
        self.search = search
        self.cards = [_card(result) for result in self.results]

    def __len__(self) -> int:
        return len(self.results)

    def __repr__(self) -> str:
        return history_text(self.cards, search=self.search)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "text/plain": history_text(self.cards, search=self.search),
            "text/html": history_html(self.cards, search=self.search),
        }


def history_view(runtime: Runtime, limit: int = 12, search: str | None = None) -> HistoryView:
    return HistoryView(history_results(runtime, limit, search), search)


# --------------------------------------------------------------------- unfinished
def _sent_at(journal: Journal, record: JobRecord) -> tuple[float, bool]:
    """When the submit was sent, and whether %load_ext has listed this job before."""
    sent, announced = record.created_at, False
    for state, at, detail in journal.transitions(record.id):
        if state == "submitting":
            sent = at
        announced = announced or detail == ANNOUNCED
    return sent, announced


def _mark_announced(journal: Journal, record: JobRecord) -> None:
    """Note on the job that it was listed, without changing its state."""
    note = getattr(journal, "note", None)
    if note is not None:
        note(record.id, ANNOUNCED)
        return
    current = journal.get(record.id)  # only while nobody else has taken it up
    if current is not None and (current.state, current.pid) == (record.state, record.pid):
        journal.update(record.id, state=record.state, detail=ANNOUNCED)


def unannounced(journal: Journal, orphans: Sequence[JobRecord]) -> list[Unfinished]:
    """The jobs among `orphans` not listed before, marked as listed now."""
    rows = []
    for record in orphans:
        sent, announced = _sent_at(journal, record)
        if announced:
            continue
        if record.state == "submitting":  # its kernel died before fal's answer was journalled
            journal.update(record.id, state="unknown", detail=ANNOUNCED, error=DIED_SUBMITTING)
        else:
            _mark_announced(journal, record)
        unknown = record.state in ("unknown", "submitting") or not record.request_id
        rows.append(Unfinished(replace(record, state="unknown") if unknown else record, sent))
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

    def _ipython_display_(self) -> None:
        from IPython.display import display

        from .commands import widgets_usable

        if not self.rows:
            return
        if widgets_usable(self.shell) and self.resumable:
            display(self.widget())  # type: ignore[no-untyped-call]
        else:
            display(self._repr_mimebundle_(), raw=True)  # type: ignore[no-untyped-call]

    def resume_all(self) -> list[Job]:
        """Reattach to every job that has a request id (each once); never submits."""
        from . import commands

        done = {job.request_id for job in self.jobs}
        for row in self.resumable:
            request_id = row.record.request_id
            if request_id is None or request_id in done:
                continue
            try:
                self.jobs.append(commands.resume(self.runtime, request_id, self.shell))
            except Exception as exc:  # one job that cannot be resumed must not stop the others
                self.errors.append(f"{request_id}: {exc}")
        return self.jobs

    def widget(self) -> Any:
        return _widget_class()(self)


@functools.cache
def _widget_class() -> type:
    from ipywidgets import HTML, Button, Layout, VBox

    from .ui.html import esc, should_embed
    from .ui.progress import JobView

    class OrphansWidget(VBox):  # type: ignore[misc]  # ipywidgets is untyped
        """The list, a "resume all" button, then one live view per resumed job."""

        def __init__(self, view: OrphansView) -> None:
            self.view = view
            count = len(view.resumable)
            self.button = Button(
                description=f"resume all ({count})",
                tooltip="follow each job at fal, fetch and download its video; nothing is submitted again",
                layout=Layout(width="auto"),
                _dom_classes=("seedance-resume-all",),
            )
            self.button.on_click(lambda _button: self.resume())
            self.jobs_box = VBox(_dom_classes=("seedance-resumed",))
            self.problems = HTML(layout=Layout(display="none"), _dom_classes=("seedance-resume-errors",))
            listing = HTML(orphans_html(view.rows), _dom_classes=("seedance-orphans-list",))
            super().__init__(children=(listing, self.button, self.problems, self.jobs_box))

        def resume(self) -> None:
            self.button.disabled = True
            jobs = self.view.resume_all()
            embed = should_embed(self.view.runtime.settings.embed)
            self.jobs_box.children = tuple(JobView(job, embed=embed) for job in jobs)
            self.button.description = f"resumed {len(jobs)}"
            if self.view.errors:
                self.problems.value = "<br>".join(esc(line) for line in self.view.errors)
                self.problems.layout.display = None

        def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
            data: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}
            data.update(self.view._repr_mimebundle_())
            return data

    return OrphansWidget


def orphans_view(runtime: Runtime, orphans: Sequence[JobRecord], shell: Any = None) -> OrphansView:
    """The jobs a dead kernel left unfinished that were not listed before (each job is
    listed once); displaying an empty view shows nothing."""
    return OrphansView(runtime, unannounced(runtime.journal, orphans), shell)
