"""Journal rows read back as the values the rest of the package uses: a completed job's
`Result`, any job's `JobSpec` (to resume it), and the history search."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..model import JobSpec, Result
from ..spec.cost import CostEstimate, estimate_cost
from ..spec.endpoints import APP, DEFAULT_ASPECT_RATIO, DEFAULT_DURATION, DEFAULT_RESOLUTION, find_endpoint
from .journal import JobRecord, Journal

__all__ = ["SEARCH_SCAN", "made_in", "matches", "result_from", "search", "spec_from_record"]

SEARCH_SCAN = 5000


def result_from(record: JobRecord) -> Result:
    """A journal row of a completed job as a Result (what it cost, how to redo it). The
    file is not read: what probing found when it was made is in the row."""
    # The result JSON as the provider sent it (its seed, or none: Result.build says so).
    data = record.result or {"seed": record.seed, "video": {"url": record.video_url}}
    media = record.media or {}
    result = Result.build(
        endpoint=record.endpoint,
        arguments=dict(record.arguments),
        request_id=record.request_id,
        data=data,
        path=Path(record.path) if record.path else None,
        emulated=record.emulated,
        provider=record.provider,
        timings=record.timings,
        reproduce=record.reproduce,
        inputs=tuple(record.inputs or ()),
        width=media.get("width"),
        height=media.get("height"),
        duration=media.get("duration"),
        has_audio=media.get("has_audio"),
    )
    cost = record.cost_usd if record.cost_usd is not None else result.cost_usd
    return replace(result, cost_usd=cost, created_at=record.created_at)


def spec_from_record(record: JobRecord) -> JobSpec:
    """The JobSpec of a journalled job, its estimate recomputed from the arguments."""
    endpoint = find_endpoint(record.endpoint)
    args = record.arguments
    estimate = (
        estimate_cost(
            endpoint,
            resolution=str(args.get("resolution", DEFAULT_RESOLUTION)),
            aspect_ratio=str(args.get("aspect_ratio", DEFAULT_ASPECT_RATIO)),
            duration=str(args.get("duration", DEFAULT_DURATION)),
        )
        if endpoint
        else CostEstimate(record.estimate_low or 0.0, record.estimate_high or 0.0)
    )
    return JobSpec(
        record.endpoint,
        args,
        estimate,
        cache_key=record.cache_key,
        reproduce=record.reproduce,
        inputs=tuple(record.inputs or ()),
        provider=record.provider,
    )


def matches(record: JobRecord, needle: str) -> bool:
    """The prompt or the endpoint's own name contains it, it names the provider, the request
    id starts with it, or it is the seed."""
    endpoint = record.endpoint.removeprefix(APP + "/")  # "fast/text-to-video"
    if needle in record.prompt.casefold() or needle in endpoint.casefold() or needle == record.provider:
        return True
    if record.request_id and record.request_id.casefold().startswith(needle):
        return True
    return record.seed is not None and needle == str(record.seed)


def made_in(record: JobRecord, folder: Path) -> bool:
    """Whether the job's video was saved under `folder` (an absolute path)."""
    return record.path is not None and Path(record.path).is_relative_to(folder)


def search(
    journal: Journal, limit: int, text: str | None = None, *, under: Path | None = None
) -> list[JobRecord]:
    """The newest completed jobs, or those matching `text` (see `matches`), and with
    `under` only those whose video was saved in that folder (the journal is the user's,
    the videos are beside each notebook). Matched here rather than in SQL: the arguments
    are stored as JSON, where a non-ASCII prompt is escaped and would never match the
    text as typed."""
    if not text and under is None:
        return journal.recent(limit=limit)
    needle = (text or "").strip().casefold()
    folder = under.resolve() if under is not None else None
    return [
        r
        for r in journal.recent(limit=SEARCH_SCAN)
        if (not needle or matches(r, needle)) and (folder is None or made_in(r, folder))
    ][:limit]
