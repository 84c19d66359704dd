"""Rows measured in real Jupyter kernels: the cell's return (row 1), completion -> player
ready (row 3b), kernel CPU while 16 jobs wait (row 5) and widget messages per running
job (row 6).

Ours: `%load_ext seedance_magic`, then `%%seedance` cells, the emulator reached through
SEEDANCE_FAL_BASE_URL. The peer: cells calling `fal_client.subscribe` (blocking, as
fal's README shows it) or, for row 5, 16 `AsyncClient.subscribe` tasks on the kernel's
loop; fal_client is routed to the same emulator through its transport seam.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seedance_magic.store.journal import Journal

from .common import ARGUMENTS, ENDPOINT, JITTER, MAGIC_LINE, PEER_KEY, PROMPT, ROOT, EmulatorProcess
from .kernel import Kernel, Message

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MAGIC_CELL = f"%%seedance {MAGIC_LINE}\n{PROMPT}"


def kernel_env(extra: dict[str, str]) -> dict[str, str]:
    """The benchmark's environment without fal keys or seedance settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def ours_env(emu: EmulatorProcess, folder: Path) -> dict[str, str]:
    return kernel_env(
        {
            "SEEDANCE_FAL_BASE_URL": emu.url,
            "SEEDANCE_JOURNAL": str(folder / "journal.sqlite3"),
            "SEEDANCE_OUTPUT_DIR": str(folder / "seedance_outputs"),
        }
    )


def peer_setup(url: str) -> str:
    return (
        "import asyncio, fal_client\n"
        "from benchmarks.peer import route_fal_client, subscribe_kwargs\n"
        f"route_fal_client({url!r})\n"
        f"client = fal_client.AsyncClient(key={PEER_KEY!r})\n"
    )


def subscribe_cell(with_logs: bool) -> str:
    """A cell as fal's README writes it: blocks until the result, new log lines printed."""
    kwargs = f"**subscribe_kwargs({with_logs}, echo=True)"
    return f"fal_client.subscribe({ENDPOINT!r}, arguments={ARGUMENTS!r}, {kwargs})"


@contextmanager
def kernel(cwd: Path, env: dict[str, str]) -> Iterator[Kernel]:
    k = Kernel(cwd, env)
    try:
        yield k
    finally:
        k.shutdown()


def newest_job(emu: EmulatorProcess) -> dict[str, Any]:
    return max(emu.jobs().values(), key=lambda job: job["submitted_at"])


# ------------------------------------------------------------ rows 1 and 3b
@dataclass
class CellRuns:
    round_trip: list[float]  # seconds, execute_request sent -> execute_reply read
    kernel: list[float]  # seconds, the kernel's own start -> reply
    ready: list[float]  # seconds, completion at the server -> ready (minus the download)


def _is_view(reply_id: str) -> Any:
    def test(m: Message) -> bool:
        return m.parent_id == reply_id and m.type == "display_data" and WIDGET_VIEW in m.content["data"]

    return test


def _is_player(model_id: str) -> Any:
    def test(m: Message) -> bool:
        if m.type != "comm_msg" or m.content["comm_id"] != model_id:
            return False
        return "children" in (m.content["data"].get("state") or {})

    return test


def our_cells(emu: EmulatorProcess, runs: int, folder: Path, job_seconds: float) -> CellRuns:
    """`%%seedance` cells one after another: each cell's return, then the moment its view
    turns into the player (the kernel's comm message setting the view's children)."""
    env = ours_env(emu, folder)
    done: list[tuple[str, float]] = []
    trips, kernel_times = [], []
    with kernel(folder, env) as k:
        k.execute("%load_ext seedance_magic")
        for _ in range(runs):
            emu.configure(job_seconds, jitter=JITTER)
            reply = k.execute(MAGIC_CELL)
            trips.append(reply.round_trip)
            kernel_times.append(reply.kernel_seconds)
            view = k.wait_for(_is_view(reply.msg_id), 10)
            model_id = view.content["data"][WIDGET_VIEW]["model_id"]
            player = k.wait_for(_is_player(model_id), job_seconds + 30)
            done.append((newest_job(emu)["request_id"], player.sent))
        if k.errors():
            raise RuntimeError("\n".join(k.errors()))
    journal = Journal(Path(env["SEEDANCE_JOURNAL"]))
    try:
        ready = []
        for request_id, at in done:
            record = journal.by_request_id(request_id)
            assert record is not None and record.timings is not None
            ready.append(at - emu.completed_at(request_id) - record.timings["download_s"])
    finally:
        journal.close()
    return CellRuns(trips, kernel_times, ready)


def peer_cells(
    emu: EmulatorProcess, runs: int, folder: Path, job_seconds: float, *, with_logs: bool
) -> CellRuns:
    """Cells calling fal_client.subscribe: each returns when the job's result is in."""
    trips, kernel_times, ready = [], [], []
    with kernel(folder, kernel_env({"FAL_KEY": PEER_KEY})) as k:
        k.execute(peer_setup(emu.url))
        for _ in range(runs):
            emu.configure(job_seconds, jitter=JITTER)
            reply = k.execute(subscribe_cell(with_logs))
            trips.append(reply.round_trip)
            kernel_times.append(reply.kernel_seconds)
            ready.append(reply.replied - emu.completed_at(newest_job(emu)["request_id"]))
    return CellRuns(trips, kernel_times, ready)


# ------------------------------------------------------------- rows 5 and 6
@dataclass
class Waiting:
    cpu_percent: float  # of one core, over the window
    window: float  # seconds
    comm_per_job_s: float  # comm_msg messages per second per job
    iopub_per_job_s: float  # every iopub message, per second per job
    idle_cpu_percent: float | None = None
    cell_round_trips: tuple[float, ...] = ()


def _new_jobs(
    emu: EmulatorProcess, before: set[str], jobs: int, timeout: float = 30.0
) -> list[dict[str, Any]]:
    """The `jobs` jobs submitted since `before` was taken, once all have been submitted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [job for rid, job in emu.jobs().items() if rid not in before]
        if len(found) >= jobs:
            return found
        time.sleep(0.05)
    raise RuntimeError(f"expected {jobs} new jobs at the emulator, found {len(found)}")


def _window(
    k: Kernel, emu: EmulatorProcess, before: set[str], jobs: int, *, job_seconds: float, settle: float
) -> Waiting:
    """Measure the kernel from `settle` s after the last submit until shortly before the
    first of the jobs can complete; checks that none completed inside the window."""
    found = _new_jobs(emu, before, jobs)
    end = min(job["submitted_at"] for job in found) + job_seconds - 1.0
    time.sleep(settle)
    start = time.time()
    if end - start < 2.0:
        raise RuntimeError(f"a {job_seconds:g} s job leaves no window to measure; use a longer one")
    cpu0 = k.cpu_seconds()
    time.sleep(end - start)
    cpu1, stop = k.cpu_seconds(), time.time()
    ids = {job["request_id"] for job in found}
    early = [j for rid, j in emu.jobs().items() if rid in ids and (j["completed_at"] or stop + 1) < stop]
    if early:
        raise RuntimeError(f"{len(early)} jobs completed inside the measuring window")
    inside = [m for m in k.snapshot() if start <= m.sent <= stop]
    comm = sum(1 for m in inside if m.type == "comm_msg")
    window = stop - start
    return Waiting(
        cpu_percent=(cpu1 - cpu0) / window * 100,
        window=window,
        comm_per_job_s=comm / jobs / window,
        iopub_per_job_s=len(inside) / jobs / window,
    )


def idle_cpu(k: Kernel, seconds: float) -> float:
    cpu0, start = k.cpu_seconds(), time.time()
    time.sleep(seconds)
    return (k.cpu_seconds() - cpu0) / (time.time() - start) * 100


def our_waiting(emu: EmulatorProcess, jobs: int, job_seconds: float, folder: Path) -> Waiting:
    """16 `%%seedance` cells, their views displayed; the kernel measured while they wait."""
    with kernel(folder, ours_env(emu, folder)) as k:
        k.execute("%load_ext seedance_magic")
        idle = idle_cpu(k, 3.0)
        before = set(emu.jobs())
        trips = tuple(k.execute(MAGIC_CELL).round_trip for _ in range(jobs))
        found = _window(k, emu, before, jobs, job_seconds=job_seconds, settle=2.0)
        if k.errors():
            raise RuntimeError("\n".join(k.errors()))
    found.idle_cpu_percent = idle
    found.cell_round_trips = trips
    return found


def peer_waiting(emu: EmulatorProcess, jobs: int, job_seconds: float, folder: Path) -> dict[str, Waiting]:
    """16 fal_client subscribe tasks on the kernel's loop, per peer variant."""
    found = {}
    with kernel(folder, kernel_env({"FAL_KEY": PEER_KEY})) as k:
        k.execute(peer_setup(emu.url))
        for name, with_logs in (("subscribe", False), ("subscribe+logs", True)):
            before = set(emu.jobs())
            k.execute(
                f"tasks = [asyncio.ensure_future(client.subscribe({ENDPOINT!r}, {ARGUMENTS!r}, "
                f"**subscribe_kwargs({with_logs}))) for _ in range({jobs})]"
            )
            found[name] = _window(k, emu, before, jobs, job_seconds=job_seconds, settle=2.0)
            k.execute("await asyncio.gather(*tasks)", timeout=job_seconds + 120)
        if k.errors():
            raise RuntimeError("\n".join(k.errors()))
    return found
