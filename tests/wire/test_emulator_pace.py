"""The built-in emulator's pace follows `Seedance.emulator` for the next job, even after
jobs have run (a teacher slows it down mid-class)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from seedance_magic import errors
from seedance_magic.engine.job import Job, JobSpec, State
from seedance_magic.engine.runtime import Runtime, get_runtime, reset_runtime
from seedance_magic.settings import Settings
from seedance_magic.spec.cost import estimate_cost
from seedance_magic.spec.endpoints import find_endpoint

FAST = {"queue_seconds": 0.1, "run_seconds": 0.2, "log_interval": 0.05}
ENDPOINT = "bytedance/seedance-2.0/fast/text-to-video"


def spec() -> JobSpec:
    arguments = {"prompt": "a kite at the beach", "resolution": "480p", "duration": "4"}
    endpoint = find_endpoint(ENDPOINT)
    assert endpoint is not None
    return JobSpec(ENDPOINT, arguments, estimate_cost(endpoint, duration="4"))


def test_a_new_pace_reaches_the_running_emulator_for_the_next_job(tmp_path: Path) -> None:
    pace: dict[str, Any] = dict(FAST)

    def settings() -> Settings:
        return Settings(
            output_dir=tmp_path / "out",
            journal_path=tmp_path / "journal.sqlite3",
            poll_initial=0.05,
            poll_max=0.2,
            emulator=dict(pace),
        )

    runtime = Runtime(settings)
    reset_runtime(runtime)
    first = Job(spec(), runtime).start()
    first.wait(timeout=30)
    emulator = runtime.emulator()
    assert emulator.config.run_seconds == FAST["run_seconds"]

    pace.update(queue_seconds=0.0, run_seconds=0.1, hold=True)  # %config Seedance.emulator = {...}
    held = Job(spec(), runtime).start()
    with pytest.raises(errors.JobTimeout):  # held in the queue by the new settings
        held.wait(timeout=1.0)
    assert held.status is State.QUEUED and held.request_id is not None
    assert emulator.config.run_seconds == 0.1 and emulator.config.hold
    assert runtime.emulator() is emulator  # the same server, not a second one
    emulator.release(held.request_id)
    held.wait(timeout=30)
    assert held.status is State.COMPLETED


def test_a_bad_pace_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEEDANCE_OUTPUT_DIR", str(tmp_path / "out"))
    shell = InteractiveShell.instance()
    try:
        with capture_output():
            shell.run_line_magic("load_ext", "seedance_magic")
        shell.run_line_magic("config", "Seedance.emulator = {'queue_secs': 1}")
        with pytest.raises(UsageError, match=r"Seedance.emulator: unknown config field 'queue_secs'"):
            shell.run_cell_magic("seedance", "-d 4 -r 480p --fast", "a kite")
        assert get_runtime()._emulator is None
    finally:
        shell.run_line_magic("unload_ext", "seedance_magic")
        InteractiveShell.clear_instance()
