"""The benchmark table: each figure of the kernel, the wire and the notebook, ours beside
fal_client.subscribe's, measured in one run, then the single features' benchmarks
(features.py). `benchmarks/run` calls `main()`; `benchmarks/run --help` lists the
options.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from types import FrameType

from . import engine_rows, features, kernel_rows, process_rows
from .common import HERE, ROOT, EmulatorProcess, Figure, Row, median, spread, warm_render

ROWS = ("1", "2", "3", "4", "5", "6", "7", "8", "9")
BYTECODE_ENV = ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
LARGE_FILE = 48 * 1024 * 1024  # row 9's second download: a file larger than the goal
PACKAGES = ("seedance-magic", "fal-client", "httpx", "ipykernel", "jupyter_client", "ipywidgets", "nbclient")


@dataclass
class Plan:
    """Job lengths (seconds) and sample sizes for one run."""

    quick: bool
    cells: int = 20  # rows 1 and 3: median of this many
    cell_job: float = 1.0  # rows 1 and 3: each job's length
    request_jobs: tuple[float, ...] = (20.0, 60.0)  # row 2
    parallel: int = 16  # rows 4 and 5
    parallel_job: float = 10.0  # row 4
    waiting_job: float = 20.0  # rows 5 and 6
    imports: int = 9  # row 7
    notebook_cells: int = 3  # row 8
    downloads: int = 3  # row 9

    @classmethod
    def make(cls, quick: bool, job_seconds: float | None) -> Plan:
        plan = cls(quick)
        if quick:
            plan.cells, plan.imports, plan.notebook_cells, plan.downloads = 5, 3, 2, 1
            plan.request_jobs = (5.0, 15.0)
            plan.parallel_job, plan.waiting_job = 3.0, 8.0
        if job_seconds is not None:
            plan.cell_job = plan.parallel_job = job_seconds
            plan.request_jobs = (job_seconds,)
            plan.waiting_job = max(job_seconds, 6.0)
        return plan


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
        ram = f"{int(mem.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        ram = "?"
    versions = ", ".join(f"{name} {version(name)}" for name in PACKAGES)
    return [
        f"CPU: {cpu}, {os.cpu_count()} cores; RAM {ram}; {platform.system()} {platform.release()}",
        f"Python {platform.python_version()}; {versions}",
    ]


def commit() -> str:
    """The commit measured, and whether the package's files differed from it."""
    try:
        head, changed = (
            subprocess.run(
                ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
            ).stdout.strip()
            for args in (["rev-parse", "--short", "HEAD"], ["status", "--porcelain", "--", "seedance_magic"])
        )
    except (OSError, subprocess.CalledProcessError):
        return "?"
    count = len(changed.splitlines())
    return head + (f", with uncommitted changes to {count} package files" if count else "")


@dataclass
class Run:
    plan: Plan
    folder: Path
    command: str
    started: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M %Z"))
    load_start: str = field(default_factory=load_average)
    commit: str = field(default_factory=commit)
    load_end: str = ""
    seconds: float = 0.0
    rows: list[Row] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    sections: list[features.Section] = field(default_factory=list)

    def note(self, key: str, text: str) -> None:
        self.notes.setdefault(key, []).append(text)


# ----------------------------------------------------------------- formatting
def ms(seconds: float) -> Figure:
    return Figure(
        seconds * 1000, f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"
    )


def secs(seconds: float) -> Figure:
    return Figure(seconds * 1000, f"{seconds:.2f} s")


def number(value: float, unit: str = "", digits: int = 2) -> Figure:
    return Figure(value, f"{value:.{digits}f}{unit}")


def job_label(seconds: float) -> str:
    return f"{seconds:g} s job"


# ------------------------------------------------------------------ the rows
def cells_rows(run: Run, emu: EmulatorProcess) -> None:
    """Rows 1 and 3b (kernels), with row 3a (this process) beside them."""
    plan = run.plan
    emu.configure(plan.cell_job)
    ours = kernel_rows.our_cells(emu, plan.cells, run.folder / "cells-ours", plan.cell_job)
    peers = {
        name: kernel_rows.peer_cells(
            emu, plan.cells, run.folder / f"cells-{name}", plan.cell_job, with_logs=with_logs
        )
        for name, with_logs in (("subscribe", False), ("subscribe+logs", True))
    }
    notice = engine_rows.run(
        engine_rows.notice_latency(emu, plan.cells, plan.cell_job, run.folder / "notice"),
        timeout=plan.cells * (plan.cell_job + 10) + 60,
    )
    n, job = plan.cells, job_label(plan.cell_job)
    run.rows.append(
        Row(
            "1",
            f"time from cell start until the cell returns (kernel, median of {n}, {job})",
            ms(median(ours.round_trip)),
            secs(median(peers["subscribe"].round_trip)),
            secs(median(peers["subscribe+logs"].round_trip)),
            "< 50 ms",
            50,
        )
    )
    run.note("1", f"ours, execute_request sent -> execute_reply read: {spread(ours.round_trip, 1000, ' ms')}")
    run.note("1", f"ours, the kernel's own time for the cell: {spread(ours.kernel, 1000, ' ms')}")
    run.note("1", f"ours, the first `%%seedance` cell of the kernel: {ours.round_trip[0] * 1000:.0f} ms")
    for name, found in peers.items():
        run.note("1", f"{name}: {spread(found.round_trip, 1, ' s')}")
    peer_ready = {name: median(found.ready) for name, found in peers.items()}
    run.rows.append(
        Row(
            "3a",
            f"job completes at the server -> engine has COMPLETED (stream, median of {n})",
            ms(median(notice)),
            ms(peer_ready["subscribe"]),
            ms(peer_ready["subscribe+logs"]),
            "< 250 ms",
            250,
        )
    )
    run.note("3a", f"ours: {spread(notice, 1000, ' ms')}")
    for name, found in peers.items():
        run.note("3a", f"{name} (returns with the result; no download): {spread(found.ready, 1000, ' ms')}")
    run.rows.append(
        Row(
            "3b",
            f"job completes at the server -> player ready, MP4 download excluded (kernel, median of {n})",
            ms(median(ours.ready)),
            ms(peer_ready["subscribe"]),
            ms(peer_ready["subscribe+logs"]),
            "< 150 ms",
            150,
        )
    )
    run.note("3b", f"ours: {spread(ours.ready, 1000, ' ms')}")


def request_rows(run: Run, emu: EmulatorProcess, poll_emu: EmulatorProcess) -> None:
    """Row 2: status-related requests for one job."""
    found = engine_rows.run(
        engine_rows.request_counts(emu, poll_emu, list(run.plan.request_jobs), run.folder / "requests"),
        timeout=sum(run.plan.request_jobs) + 120,
    )
    for seconds, table in found.items():
        nominal = 20 if seconds <= 20 else 60
        limit = 25 if nominal == 20 else 40
        peer, peer_logs = table["subscribe"], table["subscribe+logs"]
        for variant, goal in (("stream", 5), ("polling", limit)):
            ours = table[variant]
            where = "stream offered" if variant == "stream" else "polling only"
            run.rows.append(
                Row(
                    "2",
                    f"status-related HTTP requests, one {job_label(seconds)}, {where}",
                    Figure(ours.status, ours.text()),
                    Figure(peer.status, peer.text()),
                    Figure(peer_logs.status, peer_logs.text()),
                    f"<= {goal}" + ("" if seconds == nominal else f" (the goal for {nominal} s)"),
                    goal,
                    strict=False,
                )
            )
            if ours.notice_ms is not None:
                run.note(
                    "2",
                    f"ours, {job_label(seconds)}, {where}: noticed completion {ours.notice_ms:.0f} ms late",
                )


def concurrency_row(run: Run, emu: EmulatorProcess) -> None:
    """Row 4: N concurrent jobs against one."""
    plan = run.plan
    emu.configure(plan.parallel_job)
    walls = engine_rows.run(
        engine_rows.concurrency(emu, plan.parallel, run.folder / "concurrency"),
        timeout=plan.parallel_job * 8 + 120,
    )
    ratio = {name: many / one for name, (one, many) in walls.items()}
    run.rows.append(
        Row(
            "4",
            f"{plan.parallel} concurrent {plan.parallel_job:g}-second jobs: wall time / one job's wall time",
            number(ratio["ours"]),
            number(ratio["subscribe"]),
            number(ratio["subscribe+logs"]),
            "< 1.3",
            1.3,
        )
    )
    for name, (one, many) in walls.items():
        run.note("4", f"{name}: one job {one:.2f} s, {plan.parallel} jobs {many:.2f} s")


def waiting_rows(run: Run, emu: EmulatorProcess) -> None:
    """Rows 5 and 6: the kernel while N jobs wait."""
    plan = run.plan
    emu.configure(plan.waiting_job)
    ours = kernel_rows.our_waiting(emu, plan.parallel, plan.waiting_job, run.folder / "waiting-ours")
    peers = kernel_rows.peer_waiting(emu, plan.parallel, plan.waiting_job, run.folder / "waiting-peer")
    n, job = plan.parallel, job_label(plan.waiting_job)
    run.rows.append(
        Row(
            "5",
            f"kernel CPU while {n} jobs wait (% of one core, views displayed, {job})",
            number(ours.cpu_percent, " %", 1),
            number(peers["subscribe"].cpu_percent, " %", 1),
            number(peers["subscribe+logs"].cpu_percent, " %", 1),
            "< 3 %",
            3,
        )
    )
    run.note(
        "5",
        f"window: {ours.window:.1f} s (ours), from 2 s after the last submit to 1 s before the first can end",
    )
    if ours.idle_cpu_percent is not None:
        run.note(
            "5", f"the same kernel idle, extension loaded, before the cells: {ours.idle_cpu_percent:.2f} %"
        )
    trips = list(ours.cell_round_trips)
    run.note("5", f"ours, the {n} cells while earlier ones were running: {spread(trips, 1000, ' ms')}")
    run.rows.append(
        Row(
            "6",
            f"widget comm messages per second per running job ({n} jobs, views displayed)",
            number(ours.comm_per_job_s),
            Figure.none("no view"),
            Figure.none("no view"),
            "<= 4",
            4,
            strict=False,
        )
    )
    run.note(
        "6",
        f"ours, every iopub message (status, comm, stream): {ours.iopub_per_job_s:.2f} per second per job",
    )


def import_row(run: Run, emu: EmulatorProcess) -> None:
    found = process_rows.import_times(emu, run.plan.imports, run.folder / "imports")
    ours, theirs = median(found.load_ext), median(found.import_fal)
    run.rows.append(
        Row(
            "7",
            f"`%load_ext seedance_magic` / `import fal_client` (new processes, median of {run.plan.imports})",
            ms(ours),
            ms(theirs),
            Figure.none("(same)"),
            "ratio < 0.25",
            0.25,
            goal_on="ratio",
        )
    )
    run.note("7", f"%load_ext: {spread(found.load_ext, 1000, ' ms')}")
    run.note("7", f"import fal_client: {spread(found.import_fal, 1000, ' ms')}")
    bare = median(found.import_fal_bare)
    run.note(
        "7",
        f"import fal_client in a bare interpreter (no IPython or ipykernel loaded before): "
        f"{spread(found.import_fal_bare, 1000, ' ms')}; %load_ext / that: {ours / bare:.2f}",
    )
    loaded = ", ".join(found.loaded_by_load_ext) or "none"
    run.note("7", f"of fal_client, ipywidgets and av, `%load_ext` imported: {loaded}")


def notebook_row(run: Run, emu: EmulatorProcess) -> None:
    emu.configure(1.0)
    cells = run.plan.notebook_cells
    growth = process_rows.notebook_growth(emu, cells, run.folder / "notebooks")
    run.rows.append(
        Row(
            "8",
            f".ipynb growth per generated video, no embed, poster included "
            f"(nbclient, SEEDANCE_WAIT=1, {cells} cells)",
            number(growth["ours"] / 1000, " KB", 1),
            number(growth["subscribe"] / 1000, " KB", 1),
            number(growth["subscribe+logs"] / 1000, " KB", 1),
            "< 60 KB",
            60,
        )
    )


def download_row(run: Run, emu: EmulatorProcess) -> None:
    found = process_rows.download_memory(emu, run.plan.downloads, run.folder / "downloads", LARGE_FILE)
    mb = 1_000_000
    run.rows.append(
        Row(
            "9",
            f"peak extra memory, 15-second 720p download ({found.file_bytes / mb:.1f} MB clip; peak RSS)",
            number(found.rss["ours"] / mb, " MB", 1),
            number(found.rss["peer"] / mb, " MB", 1),
            Figure.none("(same)"),
            "< 32 MB",
            32,
        )
    )
    traced = found.traced
    run.note("9", f"tracemalloc peaks: ours {traced['ours'] / mb:.2f} MB, peer {traced['peer'] / mb:.2f} MB")
    if found.large_rss:
        big = found.large_rss
        run.note(
            "9",
            f"the same for a {found.large_bytes / mb:.1f} MB file from the emulator's storage (peak RSS, "
            f"one run each): ours {big['ours'] / mb:.1f} MB, peer {big['peer'] / mb:.1f} MB",
        )


# ------------------------------------------------------------------ the table
HEADER = (
    "| # | figure | ours | subscribe (defaults) | subscribe (on_queue_update, with_logs) "
    "| ours / subscribe | goal | met |"
)


def table(rows: list[Row]) -> str:
    lines = [HEADER, "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        ratio = "-" if row.ratio is None else f"{row.ratio:.3g}"
        met = {True: "met", False: "**not met**", None: "?"}[row.met]
        label = f"{row.figure} [QUICK]" if row.quick else row.figure
        cells = [row.key, label, row.ours.text, row.peer.text, row.peer_logs.text, ratio, row.goal, met]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------- machine
def report(run: Run) -> str:
    lines = [
        "# Benchmarks: seedance-magic against fal_client.subscribe",
        "",
        f"Produced by `{run.command}` on {run.started} (commit {run.commit}), "
        f"in {run.seconds / 60:.1f} minutes.",
        "",
        *[f"- {line}" for line in machine()],
        f"- load average (1, 5, 15 min) at the start: {run.load_start}; at the end: {run.load_end}"
        " (the machine was shared with other work while this ran)",
        "",
        table(run.rows),
        "",
        "## How each figure was measured",
        "",
        *METHOD,
        "",
        "## Details of this run",
        "",
    ]
    for key in sorted(run.notes):
        lines += [f"- row {key}: {text}" for text in run.notes[key]]
    missed = sorted({row.key for row in run.rows if row.met is False})
    if missed:
        lines += ["", "## Goals not met", ""]
        lines += [f"- row {key}: {GAPS.get(key, NO_ANALYSIS)}" for key in missed]
    return "\n".join(lines) + "\n" + features_report(run.sections)


FEATURES_HEADING = "\n# Single features\n"


def features_report(sections: list[features.Section]) -> str:
    if not sections:
        return ""
    return FEATURES_HEADING + "\n" + "\n".join(section.markdown() for section in sections)


def features_only(results: Path) -> int:
    """Run the single features' benchmarks and put them in place of those in `results`."""
    with tempfile.TemporaryDirectory(prefix="seedance-bench-") as scratch:
        sections = features.run_all(Path(scratch))
    text = features_report(sections)
    print(text)
    kept = results.read_text() if results.exists() else ""
    kept = kept.split(FEATURES_HEADING, 1)[0].rstrip("\n") + "\n"
    results.write_text(kept + text)
    print(f"written to {results}")
    return 0 if all(section.met for section in sections) else 1


METHOD = [
    "Every job goes to an emulator (`python -m seedance_magic.emulator`) in a child process, "
    "with the same request (fast text-to-video, 480p, 4 s, one seed; `--no-cache` so each cell "
    "really submits), its queue and run time set through `POST /_emulator/config`: a fifth of a "
    "job queued (at most 2 s), the rest running with a log line about every second. "
    "The peer is fal_client 1.0.3 itself, routed to the same emulator by a transport that rewrites "
    "fal's hosts, handed to `AsyncBackupDomainTransport(transport=...)` (sync: `BackupDomainTransport`). "
    "The emulator runs with TCP_NODELAY on its connections (benchmarks/emulator.py): it writes a "
    "reply's headers and body in two sends, and with Nagle's algorithm every request on a "
    "kept-alive connection would wait ~40 ms for the client's delayed ACK (~44 ms a status poll "
    "instead of ~1 ms), which fal's servers do not add. Jobs whose completion latency is measured "
    "(rows 1 and 3) get up to 0.2 s of random extra length, so that a poller's phase against the "
    "moment of completion varies as it does at fal.",
    "",
    "- Row 1: a real kernel (jupyter_client, ipykernel), `%load_ext seedance_magic`, then "
    "`%%seedance` cells one at a time, from sending execute_request to reading execute_reply. "
    "Peer: cells calling `fal_client.subscribe(...)` (with_logs: printing new log lines).",
    "- Row 2: counted by the emulator per request id (`status` + `stream` requests; the result GET "
    "shown apart). Polling only: a second emulator started with `--no-stream`. All jobs run at once.",
    "- Row 3a: in this process, the engine's backend notes when the COMPLETED status arrives; "
    "minus the emulator's completed_at (both time.time()). Peer: the kernel's execute_reply time "
    "of the subscribe cell minus completed_at (subscribe has then also fetched the result).",
    "- Row 3b: in the kernel, the header time of the comm message that puts the player into the "
    "view, minus completed_at, minus the download time the job recorded (timings.download_s).",
    "- Row 4: `generate()` jobs awaited together, and `AsyncClient.subscribe` calls in "
    "`asyncio.gather`, in this process; one job alone first, each time to the last result "
    "(ours including the MP4 download).",
    "- Rows 5 and 6: a real kernel with the jobs' views displayed; the kernel process's CPU time "
    "(psutil, all threads) and the comm_msg messages on iopub over a window in which every job is "
    "queued or running. Peer: tasks running `AsyncClient.subscribe` on the kernel's loop.",
    "- Row 7: fresh `python -c` processes that first make an IPython shell and import ipykernel "
    "(as a kernel has), then time `%load_ext seedance_magic` or `import fal_client`. Child "
    "processes cache bytecode (PYTHONPYCACHEPREFIX in the scratch folder, PYTHONDONTWRITEBYTECODE "
    "unset), as an installed package has its .pyc files; an unmeasured first run fills the cache.",
    "- Row 8: nbclient executes and saves a notebook of N such cells and the same notebook with "
    "the cells empty; the size difference over N (widget state included, as nbclient stores it). "
    "Ours keeps each video's static form: text, the HTML player (linking the MP4) and a JPEG "
    "poster, inline in the player and as the output's image/jpeg.",
    "- Row 9: fresh processes download the emulator's 15 s 720p clip after a small warm-up request: "
    "ours through `FalBackend.download` (streamed to disk), the peer with `httpx.get` (fal_client "
    "has no download helper); peak RSS above the RSS before (VmHWM reset through clear_refs).",
]


NO_ANALYSIS = "no analysis recorded for this row yet; see its details above"
# Why a row can miss its goal and what would close it, shown under the table for the rows
# that missed in a run (found by profiling and prototyping each change).
GAPS = {
    "5": "Each running job's view renders about twice a second (the elapsed-time tick, and a "
    "deferred render for each new log line) and sends about 3 comm messages a second: the status "
    "line, the logs' title, and the whole log HTML again for every new line even while the logs "
    "are collapsed. At roughly 0.5 ms of kernel time a message (traitlets, ipywidgets, the session, "
    "the iopub thread), 16 jobs take 2.3-3.0 % of a core here, depending on the machine's load. "
    "What widens the margin: send the log lines only while the logs are open (the title carries "
    "the latest line; opening fills the box), and when the ticker runs leave non-urgent changes to "
    "its next tick. A prototype measured 2.1-2.5 % against 2.85-2.9 % in the same conditions, and "
    "2.0 comm messages a second per job instead of 3.0.",
    "7": "`%load_ext` still imports options.py and builds the magic's whole argparse help at "
    "import time (the @seedance_arguments decorator on the Magics method): at 7-8 ms against "
    "35 ms for import fal_client the ratio (0.2) has little room on a busy machine. What widens "
    "it: register `seedance` as a callable (IPython's register_magic_function, marked "
    "no_var_expand) whose `__doc__` is a property that builds the help when first read, so "
    "options.py loads with the first cell. A prototype of that measured 4.5 ms (8.4 ms "
    "without), a ratio of 0.13.",
}


# ------------------------------------------------------------------- running
@contextmanager
def stopped_on_signals() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so every `finally` stops what it started."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def folder_for_features() -> Path:
    return Path(tempfile.mkdtemp(prefix="seedance-bench-features-"))


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run",
        description="Measure seedance-magic against fal_client.subscribe on the emulator; print one table.",
    )
    parser.add_argument("--quick", action="store_true", help="shorter jobs and fewer samples (a smoke run)")
    parser.add_argument(
        "--job-seconds", type=float, help="one job length for every row (default: each row's own)"
    )
    parser.add_argument("--rows", default=",".join(ROWS), help="rows to run, e.g. 1,3,7 (default: all)")
    parser.add_argument(
        "--results",
        type=Path,
        help="write the report here (default: benchmarks/results.md for a full run of every row; "
        "nothing for --quick or a subset)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (notebooks, journals)")
    parser.add_argument(
        "--features-only",
        action="store_true",
        help="run only the single features' benchmarks (coach, stitch, a 1,000-row batch) and put "
        "them into benchmarks/results.md in place of the ones there",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.features_only:
        return features_only(args.results or HERE / "results.md")
    wanted = {r.strip() for r in args.rows.split(",") if r.strip()}
    unknown = wanted - set(ROWS)
    if unknown:
        print(f"unknown rows: {', '.join(sorted(unknown))}; use some of {','.join(ROWS)}", file=sys.stderr)
        return 2
    plan = Plan.make(args.quick, args.job_seconds)
    results = args.results
    if results is None and not args.quick and wanted == set(ROWS) and args.job_seconds is None:
        results = HERE / "results.md"
    given = sys.argv[1:] if argv is None else argv
    command = shlex.join(["benchmarks/run", *given])
    folder = Path(tempfile.mkdtemp(prefix="seedance-bench-"))
    run = Run(plan, folder, command)
    # Child processes cache bytecode, as an installed package has its .pyc files: without
    # it every import compiles the package's sources again (row 7 times imports).
    saved_env = {name: os.environ.get(name) for name in BYTECODE_ENV}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    clock = time.monotonic()
    print(
        f"seedance-magic benchmarks{' (QUICK)' if plan.quick else ''}; load average {run.load_start}",
        flush=True,
    )
    steps: list[tuple[set[str], str, Callable[[EmulatorProcess, EmulatorProcess], None]]] = [
        ({"7"}, "load_ext / import fal_client", lambda e, p: import_row(run, e)),
        ({"9"}, "download memory", lambda e, p: download_row(run, e)),
        ({"8"}, "notebook growth", lambda e, p: notebook_row(run, e)),
        ({"1", "3"}, "cells in a kernel, completion latency", lambda e, p: cells_rows(run, e)),
        ({"2"}, "status requests per job", lambda e, p: request_rows(run, e, p)),
        ({"4"}, "concurrent jobs", lambda e, p: concurrency_row(run, e)),
        ({"5", "6"}, "kernel while jobs wait", lambda e, p: waiting_rows(run, e)),
    ]
    emulators: list[EmulatorProcess] = []
    try:
        with stopped_on_signals():
            emu = EmulatorProcess(stream=True)
            emulators.append(emu)
            poll_emu = EmulatorProcess(stream=False)
            emulators.append(poll_emu)
            for target in (emu, poll_emu):
                target.configure(1.0)
                warm_render(target)
            for rows, title, step in steps:
                if rows & wanted:
                    began = time.monotonic()
                    print(f"- {title} ...", end="", flush=True)
                    step(emu, poll_emu)
                    print(f" {time.monotonic() - began:.0f} s", flush=True)
    finally:
        for target in emulators:
            target.stop()
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if args.keep:
            print(f"scratch folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if results is not None and not plan.quick:  # a full run: the single features too
        run.sections = features.run_all(folder_for_features())
    run.rows.sort(key=lambda r: r.key)
    for row in run.rows:
        row.quick = plan.quick
    run.seconds, run.load_end = time.monotonic() - clock, load_average()
    print()
    if plan.quick:
        print("QUICK run: shorter jobs and fewer samples, a smoke test; the goals are for the full run.")
    print(table(run.rows))
    print()
    print(f"load average at the end: {run.load_end}; took {run.seconds / 60:.1f} minutes")
    if results is not None:
        results.write_text(report(run))
        print(f"written to {results}")
    return 0
