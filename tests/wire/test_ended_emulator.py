"""A job made by the built-in emulator of a kernel that has ended: its emulator (and the
job with it) died with that kernel, so resuming it says so at once, in one line, and
marks it ended, instead of reconnecting forever; the list of unfinished jobs at
`%load_ext` does not offer it for resuming."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.app import history
from seedance_magic.emulator import Emulator, EmulatorConfig
from seedance_magic.engine.runtime import Runtime, get_runtime

from helpers.shells import journal, run_cell, seedance_shell

FAST_T2V = "bytedance/seedance-2.0/fast/text-to-video"
DEAD_PID = 2**22 + 12345  # above Linux's pid_max: no such process
GONE = "made by the emulator of a kernel that has ended; nothing was charged"


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


def job_of_an_ended_kernel(rt: Runtime) -> str:
    """A job queued at an emulator that then stopped, journalled as its dead kernel left it."""
    args = {"prompt": "a lantern in the fog", "resolution": "480p", "duration": "4", "seed": 81}
    with Emulator(EmulatorConfig(hold=True)) as other:  # that kernel's built-in emulator
        url = other.url
        answer = httpx.post(
            f"{url}/{FAST_T2V}", json=args, headers={"Authorization": "Key test:secret"}
        ).json()
    job = rt.journal.create(endpoint=FAST_T2V, arguments=args, base_url=url, emulated=True)
    rt.journal.update(job, state="submitting")
    rt.journal.update(
        job,
        state="queued",
        request_id=answer["request_id"],
        status_url=answer["status_url"],
        response_url=answer["response_url"],
        cancel_url=answer["cancel_url"],
        pid=DEAD_PID,
    )
    return str(answer["request_id"])


@pytest.mark.timeout(60)
def test_resuming_it_says_so_at_once_and_marks_it_ended(ip: InteractiveShell) -> None:
    rid = job_of_an_ended_kernel(get_runtime())
    line = run_cell(ip, f"%seedance resume {rid}").one_clear_line()
    assert GONE in line and rid in line, line
    record = journal().by_request_id(rid)
    assert record is not None and record.state == "failed" and GONE in (record.error or "")
    assert get_runtime().journal.orphans() == []


def test_the_unfinished_list_does_not_offer_it(ip: InteractiveShell) -> None:
    rt = get_runtime()
    rid = job_of_an_ended_kernel(rt)
    view = history.orphans_view(rt, rt.journal.orphans(), ip)
    assert len(view) == 0 and view.resume_all() == []
    record = rt.journal.by_request_id(rid)
    assert record is not None and record.state == "failed" and GONE in (record.error or "")
