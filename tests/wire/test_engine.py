"""The job engine against the emulator over loopback, through the real fal_client."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from seedance_magic import errors
from seedance_magic.emulator import Emulator, EmulatorConfig, Fault
from seedance_magic.engine.job import Job, JobSpec, Snapshot, State
from seedance_magic.engine.runtime import Runtime, reset_runtime
from seedance_magic.media.video import probe
from seedance_magic.settings import Settings
from seedance_magic.spec.cost import estimate_cost
from seedance_magic.spec.endpoints import ENDPOINTS, find_endpoint

from helpers.shells import all_records

FAST = {"queue_seconds": 0.15, "run_seconds": 0.3, "log_interval": 0.05}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Callable[..., tuple[Emulator, Runtime]]]:
    """make(**emulator_config, settings=dict) -> (emulator, runtime routed to it)."""
    made: list[Emulator] = []

    def make(
        *,
        on_request: Callable[[str, str | None], None] | None = None,
        settings: dict[str, Any] | None = None,
        **config: Any,
    ) -> tuple[Emulator, Runtime]:
        emu = Emulator(EmulatorConfig(**{**FAST, **config}), on_request=on_request).start()
        made.append(emu)
        s = Settings(
            base_url=emu.url,
            output_dir=tmp_path / "out",
            journal_path=tmp_path / "journal.sqlite3",
            poll_initial=0.05,
            poll_max=0.2,
            **(settings or {}),
        )
        rt = Runtime(lambda: s)
        reset_runtime(rt)
        return emu, rt

    yield make
    for emu in made:
        emu.stop()


def spec(endpoint: str = "bytedance/seedance-2.0/fast/text-to-video", **args: Any) -> JobSpec:
    arguments = {"prompt": "a lighthouse at dawn", "resolution": "480p", "duration": "4", **args}
    ep = find_endpoint(endpoint)
    assert ep is not None
    return JobSpec(endpoint, arguments, estimate_cost(ep, duration=arguments["duration"]))


def png_data_uri() -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (640, 360), (200, 40, 40)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_every_endpoint_end_to_end(env: Callable[..., tuple[Emulator, Runtime]], endpoint: str) -> None:
    emu, rt = env()
    extra: dict[str, Any] = {"aspect_ratio": "16:9", "seed": 7}
    if "image-to-video" in endpoint:
        extra["image_url"] = png_data_uri()
    if "reference-to-video" in endpoint:
        extra["image_urls"] = [png_data_uri()]
    job = Job(spec(endpoint, **extra), rt).start()
    result = job.wait(timeout=60)
    assert job.status is State.COMPLETED and result.seed == 7 and result.emulated
    assert result.path is not None and result.path.parent == rt.settings.output_dir
    info = probe(result.path)
    assert abs(info.duration_s - 4.0) <= 0.1
    assert (info.width, info.height) == (864, 496)
    assert info.has_audio and info.video_codec == "h264"
    assert emu.stats.counts["submit"] == 1


def test_audio_absent_and_9_16_size(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    _, rt = env()
    result = Job(spec(aspect_ratio="9:16", generate_audio=False), rt).start().wait(timeout=60)
    assert result.path is not None
    info = probe(result.path)
    assert (info.width, info.height) == (496, 864) and not info.has_audio


def test_request_id_is_on_disk_before_the_first_status_call(
    env: Callable[..., tuple[Emulator, Runtime]], tmp_path: Path
) -> None:
    seen: list[tuple[str, str | None, list[str]]] = []

    def on_request(kind: str, request_id: str | None) -> None:
        if kind in ("status", "stream") and not seen:
            db = sqlite3.connect(tmp_path / "journal.sqlite3")
            ids = [row[0] for row in db.execute("SELECT request_id FROM jobs")]
            db.close()
            seen.append((kind, request_id, ids))

    _, rt = env(on_request=on_request)
    job = Job(spec(), rt).start()
    job.wait(timeout=60)
    _kind, request_id, on_disk = seen[0]
    assert request_id == job.request_id and request_id in on_disk


def test_stream_path_uses_few_status_requests(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    emu, rt = env(run_seconds=1.5, log_interval=0.05)
    snapshots: list[Snapshot] = []
    job = Job(spec(), rt)
    job.subscribe(snapshots.append)
    job.start().wait(timeout=60)
    counts = emu.stats.counts
    assert counts.get("stream") == 1
    assert counts.get("stream", 0) + counts.get("status", 0) <= 5
    states = [s.state for s in snapshots]
    assert states.index(State.QUEUED) < states.index(State.RUNNING) < states.index(State.COMPLETED)
    assert any(s.queue_position for s in snapshots)
    assert snapshots[-1].logs and any("Generating" in line["message"] for line in snapshots[-1].logs)


def test_polling_path_when_the_stream_is_not_offered(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    emu, rt = env(stream=False, run_seconds=2.0)
    job = Job(spec(), rt).start()
    result = job.wait(timeout=60)
    assert result.path is not None and result.path.exists()
    counts = emu.stats.counts
    assert counts["stream"] == 1  # asked once, got 404, then polled
    assert 3 <= counts["status"] <= 25  # about 2.3 s of polling grows from 0.05 s to 0.2 s steps


def test_cancel_while_running_cancels_at_fal(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    emu, rt = env(run_seconds=30)
    job = Job(spec(), rt)
    running = asyncio.Event()
    job.subscribe(lambda s: s.state is State.RUNNING and job.cancel())
    job.start()
    with pytest.raises(errors.JobCancelled):
        job.wait(timeout=30)
    assert job.status is State.CANCELLED and not running.is_set()
    assert emu.stats.counts["cancel"] == 1
    record = rt.journal.by_request_id(job.request_id or "")
    assert record is not None and record.state == "cancelled"


def test_cancel_before_submit_sends_nothing(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    emu, rt = env()
    job = Job(spec(), rt).start()
    job.cancel()
    with pytest.raises(errors.JobCancelled):
        job.wait(timeout=10)
    assert emu.stats.counts.get("submit", 0) == 0 and job.status is State.CANCELLED


def test_submit_whose_response_is_lost_is_not_sent_again(
    env: Callable[..., tuple[Emulator, Runtime]],
) -> None:
    emu, rt = env()
    emu.inject(Fault(on="submit", action="drop"))
    job = Job(spec(), rt).start()
    with pytest.raises(errors.SubmitOutcomeUnknown) as info:
        job.wait(timeout=30)
    assert "NOT sent again" in str(info.value)
    assert emu.stats.counts["submit"] == 1 and len(emu.jobs) == 1
    assert job.status is State.UNKNOWN
    (record,) = [r for r in all_records(rt.settings.journal) if r.state == "unknown"]
    assert record.request_id is None and "response was lost" in (record.error or "")


def test_completed_with_error_is_a_failed_job(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    emu, rt = env()
    emu.inject(Fault(on="submit", action="fail_job", error_type="runner_disconnected"))
    job = Job(spec(), rt).start()
    with pytest.raises(errors.JobFailed) as info:
        job.wait(timeout=30)
    assert info.value.error_type == "runner_disconnected" and info.value.request_id == job.request_id
    assert job.status is State.FAILED
    record = rt.journal.by_request_id(job.request_id or "")
    assert record is not None and record.state == "failed" and record.error_type == "runner_disconnected"


@pytest.mark.parametrize(
    "fault",
    [
        Fault(on="status", action="429", times=3),
        Fault(on="status", action="503", times=2),
        Fault(on="status", action="500", times=2),
        Fault(on="status", action="drop", times=2),
        Fault(on="result", action="503", times=2),
        Fault(on="result", action="drop", times=1),
        Fault(on="download", action="drop", times=2),
        Fault(on="download", action="500", times=1),
    ],
    ids=lambda f: f"{f.on}-{f.action}",
)
def test_transient_faults_lose_nothing(env: Callable[..., tuple[Emulator, Runtime]], fault: Fault) -> None:
    emu, rt = env(stream=False)
    emu.inject(fault)
    job = Job(spec(seed=11), rt).start()
    result = job.wait(timeout=60)
    assert result.path is not None and probe(result.path).duration_s == pytest.approx(4.0, abs=0.1)
    assert emu.stats.counts["submit"] == 1


def test_timeout_cancels_at_fal(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    emu, rt = env(hold=True)
    job = Job(JobSpec(**{**spec().__dict__, "timeout": 0.3}), rt).start()
    with pytest.raises(errors.JobTimeout):
        job.wait(timeout=30)
    assert emu.stats.counts["cancel"] == 1 and job.status is State.CANCELLED


def test_wait_inside_a_running_loop(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    """What `--wait` does in a kernel: block on the job from code running in the loop."""
    _, rt = env()

    async def cell() -> int | None:
        job = Job(spec(seed=5), rt).start()
        seed = job.wait(timeout=60).seed
        await rt.aclose_loop()
        return seed

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(cell()) == 5
    finally:
        loop.close()


def test_await_job(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    _, rt = env()

    async def main() -> int | None:
        seed = (await Job(spec(seed=9), rt)).seed
        await rt.aclose_loop()
        return seed

    assert asyncio.run(main()) == 9


def test_several_jobs_at_once(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    emu, rt = env(run_seconds=0.5)

    async def main() -> list[int | None]:
        jobs = [Job(spec(seed=s), rt).start() for s in range(4)]
        seeds = [(await j).seed for j in jobs]
        await rt.aclose_loop()
        return seeds

    assert asyncio.run(main()) == [0, 1, 2, 3]
    assert emu.stats.counts["submit"] == 4


def test_resume_from_the_journal_without_a_new_submit(env: Callable[..., tuple[Emulator, Runtime]]) -> None:
    emu, rt = env(hold=True)
    first = Job(spec(seed=3), rt).start()
    asyncio.run_coroutine_threadsafe(emu_wait_submitted(first), rt.loop()).result(30)
    record = rt.journal.by_request_id(first.request_id or "")
    assert record is not None and record.state == "queued"
    emu.release()
    resumed = Job.resume(record, rt).start()
    result = resumed.wait(timeout=60)
    assert result.seed == 3 and emu.stats.counts["submit"] == 1
    assert first.wait(timeout=30).request_id == result.request_id  # both followed one job


async def emu_wait_submitted(job: Job) -> None:
    done = asyncio.Event()
    job.subscribe(lambda s: s.request_id and done.set())
    if job.request_id is None:
        await asyncio.wait_for(done.wait(), 30)
