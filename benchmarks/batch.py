"""A batch of 1,000 rows on the emulator, in a real kernel, beside a plain loop over
fal_client.submit + result (each handle's .get()) in the same run and against the same
emulator; prints a markdown table with each goal and whether it was met (`--write FILE`
also writes it there). A full `benchmarks/run` runs it and keeps its table in
benchmarks/results.md.

    PYTHONPATH=. python benchmarks/batch.py [--rows N] [--concurrency 8] [--queue 0.1] [--run 0.4]

The emulator runs in its own process (benchmarks/common.py), with short jobs of plain
clips. The peer's loop sends `concurrency` jobs, waits for their results, and sends the
next ones: the same bound, with no download, journal or view.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.batch_kernel import Measured, configure, run_both
from benchmarks.common import EmulatorProcess
from benchmarks.suite import commit, load_average, machine

DEFAULT_ROWS = 1000


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/batch.py", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows in the batch (default 1000)")
    parser.add_argument("--concurrency", type=int, default=8, help="jobs in flight at once (default 8)")
    parser.add_argument("--queue", type=float, default=0.1, help="seconds each job is queued")
    parser.add_argument("--run", type=float, default=0.4, help="seconds each job runs")
    parser.add_argument("--write", type=Path, default=None, help="write the table here too")
    return parser.parse_args(argv)


def goals(ours: Measured, peer: Measured, rows: int, concurrency: int, job: float) -> list[tuple[str, ...]]:
    """(figure, ours, plain loop, goal, met) rows."""
    bound = rows / concurrency * job
    probes = sorted(ours.probes)
    worst = probes[-1] if probes else 0.0
    median = statistics.median(probes) if probes else 0.0

    def met(ok: bool) -> str:
        return "met" if ok else "**missed**"

    return [
        (
            "rows completed",
            f"{ours.completed} of {rows}",
            f"{peer.completed} of {rows}",
            "all",
            met(ours.completed == rows),
        ),
        (
            "cell returns after (s)",
            f"{ours.cell_return:.2f}",
            f"{peer.cell_return:.1f} (blocks)",
            "< 1",
            met(ours.cell_return < 1),
        ),
        (
            "wall time (s) / rows ÷ concurrency × job time",
            f"{ours.wall:.1f} / {bound:.1f} = {ours.wall / bound:.2f}",
            f"{peer.wall:.1f} / {bound:.1f} = {peer.wall / bound:.2f}",
            "≤ 1.5",
            met(ours.wall / bound <= 1.5),
        ),
        (
            "most jobs in flight at the emulator",
            str(ours.peak),
            str(peer.peak),
            f"≤ {concurrency}",
            met(ours.peak <= concurrency),
        ),
        (
            "a probe cell while it runs: median / worst (s)",
            f"{median:.3f} / {worst:.3f} (n={len(probes)})",
            f"{peer.probes[0]:.1f} (waits for the loop)",
            "worst < 1",
            met(worst < 1),
        ),
        (
            "kernel CPU, % of one core over the run",
            f"{ours.cpu / ours.wall * 100:.0f}% ({ours.cpu / rows * 1000:.0f} ms a row)",
            f"{peer.cpu / peer.wall * 100:.0f}% ({peer.cpu / rows * 1000:.0f} ms a row)",
            "< 60%",
            met(ours.cpu / ours.wall < 0.6),
        ),
        (
            "kernel memory growth (MB)",
            f"{ours.rss_growth / 1e6:.1f}",
            f"{peer.rss_growth / 1e6:.1f}",
            "< 50",
            met(ours.rss_growth < 50e6),
        ),
        (
            "widget messages a second, in all",
            f"{ours.comm / ours.wall:.2f} ({ours.comm} messages)",
            f"{peer.comm / peer.wall:.2f}",
            "< 3",
            met(ours.comm / ours.wall < 3),
        ),
        (
            "saved notebook growth (KB)",
            f"{ours.notebook_growth / 1000:.1f}",
            f"{peer.notebook_growth / 1000:.1f}",
            "< 100",
            met(ours.notebook_growth < 100_000),
        ),
        (
            "status requests (polls + streams) per job",
            f"{ours.follow_requests:.2f}",
            f"{peer.follow_requests:.2f}",
            "≤ 1.5",
            met(ours.follow_requests <= 1.5),
        ),
    ]


def table(lines: list[tuple[str, ...]]) -> str:
    head = ("figure", "batch (ours)", "plain fal_client loop", "goal", "")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    job = args.queue + args.run
    emu = EmulatorProcess()
    try:
        configure(emu, args.queue, args.run)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="seedance-batch-bench-") as folder:
            ours, peer = run_both(emu, args.rows, args.concurrency, Path(folder))
        took = time.monotonic() - started
    finally:
        emu.stop()
    lines = goals(ours, peer, args.rows, args.concurrency, job)
    text = "\n".join(
        [
            f"# A batch of {args.rows} rows",
            "",
            f"`PYTHONPATH=. python benchmarks/batch.py --rows {args.rows}`: {args.rows} prompts, "
            f"each its own, at most {args.concurrency} in flight, emulator jobs of {job:g} s "
            f"({args.queue:g} s queued, {args.run:g} s running, plain clips), in a real kernel; the "
            f"plain loop sends {args.concurrency} with fal_client.submit, waits for their results "
            "(handle.get()) and sends the next ones, with no download, journal or view. Ours downloads "
            "and probes every video.",
            "",
            table(lines),
            "",
            f"Measured in {took:.0f} s, load average {load_average()}, commit {commit()}.",
            *[f"- {line}" for line in machine()],
            "",
        ]
    )
    print(text)
    if args.write is not None:
        args.write.write_text(text)
    return 0 if all(line[-1] == "met" for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
