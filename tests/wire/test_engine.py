"""The job engine against the emulator over loopback, through the real fal_client: every
endpoint end to end (the emulator's real MP4 checked), the status stream and its 404
over the wire, and transient HTTP faults. The engine's own logic (states, journal,
cancel, timeout, retries, resume, waiting) is tested with a fake provider in
tests/engine/."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from seedance_magic.emulator import Emulator, EmulatorConfig, Fault
from seedance_magic.engine.job import Job, JobSpec, Snapshot, State
from seedance_magic.engine.runtime import Runtime, reset_runtime
from seedance_magic.media.video import probe
from seedance_magic.settings import Settings
from seedance_magic.spec.cost import estimate_cost
from seedance_magic.spec.endpoints import ENDPOINTS, find_endpoint

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
