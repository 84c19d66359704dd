"""The status stream's logs as fal sends them: each event carries only the lines that are
new on its connection (fal's JavaScript client appends them), polling returns the whole
list. The engine keeps every line once, across events, reconnects and polling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from seedance_magic.emulator import Emulator, EmulatorConfig, Fault
from seedance_magic.engine.backends.base import StatusUpdate
from seedance_magic.engine.following import changes
from seedance_magic.engine.job import Job, JobSpec, Snapshot, State
from seedance_magic.engine.runtime import Runtime, reset_runtime
from seedance_magic.settings import Settings
from seedance_magic.spec.cost import CostEstimate, estimate_cost
from seedance_magic.spec.endpoints import find_endpoint

FAST_T2V = "bytedance/seedance-2.0/fast/text-to-video"


def line(n: int) -> dict[str, Any]:
    return {
        "message": f"line {n}",
        "level": "INFO",
        "source": "USER",
        "timestamp": f"2026-01-01T00:00:{n:02d}.000Z",
    }


def snapshot(*numbers: int) -> Snapshot:
    return Snapshot(
        key="k",
        state=State.RUNNING,
        endpoint_id=FAST_T2V,
        estimate=CostEstimate(0.0, 0.0),
        emulated=True,
        logs=tuple(line(n) for n in numbers),
    )


def test_a_stream_event_s_lines_are_appended_whatever_their_count() -> None:
    """Three new lines after one known: all four kept (a count rule would take the three
    for the whole list and drop the first)."""
    update = StatusUpdate("IN_PROGRESS", logs=(line(2), line(3), line(4)), new_lines=True)
    found = changes(snapshot(1), update, 0.0)
    assert [entry["message"] for entry in found["logs"]] == ["line 1", "line 2", "line 3", "line 4"]
    assert [entry["message"] for entry in found["new_logs"]] == ["line 2", "line 3", "line 4"]


def test_a_repeated_line_in_a_delta_is_a_new_line() -> None:
    update = StatusUpdate("IN_PROGRESS", logs=(line(1),), new_lines=True)
    assert len(changes(snapshot(1), update, 0.0)["logs"]) == 2


@pytest.mark.parametrize(
    ("known", "sent", "expected"),
    [
        ((1, 2), (1, 2, 3), (1, 2, 3)),  # a poll: the whole list
        ((1, 2, 3), (), (1, 2, 3)),  # a poll without logs keeps what is known
        ((1, 2, 3), (2, 3, 4, 5), (1, 2, 3, 4, 5)),  # a reconnect's first event overlaps
        ((1, 2), (3,), (1, 2, 3)),  # a reconnect's first event has only new lines
    ],
)
def test_whole_lists_and_first_events_add_only_lines_not_known(
    known: tuple[int, ...], sent: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    update = StatusUpdate("IN_PROGRESS", logs=tuple(line(n) for n in sent))
    found = changes(snapshot(*known), update, 0.0)
    assert [entry["message"] for entry in found["logs"]] == [f"line {n}" for n in expected]


@pytest.fixture
def runtime_for(tmp_path: Path) -> Iterator[Callable[[Emulator], Runtime]]:
    def make(emu: Emulator) -> Runtime:
        settings = Settings(
            base_url=emu.url,
            output_dir=tmp_path / "out",
            journal_path=tmp_path / "journal.sqlite3",
            poll_initial=0.05,
            poll_max=0.1,
        )
        rt = Runtime(lambda: settings)
        reset_runtime(rt)
        return rt

    yield make


def _spec() -> JobSpec:
    args = {"prompt": "a lighthouse at dawn", "resolution": "480p", "duration": "4", "seed": 3}
    endpoint = find_endpoint(FAST_T2V)
    assert endpoint is not None
    return JobSpec(FAST_T2V, args, estimate_cost(endpoint, duration="4"))


@pytest.mark.parametrize("stream", [True, False])
def test_many_lines_across_reconnects_are_all_kept_once(
    runtime_for: Callable[[Emulator], Runtime], stream: bool
) -> None:
    config = EmulatorConfig(queue_seconds=0.05, run_seconds=1.6, log_interval=0.02, stream=stream)
    with Emulator(config) as emu:
        if stream:  # two connections cut mid-way: the third sees the job to its end
            emu.inject(Fault(on="stream", action="cut", delay=0.4, times=2))
        rt = runtime_for(emu)
        job = Job(_spec(), rt).start()
        seen: list[dict[str, Any]] = []
        job.subscribe(lambda snap: seen.extend(snap.new_logs))
        job.wait(timeout=60)
        (info,) = emu.jobs.values()
        sent = [entry["message"] for entry in info.logs]
        assert len(sent) > 60, "enough lines to span the reconnects"
        kept = [entry["message"] for entry in job.snapshot.logs]
        assert kept == sent, "every line, once, in order"
        assert [entry["message"] for entry in seen] == sent, "each line announced once as new"
        if stream:
            assert emu.stats.count("stream") == 3 and emu.stats.count("status") == 0
