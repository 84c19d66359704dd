"""A job cancelled while queued or while running ends as *cancelled*, whatever shape fal's
answer takes: the usual 202 then COMPLETED with client_cancelled; a 400 "already
completed" for a cancel that took effect; a 404 once the request was removed (its status
and result then 404 too); a final status whose error_type is not client_cancelled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from seedance_magic import errors
from seedance_magic.emulator import Emulator, EmulatorConfig, Fault
from seedance_magic.engine.job import Job, JobSpec, State
from seedance_magic.engine.runtime import Runtime, reset_runtime
from seedance_magic.settings import Settings
from seedance_magic.spec.cost import estimate_cost
from seedance_magic.spec.endpoints import find_endpoint

FAST_T2V = "bytedance/seedance-2.0/fast/text-to-video"
SHAPES = {
    "202 then client_cancelled": None,
    "400 already completed": Fault(on="cancel", action="already_completed"),
    "404 after removal": Fault(on="cancel", action="remove"),
    "another error_type": Fault(on="cancel", action="ends_as", error_type="client_disconnected"),
    "400 and another error_type": Fault(
        on="cancel", action="already_completed", error_type="request_timeout"
    ),
}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Callable[..., tuple[Emulator, Runtime]]]:
    made: list[Emulator] = []

    def make(*, stream: bool = True, **config: Any) -> tuple[Emulator, Runtime]:
        timing = {"queue_seconds": 0.05, "run_seconds": 30, "log_interval": 0.1, **config}
        emu = Emulator(EmulatorConfig(**timing)).start()
        made.append(emu)
        settings = Settings(
            base_url=emu.url,
            output_dir=tmp_path / "out",
            journal_path=tmp_path / "journal.sqlite3",
            poll_initial=0.05,
            poll_max=0.2,
            use_stream=stream,
        )
        rt = Runtime(lambda: settings)
        reset_runtime(rt)
        return emu, rt

    yield make
    for emu in made:
        emu.stop()


def _spec() -> JobSpec:
    args = {"prompt": "a lighthouse at dawn", "resolution": "480p", "duration": "4", "seed": 5}
    endpoint = find_endpoint(FAST_T2V)
    assert endpoint is not None
    return JobSpec(FAST_T2V, args, estimate_cost(endpoint, duration="4"))


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "polling"])
@pytest.mark.parametrize("when", [State.QUEUED, State.RUNNING], ids=["queued", "running"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_cancelled_job_ends_as_cancelled(
    env: Callable[..., tuple[Emulator, Runtime]], shape: str, when: State, stream: bool
) -> None:
    emu, rt = env(hold=when is State.QUEUED, stream=stream)
    fault = SHAPES[shape]
    if fault is not None:
        emu.inject(fault)
    job = Job(_spec(), rt)
    # Queued: once fal has said so (the submit's own QUEUED is the moment the request id
    # is recorded, a cancel there is sent after the submit returns).
    job.subscribe(lambda snap: snap.state is when and (snap.queue_position or snap.logs) and job.cancel())
    job.start()
    with pytest.raises(errors.JobCancelled) as info:
        job.wait(timeout=30)
    assert job.status is State.CANCELLED and "cancelled at fal" in str(info.value)
    assert job.snapshot.trouble is None or "cancel failed" not in job.snapshot.trouble
    record = rt.journal.by_request_id(job.request_id or "")
    assert record is not None and record.state == "cancelled" and record.error == "cancelled at fal"
    assert emu.stats.count("cancel") == 1 and emu.stats.count("submit") == 1
    assert emu.stats.count("download") == 0


def test_a_result_that_answers_client_cancelled_ends_as_cancelled(
    env: Callable[..., tuple[Emulator, Runtime]],
) -> None:
    """The status said COMPLETED without an error; the result GET says the request was
    cancelled (499, client_cancelled): cancelled, not failed, and no download."""
    emu, rt = env(run_seconds=0.2)
    emu.inject(Fault(on="result", action="499", error_type="client_cancelled"))
    job = Job(_spec(), rt).start()
    with pytest.raises(errors.JobCancelled):
        job.wait(timeout=30)
    record = rt.journal.by_request_id(job.request_id or "")
    assert job.status is State.CANCELLED and record is not None and record.state == "cancelled"
    assert emu.stats.count("result") == 1 and emu.stats.count("download") == 0
