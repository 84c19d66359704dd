"""What the job engine needs from a backend, and the values that cross that line."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

FalStatus = Literal["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]


class StreamUnavailable(Exception):
    """The server does not offer the status stream: poll instead."""


@dataclass(frozen=True)
class Handle:
    """A submitted request: enough to follow, fetch and cancel it from any process."""

    endpoint_id: str
    request_id: str
    status_url: str
    response_url: str
    cancel_url: str


@dataclass(frozen=True)
class StatusUpdate:
    """One status seen. `logs` is the whole list so far (a poll, or the first event of a
    stream connection, which may repeat lines an earlier connection sent), or, when
    `new_lines` is set, only the lines sent since the previous event on its connection."""

    state: FalStatus
    queue_position: int | None = None
    logs: tuple[dict[str, Any], ...] = ()
    error: str | None = None
    error_type: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    new_lines: bool = False


class Backend(Protocol):
    async def submit(self, endpoint_id: str, arguments: dict[str, Any]) -> Handle:
        """Send the job, once: no idempotency key is sent to any provider (fal's queue
        has none; Lumenfall's field name is not confirmed), so a submit whose answer may
        have made the job is errors.SubmitOutcomeUnknown, never sent again."""
        ...

    def handle_for(self, endpoint_id: str, request_id: str) -> Handle: ...

    async def status(self, handle: Handle) -> StatusUpdate: ...

    def stream(self, handle: Handle) -> AsyncGenerator[StatusUpdate, None]: ...

    async def result(self, handle: Handle) -> dict[str, Any]: ...

    async def cancel(self, handle: Handle) -> None: ...

    async def upload(self, data: bytes, content_type: str, file_name: str) -> str: ...

    async def download(
        self,
        url: str,
        dest: Path,
        *,
        expected_size: int | None = None,
        attempts: int = 5,
        progress: Callable[[int, int | None], None] | None = None,
        request_id: str | None = None,
    ) -> Path: ...

    async def aclose(self) -> None: ...
