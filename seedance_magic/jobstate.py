"""What a job is and what a view sees of it: `State`, `JobSpec` and `Snapshot`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from .endpoints import CostEstimate
from .result import Result

if TYPE_CHECKING:
    from .backends.base import Backend
    from .engine import Job


class State(str, Enum):
    PENDING = "pending"
    SUBMITTING = "submitting"
    QUEUED = "queued"
    RUNNING = "running"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def terminal(self) -> bool:
        return self in (State.COMPLETED, State.FAILED, State.CANCELLED, State.UNKNOWN)


@dataclass(frozen=True)
class JobSpec:
    """What to run: the endpoint, the exact JSON arguments, and what to show about it."""

    endpoint_id: str
    arguments: Mapping[str, Any]
    estimate: CostEstimate
    cache_key: str | None = None
    reproduce: str | None = None
    inputs: tuple[dict[str, Any], ...] = ()
    timeout: float | None = None
    caption: Mapping[str, Any] = field(default_factory=dict)
    input_video_seconds: float = 0.0
    # async (backend, job) -> final arguments: uploads the inputs before the submit
    prepare: Callable[[Backend, Job], Any] | None = None
    provider: str = "fal"


@dataclass(frozen=True)
class Snapshot:
    """Everything a view shows about a job at one moment."""

    key: str
    state: State
    endpoint_id: str
    estimate: CostEstimate
    emulated: bool
    provider: str = "fal"
    cancellable: bool = True  # once sent: False where the provider has no cancel
    request_id: str | None = None
    queue_position: int | None = None
    logs: tuple[dict[str, Any], ...] = ()
    new_logs: tuple[dict[str, Any], ...] = ()
    started: float = 0.0
    running_since: float | None = None
    finished: float | None = None
    progress: float | None = None
    downloaded: int = 0
    download_total: int | None = None
    cancelling: bool = False
    trouble: str | None = None
    error: str | None = None
    result: Result | None = None
    caption: Mapping[str, Any] = field(default_factory=dict)
    uploads: tuple[str, ...] = ()
    waiting: str | None = None  # why a pending job has not been sent yet

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started
