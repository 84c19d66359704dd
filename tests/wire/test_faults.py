"""The user-level fault matrix: `%%seedance --wait` cells in an IPython shell against the
emulator's fault injection. For each fault: the user sees one clear line (or the video),
the journal row is right, no video the emulator made is lost, and each cell makes
exactly one job at the emulator. (The engine's own retries and resumes are tested with a
fake provider in tests/engine/.)"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.runtime import reset_runtime
from seedance_magic.media.video import probe

from helpers.shells import (
    CLIP,
    Ends,
    accepted_submits,
    cell,
    only_record,
    run_cell,
    seedance_shell,
    wait_until,
)


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


@dataclass(frozen=True)
class Recovers:
    """A transient fault: the cell still ends with the video."""

    faults: tuple[Fault, ...]
    stream: bool = True


RECOVERS = {
    "status-429-burst": Recovers((Fault(on="status", action="429", times=4),), stream=False),
    "status-500-app": Recovers((Fault(on="status", action="500", times=2),), stream=False),
    "status-503-app": Recovers((Fault(on="status", action="503", times=2),), stream=False),
    "status-503-ingress": Recovers((Fault(on="status", action="503", times=3, ingress=True),), stream=False),
    "stream-503-app": Recovers((Fault(on="stream", action="503", times=2),)),
    "stream-drop": Recovers((Fault(on="stream", action="drop", times=2),)),
    "status-drop": Recovers((Fault(on="status", action="drop", times=2),), stream=False),
    "result-503-app": Recovers((Fault(on="result", action="503", times=2),)),
    "result-500-app": Recovers((Fault(on="result", action="500", times=1),)),
    "result-drop": Recovers((Fault(on="result", action="drop", times=1),)),
    "download-drop": Recovers((Fault(on="download", action="drop", times=2),)),
    "download-503-ingress": Recovers((Fault(on="download", action="503", times=2, ingress=True),)),
    "every-kind-at-once": Recovers(
        (
            Fault(on="status", action="503", times=1, ingress=True),
            Fault(on="status", action="drop", times=1),
            Fault(on="result", action="500", times=1),
            Fault(on="download", action="drop", times=1),
        ),
        stream=False,
    ),
}


@pytest.mark.parametrize("name", sorted(RECOVERS))
def test_transient_faults_end_with_the_video(ip: InteractiveShell, emulator: Emulator, name: str) -> None:
    case = RECOVERS[name]
    emulator.configure(stream=case.stream)
    for fault in case.faults:
        emulator.inject(fault)
    ran = run_cell(ip, cell(f"{CLIP} --seed 11 --wait --out job", "a lighthouse in a storm"))
    ran.ok()
    result = ip.user_ns["job"].result
    assert result is not None and result.path is not None
    assert probe(result.path).duration_s == pytest.approx(4.0, abs=0.1)
    record = only_record()
    assert record.state == "completed" and record.request_id == result.request_id
    assert record.path is not None and Path(record.path).exists() and record.error is None
    assert len(emulator.jobs) == 1 and accepted_submits(emulator) == 1
    if not any(f.on == "submit" for f in case.faults):
        assert emulator.stats.count("submit") == 1
    assert httpx.get(f"{emulator.url}/_emulator/faults", timeout=10).json() == []  # every fault fired


def _no_video_lost(emulator: Emulator) -> None:
    """Every job the emulator completed with a video has its MP4 on disk."""
    for rid, info in emulator.jobs.items():
        if info.state == "COMPLETED" and info.error is None:
            record = only_record()
            assert record.request_id == rid and record.path and Path(record.path).exists()


ENDS = {
    # A submit answered with anything but an acceptance or a refusal in fal's JSON may
    # have been queued: unknown, never sent again (test_submit_unknown.py has them all).
    "submit-500": Ends(Fault(on="submit", action="500"), "fal answered 500 to the submit", "unknown", 0),
    "submit-503-app": Ends(Fault(on="submit", action="503"), "fal answered 503 to the submit", "unknown", 0),
    "submit-429": Ends(Fault(on="submit", action="429"), "fal answered 429 to the submit", "unknown", 0),
    "submit-503-ingress": Ends(
        Fault(on="submit", action="503", ingress=True), "with a page that is not fal's", "unknown", 0
    ),
    "submit-422": Ends(Fault(on="submit", action="422"), "fal rejected the arguments", "failed", 0),
    "completed-with-error": Ends(
        Fault(on="submit", action="fail_job", error_type="runner_disconnected"),
        "fal reports the job failed: Runner disconnected",
        "failed",
        1,
    ),
    "submit-response-lost": Ends(Fault(on="submit", action="drop"), "response was lost", "unknown", 1),
}


@pytest.mark.parametrize("name", sorted(ENDS))
def test_faults_that_end_the_cell_are_one_clear_line(
    ip: InteractiveShell, emulator: Emulator, name: str
) -> None:
    case = ENDS[name]
    emulator.inject(case.fault)
    ran = run_cell(ip, cell(f"{CLIP} --seed 12 --wait", "a lighthouse in a storm"))
    line = ran.one_clear_line()
    assert case.fragment in line, line
    record = only_record()
    assert record.state == case.state and record.error is not None and case.fragment in record.error
    assert len(emulator.jobs) == case.jobs and emulator.stats.count("submit") == 1
    if case.state == "unknown":
        assert record.request_id is None and "NOT sent again" in line and "fal.ai/dashboard" in line
    if case.jobs and case.state == "failed":
        assert record.request_id in line and record.error_type == "runner_disconnected"
    _no_video_lost(emulator)


def test_timeout_cancels_at_fal_in_one_line(ip: InteractiveShell, emulator: Emulator) -> None:
    emulator.configure(hold=True)
    ran = run_cell(ip, cell(f"{CLIP} --seed 13 --timeout 0.5 --wait", "a lighthouse in a storm"))
    line = ran.one_clear_line()
    record = only_record()
    assert record.state == "cancelled" and record.request_id in line
    assert emulator.stats.count("cancel") == 1 and emulator.stats.count("submit") == 1
    (info,) = emulator.jobs.values()
    assert info.error_type == "client_cancelled"


def test_timeout_line_says_what_happened(ip: InteractiveShell, emulator: Emulator) -> None:
    emulator.configure(hold=True)
    ran = run_cell(ip, cell(f"{CLIP} --seed 13 --timeout 0.5 --wait", "a lighthouse in a storm"))
    line = ran.one_clear_line()
    assert "timed out after 0.5 s at fal" in line and "still" not in line


def test_a_job_cancelled_elsewhere_is_one_clear_line(ip: InteractiveShell, emulator: Emulator) -> None:
    """Cancelled from outside the kernel (fal's dashboard, another client) while it waits."""
    emulator.configure(hold=True)

    def cancel_at_the_emulator() -> None:
        rid = wait_until(lambda: next(iter(emulator.jobs), None), what="the job at the emulator")
        httpx.put(
            f"{emulator.url}/bytedance/seedance-2.0/requests/{rid}/cancel",
            headers={"Authorization": "Key elsewhere:secret"},
            timeout=10,
        )

    canceller = threading.Thread(target=cancel_at_the_emulator)
    canceller.start()
    try:
        ran = run_cell(ip, cell(f"{CLIP} --seed 14 --wait", "a lighthouse in a storm"))
    finally:
        canceller.join(30)
    line = ran.one_clear_line()
    assert "cancelled at fal" in line
    record = only_record()
    assert record.state == "cancelled" and record.error == "cancelled at fal"
    assert emulator.stats.count("submit") == 1


def test_a_download_that_keeps_failing_is_resumed_without_a_new_submit(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    emulator.inject(Fault(on="download", action="drop", times=None))
    ran = run_cell(ip, cell(f"{CLIP} --seed 15 --wait", "a lighthouse in a storm"))
    line = ran.one_clear_line()
    record = only_record()
    assert "download" in line and "%seedance resume" in line and record.request_id in line
    assert record.video_url and record.result is not None  # what fal made is on record
    emulator.clear_faults()
    fresh_runtime()  # as in a new kernel (the same kernel: tests/engine/test_recovery.py)
    again = run_cell(ip, f"job = %seedance resume {record.request_id}\nresult = job.wait()")
    again.ok()
    result = ip.user_ns["result"]
    assert result.path is not None and probe(result.path).duration_s == pytest.approx(4.0, abs=0.1)
    assert only_record().state == "completed"
    assert emulator.stats.count("submit") == 1


def fresh_runtime() -> None:
    """Forget this process's jobs, as a new kernel would have none."""
    previous = reset_runtime(None)
    if previous is not None:
        previous.close()


def test_the_built_in_emulator_prints_nothing_when_a_client_resets(
    emulator: Emulator, capfd: pytest.CaptureFixture[str]
) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    emulator.stop()  # joins the thread that served the connection
    assert "Traceback" not in capfd.readouterr().err


def test_ctrl_c_during_a_wait_cancels_at_fal_then_interrupts(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    """Interrupting a waiting cell (Ctrl-C, the kernel's stop button) cancels the job at
    fal, so nothing is charged for a video nobody waits for, and Run All stops."""
    emulator.configure(hold=True)  # the cell cannot end by itself: the signal lands in the wait
    main = threading.main_thread()
    assert threading.current_thread() is main

    def interrupt() -> None:  # once the job is queued and its status stream open
        wait_until(lambda: emulator.stats.count("stream"), what="the job's status stream")
        signal.pthread_kill(main.ident or 0, signal.SIGINT)

    interrupter = threading.Thread(target=interrupt)
    interrupter.start()
    try:
        ran = run_cell(ip, cell(f"{CLIP} --seed 18 --wait", "a lighthouse in a storm"))
    finally:
        interrupter.join(30)
    assert isinstance(ran.error, KeyboardInterrupt)
    shown = ran.stdout + ran.stderr
    assert "Traceback" not in shown and "KeyboardInterrupt" not in shown
    assert shown.splitlines().count(str(ran.error)) == 1
    assert re.fullmatch(
        r"Interrupted: the job \(request [0-9a-f-]+\) was cancelled at fal; .*", str(ran.error)
    )
    assert str(ran.error).endswith("; the emulator charges nothing")
    record = only_record()
    assert record.state == "cancelled" and record.error == "cancelled at fal"
    assert emulator.stats.count("cancel") == 1 and emulator.stats.count("submit") == 1


# Run in a process of its own: a KeyboardInterrupt raised inside a task can resurface
# whenever that loop runs again, which must not happen inside the test runner.
INTERRUPTED_IN_ITS_OWN_CODE = """
import json, os, signal, sys
import seedance_magic
from seedance_magic.spec.states import State
from seedance_magic.engine.runtime import get_runtime
job = seedance_magic.generate("a lighthouse", fast=True, resolution="480p", duration=4, seed=19)
fired = []
def ctrl_c_once(snapshot):
    if snapshot.state is State.QUEUED and not fired:  # inside the job's own code
        fired.append(True)
        os.kill(os.getpid(), signal.SIGINT)
job.subscribe(ctrl_c_once)
try:
    job.wait(timeout=30)
    raised = None
except BaseException as exc:
    raised = type(exc).__name__
record = get_runtime().journal.by_request_id(job.request_id or "")
print(json.dumps({"raised": raised, "done": job.done, "state": record.state if record else None}))
sys.stdout.flush()
os._exit(0)
"""


def test_ctrl_c_while_the_job_s_code_runs_still_cancels_at_fal(emulator: Emulator, tmp_path: Path) -> None:
    emulator.configure(hold=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_"))}
    env.update(SEEDANCE_FAL_BASE_URL=emulator.url, SEEDANCE_JOURNAL=str(tmp_path / "own.sqlite3"))
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_IN_ITS_OWN_CODE],
        check=True,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["raised"] == "Interrupted"  # a KeyboardInterrupt
    assert emulator.stats.count("cancel") == 1 and outcome == {**outcome, "done": True, "state": "cancelled"}


def test_ctrl_c_leaves_no_unretrieved_task(ip: InteractiveShell, emulator: Emulator) -> None:
    emulator.configure(hold=True)
    main = threading.main_thread()

    def interrupt() -> None:
        wait_until(lambda: emulator.stats.count("stream"), what="the job's status stream")
        signal.pthread_kill(main.ident or 0, signal.SIGINT)

    interrupter = threading.Thread(target=interrupt)
    interrupter.start()
    try:
        ran = run_cell(ip, cell(f"{CLIP} --seed 20 --wait", "a lighthouse in a storm"))
    finally:
        interrupter.join(30)
    assert isinstance(ran.error, KeyboardInterrupt)
    # a finished task whose exception nobody will ever read: asyncio logs it when collected
    unread = [
        task
        for task in gc.get_objects()
        if isinstance(task, asyncio.Task) and task.done() and getattr(task, "_log_traceback", False)
    ]
    assert unread == []
