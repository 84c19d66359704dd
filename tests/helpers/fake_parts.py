"""The values the fake provider (fake_backend.py) keeps and hands out: the steps of a
request's statuses, its requests, its record of calls, and the signal its waiters wait
on. No tests here."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from seedance_magic.engine.backends.base import StatusUpdate

Kind = Literal["submit", "status", "stream", "result", "cancel", "upload", "download"]
KINDS: tuple[Kind, ...] = ("submit", "status", "stream", "result", "cancel", "upload", "download")

BASE_URL = "http://fake.invalid"
TINY_MP4 = Path(__file__).resolve().parent.parent / "data" / "tiny.mp4"
CANCELLED_TYPE = "client_cancelled"
RUNNER_ERROR = "Internal error in the runner"


# ------------------------------------------------------------------------- steps
def log(message: str) -> dict[str, Any]:
    """One log line as fal sends it."""
    return {"message": message, "level": "INFO", "source": "user", "timestamp": time.time()}


def queued(position: int = 0) -> StatusUpdate:
    return StatusUpdate("IN_QUEUE", queue_position=position)


def running(*messages: str) -> StatusUpdate:
    return StatusUpdate("IN_PROGRESS", logs=tuple(log(m) for m in messages))


def completed(**metrics: Any) -> StatusUpdate:
    return StatusUpdate("COMPLETED", metrics=dict(metrics))


def failed(error_type: str = "runner_server_error", error: str = RUNNER_ERROR) -> StatusUpdate:
    """A job that ran and ended with an error (COMPLETED, with the error in the status)."""
    return StatusUpdate("COMPLETED", error=error, error_type=error_type)


# What a request goes through unless the test says otherwise.
DEFAULT_SCRIPT: tuple[StatusUpdate, ...] = (
    queued(1),
    queued(0),
    running("Starting the runner", "Generating the video"),
    completed(inference_time=0.01),
)

Script = Sequence[StatusUpdate] | None


# ---------------------------------------------------------------------- records
@dataclass(frozen=True)
class Call:
    """One call the engine made: its kind, the request it was about (if any), and what
    it sent (arguments, a file name, a URL...)."""

    kind: Kind
    request_id: str | None = None
    detail: Any = None


@dataclass(frozen=True)
class Upload:
    data: bytes
    content_type: str
    file_name: str
    url: str


@dataclass(frozen=True)
class Download:
    url: str
    dest: Path
    expected_size: int | None
    attempts: int
    request_id: str | None


@dataclass
class FakeRequest:
    """One submitted request: what was sent, its steps so far and how many of them have
    been handed out to the engine."""

    request_id: str
    endpoint_id: str
    arguments: dict[str, Any]
    result: dict[str, Any]
    steps: list[StatusUpdate] = field(default_factory=list)
    handed_out: int = 0
    logs: tuple[dict[str, Any], ...] = ()
    submitted: bool = False  # by this backend (not added as another process's)

    @property
    def finished(self) -> bool:
        """A COMPLETED step has been given (the provider is done with it)."""
        return any(step.state == "COMPLETED" for step in self.steps)

    @property
    def seen_finished(self) -> bool:
        """The engine has been handed the COMPLETED step."""
        return any(step.state == "COMPLETED" for step in self.steps[: self.handed_out])

    @property
    def cancelled(self) -> bool:
        return any(step.error_type == CANCELLED_TYPE for step in self.steps)


class Signal:
    """Wake every waiter on the next `notify()` (futures of whichever loop waits)."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    async def wait(self) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(future)

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                with contextlib.suppress(RuntimeError):  # its loop is closed: nobody waits
                    future.set_result(None)


@dataclass
class Failure:
    error: BaseException
    times: int
    skip: int
