"""The grid widget and its text and HTML, without a browser or a server: fake jobs that
publish snapshots, and the messages the widgets send through a recording comm."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import pytest

from seedance_magic.engine.gate import SlotGate
from seedance_magic.engine.group import JobGroup
from seedance_magic.engine.job import State
from seedance_magic.model import Result
from seedance_magic.render.grid import cell_line, cost_line, grid_columns, grid_html, grid_text
from seedance_magic.spec.cost import CostEstimate
from seedance_magic.ui.grid import GridView

from helpers.widgets import EVIL, NOW, CommRecorder, FakeJob, comms, result, snapshot

pytestmark = pytest.mark.usefixtures(comms.__name__)
EACH = CostEstimate(0.43, 0.43)


@dataclass(eq=False)
class CellJob(FakeJob):
    """A fake job with what a JobGroup reads of a Job."""

    started: int = 0
    __hash__ = object.__hash__  # kept in sets, as jobs are

    @property
    def status(self) -> State:
        return self.snapshot.state

    @property
    def done(self) -> bool:
        return self.snapshot.state.terminal

    @property
    def result(self) -> Result | None:
        return self.snapshot.result

    def start(self) -> CellJob:
        self.started += 1
        return self


def group_of(count: int = 4, prompt: str = "A paper boat") -> tuple[JobGroup, list[CellJob]]:
    jobs = [
        CellJob(
            snapshot(State.PENDING, key=f"job-{i}", estimate=EACH, caption={"seed": i + 1}, emulated=True),
            spec=types.SimpleNamespace(arguments={"prompt": prompt}, caption={"seed": i + 1}, estimate=EACH),
        )
        for i in range(count)
    ]
    captions = [{"seed": i + 1} for i in range(count)]
    return JobGroup(jobs, captions, estimate=CostEstimate(0.43 * count, 0.43 * count)), jobs  # type: ignore[arg-type]


def finish(job: CellJob, seed: int, **changes: Any) -> None:
    job.publish(State.COMPLETED, result=result(seed=seed, emulated=True, **changes), finished=NOW)


@pytest.mark.parametrize(
    ("count", "columns"), [(1, 1), (2, 2), (3, 3), (4, 2), (5, 3), (6, 3), (8, 4), (9, 3), (16, 4)]
)
def test_columns_by_count(count: int, columns: int) -> None:
    assert grid_columns(count) == columns


def test_cost_line_follows_the_jobs() -> None:
    snaps = [snapshot(State.PENDING), snapshot(State.RUNNING), snapshot(State.FAILED, error="x")]
    line = cost_line(snaps, CostEstimate(1.29, 1.29))
    assert line == "3 videos · est. $1.29 · 2 under way, 1 failed"
    done = [
        snapshot(State.COMPLETED, result=result(cost_usd=1.45)),
        snapshot(State.COMPLETED, result=result(emulated=True, cost_usd=0.43)),
        snapshot(State.COMPLETED, result=result(cached=True)),
    ]
    line = cost_line(done, CostEstimate(3.0, 3.0))
    assert line.endswith("3 done · charged $1.45 (emulator: fal would charge $0.43), 1 cached")


def test_a_waiting_cell_says_so() -> None:
    assert (
        cell_line(snapshot(State.PENDING), {"seed": 3}, waiting=True)
        == "seed 3: pending · waiting for a slot"
    )
    assert cell_line(snapshot(State.QUEUED, queue_position=2), {}, now=NOW) == "queued · position 2 · 0:12"


def test_the_widget_has_a_cell_per_job_with_its_caption_and_a_header() -> None:
    group, _jobs = group_of(4, prompt=EVIL)
    view = GridView(group, tick=False)
    assert view.grid.layout.grid_template_columns == "repeat(2, minmax(0, 1fr))"
    assert len(view.grid.children) == 4 and len(view.views) == 4
    captions = [cell.children[0].value for cell in view.grid.children]
    assert all(f"seed {i}" in c for i, c in enumerate(captions, 1))
    head = view._head.value
    assert "est. $1.72" in head and "4 under way" in head and "EMULATOR" in head
    assert "<script>" not in head and "&lt;script&gt;" in head
    assert "sd-grid" in view._dom_classes
    assert (view._cancel.description, view._cancel.disabled) == ("Cancel all", False)


def test_the_header_counts_and_the_cells_turn_into_players(comms: CommRecorder) -> None:
    group, jobs = group_of(2)
    view = GridView(group, tick=False)
    jobs[0].publish(State.RUNNING, running_since=NOW)
    assert "1 under way, 1 running" not in view._head.value and "2 under way" in view._head.value
    before = comms.count()
    for _ in range(20):
        jobs[0].publish()  # nothing changed: nothing is sent
    assert comms.count() == before
    finish(jobs[0], 1)
    assert "1 done, 1 under way" in view._head.value and "charged $0.00" in view._head.value
    assert view.views[0].player is not None
    jobs[1].publish(State.FAILED, error="fal reports the job failed: boom", finished=NOW)
    assert "1 done, 1 failed" in view._head.value
    assert (view._cancel.description, view._cancel.disabled) == ("all ended", True)
    assert group._listeners == []  # everything ended: the view let go of the group


def test_cancel_all_cancels_every_job_once() -> None:
    group, jobs = group_of(3)
    finish(jobs[2], 3)
    view = GridView(group, tick=False)
    view._cancel.click()
    view._cancel.click()
    assert [j.cancels for j in jobs] == [1, 1, 0]
    assert (view._cancel.description, view._cancel.disabled) == ("cancelling…", True)


def test_cells_waiting_for_a_slot_show_a_note() -> None:
    group, jobs = group_of(3)
    group.slots = SlotGate(2)
    view = GridView(group, tick=False)
    group.slots.waiting.add(jobs[2])  # type: ignore[arg-type]
    group._changed()
    assert [n.layout.display for n in view._notes] == ["none", "none", None]
    assert "waiting for a slot" in view._notes[2].value
    assert repr(group).splitlines()[3] == "  3. seed 3: pending · waiting for a slot"
    group.slots.waiting.clear()
    group._changed()
    assert [n.layout.display for n in view._notes] == ["none", "none", "none"]


def test_text_and_static_html_of_a_finished_grid() -> None:
    group, jobs = group_of(2, prompt=EVIL)
    finish(jobs[0], 1)
    jobs[1].publish(State.CANCELLED, error="cancelled before it was sent: nothing was charged", finished=NOW)
    text = grid_text(group.cells(), group.estimate)
    assert text.splitlines()[0].startswith("seedance grid · 2 videos · est. $0.86 · 1 done, 1 cancelled")
    assert text.splitlines()[1].startswith("  1. seed 1: completed · seed 1 · 6.0 s 1280x720")
    assert text.splitlines()[2] == "  2. seed 2: cancelled before it was sent: nothing was charged"
    page = grid_html(group.cells(), group.estimate, group.prompt)
    assert page.count("<video") == 1 and 'src="seedance_outputs/a%20b.mp4"' in page
    assert "seed 1</div>" in page and "seed 2</div>" in page and "grid-template-columns:repeat(2" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.startswith('<div class="sd-grid mathjax_ignore tex2jax_ignore"')  # "$0 … $0.43" stays text
    bundle = GridView(group, tick=False)._repr_mimebundle_()
    assert bundle["text/plain"] == text and bundle["text/html"] == page
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_the_group_without_widgets_is_text_and_html() -> None:
    group, jobs = group_of(1)
    finish(jobs[0], 7)
    bundle = group._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"} and "seed 7" in bundle["text/plain"]
