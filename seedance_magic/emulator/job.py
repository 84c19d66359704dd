"""What an emulated job is: its states, the snapshot clients and tests see (`JobInfo`),
the store's working record (`Job`), the fal-like log lines it writes while running, and
the seed it uses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .config import EmulatorConfig
from .inputs import Plan

IN_QUEUE, IN_PROGRESS, COMPLETED = "IN_QUEUE", "IN_PROGRESS", "COMPLETED"
CANCELLED_TYPE = "client_cancelled"


def iso(wall: float) -> str:
    """An ISO 8601 UTC timestamp with milliseconds and a Z, as fal writes log times."""
    return datetime.fromtimestamp(wall, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class JobInfo:
    """A snapshot of one job (`Emulator.jobs`, `GET /_emulator/jobs`). Times are wall
    clock seconds (time.time())."""

    request_id: str
    endpoint_id: str
    arguments: dict[str, Any]
    seed: int
    state: str
    queue_position: int
    held: bool
    submitted_at: float
    width: int
    height: int
    duration: int
    aspect_ratio: str
    webhook: str | None = None
    start_timeout: float | None = None
    """X-Fal-Request-Timeout: seconds the job may wait before it starts running."""
    started_at: float | None = None
    completed_at: float | None = None
    logs: tuple[dict[str, str], ...] = ()
    error: str | None = None
    error_type: str | None = None
    result: dict[str, Any] | None = None
    inference_time: float | None = None
    rejected: tuple[dict[str, Any], ...] = ()
    """The 422 `detail` list of a job the model refused: it completes without an error and
    its result answers 422 (fal's queue accepts a submit and validates in the runner)."""
    version: int = 0

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["logs"] = list(self.logs)
        return data


@dataclass
class Job:
    """A job as the store keeps it: its snapshot plus the clock and render state."""

    info: JobInfo
    plan: Plan | None
    """None for a job the model refuses (nothing is rendered)."""
    timing: EmulatorConfig
    fail_with: str | None
    wall0: float
    mono0: float
    queue_from: float
    schedule: list[tuple[float, str, str]]
    run_from: float = 0.0
    clip: bytes | None = None
    render_error: BaseException | None = None
    rendered: bool = False

    def wall(self, mono: float) -> float:
        return self.wall0 + (mono - self.mono0)


def log_schedule(plan: Plan | None, timing: EmulatorConfig) -> list[tuple[float, str, str]]:
    """(offset from run start, level, message) of the log lines a running job writes."""
    if plan is None:
        return []
    spec = plan.spec
    slots = max(4, int(timing.run_seconds / timing.log_interval))
    step = min(timing.log_interval, timing.run_seconds / slots)
    frames = spec.duration * 24
    steps = slots - 3
    generating = [f"Generating frames {round(frames * (i + 1) / steps)}/{frames}" for i in range(steps)]
    messages = ["Loading Seedance 2.0 weights", f"Encoding prompt ({len(spec.prompt)} characters)"]
    messages += [*generating, "Decoding video"]
    lines = [(0.0, "INFO", n) for n in plan.notes]
    lines += [(0.0, "WARN", w) for w in plan.warnings]
    lines += [(i * step, "INFO", m) for i, m in enumerate(messages)]
    return sorted(lines, key=lambda line: line[0])


def pick_seed(args: dict[str, Any], *, honoured: bool = True) -> int:
    """The seed a job uses: the one asked for (when `honoured`), else a random one in
    [0, 2**31)."""
    seed = args.get("seed")
    if honoured and isinstance(seed, int) and not isinstance(seed, bool):
        return seed
    return random.randrange(2**31)
