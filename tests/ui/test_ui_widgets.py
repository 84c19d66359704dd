"""The progress and player widgets, without a browser: their attributes after snapshots,
and the messages they send through a recording comm."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from seedance_magic.engine.job import Job, JobSpec, State
from seedance_magic.engine.runtime import Runtime
from seedance_magic.render import style
from seedance_magic.spec.cost import estimate_cost
from seedance_magic.spec.endpoints import find_endpoint
from seedance_magic.ui.player import PlayerView
from seedance_magic.ui.progress import INDETERMINATE, JobView

from helpers.widgets import EVIL, FAST_T2V, NOW, CommRecorder, FakeJob, comms, result, snapshot

pytestmark = pytest.mark.usefixtures(comms.__name__)


def view_of(job: FakeJob, **options: Any) -> JobView:
    options.setdefault("tick", False)
    options.setdefault("clock", lambda: NOW)
    return JobView(job, **options)


def log(n: int) -> dict[str, Any]:
    return {"timestamp": f"2026-11-21T12:01:{n:02d}Z", "level": "INFO", "message": f"step {n}"}


def video_html(view: JobView) -> str:
    assert view.player is not None
    (output,) = view.player.output.outputs
    assert output["output_type"] == "display_data"
    return str(output["data"]["text/html"])


# ------------------------------------------------------------------ while under way
def test_queued_view_shows_endpoint_cost_position_and_an_indeterminate_bar() -> None:
    job = FakeJob(snapshot(State.QUEUED, queue_position=2))
    view = view_of(job)
    assert "Seedance 2.0 fast text-to-video" in view._header.value and "est. $1.45" in view._header.value
    assert "EMULATOR" not in view._header.value
    assert view._status.value == "queued · position 2 · 0:12"
    assert INDETERMINATE in view._bar._dom_classes
    assert (view._cancel.description, view._cancel.disabled) == ("Cancel", False)
    assert view._trouble.layout.display == "none" and view._logs.layout.display == "none"
    assert "seedance-job" in view._dom_classes
    stylesheet = view.children[0]
    assert "@keyframes seedance-sweep" in stylesheet.value and stylesheet.layout.display == "none"
    assert job.subscribers == [view._on_snapshot]


def test_emulated_jobs_carry_the_badge() -> None:
    view = view_of(FakeJob(snapshot(emulated=True)))
    assert "EMULATOR</span>" in view._header.value
    assert "seedance-emulated" in view._dom_classes


def test_the_bar_follows_running_and_downloading() -> None:
    job = FakeJob(snapshot(State.QUEUED))
    view = view_of(job)
    job.publish(State.RUNNING)
    assert INDETERMINATE in view._bar._dom_classes and view._status.value == "running · 0:12"
    job.publish(progress=0.4)
    assert INDETERMINATE not in view._bar._dom_classes
    assert (view._bar.value, view._status.value) == (0.4, "running · 0:12 · 40%")
    job.publish(State.DOWNLOADING, progress=1.0, downloaded=3_100_000, download_total=4_800_000)
    assert (view._bar.value, view._status.value) == (0.65, "downloading 3.1/4.8 MB · 0:12")
    assert view._cancel.disabled


def test_trouble_shows_and_goes() -> None:
    job = FakeJob(snapshot(State.RUNNING))
    view = view_of(job)
    job.publish(trouble=f"fal answered 503; retrying in 4 s {EVIL}")
    assert view._trouble.layout.display is None
    assert "fal answered 503; retrying in 4 s" in view._trouble.value
    assert "<script>" not in view._trouble.value
    assert view._bar.bar_style == "warning"
    job.publish(trouble=None)
    assert view._trouble.layout.display == "none" and view._bar.bar_style == "info"


def test_log_lines_are_appended_once_each() -> None:
    job = FakeJob(snapshot(State.RUNNING))
    view = view_of(job, tz=None)
    job.publish(logs=(log(1), log(2)), new_logs=(log(1), log(2)))
    job.publish(progress=0.1)  # the engine keeps the last new_logs on unrelated changes
    job.publish(logs=(log(1), log(2), {"message": EVIL}), new_logs=({"message": EVIL},))
    assert view._logs.layout.display is None
    assert view._logs.titles[0].startswith("fal logs (3) · ")
    assert view._logs.selected_index is None  # collapsed until opened
    assert view._log_box.value == ""  # closed, the lines are not sent
    view._logs.selected_index = 0
    content = view._log_box.value
    assert content.count("step 1") == 1 and content.count("step 2") == 1
    assert "&lt;script&gt;" in content and "<script>" not in content
    job.publish(logs=(log(1), log(2), {"message": EVIL}, log(4)), new_logs=(log(4),))
    assert view._log_box.value.count("step 4") == 1  # open, new lines follow


# ----------------------------------------------------------------------------- cancel
def test_cancel_button_cancels_once_and_disables_itself(comms: CommRecorder) -> None:
    job = FakeJob(snapshot(State.RUNNING))
    view = view_of(job)
    button_comm = next(c for c in comms.comms if c.comm_id == view._cancel.comm.comm_id)
    button_comm.receive({"event": "click"})  # as the browser sends it
    assert job.cancels == 1
    assert (view._cancel.description, view._cancel.disabled) == ("cancelling…", True)
    button_comm.receive({"event": "click"})
    assert job.cancels == 1
    job.publish(progress=0.2)  # not yet confirmed: stays disabled
    assert view._cancel.disabled
    job.publish(cancelling=True)
    job.publish(cancelling=False, trouble="cancel failed: fal answered 500")  # the engine gave up
    assert (view._cancel.description, view._cancel.disabled) == ("Cancel", False)
    view._cancel.click()
    assert job.cancels == 2


def test_cancelling_from_elsewhere_shows_on_the_button() -> None:
    job = FakeJob(snapshot(State.QUEUED))
    view = view_of(job)
    job.publish(cancelling=True)
    assert (view._cancel.description, view._cancel.disabled) == ("cancelling…", True)
    assert view._status.value.endswith("cancelling…")


# ------------------------------------------------------------------------ the endings
def test_completion_turns_the_view_into_the_player(comms: CommRecorder) -> None:
    job = FakeJob(snapshot(State.RUNNING))
    view = view_of(job)
    bar, status, cancel = view._bar, view._status, view._cancel
    job.publish(State.COMPLETED, result=result(), finished=130.0)
    assert isinstance(view.player, PlayerView)
    assert view.children[1] is view.player
    page = video_html(view)
    assert '<video class="seedance-video" src="seedance_outputs/a%20b.mp4" controls muted playsinline' in page
    assert "autoplay" not in page and " loop" not in page
    assert view.player.output.outputs[0]["data"]["text/plain"].startswith("Seedance 2.0 fast text-to-video")
    assert job.subscribers == []
    assert bar.comm is None and status.comm is None and cancel.comm is None  # closed in the browser too
    assert repr(view) == "completed · seed 42 · 6.0 s 1280x720 · $1.45 · via fal · seedance_outputs/a b.mp4"
    count = comms.count()
    job.publish(progress=1.0)  # nothing listens any more
    assert comms.count() == count


def test_embedded_player_carries_the_file(tmp_path: Path) -> None:
    (tmp_path / "seedance_outputs").mkdir()
    (tmp_path / "seedance_outputs" / "a b.mp4").write_bytes(b"mp4")
    job = FakeJob(snapshot(State.DOWNLOADING))
    view = view_of(job, embed=True)
    job.publish(State.COMPLETED, result=result())
    assert 'src="data:video/mp4;base64,bXA0"' in video_html(view)


def test_a_finished_job_shows_the_player_at_once() -> None:
    job = FakeJob(snapshot(State.COMPLETED, result=result(cached=True), finished=101.0))
    view = view_of(job, tick=True)
    assert view.player is not None and "$0 (cached)" in video_html(view)
    assert job.subscribers == [] and view._ticker is None


@pytest.mark.parametrize(
    ("state", "colour"),
    [(State.FAILED, style.ERROR), (State.CANCELLED, style.MUTED), (State.UNKNOWN, style.WARN)],
)
def test_endings_without_a_video_are_one_coloured_line(state: State, colour: str) -> None:
    job = FakeJob(snapshot(State.RUNNING, logs=(log(1),)))
    view = view_of(job)
    job.publish(state, error=f"it ended: {EVIL}", finished=120.0)
    outcome = view.children[2]
    assert f"color:{colour}" in outcome.value
    assert f"{state.value} · it ended: &lt;script&gt;" in outcome.value and "<script>" not in outcome.value
    assert "Traceback" not in outcome.value
    assert view.children[3] is view._logs  # the logs stay, to see what happened
    assert view.player is None and job.subscribers == []


# ----------------------------------------------------------------- text and exports
def test_repr_and_mimebundle() -> None:
    job = FakeJob(snapshot(State.QUEUED, queue_position=2, emulated=True))
    view = view_of(job)
    line = "queued · position 2 · 0:12 · est. $1.45 · fast text-to-video · via fal · EMULATOR"
    assert repr(view) == line
    bundle = view._repr_mimebundle_()
    assert bundle["text/plain"] == line
    assert "queued · position 2 · 0:12" in bundle["text/html"] and "EMULATOR" in bundle["text/html"]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.model_id
    assert "saved while the job was under way" in bundle["text/html"]  # where no widget shows
    job.publish(State.COMPLETED, result=result(), finished=130.0)
    assert "<video" in view._repr_mimebundle_()["text/html"]
    assert "saved while" not in view._repr_mimebundle_()["text/html"]


def test_player_view_on_its_own() -> None:
    player = PlayerView(result(emulated=True))
    bundle = player._repr_mimebundle_()
    assert "EMULATOR" in bundle["text/plain"] and "<video" in bundle["text/html"]
    assert repr(player).startswith("completed · seed 42 · 6.0 s 1280x720 · $0 · via fal · EMULATOR")
    assert player.html == player.output.outputs[0]["data"]["text/html"]


# ------------------------------------------------------------------- comm traffic
def test_a_new_view_opens_with_its_values_and_sends_no_update(comms: CommRecorder) -> None:
    view = view_of(FakeJob(snapshot(State.QUEUED, queue_position=2, emulated=True)))
    assert comms.count() == 0
    opened = {c.comm_id: c.opened_with["state"] for c in comms.comms if c.opened_with}
    assert opened[view._status.model_id]["value"] == "queued · position 2 · 0:12"
    assert "seedance-emulated" in opened[view.model_id]["_dom_classes"]
    job = FakeJob(snapshot(State.RUNNING))
    view = view_of(job)
    before = comms.count()
    job.publish(State.COMPLETED, result=result())
    assert comms.count() - before == 1  # the children; the player opens with its video


def test_a_burst_of_unchanged_snapshots_sends_next_to_nothing(comms: CommRecorder) -> None:
    job = FakeJob(snapshot(State.QUEUED, queue_position=3))
    view_of(job)
    before = comms.count()
    for _ in range(50):
        job.publish(queue_position=3, trouble=None)  # a new snapshot each time, the same text
    assert comms.count() == before


def test_a_burst_of_changes_is_coalesced_and_the_last_one_shown(comms: CommRecorder) -> None:
    async def main() -> tuple[int, JobView]:
        job = FakeJob(snapshot(State.DOWNLOADING, download_total=5_000_000))
        view = view_of(job, min_interval=0.05)
        before = comms.count()
        for i in range(1, 51):
            job.publish(downloaded=i * 100_000)
        await asyncio.sleep(0.1)
        return comms.count() - before, view

    sent, view = asyncio.run(main())
    assert sent <= 4, f"{sent} messages for one burst"
    assert view._status.value == "downloading 5.0/5.0 MB · 0:12" and view._bar.value == 1.0


def test_the_ticker_counts_the_seconds_and_stops_with_the_job(comms: CommRecorder) -> None:
    interval, speed = 0.1, 10.0  # one tick is one simulated second

    async def main() -> tuple[list[str], JobView, FakeJob]:
        t0 = time.monotonic()
        job = FakeJob(snapshot(State.RUNNING, started=t0))

        def clock() -> float:
            return t0 + (time.monotonic() - t0) * speed

        view = view_of(job, tick=True, tick_interval=interval, clock=clock)
        seen: list[str] = []
        view._status.observe(lambda change: seen.append(change["new"]), "value")
        await asyncio.sleep(2.5 * interval)
        assert view._ticker is not None and not view._ticker.done()
        job.publish(State.COMPLETED, result=result(), finished=t0 + 2.5)
        await asyncio.sleep(2 * interval)
        return seen, view, job

    seen, view, job = asyncio.run(main())
    assert seen[:2] == ["running · 0:01", "running · 0:02"]
    assert view._ticker is not None and view._ticker.done()
    assert view.player is not None and job.subscribers == []


def test_a_real_job_on_the_emulator_ends_in_the_player(runtime: Runtime, comms: CommRecorder) -> None:
    arguments = {"prompt": "a red ball <b>bounces</b>", "duration": "4", "resolution": "480p", "seed": 7}
    estimate = estimate_cost(find_endpoint(FAST_T2V), resolution="480p", duration="4")  # type: ignore[arg-type]
    job = Job(JobSpec(FAST_T2V, arguments, estimate), runtime)
    view = JobView(job, tick_interval=0.05, min_interval=0.05)
    statuses: list[str] = []
    view._status.observe(lambda change: statuses.append(change["new"]), "value")
    loop = runtime.loop()  # the runtime's own loop, in a thread of its own here
    loop.call_soon_threadsafe(view.start_ticker, loop)
    result = job.wait(timeout=60)
    assert any(s.startswith("queued") for s in statuses) and any(s.startswith("running") for s in statuses)
    assert result.emulated and "EMULATOR</span>" in video_html(view)
    assert result.path is not None and result.path.exists()
    src = result.path.relative_to(Path.cwd()).as_posix()
    assert f'src="{src}"' in video_html(view) and "&lt;b&gt;bounces" in video_html(view)
    assert view._ticker is not None and view._ticker.done()
    assert comms.count() < 100


def test_no_ticker_without_a_running_loop() -> None:
    view = view_of(FakeJob(snapshot(State.RUNNING)), tick=True)
    assert view._ticker is None
    view.close()


@pytest.mark.kernel
def test_in_a_kernel_the_cell_returns_and_the_view_ticks_afterwards(tmp_path: Path) -> None:
    """The view made in a cell keeps ticking on the kernel's loop after the cell ended,
    and turns into the player when a background task completes the job."""
    jupyter_client = pytest.importorskip("jupyter_client")
    root = Path(__file__).resolve().parents[2]
    code = f"""
import sys; sys.path[:0] = [{str(root)!r}, {str(root / "tests")!r}]
import asyncio, time
from helpers.widgets import FakeJob, result, snapshot
from seedance_magic.spec.states import State
from seedance_magic.ui.progress import JobView
job = FakeJob(snapshot(State.RUNNING, started=time.monotonic()))
view = JobView(job, tick_interval=0.5)
async def finish():
    await asyncio.sleep(2.6)
    job.publish(State.COMPLETED, result=result(), finished=time.monotonic())
task = asyncio.ensure_future(finish())
view
"""
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    events: list[tuple[str, Any]] = []
    try:
        client.execute(code)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("children" in str(e) for e in events):
            try:
                msg = client.get_iopub_msg(timeout=1)
            except Exception:  # queue.Empty: nothing yet
                continue
            content = msg["content"]
            if msg["msg_type"] == "status":
                events.append(("status", content["execution_state"]))
            elif msg["msg_type"] == "comm_msg":
                events.append(("update", sorted(content["data"].get("state", {}))))
            elif msg["msg_type"] == "error":
                pytest.fail("\n".join(content["traceback"]))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    idle = events.index(("status", "idle"))
    after = events[idle + 1 :]
    assert after.count(("update", ["value"])) >= 2, events  # ticks after the cell returned
    assert ("update", ["children"]) in after, events  # then the player
