"""Kernel → Interrupt on a cell that waits for a job, in a real kernel: the job is
cancelled at its provider, the cell shows one line saying so (no KeyboardInterrupt
traceback), its reply is an error (so Run All stops), and the kernel goes on."""

from __future__ import annotations

import queue
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from helpers.kernel import Kernel
from helpers.shells import all_records, wait_until

pytestmark = pytest.mark.kernel

HELD = "%config Seedance.emulator = {'queue_seconds': 0.0, 'run_seconds': 0.3, 'hold': True}"


def queued(journal: Path) -> bool:
    try:
        return any(r.request_id and r.state == "queued" for r in all_records(journal))
    except sqlite3.OperationalError:  # the kernel is making the journal
        return False


def interrupt_once_queued(kernel: Kernel, code: str, journal: Path) -> tuple[dict[str, Any], list[str]]:
    """Run `code`, interrupt the kernel once its job is queued at the emulator; the
    reply and every text the cell showed."""
    msg_id = kernel.client.execute(code)
    wait_until(lambda: queued(journal), timeout=60, what="the job queued")
    kernel.manager.interrupt_kernel()
    reply = kernel.client.get_shell_msg(timeout=60)
    assert reply["parent_header"]["msg_id"] == msg_id
    shown = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            msg = kernel.client.get_iopub_msg(timeout=5)
        except queue.Empty:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        content = msg["content"]
        if msg["msg_type"] == "stream":
            shown.append(content["text"])
        elif msg["msg_type"] == "error":
            shown += content["traceback"]
        elif msg["msg_type"] == "status" and content["execution_state"] == "idle":
            break
    return reply["content"], shown


@pytest.mark.parametrize(
    "code",
    [
        "%%seedance -d 4 -r 480p --fast --seed 3 --wait\nA kite over a windy beach",
        "%%seedance -d 4 -r 480p --fast --seed 4 --out job\nA kite over a windy beach\n",
    ],
    ids=["--wait", "job.wait()"],
)
def test_interrupt_cancels_at_fal_in_one_line(kernel: Kernel, tmp_path: Path, code: str) -> None:
    journal = tmp_path / "journal.sqlite3"
    kernel.execute("%load_ext seedance_magic")
    kernel.execute(HELD)
    if "--out job" in code:  # a job started in one cell and waited for in the next
        kernel.execute(code)
        code = "job.wait()"
    reply, shown = interrupt_once_queued(kernel, code, journal)
    assert reply["status"] == "error" and reply["ename"] == "Interrupted"
    text = "".join(shown)
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    lines = reply["traceback"]
    assert len(lines) == 1 and lines[0].startswith("Interrupted: the job (request ")
    assert lines[0].endswith("was cancelled at fal; the emulator charges nothing"), lines[0]
    record = all_records(journal)[0]
    assert record.state == "cancelled"
    assert kernel.value("6 * 7") == "42"  # the kernel goes on
