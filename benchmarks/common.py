"""What every benchmark row shares: the emulator in its own process, job timing, the
fixed request every row sends, and small statistics helpers.

The emulator always runs from its command line in a child process (emulator.py), so
that its HTTP handling and MP4 rendering never count as the measured process's time or
CPU. Rows shape its jobs through the control API (`POST /_emulator/config`) before they
submit, and read its counters and job times (`/_emulator/stats`, `/_emulator/jobs`).
"""

from __future__ import annotations

import os
import random
import re
import select
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# One request for every job, so the emulator renders its clip once and serves it from its
# cache afterwards: rendering stays out of the measured windows.
ENDPOINT = "bytedance/seedance-2.0/fast/text-to-video"
PROMPT = "A paper boat drifts across a rain puddle at dusk"
SEED = 7
ARGUMENTS: dict[str, Any] = {"prompt": PROMPT, "resolution": "480p", "duration": "4", "seed": SEED}
MAGIC_LINE = f"--fast -r 480p -d 4 --seed {SEED} --no-cache"
PEER_KEY = "benchmark-id:benchmark-secret"
# Seconds of random extra length for jobs whose completion latency is measured: a poller
# polls in step with a job of fixed length, while at fal its phase varies job to job.
JITTER = 0.2

_URL = re.compile(r"http://127\.0\.0\.1:\d+")
_random = random.Random(8)


def job_timing(job_seconds: float) -> dict[str, float]:
    """Emulator settings for a job that takes `job_seconds` from submit to COMPLETED:
    a fifth of it queued (at most 2 s, as fal's queue often is), a log line a second."""
    queue = round(min(2.0, job_seconds * 0.2), 3)
    run = round(job_seconds - queue, 3)
    return {"queue_seconds": queue, "run_seconds": run, "log_interval": min(1.0, max(0.1, run / 4))}


class EmulatorProcess:
    """The emulator's command line, `--port 0`, in a child process (see emulator.py)."""

    def __init__(self, *, stream: bool = True, start_timeout: float = 30.0) -> None:
        command = [sys.executable, "-m", "benchmarks.emulator", "--port", "0"]
        if not stream:
            command.append("--no-stream")
        self.stream = stream
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        self.url = self._read_url(start_timeout)
        self._http = httpx.Client(base_url=self.url, timeout=30.0)

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read_url(self, timeout: float) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        seen = ""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                line = self.process.stdout.readline()
                seen += line
                match = _URL.search(line)
                if match:
                    return match.group(0)
            if self.process.poll() is not None:
                break
        error = self.process.stderr.read() if self.process.stderr and self.process.poll() is not None else ""
        self.stop()
        raise RuntimeError(f"the emulator did not start: {seen.strip()} {error.strip()}")

    def configure(self, job_seconds: float, *, jitter: float = 0.0) -> None:
        """Shape the jobs submitted from now on (jobs already submitted keep their timing).
        `jitter` adds up to that many seconds at random, so that a poller's phase against
        the moment a job completes varies from job to job as it does at fal."""
        body = {**job_timing(job_seconds + _random.uniform(0.0, jitter)), "queue_position_start": 3}
        self._http.post("/_emulator/config", json=body).raise_for_status()

    def stats(self) -> dict[str, Any]:
        data: dict[str, Any] = self._http.get("/_emulator/stats").raise_for_status().json()
        return data

    def jobs(self) -> dict[str, dict[str, Any]]:
        data: dict[str, dict[str, Any]] = self._http.get("/_emulator/jobs").raise_for_status().json()
        return data

    def completed_at(self, request_id: str) -> float:
        """The wall-clock time (time.time()) the job turned COMPLETED at the server."""
        info = self.jobs()[request_id]
        if info["completed_at"] is None:
            raise RuntimeError(f"job {request_id} has not completed")
        return float(info["completed_at"])

    def stop(self) -> None:
        """Stop the child by its pid: SIGTERM, then SIGKILL if it lingers."""
        if hasattr(self, "_http"):
            self._http.close()
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def warm_render(emulator: EmulatorProcess, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """Submit one job and wait for its result, so the emulator has the clip rendered;
    returns the result JSON (its video URL and size)."""
    with httpx.Client(timeout=60.0, headers={"Authorization": f"Key {PEER_KEY}"}) as http:
        submit = http.post(f"{emulator.url}/{ENDPOINT}", json=arguments or ARGUMENTS).raise_for_status()
        urls = submit.json()
        deadline = time.monotonic() + 120
        while http.get(urls["status_url"]).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the emulator did not finish the warm-up job")
            time.sleep(0.1)
        result: dict[str, Any] = http.get(urls["response_url"]).raise_for_status().json()
        return result


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def spread(values: list[float], scale: float = 1.0, unit: str = "") -> str:
    """min / median / max of a sample, for the notes."""
    return (
        f"min {min(values) * scale:.1f}{unit}, median {median(values) * scale:.1f}{unit}, "
        f"max {max(values) * scale:.1f}{unit} (n={len(values)})"
    )


@dataclass
class Figure:
    """One measured value and how to show it."""

    value: float | None
    text: str

    @classmethod
    def none(cls, text: str = "n/a") -> Figure:
        return cls(None, text)


@dataclass
class Row:
    """One line of the table. `goal_on` says which value the goal is checked against:
    "ours" (our figure) or "ratio" (ours / subscribe)."""

    key: str
    figure: str
    ours: Figure
    peer: Figure
    peer_logs: Figure
    goal: str
    limit: float
    strict: bool = True  # `<` when True, `<=` when False
    goal_on: str = "ours"
    ratio: float | None = None
    quick: bool = False

    def __post_init__(self) -> None:
        if self.ratio is None and self.ours.value is not None and self.peer.value:
            self.ratio = self.ours.value / self.peer.value

    @property
    def checked(self) -> float | None:
        return self.ratio if self.goal_on == "ratio" else self.ours.value

    @property
    def met(self) -> bool | None:
        value = self.checked
        if value is None:
            return None
        return value < self.limit if self.strict else value <= self.limit
