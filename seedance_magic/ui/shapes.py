"""What the views need of a job, as a Protocol: its snapshot, its changes, and a way to
cancel it (engine.Job has this shape; tests pass simpler objects)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..render.shapes import SnapshotShape as Snapshot


class Watchable(Protocol):
    """What a view needs of a job: its snapshot, its changes, and a way to cancel it."""

    @property
    def snapshot(self) -> Snapshot: ...

    def subscribe(self, callback: Callable[[Snapshot], None]) -> Callable[[], None]: ...

    def cancel(self) -> None: ...
