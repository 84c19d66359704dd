"""The measurements of benchmarks/batch.py, each in a real Jupyter kernel against the
emulator in its own process: a `%seedance --batch` of N rows (ours) and a plain loop over
fal_client.submit + result (the peer), with what a kernel costs while each runs.

Ours: the batch's cell returns, then a probe cell (`clips.done`) runs every second while
the batch works; its round trips say how responsive the kernel stays. The peer's loop
blocks its kernel: a probe sent two seconds in waits for the whole loop.
"""

from __future__ import annotations

import ast
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from benchmarks.common import ENDPOINT, EmulatorProcess
from benchmarks.kernel import Kernel, Message, Reply
from benchmarks.kernel_rows import kernel, kernel_env, ours_env, peer_setup

PROMPT = "A paper boat number {i} drifts across a rain puddle at dusk, close-up"
COMM = ("comm_open", "comm_msg", "comm_close")


@dataclass
class Measured:
    """One side's figures over its run."""

    wall: float  # seconds: the batch's own start to end (ours), the loop's (peer)
    cpu: float  # kernel CPU seconds over the run
    rss_growth: float  # bytes
    completed: int
    comm: int = 0  # widget messages over the run
    notebook_growth: int = 0  # bytes the saved notebook grows by
    cell_return: float = 0.0  # seconds until the cell that starts it returns
    probes: list[float] = field(default_factory=list)  # probe cells' round trips
    peak: int = 0  # most jobs submitted and not completed at once, at the emulator
    follow_requests: float = 0.0  # status + stream requests per job
    submits: int = 0


def rss(pid: int) -> int:
    """The resident memory of a process, in bytes (/proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def value(k: Kernel, reply: Reply, timeout: float = 10.0) -> str:
    """The text of a cell's execute_result."""
    message = k.wait_for(lambda m: m.parent_id == reply.msg_id and m.type == "execute_result", timeout)
    return str(message.content["data"]["text/plain"])


def most_at_once(jobs: list[dict[str, Any]]) -> int:
    return max(
        (
            sum(1 for o in jobs if o["submitted_at"] <= j["submitted_at"] < (o["completed_at"] or 1e18))
            for j in jobs
        ),
        default=0,
    )


def configure(emu: EmulatorProcess, queue: float, run: float) -> None:
    """Short jobs of plain clips (nothing to draw: the emulator's CPU stays out of it)."""
    body = {"queue_seconds": queue, "run_seconds": run, "log_interval": 0.2, "renderer": "plain"}
    emu._http.post("/_emulator/config", json=body).raise_for_status()


def followed(emu: EmulatorProcess, before: dict[str, Any]) -> tuple[int, float]:
    """Submits since `before` (a stats snapshot), and status + stream requests per submit."""
    now, then = emu.stats()["counts"], before["counts"]
    submits = now.get("submit", 0) - then.get("submit", 0)
    asked = sum(now.get(k, 0) - then.get(k, 0) for k in ("status", "stream"))
    return submits, asked / max(1, submits)


def saved_growth(messages: list[Message], cells: list[str]) -> int:
    """Bytes a notebook of these cells grows by once saved with the outputs a frontend keeps:
    each cell's outputs, and a display updated in place wherever it is (update_display_data
    from a background task names whichever cell ran then)."""
    outputs: dict[str, list[Any]] = {msg_id: [] for msg_id in cells}
    places: dict[str, list[tuple[str, int]]] = {}
    for m in messages:
        content = m.content
        if m.type == "update_display_data":
            for msg_id, index in places.get(content["transient"]["display_id"], []):
                outputs[msg_id][index] = nbformat.v4.new_output(
                    "display_data", data=content["data"], metadata=content["metadata"]
                )
        elif m.parent_id in outputs and m.type in ("display_data", "execute_result", "stream", "error"):
            outputs[m.parent_id].append(nbformat.v4.output_from_msg(m.msg))
            display_id = (content.get("transient") or {}).get("display_id")
            if display_id:
                places.setdefault(display_id, []).append((m.parent_id, len(outputs[m.parent_id]) - 1))
    blank = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x") for _ in cells])
    full = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=outputs[c]) for c in cells])
    return len(nbformat.writes(full)) - len(nbformat.writes(blank))


def ours(emu: EmulatorProcess, rows: int, concurrency: int, folder: Path) -> Measured:
    with kernel(folder, ours_env(emu, folder)) as k:
        k.execute(
            "%load_ext seedance_magic\nimport pandas\n"
            f"%config Seedance.concurrency = {concurrency}\n%config Seedance.max_usd_per_run = 1e6\n"
            f"rows = [{PROMPT!r}.format(i=i) for i in range({rows})]"
        )
        k.execute("%%seedance --fast -r 480p -d 4 --wait\nA warm-up clip before measuring", timeout=120)
        before, jobs_before = emu.stats(), set(emu.jobs())
        rss0, cpu0, start = rss(k.pid), k.cpu_seconds(), time.time()
        cell = k.execute("%seedance --batch {{rows}} --fast -r 480p -d 4 -o clips", timeout=300)
        probes: list[Reply] = []
        while True:
            time.sleep(1.0)
            probes.append(k.execute("clips.done", timeout=60))
            if value(k, probes[-1]) == "True":
                break
        cpu1, rss1, end = k.cpu_seconds(), rss(k.pid), time.time()
        shown = k.execute("clips")
        table = k.execute("table = clips.wait()\ntable")
        facts = k.execute("(clips.ended - clips.started, int((table.status == 'completed').sum()))")
        wall, completed = ast.literal_eval(value(k, facts))
        if k.errors():
            raise RuntimeError("\n".join(k.errors()))
        messages = k.snapshot()
    submits, asked = followed(emu, before)
    jobs = [j for rid, j in emu.jobs().items() if rid not in jobs_before]
    return Measured(
        wall=wall,
        cpu=cpu1 - cpu0,
        rss_growth=rss1 - rss0,
        completed=completed,
        comm=sum(1 for m in messages if m.type in COMM and start <= m.sent <= end),
        notebook_growth=saved_growth(messages, [cell.msg_id, shown.msg_id, table.msg_id]),
        cell_return=cell.round_trip,
        probes=[p.round_trip for p in probes],
        peak=most_at_once(jobs),
        follow_requests=asked,
        submits=submits,
    )


PEER_LOOP = """\
import time
results, started = [], time.perf_counter()
for first in range(0, len(rows), {concurrency}):
    handles = [
        fal_client.submit({endpoint!r}, arguments={{"prompt": p, "resolution": "480p", "duration": "4"}})
        for p in rows[first:first + {concurrency}]
    ]
    results += [handle.get() for handle in handles]
loop_seconds = time.perf_counter() - started
"""


def peer(emu: EmulatorProcess, rows: int, concurrency: int, folder: Path) -> Measured:
    from benchmarks.common import PEER_KEY

    with kernel(folder, kernel_env({"FAL_KEY": PEER_KEY})) as k:
        k.execute(peer_setup(emu.url) + f"rows = [{PROMPT!r}.format(i=i) for i in range({rows})]")
        before, jobs_before = emu.stats(), set(emu.jobs())
        rss0, cpu0 = rss(k.pid), k.cpu_seconds()
        loop_id = k.client.execute(PEER_LOOP.format(concurrency=concurrency, endpoint=ENDPOINT))
        time.sleep(2.0)
        probe = k.execute("1 + 1", timeout=3600)  # queued behind the loop
        cpu1, rss1 = k.cpu_seconds(), rss(k.pid)
        facts = k.execute("(loop_seconds, sum(1 for r in results if r.get('video')))")
        wall, completed = ast.literal_eval(value(k, facts))
        if k.errors():
            raise RuntimeError("\n".join(k.errors()))
        messages = k.snapshot()
    submits, asked = followed(emu, before)
    jobs = [j for rid, j in emu.jobs().items() if rid not in jobs_before]
    return Measured(
        wall=wall,
        cpu=cpu1 - cpu0,
        rss_growth=rss1 - rss0,
        completed=completed,
        comm=sum(1 for m in messages if m.type in COMM),
        notebook_growth=saved_growth(messages, [loop_id]),
        cell_return=wall,
        probes=[probe.round_trip],
        peak=most_at_once(jobs),
        follow_requests=asked,
        submits=submits,
    )


def run_both(emu: EmulatorProcess, rows: int, concurrency: int, folder: Path) -> tuple[Measured, Measured]:
    os.makedirs(folder, exist_ok=True)
    return ours(emu, rows, concurrency, folder / "ours"), peer(emu, rows, concurrency, folder / "peer")
