"""`%seedance jobs` and `%seedance cancel all` through a shell on the emulator: finished
jobs are listed though no variable holds them, a cached replay counts on its original's
row, and cancelling with nothing running says so plainly."""

from __future__ import annotations

import gc

import pytest

from seedance_magic.emulator import Emulator

from helpers.shells import run_cell, seedance_shell

CLIP = "-d 4 -r 480p --fast"
BOAT = "A paper boat drifts down a rain-filled gutter at dusk, slow dolly-in"


def test_finished_jobs_are_listed_once_each(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with seedance_shell(emulator, monkeypatch) as shell:
        boat = f"%%seedance {CLIP} --seed 1\n{BOAT}"
        for cell in (boat, boat, f"%%seedance {CLIP} --seeds 2,3\nA kite"):
            run_cell(shell, cell).ok()  # a terminal shell: each cell waits, no variable is bound
        shell.user_ns.pop("_", None)
        gc.collect()
        table = run_cell(shell, "%seedance jobs")
        cancel = run_cell(shell, "%seedance cancel all")
    table.ok()
    text = table.bundles[-1]["text/plain"]
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["state", "time", "cost"], text
    assert len(lines) == 1 + 3, text  # the replay counts on the first job's row
    assert "completed, replayed 1 time" in lines[1]
    assert "A paper boat drifts down a rain-filled gutter at dusk…" in lines[1]
    assert "[seed 2] A kite" in lines[2] and "[seed 3] A kite" in lines[3]
    assert all("$0 (emulator)" in line for line in lines[1:])
    assert cancel.bundles[-1]["text/plain"] == "no job is running in this kernel: nothing to cancel"
