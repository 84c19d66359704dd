"""History and unfinished jobs (seedance_magic/app/history.py), from the journal of jobs
the fake provider served: `%seedance history`, `seedance_magic.history()`, the
gallery's text and HTML, poster frames kept next to the videos, and the once-only list
of jobs a dead kernel left, with "resume all"."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

import seedance_magic
from seedance_magic.app import history as gallery
from seedance_magic.engine.backends.base import Handle
from seedance_magic.engine.runtime import Runtime, get_runtime
from seedance_magic.media.video import probe
from seedance_magic.store.journal import Journal

from helpers.fake_backend import FakeBackend
from helpers.fake_parts import BASE_URL
from helpers.markup import assert_inert
from helpers.shells import CLIP, cell, fake_shell, run_cell
from helpers.widgets import EVIL, comms

pytestmark = pytest.mark.usefixtures(comms.__name__)

FAST_T2V = "bytedance/seedance-2.0/fast/text-to-video"
DEAD_PID = 2**22 + 12345  # above Linux's pid_max: no such process


@pytest.fixture
def ip(backend: FakeBackend, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with fake_shell(backend, monkeypatch) as shell:
        yield shell


def make(ip: InteractiveShell, prompt: str, seed: int) -> Any:
    run_cell(ip, cell(f"{CLIP} --seed {seed} --wait --out job", prompt)).ok()
    return ip.user_ns["job"].result


# ------------------------------------------------------------------------ history
def test_history_returns_results_newest_first(ip: InteractiveShell) -> None:
    first = make(ip, "a red kite over a beach", 1)
    second = make(ip, "a café at night, neon rain", 2)
    results = seedance_magic.history()
    assert [r.request_id for r in results] == [second.request_id, first.request_id]
    newest = results[0]
    assert newest.seed == 2 and newest.path.resolve() == second.path.resolve() and newest.path.exists()
    assert newest.emulated and newest.cost_usd == second.cost_usd and newest.cost_usd > 0
    assert not newest.cached and newest.created_at <= time.time()
    assert newest.reproduce_cell.splitlines() == [
        "%%seedance --fast -r 480p -d 4 --seed 2",
        "a café at night, neon rain",
    ]
    assert (newest.width, newest.height, newest.has_audio) == (864, 496, True)  # as probed when made
    assert [r.seed for r in seedance_magic.history(1)] == [2]
    assert [r.seed for r in seedance_magic.history(search=first.request_id[:8])] == [1]


@pytest.mark.parametrize(
    ("search", "seeds"),
    [("CAFÉ", [424242]), ("kite", [1]), ("424242", [424242]), ("text-to", [424242, 1]), ("nothing", [])],
)
def test_history_search_matches_prompt_endpoint_and_seed(
    ip: InteractiveShell, search: str, seeds: list[int]
) -> None:
    make(ip, "a red kite over a beach", 1)
    make(ip, "a café at night, neon rain", 424242)
    assert [r.seed for r in seedance_magic.history(search=search)] == seeds


def test_history_magic_shows_a_gallery_with_posters_and_reproduce_cells(ip: InteractiveShell) -> None:
    result = make(ip, EVIL, 5)
    ran = run_cell(ip, "%seedance history 5")
    ran.ok()
    view = ran.value
    assert isinstance(view, gallery.HistoryView) and len(view) == 1
    bundle = view._repr_mimebundle_()
    page, text = bundle["text/html"], bundle["text/plain"]
    assert "<script>" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the page carries its posters, small JPEGs: GitHub, nbviewer and an export moved
    # away from its outputs show them (no relative file)
    posters = [attrs["src"] for attrs in assert_inert(page).tags("img")]
    assert posters and all(str(src).startswith("data:image/jpeg;base64,") for src in posters)
    assert "seedance-copy" in page
    assert "%%seedance --fast -r 480p -d 4 --seed 5" in page and 'class="seedance-reproduce"' in page
    for fact in ("seed", "fast text-to-video", result.request_id, time.strftime("%Y-%m-%d"), "EMULATOR"):
        assert fact in page and fact in text
    assert "emulator: $0 charged, fal would charge $0.45" in text
    poster = result.path.with_suffix(".poster.jpg")  # kept beside the video, made once
    assert poster.read_bytes()[:3] == b"\xff\xd8\xff" and len(poster.read_bytes()) <= gallery.POSTER_BYTES


def test_posters_are_made_once(ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> None:
    make(ip, "a red kite over a beach", 1)
    first = gallery.history_view(get_runtime()).cards[0].poster

    def no_decoding(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("the poster was made again")

    monkeypatch.setattr("seedance_magic.app.history.poster_jpeg", no_decoding)
    assert gallery.history_view(get_runtime()).cards[0].poster == first


def test_a_result_whose_file_is_gone_says_so(ip: InteractiveShell) -> None:
    result = make(ip, "a red kite over a beach", 1)
    result.path.unlink()
    view = gallery.history_view(get_runtime())
    bundle = view._repr_mimebundle_()
    assert "file gone" in bundle["text/plain"] and "video file gone" in bundle["text/html"]
    assert "data:image" not in bundle["text/html"]


def test_an_empty_history(ip: InteractiveShell) -> None:
    assert "no past results in the journal yet" in repr(run_cell(ip, "%seedance history").value)
    shown = run_cell(ip, "%seedance history --search kite").value
    assert "no past results match 'kite'" in repr(shown)


# --------------------------------------------------------------------- unfinished
def _orphan(journal: Journal, prompt: str, state: str, **fields: Any) -> str:
    job = journal.create(endpoint=FAST_T2V, arguments={"prompt": prompt, "seed": 9}, emulated=True)
    journal.update(job, state="submitting")
    journal.update(job, state=state, pid=DEAD_PID, **fields)
    return job


def held_job_of_a_dead_kernel(rt: Runtime, prompt: str) -> str:
    """Submit to the provider (which holds it) and journal it as a kernel that then died
    would have: the request id on disk, the process gone. Returns the request id."""
    args = {"prompt": prompt, "resolution": "480p", "duration": "4", "seed": 21}
    loop = rt.loop()  # the runtime's own loop, in its thread: the backend's client is bound to it

    async def submit() -> Handle:
        return await rt.backend().submit(FAST_T2V, args)

    handle = asyncio.run_coroutine_threadsafe(submit(), loop).result(30)
    job = rt.journal.create(endpoint=FAST_T2V, arguments=args, base_url=BASE_URL, emulated=True)
    rt.journal.update(job, state="submitting")
    rt.journal.update(
        job,
        state="queued",
        request_id=handle.request_id,
        status_url=handle.status_url,
        response_url=handle.response_url,
        cancel_url=handle.cancel_url,
        pid=DEAD_PID,
    )
    return handle.request_id


def test_unfinished_jobs_are_listed_once_at_load(ip: InteractiveShell, backend: FakeBackend) -> None:
    backend.script = None  # held
    rid = held_job_of_a_dead_kernel(get_runtime(), EVIL)
    journal = get_runtime().journal
    _orphan(journal, "lost in the mail", "unknown", error="the submit's response was lost")
    died = _orphan(journal, "died while sending", "submitting")
    run_cell(ip, "%unload_ext seedance_magic").ok()
    shown = run_cell(ip, "%load_ext seedance_magic")
    shown.ok()
    (bundle,) = shown.bundles
    text, page = bundle["text/plain"], bundle["text/html"]
    assert "3 jobs left unfinished by an earlier kernel" in text
    assert f"%seedance resume {rid}" in text and f"%seedance resume {rid}" in page
    assert text.count("outcome unknown") == 2 and "NOT sent again" in text
    assert "Nothing was charged" in text  # emulated: no dashboard to check
    assert "<script>" not in page and "&lt;script&gt;" in page
    record = journal.get(died)
    assert record is not None and record.state == "unknown" and "outcome is unknown" in (record.error or "")
    run_cell(ip, "%unload_ext seedance_magic").ok()
    again = run_cell(ip, "%load_ext seedance_magic")
    assert again.bundles == [] and again.stdout == ""
    assert backend.count("submit") == 1  # listing never submits


def test_an_unknown_fal_job_says_when_it_was_sent_and_where_to_look(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    job = journal.create(endpoint=FAST_T2V, arguments={"prompt": "paid maybe"})
    journal.update(job, state="submitting")
    journal.update(job, state="unknown", pid=DEAD_PID)
    (row,) = gallery.unannounced(journal, journal.orphans())
    sent = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.sent_at))
    view = gallery.OrphansView(Runtime(), [row])
    text = repr(view)
    assert f"its submit at {sent} got no answer" in text
    assert "https://fal.ai/dashboard" in text and "NOT sent again" in text
    assert "%seedance resume" not in text
    assert view.resume_all() == []
    journal.close()


def test_resume_all_reattaches_without_submitting(ip: InteractiveShell, backend: FakeBackend) -> None:
    backend.script = None  # held
    rt = get_runtime()
    rids = [held_job_of_a_dead_kernel(rt, f"orphan {n}") for n in range(2)]
    _orphan(rt.journal, "lost", "unknown")
    view = gallery.orphans_view(rt, rt.journal.orphans(), ip)
    assert len(view) == 3 and len(view.resumable) == 2
    widget = view.widget()
    assert widget.button.description == "resume all (2)"
    assert "3 jobs left unfinished" in widget._repr_mimebundle_()["text/plain"]
    for rid in rids:
        backend.play(rid)
    widget.button.click()
    assert widget.button.disabled and widget.button.description == "resumed 2"
    assert [job.request_id for job in view.jobs] == rids
    for job in view.jobs:
        result = job.wait(timeout=60)
        assert result.path is not None and probe(result.path).duration_s == pytest.approx(1.0, abs=0.1)
    assert len(widget.jobs_box.children) == 2
    assert backend.count("submit") == 2  # the two original submits, nothing more
    for rid in rids:
        record = rt.journal.by_request_id(rid)
        assert record is not None and record.state == "completed" and record.pid == os.getpid()
    assert view.resume_all() == view.jobs  # a second click resumes nothing new


def test_a_notebook_in_another_folder_still_finds_the_video(
    ip: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = make(ip, "a red kite over a beach", 1)
    assert result.path.exists()
    elsewhere = tmp_path / "another-notebook-folder"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (past,) = seedance_magic.history()
    assert past.path is not None and past.path.exists()
    assert "file gone" not in repr(gallery.history_view(get_runtime()))
