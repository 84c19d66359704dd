"""Helpers for the UI tests: a comm that records what widgets send to the browser, a
fake job that publishes snapshots, and factories for snapshots and results.

Nothing here imports ipywidgets: the text and HTML tests use the factories too.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from seedance_magic.engine.job import Snapshot, State
from seedance_magic.model import Result
from seedance_magic.spec.cost import CostEstimate

FAST_T2V = "bytedance/seedance-2.0/fast/text-to-video"
STARTED = 100.0
NOW = 112.0  # 0:12 after STARTED
EVIL = "<script>alert(1)</script> <img src=x onerror=alert(1)> \"quoted\" 'single' & more"


def snapshot(state: State = State.QUEUED, **changes: Any) -> Snapshot:
    """A snapshot of a fast text-to-video job started at STARTED, est. $1.45."""
    base = Snapshot(
        key="job-test",
        state=state,
        endpoint_id=FAST_T2V,
        estimate=CostEstimate(1.45, 1.45),
        emulated=False,
        started=STARTED,
    )
    return replace(base, **changes)


def result(**changes: Any) -> Result:
    """A 6 s 1280x720 result with seed 42 that cost $1.45, saved under a name with a space."""
    base = Result(
        endpoint=FAST_T2V,
        arguments={"prompt": "A hummingbird at a neon flower", "duration": "6", "aspect_ratio": "16:9"},
        request_id="req-1234",
        seed=42,
        video_url="https://v3.fal.media/files/x/video.mp4",
        path=Path("seedance_outputs/a b.mp4"),
        cost_usd=1.45,
        emulated=False,
        width=1280,
        height=720,
        duration_s=6.0,
        has_audio=True,
    )
    return replace(base, **changes)


@dataclass
class FakeJob:
    """The part of a Job a view uses: snapshot, subscribe, cancel, spec."""

    snapshot: Snapshot
    spec: Any = None
    cancels: int = 0
    subscribers: list[Callable[[Snapshot], None]] = field(default_factory=list)

    def subscribe(self, callback: Callable[[Snapshot], None]) -> Callable[[], None]:
        self.subscribers.append(callback)
        return lambda: self.subscribers.remove(callback)

    def cancel(self) -> None:
        self.cancels += 1

    def publish(self, state: State | None = None, **changes: Any) -> Snapshot:
        if state is not None:
            changes["state"] = state
        self.snapshot = replace(self.snapshot, **changes)
        for callback in list(self.subscribers):
            callback(self.snapshot)
        return self.snapshot


_ids = itertools.count()


class RecordingComm:
    """Stands in for a kernel comm: keeps every message a widget sends."""

    kernel = "present"  # widgets send only when their comm has a kernel

    def __init__(self, **kwargs: Any) -> None:
        self.comm_id = f"comm-{next(_ids)}"
        self.opened_with = kwargs.get("data")
        self.messages: list[dict[str, Any]] = []
        self.handler: Callable[[dict[str, Any]], None] | None = None
        self.closed = False

    def send(self, data: dict[str, Any] | None = None, buffers: Any = None, **kwargs: Any) -> None:
        self.messages.append(data or {})

    def on_msg(self, callback: Callable[[dict[str, Any]], None]) -> None:
        self.handler = callback

    def close(self, *args: Any, **kwargs: Any) -> None:
        self.closed = True

    def receive(self, content: dict[str, Any]) -> None:
        """A custom message from the browser, such as a button click."""
        assert self.handler is not None
        self.handler({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})


class CommRecorder:
    """Every comm opened while installed; `count()` is the number of updates sent."""

    def __init__(self) -> None:
        self.comms: list[RecordingComm] = []

    def create_comm(self, **kwargs: Any) -> RecordingComm:
        comm = RecordingComm(**kwargs)
        self.comms.append(comm)
        return comm

    def count(self) -> int:
        return sum(len(c.messages) for c in self.comms)

    def updates(self) -> list[dict[str, Any]]:
        return [m for c in self.comms for m in c.messages]


@pytest.fixture
def comms(monkeypatch: pytest.MonkeyPatch) -> CommRecorder:
    """Widgets made in the test talk to recording comms instead of a kernel."""
    import comm

    recorder = CommRecorder()
    monkeypatch.setattr(comm, "create_comm", recorder.create_comm)
    return recorder
