"""The words and numbers shown about a job and its result, as pure functions.

Everything a view shows is computed here from a `Snapshot` (or a `Result`) and the
current time, in the manner of tqdm's `format_meter`: the widget (ui/progress.py), the
static HTML (ui/html.py), `repr()` and the terminal's `TextProgress` all render these
strings and never format numbers themselves. No ipywidgets here: this module is imported
by `repr()` in terminals and scripts. (`provider_label` is spec.providers.label.)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Any

from ..spec.cost import CostEstimate
from ..spec.endpoints import find_endpoint
from ..spec.providers import label as provider_label
from .shapes import ResultShape as Result
from .shapes import SnapshotShape as Snapshot

SEP = " · "
EMULATOR = "EMULATOR"
MB = 1_000_000


def format_elapsed(seconds: float) -> str:
    """0:07, 12:34, 1:02:03 (negative times count as zero)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_mb(size: int) -> str:
    return f"{size / MB:.1f}"


def endpoint_label(endpoint_id: str, *, short: bool = False) -> str:
    """The endpoint's name, "Seedance 2.0 fast text-to-video" (short: "fast text-to-video");
    an unknown id as given."""
    endpoint = find_endpoint(endpoint_id)
    if endpoint is None:
        return endpoint_id
    return endpoint.label.removeprefix("Seedance 2.0 ") if short else endpoint.label


def via_text(provider: str) -> str:
    """Who runs the job: "via fal", "via Lumenfall"."""
    return f"via {provider_label(provider)}"


def estimate_text(estimate: CostEstimate) -> str:
    """The estimate: "est. $1.45", or a range "est. $0.97–$3.63" when the duration is auto."""
    return f"est. {estimate}"


def cost_text(result: Result) -> str:
    """What a finished result cost: "$1.45", "$0 (cached)" or the emulator's note."""
    if result.cached:
        return "$0 (cached)"
    if result.emulated:
        label = provider_label(result.provider)
        return f"emulator: $0 charged, {label} would charge ${result.cost_usd:.2f}"
    return f"${result.cost_usd:.2f}"


def caption_text(caption: Mapping[str, Any]) -> str:
    """A grid cell's caption: "aspect_ratio 9:16 · seed 3"."""
    return SEP.join(f"{key} {value}" for key, value in caption.items())


def size_text(result: Result) -> str:
    """Duration and frame size, "6.0 s 1280x720", with whatever of the two is known."""
    parts = []
    if result.duration_s is not None:
        parts.append(f"{result.duration_s:.1f} s")
    if result.width and result.height:
        parts.append(f"{result.width}x{result.height}")
    return " ".join(parts)


def result_line(result: Result, *, seed: bool = True) -> str:
    """One line about a result, its file last:
    "seed 42 · 6.0 s 1280x720 · $1.45 · via fal · path" (without the seed where the line
    follows a label that says it)."""
    shown = seed and result.seed is not None
    parts = [f"seed {result.seed}" if shown else "", result.seed_note, size_text(result)]
    parts.append("$0 (cached)" if result.cached else "$0" if result.emulated else f"${result.cost_usd:.2f}")
    parts.append(via_text(result.provider))
    if result.emulated:
        parts.append(EMULATOR)
    parts.append(str(result.path) if result.path is not None else result.video_url)
    return SEP.join(p for p in parts if p)


def reproduce_text(result: Result) -> str:
    """The cell that makes this result again; for an endpoint outside the table (an
    old journal entry), the cell stored with the job, if any."""
    try:
        return result.reproduce_cell
    except ValueError:
        return result.reproduce or ""


def _elapsed(snapshot: Snapshot, now: float | None) -> float:
    end = snapshot.finished if snapshot.finished is not None else now
    return (time.monotonic() if end is None else end) - snapshot.started


def status_text(snapshot: Snapshot, now: float | None = None) -> str:
    """What the job is doing now, without the endpoint and cost (the widget shows those
    apart): "queued · position 2 · 0:03", "running · 0:12 · 40%", "failed · message"."""
    state = snapshot.state.value
    clock = format_elapsed(_elapsed(snapshot, now))
    if state == "completed":
        return SEP.join(["completed", result_line(snapshot.result) if snapshot.result else clock])
    if state in ("failed", "cancelled", "unknown"):
        error = snapshot.error or ""
        return error if error.lower().startswith(state) else SEP.join(filter(None, [state, error]))
    parts = [state]
    if state == "pending" and snapshot.waiting:
        parts.append(snapshot.waiting)
    if state in ("pending", "submitting") and snapshot.uploads:
        parts.append("uploading " + ", ".join(snapshot.uploads))
    if state == "queued" and snapshot.queue_position is not None:
        parts.append(f"position {snapshot.queue_position}")
    if state == "downloading":
        have, total = snapshot.downloaded, snapshot.download_total
        amount = f"{format_mb(have)}/{format_mb(total)} MB" if total else f"{format_mb(have)} MB"
        parts = [f"downloading {amount}"]
    parts.append(clock)
    if state == "running" and snapshot.progress is not None:
        parts.append(f"{snapshot.progress:.0%}")
    if snapshot.cancelling:
        parts.append("cancelling…")
    return SEP.join(parts)


def status_line(snapshot: Snapshot, now: float | None = None) -> str:
    """The whole status in one line, for repr() and terminals:
    "queued · position 2 · 0:03 · est. $1.45 · fast text-to-video · via fal · EMULATOR"."""
    line = status_text(snapshot, now)
    if snapshot.state.terminal:
        return line
    parts = [
        line,
        estimate_text(snapshot.estimate),
        endpoint_label(snapshot.endpoint_id, short=True),
        via_text(snapshot.provider),
    ]
    if snapshot.caption:
        parts.append(caption_text(snapshot.caption))
    if snapshot.emulated:
        parts.append(EMULATOR)
    return SEP.join(parts)


def result_text(result: Result) -> str:
    """A result for terminals and text/plain: what, where, seed, cost and how to redo it."""
    title = SEP.join([endpoint_label(result.endpoint), via_text(result.provider)])
    title += f"{SEP}{EMULATOR}" if result.emulated else ""
    lines = [title, f"video:    {result.path if result.path is not None else result.video_url}"]
    seed = f"seed {result.seed}" if result.seed is not None else "seed unknown"
    audio = {True: "with audio", False: "no audio", None: ""}[result.has_audio]
    lines.append("          " + SEP.join(p for p in (seed, size_text(result), audio) if p))
    if result.seed_note:
        lines.append(f"seed:     {result.seed_note}; the same cell may make another video")
    lines.append(f"cost:     {cost_text(result)}")
    if result.request_id:
        lines.append(f"request:  {result.request_id}")
    if result.emulated:
        lines.append("note:     made by the offline emulator; nothing was charged")
    cell = reproduce_text(result)
    if cell:
        lines += ["reproduce:", cell]
    return "\n".join(lines)


def log_line(entry: Mapping[str, Any], tz: tzinfo | None = None) -> str:
    """One fal log entry: "12:01:03 INFO Generating frames 48/144" (local time by default)."""
    parts = []
    stamp = str(entry.get("timestamp") or "")
    if stamp:
        try:
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            parts.append(when.astimezone(tz).strftime("%H:%M:%S"))
        except ValueError:
            parts.append(stamp)
    if entry.get("level"):
        parts.append(str(entry["level"]))
    parts.append(str(entry.get("message", "")).rstrip())
    return " ".join(parts)


def log_lines(entries: Iterable[Mapping[str, Any]], tz: tzinfo | None = None) -> list[str]:
    return [log_line(entry, tz) for entry in entries]


@dataclass(frozen=True)
class ProgressModel:
    """What the progress widget shows, as plain values; `bar` None means indeterminate."""

    status: str
    bar: float | None
    bar_style: str
    cancel_label: str
    cancel_disabled: bool
    cancel_tip: str


def progress_model(
    snapshot: Snapshot, now: float | None = None, *, cancel_requested: bool = False
) -> ProgressModel:
    """The progress widget's values for a job that has not ended. The bar moves in
    whole percents, so that small changes cost no message to the browser."""
    state = snapshot.state.value
    bar: float | None = None
    if state == "running" and snapshot.progress is not None:
        bar = snapshot.progress
    elif state == "downloading" and snapshot.download_total:
        bar = snapshot.downloaded / snapshot.download_total
    elif state == "completed":
        bar = 1.0
    if bar is not None:
        bar = round(min(1.0, max(0.0, bar)), 2)
    cancelling = snapshot.cancelling or cancel_requested
    label = provider_label(snapshot.provider)
    started = state in ("queued", "running")
    return ProgressModel(
        status=status_text(snapshot, now),
        bar=bar,
        bar_style="warning" if snapshot.trouble else "info",
        cancel_label="cancelling…" if cancelling else "Cancel",
        cancel_disabled=cancelling
        or state in ("downloading", "completed")
        or (started and not snapshot.cancellable),
        cancel_tip=f"cancel this job at {label}"
        if snapshot.cancellable or not started
        else f"{label} cannot cancel a job it has started: the video is made, charged and downloaded",
    )
