"""Faults and resume through the Lumenfall provider: `%%seedance --wait` cells against the
emulator's Lumenfall API with its fault injection. Each fault ends with the video or with
one clear line; the journal row is right; no video is lost; nothing is submitted twice.
A process killed mid-job leaves a row another process resumes without a new submit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.app import reports as commands
from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.job import Job, Result, Snapshot
from seedance_magic.engine.runtime import get_runtime
from seedance_magic.media.video import probe

from helpers.lumenfall import CLIP, KEY, lumenfall_shell
from helpers.shells import (
    Ends,
    accepted_submits,
    cell,
    only_record,
    request_ids_on_disk,
    run_cell,
    wait_until,
)


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with lumenfall_shell(emulator, monkeypatch) as shell:
        yield shell


RECOVERS = {
    "status-429-burst": (Fault(on="status", action="429", times=3),),
    "status-503": (Fault(on="status", action="503", times=2),),
    "status-502-ingress": (Fault(on="status", action="502", times=2, ingress=True),),
    "status-drop": (Fault(on="status", action="drop", times=2),),
    "status-slow": (Fault(on="status", action="slow", delay=0.3, times=2),),
    "submit-429": (Fault(on="submit", action="429", times=2),),
    "download-drop": (Fault(on="download", action="drop", times=2),),
    "download-503-ingress": (Fault(on="download", action="503", times=2, ingress=True),),
}


@pytest.mark.parametrize("name", sorted(RECOVERS))
def test_transient_faults_end_with_the_video(ip: InteractiveShell, emulator: Emulator, name: str) -> None:
    for fault in RECOVERS[name]:
        emulator.inject(fault)
    ran = run_cell(ip, cell(f"{CLIP} --seed 11 --wait --out job", "a lighthouse in a storm"))
    ran.ok()
    result = ip.user_ns["job"].result
    assert result is not None and result.provider == "lumenfall" and result.path is not None
    assert probe(result.path).duration_s == pytest.approx(4.0, abs=0.1)
    record = only_record()
    assert record.state == "completed" and record.request_id == result.request_id and record.error is None
    assert len(emulator.jobs) == 1, "one video"
    assert accepted_submits(emulator) == 1
    assert emulator.stats.count("stream") == 0  # the gateway has no stream: polled
    assert httpx.get(f"{emulator.url}/_emulator/faults", timeout=10).json() == []  # every fault fired
    assert KEY not in ran.everything


ENDS = {
    "submit-500": Ends(
        Fault(on="submit", action="500"), "Lumenfall answered 500 to the submit", "unknown", 0
    ),
    "submit-503-app": Ends(
        Fault(on="submit", action="503"), "Lumenfall answered 503 to the submit", "unknown", 0
    ),
    "submit-503-ingress": Ends(
        Fault(on="submit", action="503", ingress=True), "NOT sent again", "unknown", 0
    ),
    "submit-400": Ends(Fault(on="submit", action="400"), "Lumenfall rejected the arguments", "failed", 0),
    "submit-401": Ends(
        Fault(on="submit", action="401"), "Lumenfall refused the credentials (401)", "failed", 0
    ),
    "job-failed": Ends(
        Fault(on="submit", action="fail_job", error_type="runner_disconnected"),
        "Lumenfall reports the job failed: Runner disconnected",
        "failed",
        1,
    ),
    "submit-response-lost": Ends(Fault(on="submit", action="drop"), "NOT sent again", "unknown", 1),
}


@pytest.mark.parametrize("name", sorted(ENDS))
def test_faults_that_end_the_cell_are_one_clear_line(
    ip: InteractiveShell, emulator: Emulator, name: str
) -> None:
    case = ENDS[name]
    emulator.inject(case.fault)
    ran = run_cell(ip, cell(f"{CLIP} --seed 12 --wait", "a kite over dunes"))
    line = ran.one_clear_line()
    assert case.fragment in line and KEY not in ran.everything
    record = only_record()
    assert record.state == case.state and record.provider == "lumenfall"
    assert len(emulator.jobs) == case.jobs
    assert emulator.stats.count("submit") == 1  # never sent twice


def test_cancel_says_the_gateway_cannot_and_the_video_still_arrives(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from seedance_magic import generate

    monkeypatch.setenv("LUMENFALL_API_KEY", KEY)
    monkeypatch.setenv("SEEDANCE_LUMENFALL_BASE_URL", emulator.lumenfall_url)
    emulator.configure(hold=True)

    async def scenario() -> tuple[Job, Result]:
        queued, answered = asyncio.Event(), asyncio.Event()

        def watch(snap: Snapshot) -> None:
            if snap.request_id:
                queued.set()
            if snap.trouble:
                answered.set()

        job = generate("a slow train", resolution="480p", duration=4, seed=13)
        job.subscribe(watch)
        await asyncio.wait_for(queued.wait(), 30)
        said = commands.cancel(get_runtime(), "all").text
        assert said == f"{job.request_id}: Lumenfall cannot cancel a job it has started; " + (
            "it will finish, be charged and be downloaded"
        )
        job.cancel()  # in code: the backend says so
        await asyncio.wait_for(answered.wait(), 30)
        assert "has no cancel" in (job.snapshot.trouble or "")
        emulator.release()
        result = await job
        await get_runtime().aclose_loop()
        return job, result

    job, result = asyncio.run(scenario())
    assert result.path is not None and result.path.exists() and job.target.provider == "lumenfall"
    assert only_record().state == "completed"


WORKER = textwrap.dedent(
    """
    import seedance_magic
    job = seedance_magic.generate("a lantern in the fog", resolution="480p", duration=4, seed=46)
    print(job.wait(timeout=120).request_id, flush=True)
    """
)


def test_a_lumenfall_job_of_a_killed_process_is_resumed_without_a_new_submit(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.configure(hold=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_", "LUMENFALL_"))}
    env.update(
        SEEDANCE_LUMENFALL_BASE_URL=emulator.lumenfall_url,
        SEEDANCE_JOURNAL=str(tmp_path / "journal.sqlite3"),
        SEEDANCE_OUTPUT_DIR=str(tmp_path / "out"),
        FAL_HOME_DIR=str(tmp_path / "fal-home"),
        LUMENFALL_API_KEY=KEY,
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        (rid,) = wait_until(lambda: request_ids_on_disk(tmp_path / "journal.sqlite3"), 60, "the request id")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    monkeypatch.setenv("LUMENFALL_API_KEY", KEY)
    (orphan,) = get_runtime().journal.orphans()
    assert orphan.request_id == rid and orphan.provider == "lumenfall"
    assert orphan.status_url == f"{emulator.lumenfall_url}/videos/{rid}"
    emulator.release()
    resumed = Job.resume(orphan, get_runtime()).start()
    assert resumed.target.provider == "lumenfall"
    result = resumed.wait(timeout=60)
    assert result.seed == 46 and result.provider == "lumenfall" and result.path is not None
    assert probe(result.path).duration_s == pytest.approx(4.0, abs=0.1)
    assert emulator.stats.count("submit") == 1
    record = get_runtime().journal.by_request_id(rid)
    assert record is not None and record.state == "completed"


def test_a_status_the_client_does_not_know_ends_the_job_after_a_bounded_wait(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not polled forever: after UNKNOWN_STATUS_WAIT_S the cell ends in one line, and the
    journal row stays resumable (the gateway may still finish the video)."""
    from seedance_magic.engine.backends import lumenfall

    monkeypatch.setattr(lumenfall, "UNKNOWN_STATUS_WAIT_S", 0.5)
    emulator.inject(Fault(on="status", action="odd_status", value="paused", times=None))
    ran = run_cell(ip, cell(f"{CLIP} --seed 13 --wait", "a kite over dunes"))
    line = ran.one_clear_line()
    assert "'paused'" in line and "stopped following it" in line and "%seedance resume" in line
    record = only_record()
    assert record.request_id in line and record.state in ("queued", "running"), "still resumable"
    emulator.clear_faults()
    again = run_cell(ip, f"job = %seedance resume {record.request_id}\nresult = job.wait()")
    again.ok()
    assert ip.user_ns["result"].path.exists() and emulator.stats.count("submit") == 1


def test_a_cancelled_video_ends_as_cancelled(ip: InteractiveShell, emulator: Emulator) -> None:
    emulator.inject(Fault(on="status", action="odd_status", value="cancelled", times=None))
    line = run_cell(ip, cell(f"{CLIP} --seed 14 --wait", "a kite over dunes")).one_clear_line()
    assert "cancelled at Lumenfall" in line and only_record().state == "cancelled"
