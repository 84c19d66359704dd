"""A real Jupyter kernel: the %%seedance cell returns at once, other cells run while the
job is queued, several jobs run at once, and the job then completes with its video."""

from __future__ import annotations

import queue
import time
from pathlib import Path

import pytest

from helpers.kernel import Kernel, drain

pytestmark = pytest.mark.kernel


def test_cell_returns_at_once_and_the_kernel_stays_free(kernel: Kernel, tmp_path: Path) -> None:
    kernel.execute("%load_ext seedance_magic")
    kernel.execute(
        "%config Seedance.emulator = {'queue_seconds': 2.0, 'run_seconds': 1.0, 'log_interval': 0.2}"
    )
    _, messages, took = kernel.execute(
        "%%seedance -d 4 -r 480p --fast --seed 7 --out job\nA hummingbird at dusk"
    )
    assert took < 5  # the first cell also starts the built-in emulator
    assert any(m["msg_type"] == "comm_open" for m in messages)  # the progress widget
    assert any(m["msg_type"] == "display_data" for m in messages)
    # Another cell runs while the job is still queued at the emulator.
    assert kernel.value("job.status.value") in ("'pending'", "'submitting'", "'queued'")
    assert kernel.value("6 * 7") == "42"
    # A second job starts while the first is in flight, also without blocking.
    _, _, took2 = kernel.execute("%%seedance -d 4 -r 480p --fast --seed 8 --out job2\nA heron")
    assert took2 < 1.0
    assert kernel.value("job.wait().seed, job2.wait().seed") == "(7, 8)"
    path = kernel.value("str(job.result.path)").strip("'")
    from seedance_magic.media.video import probe

    info = probe(tmp_path / path)
    assert abs(info.duration_s - 4) < 0.1 and info.width == 864
    drain(kernel)


def test_widget_updates_arrive_after_the_cell_returned(kernel: Kernel) -> None:
    kernel.execute("%load_ext seedance_magic")
    kernel.execute(
        "%config Seedance.emulator = {'queue_seconds': 0.5, 'run_seconds': 1.0, 'log_interval': 0.2}"
    )
    kernel.execute("%%seedance -d 4 -r 480p --fast --out job\nA kite over a beach")
    updates = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            msg = kernel.client.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["msg_type"] == "comm_msg":
            updates.append(msg["content"]["data"].get("state", {}))
            if any("children" in u for u in updates[-1:]) and kernel.value("job.done") == "True":
                break
    texts = " ".join(str(u) for u in updates)
    assert "running" in texts  # the status line changed while the job ran
    assert any("children" in u for u in updates)  # and the view turned into the player
