"""The words and numbers shown about jobs and results (ui/text.py), as plain functions."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

import seedance_magic
from seedance_magic.engine.job import Snapshot, State
from seedance_magic.render import text
from seedance_magic.spec.cost import CostEstimate
from seedance_magic.ui import terminal

from helpers.widgets import NOW, FakeJob, result, snapshot

PATH = "seedance_outputs/a b.mp4"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "0:00"), (7, "0:07"), (59.9, "0:59"), (62, "1:02"), (3723, "1:02:03"), (-3, "0:00")],
)
def test_format_elapsed(seconds: float, expected: str) -> None:
    assert text.format_elapsed(seconds) == expected


@pytest.mark.parametrize(
    ("snap", "expected"),
    [
        (snapshot(State.PENDING), "pending · 0:12"),
        (
            snapshot(State.SUBMITTING, uploads=("cat.png", "v.mp3")),
            "submitting · uploading cat.png, v.mp3 · 0:12",
        ),
        (snapshot(State.QUEUED, queue_position=2), "queued · position 2 · 0:12"),
        (snapshot(State.QUEUED), "queued · 0:12"),
        (
            snapshot(State.QUEUED, queue_position=0, cancelling=True),
            "queued · position 0 · 0:12 · cancelling…",
        ),
        (snapshot(State.RUNNING), "running · 0:12"),
        (snapshot(State.RUNNING, progress=0.4), "running · 0:12 · 40%"),
        (
            snapshot(State.DOWNLOADING, downloaded=3_100_000, download_total=4_800_000),
            "downloading 3.1/4.8 MB · 0:12",
        ),
        (snapshot(State.DOWNLOADING, downloaded=3_100_000), "downloading 3.1 MB · 0:12"),
        (
            snapshot(State.COMPLETED, result=result(), finished=130.0),
            f"completed · seed 42 · 6.0 s 1280x720 · $1.45 · via fal · {PATH}",
        ),
        (
            snapshot(State.COMPLETED, result=result(emulated=True), emulated=True),
            f"completed · seed 42 · 6.0 s 1280x720 · $0 · via fal · EMULATOR · {PATH}",
        ),
        (
            snapshot(State.COMPLETED, result=result(cached=True)),
            f"completed · seed 42 · 6.0 s 1280x720 · $0 (cached) · via fal · {PATH}",
        ),
        (snapshot(State.COMPLETED, finished=130.0), "completed · 0:30"),
        (
            snapshot(State.FAILED, error="fal reports the job failed: boom"),
            "failed · fal reports the job failed: boom",
        ),
        (snapshot(State.CANCELLED, error="cancelled at fal"), "cancelled at fal"),
        (
            snapshot(State.CANCELLED, error="timed out after 60 s at fal"),
            "cancelled · timed out after 60 s at fal",
        ),
        (snapshot(State.UNKNOWN, error="check the dashboard"), "unknown · check the dashboard"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_status_text_in_every_state(snap: Snapshot, expected: str) -> None:
    assert text.status_text(snap, NOW) == expected


def test_status_line_adds_estimate_endpoint_and_badge_while_under_way() -> None:
    snap = snapshot(State.QUEUED, queue_position=2, emulated=True)
    assert (
        text.status_line(snap, 103.0)
        == "queued · position 2 · 0:03 · est. $1.45 · fast text-to-video · via fal · EMULATOR"
    )
    running = snapshot(State.RUNNING, progress=0.4, estimate=CostEstimate(0.97, 3.63), caption={"seed": 3})
    assert (
        text.status_line(running, NOW)
        == "running · 0:12 · 40% · est. $0.97–$3.63 · fast text-to-video · via fal · seed 3"
    )
    assert text.status_line(snapshot(State.FAILED, error="no")) == "failed · no"
    assert text.status_line(snapshot(endpoint_id="someone/else"), NOW).endswith("· someone/else · via fal")


def test_elapsed_stops_when_finished_and_uses_the_clock_without_now() -> None:
    assert text.status_text(snapshot(State.CANCELLED, finished=190.0), 10_000.0) == "cancelled"
    assert text.status_text(snapshot(State.RUNNING, finished=162.0), 10_000.0) == "running · 1:02"
    assert text.status_text(snapshot(State.RUNNING, started=0.0)).startswith("running · ")


def test_cost_text() -> None:
    assert text.cost_text(result()) == "$1.45"
    assert text.cost_text(result(cached=True)) == "$0 (cached)"
    assert text.cost_text(result(emulated=True)) == "emulator: $0 charged, fal would charge $1.45"
    assert text.estimate_text(CostEstimate(1.45, 1.45)) == "est. $1.45"
    assert text.endpoint_label("bytedance/seedance-2.0/image-to-video") == "Seedance 2.0 image-to-video"


def test_result_text_says_where_what_cost_and_how_to_redo_it() -> None:
    lines = text.result_text(result(emulated=True)).splitlines()
    assert lines[0] == "Seedance 2.0 fast text-to-video · via fal · EMULATOR"
    assert lines[1] == f"video:    {PATH}"
    assert lines[2].split() == ["seed", "42", "·", "6.0", "s", "1280x720", "·", "with", "audio"]
    assert "cost:     emulator: $0 charged, fal would charge $1.45" in lines
    assert "request:  req-1234" in lines
    assert any("offline emulator" in line for line in lines)
    assert lines[-3:] == [
        "reproduce:",
        "%%seedance --fast -d 6 -a 16:9 --seed 42",
        "A hummingbird at a neon flower",
    ]
    plain = text.result_text(result(request_id=None, seed=None, duration_s=None, path=None))
    assert "request:" not in plain and "seed unknown" in plain and "https://v3.fal.media" in plain


def test_log_lines() -> None:
    entries = [
        {"timestamp": "2026-11-21T12:01:03.123Z", "level": "INFO", "message": "Generating frames 48/144\n"},
        {"message": "no time"},
        {"timestamp": "yesterday", "level": "WARN", "message": "odd"},
    ]
    assert text.log_lines(entries, timezone.utc) == [
        "12:01:03 INFO Generating frames 48/144",
        "no time",
        "yesterday WARN odd",
    ]
    local = datetime(2026, 11, 21, 12, 1, 3, tzinfo=timezone.utc).astimezone().strftime("%H:%M:%S")
    assert text.log_line(entries[0]) == f"{local} INFO Generating frames 48/144"


@pytest.mark.parametrize(
    ("snap", "bar", "label", "disabled"),
    [
        (snapshot(State.PENDING), None, "Cancel", False),
        (snapshot(State.QUEUED, queue_position=1), None, "Cancel", False),
        (snapshot(State.RUNNING), None, "Cancel", False),
        (snapshot(State.RUNNING, progress=0.4321), 0.43, "Cancel", False),
        (snapshot(State.RUNNING, cancelling=True), None, "cancelling…", True),
        (snapshot(State.DOWNLOADING, downloaded=1, download_total=4), 0.25, "Cancel", True),
        (snapshot(State.DOWNLOADING, downloaded=1), None, "Cancel", True),
    ],
)
def test_progress_model(snap: Snapshot, bar: float | None, label: str, disabled: bool) -> None:
    model = text.progress_model(snap, NOW)
    assert (model.bar, model.cancel_label, model.cancel_disabled) == (bar, label, disabled)
    assert model.status == text.status_text(snap, NOW)
    assert model.bar_style == "info"


def test_progress_model_after_a_click_and_with_trouble() -> None:
    model = text.progress_model(snapshot(trouble="fal answered 503"), NOW, cancel_requested=True)
    assert (model.cancel_label, model.cancel_disabled, model.bar_style) == ("cancelling…", True, "warning")


def test_text_progress_writes_one_line_per_state_not_per_update() -> None:
    job = FakeJob(snapshot(State.PENDING))
    out = io.StringIO()
    terminal.TextProgress(job, out, clock=lambda: NOW)
    job.publish(State.QUEUED, queue_position=3)
    job.publish(queue_position=2)
    job.publish(State.RUNNING, queue_position=None)
    job.publish(logs=({"message": "step"},), progress=0.5)
    job.publish(trouble="fal answered 503; retrying in 4 s")
    job.publish(trouble="fal answered 503; retrying in 4 s", progress=0.6)
    job.publish(State.DOWNLOADING, trouble=None, downloaded=10)
    job.publish(downloaded=20)
    job.publish(State.COMPLETED, result=result(), finished=130.0)
    assert out.getvalue().splitlines() == [
        "seedance: pending · 0:12 · est. $1.45 · fast text-to-video · via fal",
        "seedance: queued · position 3 · 0:12 · est. $1.45 · fast text-to-video · via fal",
        "seedance: running · 0:12 · est. $1.45 · fast text-to-video · via fal",
        "seedance:   fal answered 503; retrying in 4 s",
        "seedance: downloading 0.0 MB · 0:12 · est. $1.45 · fast text-to-video · via fal",
        f"seedance: completed · seed 42 · 6.0 s 1280x720 · $1.45 · via fal · {PATH}",
    ]
    assert job.subscribers == []


def test_text_progress_of_a_finished_job_writes_once_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    job = FakeJob(snapshot(State.FAILED, error="fal reports the job failed: boom"))
    terminal.TextProgress(job)
    assert capsys.readouterr().err == "seedance: failed · fal reports the job failed: boom\n"
    assert job.subscribers == []


def test_text_and_html_import_without_ipywidgets() -> None:
    code = (
        "import sys; import seedance_magic.render.text, seedance_magic.render.html, "
        "seedance_magic.ui.terminal, seedance_magic.model; "
        "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'"
    )
    root = Path(seedance_magic.__file__).parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def test_result_text_of_an_endpoint_outside_the_table() -> None:
    assert text.result_text(result(endpoint="someone/else")).splitlines()[0] == "someone/else · via fal"
    assert text.result_text(result(endpoint="x/y", reproduce="%%seedance\nold")).endswith(
        "reproduce:\n%%seedance\nold"
    )


@pytest.mark.parametrize(
    ("state", "disabled"),
    [(State.PENDING, False), (State.SUBMITTING, False), (State.QUEUED, True), (State.RUNNING, True)],
)
def test_cancel_is_off_once_sent_where_the_provider_cannot_cancel(state: State, disabled: bool) -> None:
    lumenfall = snapshot(state, provider="lumenfall", cancellable=False)
    model = text.progress_model(lumenfall, NOW)
    assert model.cancel_disabled is disabled
    assert ("Lumenfall cannot cancel" in model.cancel_tip) is disabled
    assert "via Lumenfall" in text.status_line(lumenfall, NOW)
    fal = text.progress_model(snapshot(state), NOW)
    assert not fal.cancel_disabled and fal.cancel_tip == "cancel this job at fal"
