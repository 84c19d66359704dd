"""A job the model refuses after fal queued it: the status goes COMPLETED with no error and
the result GET answers 422 with a `detail` list (how fal's queue validates). The cell
says so in one line naming the arguments and the request id, the journal row is terminal,
the job is followed no more, and `%seedance resume` says the same."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator, Fault
from seedance_magic.engine.runtime import get_runtime
from seedance_magic.spec.states import TERMINAL, State

from helpers.shells import CLIP, cell, only_record, run_cell, seedance_shell


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


def test_a_job_refused_after_queueing_is_one_line_and_terminal(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    emulator.inject(Fault(on="submit", action="reject", value="seed"))
    ran = run_cell(ip, cell(f"{CLIP} --seed 12 --wait --out job", "a lighthouse in a storm"))
    line = ran.one_clear_line()
    record = only_record()
    assert record.request_id is not None and record.request_id in line
    assert "rejected" in line and "after it was queued" in line and "seed" in line, line
    assert "Nothing was queued" not in line and "nothing was queued" not in line.lower()
    assert State(record.state) in TERMINAL and record.state == "failed"
    assert record.error_type == "rejected" and record.error is not None and "seed" in record.error
    job = ip.user_ns["job"]
    assert job.done and job not in get_runtime().active, "the job is followed no more"
    assert emulator.stats.count("result") == 1 and emulator.stats.count("submit") == 1
    assert len(emulator.jobs) == 1


def test_resume_of_a_refused_job_says_the_same(ip: InteractiveShell, emulator: Emulator) -> None:
    emulator.inject(Fault(on="submit", action="reject", value="seed"))
    first = run_cell(ip, cell(f"{CLIP} --seed 13 --wait", "a lighthouse in a storm")).one_clear_line()
    rid = only_record().request_id
    again = run_cell(ip, f"job = %seedance resume {rid}\njob.wait()").one_clear_line()
    assert again == first
    assert only_record().state == "failed" and emulator.stats.count("submit") == 1


def test_an_argument_the_model_refuses_is_named_with_the_seed_hint(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    """Newer fal schemas may drop `seed`: the line says to run without --seed."""
    emulator.inject(Fault(on="submit", action="reject", value="seed"))
    line = run_cell(ip, cell(f"{CLIP} --seed 14 --wait", "a lighthouse in a storm")).one_clear_line()
    assert "without --seed" in line
