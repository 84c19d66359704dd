"""Where no loop runs between cells (a script, terminal IPython), jobs run on the
runtime's loop in a thread of its own: `sd.generate()` sends at once, and `--no-wait`
returns at once while the job goes on."""

from __future__ import annotations

import threading

import pytest

import seedance_magic as sd
from seedance_magic.emulator import Emulator
from seedance_magic.engine.runtime import Runtime

from helpers.shells import run_cell, seedance_shell, wait_until

QUICK = {"fast": True, "resolution": "480p", "duration": 4}


def test_generate_sends_at_once(runtime: Runtime, emulator: Emulator) -> None:
    """A script: the submit reaches the provider before anything waits for the job."""
    job = sd.generate("A kite over a beach", seed=4, **QUICK)
    wait_until(lambda: emulator.stats.count("submit") == 1, what="the submit, before .wait()")
    wait_until(lambda: job.done, what="the job to end by itself")
    assert job.result is not None and job.result.path is not None and job.result.path.exists()
    assert [t.name for t in threading.enumerate() if t.name == "seedance-jobs"] == ["seedance-jobs"]


def test_no_wait_in_terminal_ipython_returns_at_once(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.configure(hold=True)  # the job cannot end before the cell returns
    with seedance_shell(emulator, monkeypatch) as shell:
        ran = run_cell(shell, "%%seedance -d 4 -r 480p --fast --seed 5 --no-wait --out job\nA heron")
        ran.ok()
        job = shell.user_ns["job"]
        assert not job.done
        assert "goes on in the background" in ran.stderr and "queued" not in ran.stderr
        wait_until(lambda: job.request_id is not None, what="the submit, with no cell running")
        emulator.release(job.request_id)
        wait_until(lambda: job.done, what="the job to end by itself")
        assert job.result.path.exists()
        emulator.configure(hold=False)
        waited = run_cell(shell, "%%seedance -d 4 -r 480p --fast --seed 6 --out other\nA heron")
    waited.ok()  # without --no-wait a terminal cell still waits for its video
    assert waited.stderr.count("seedance: ") >= 3 and "goes on in the background" not in waited.stderr
