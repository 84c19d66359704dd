"""The one line after Ctrl-C stops a waiting cell: what became of each job, and what it
costs, as the provider said it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from seedance_magic.errors import Interrupted
from seedance_magic.render.interrupted import interrupted_text
from seedance_magic.spec.states import State

from helpers.widgets import snapshot

RID = "764cabcf-1111"


def job(state: State, *, sent: bool = True, emulated: bool = False, **changes: object) -> object:
    return replace(snapshot(state), request_id=RID if sent else None, emulated=emulated, **changes)


@pytest.mark.parametrize(
    ("jobs", "line"),
    [
        (
            [job(State.CANCELLED)],
            f"Interrupted: the job (request {RID}) was cancelled at fal; "
            "a job the provider cancelled is not charged",
        ),
        (
            [job(State.CANCELLED, sent=False)],
            "Interrupted: the job was cancelled before it was sent; "
            "nothing was sent for a job cancelled before it was sent",
        ),
        (
            [job(State.COMPLETED)],
            f"Interrupted: the job (request {RID}) had finished; a job that had finished is charged",
        ),
        (
            [job(State.RUNNING, provider="lumenfall", cancellable=False)],
            f"Interrupted: the job (request {RID}) is running on "
            "(Lumenfall cannot cancel a job it has started); "
            "a job that runs on is charged; %seedance resume ID downloads it",
        ),
        (
            [job(State.RUNNING)],
            f"Interrupted: the job (request {RID}) was asked to cancel at fal, not confirmed yet; it is not "
            "charged if the cancel arrives in time; %seedance jobs shows how it ended",
        ),
        (
            [job(State.CANCELLED, emulated=True)],
            f"Interrupted: the job (request {RID}) was cancelled at fal; the emulator charges nothing",
        ),
        (
            [
                job(State.CANCELLED),
                job(State.CANCELLED),
                job(State.CANCELLED, sent=False),
                job(State.COMPLETED),
            ],
            "Interrupted: of 4 jobs, 2 cancelled at fal, 1 cancelled before it was sent, 1 finished; "
            "a job the provider cancelled is not charged; nothing was sent for a job cancelled before it "
            "was sent; a job that had finished is charged",
        ),
    ],
)
def test_the_line_says_what_became_of_the_jobs(jobs: list[object], line: str) -> None:
    assert interrupted_text(jobs) == line  # type: ignore[arg-type]


def test_ipython_shows_the_line_instead_of_a_traceback() -> None:
    error = Interrupted("Interrupted: the job was cancelled at fal")
    assert isinstance(error, KeyboardInterrupt) and not isinstance(error, Exception)
    assert error._render_traceback_() == [str(error)]
