"""Results as rows of a table: one dict per video with the same `COLUMNS`, for
`Results.records()` and `.to_pandas()` (model.py). Pure; nothing is escaped (these are
values, not markup)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from .shapes import ResultShape as Result

__all__ = ["COLUMNS", "WHOLE_NUMBERS", "records"]

# The columns of a table of results, in order.
COLUMNS = (
    "created",
    "prompt",
    "seed",
    "endpoint",
    "provider",
    "emulated",
    "cached",
    "cost_usd",
    "charged_usd",
    "duration_s",
    "width",
    "height",
    "request_id",
    "path",
    "video_url",
)
# The columns that hold whole numbers, or nothing where one is unknown.
WHOLE_NUMBERS = ("seed", "width", "height")


def records(results: Iterable[Result]) -> list[dict[str, Any]]:
    """One dict per result with the COLUMNS: when it was made (a local datetime), the
    prompt, seed, endpoint, provider, what it cost and was charged, its size, its request
    id, its file (a str, or None) and the provider's URL."""
    return [
        {
            "created": datetime.fromtimestamp(r.created_at, tz=timezone.utc).astimezone(),
            "prompt": r.prompt,
            "seed": r.seed,
            "endpoint": r.endpoint,
            "provider": r.provider,
            "emulated": r.emulated,
            "cached": r.cached,
            "cost_usd": r.cost_usd,
            "charged_usd": r.charged_usd,
            "duration_s": r.duration_s,
            "width": r.width,
            "height": r.height,
            "request_id": r.request_id,
            "path": str(r.path) if r.path is not None else None,
            "video_url": r.video_url or None,
        }
        for r in results
    ]
