"""Stories in the history: the journal's rows of one story (`group_id` "story-…", one
row per shot sent) folded into one entry with its shots in order, the film found again
by its name in the output folder, and the story's reproduce cell rebuilt from the rows.
app/history.py shows the entries among the other results.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..model import Result
from ..spec import endpoints as ep
from ..spec.request import GenerationRequest
from ..spec.states import State
from ..spec.story import StoryRequest, film_name, story_cell
from ..store.journal import JobRecord, Journal
from ..store.records import result_from

__all__ = ["StoryEntry", "fold_stories", "is_story"]


@dataclass(frozen=True)
class StoryEntry:
    """A story as the history shows it: its finished shots in order, its film (None when
    the file is not found) and the cell that makes it again."""

    group_id: str
    shots: tuple[Result, ...]
    reproduce: str
    film: Path | None = None


def is_story(record: JobRecord) -> bool:
    return bool(record.group_id and record.group_id.startswith("story-"))


def fold_stories(
    records: Iterable[JobRecord], journal: Journal, folder: Path, limit: int
) -> list[Result | StoryEntry]:
    """The records as history entries, newest first: a story's rows become one entry
    (placed where its newest row is), other rows their Result; at most `limit`."""
    entries: list[Result | StoryEntry] = []
    seen: set[str] = set()
    for record in records:
        if len(entries) >= limit:
            break
        if not is_story(record):
            entries.append(result_from(record))
            continue
        group = record.group_id or ""
        if group not in seen:
            seen.add(group)
            entries.append(story_entry(journal, group, folder))
    return entries


def story_entry(journal: Journal, group_id: str, folder: Path) -> StoryEntry:
    """The story `group_id` from its journal rows: each shot's newest finished row."""
    newest: dict[int, JobRecord] = {}
    for row in journal.group(group_id):  # by shot, the newest of each first
        if row.state == State.COMPLETED.value and row.group_index is not None:
            newest.setdefault(row.group_index, row)
    shots = tuple(result_from(newest[index]) for index in sorted(newest))
    folders = [folder, *(s.path.parent for s in shots[:1] if s.path is not None)]
    return StoryEntry(group_id, shots, _reproduce(shots), _film(group_id, shots, folders))


def _film(group_id: str, shots: Sequence[Result], folders: Sequence[Path]) -> Path | None:
    """The story's film: the whole one, else the newest of those it stopped early with."""
    if not shots:
        return None
    name = film_name(group_id, shots[0].prompt)
    for folder in dict.fromkeys(folders):
        whole = folder / name
        if whole.is_file():
            return whole
        partial = sorted(
            folder.glob(name.removesuffix(".mp4") + "_*of*.mp4"), key=lambda p: p.stat().st_mtime
        )
        if partial:
            return partial[-1]
    return None


def _reproduce(shots: Sequence[Result]) -> str:
    """The `%%seedance --story` cell of these shots, with the seeds they were made with."""
    if not shots:
        return ""
    requests = []
    for index, shot in enumerate(shots):
        endpoint = ep.find_endpoint(shot.endpoint)
        args = shot.arguments
        image = args.get("image_url") if index == 0 else None
        requests.append(
            GenerationRequest(
                prompt=shot.prompt,
                mode="i2v" if image else "t2v",
                tier=endpoint.tier if endpoint is not None else "standard",
                resolution=str(args.get("resolution", ep.DEFAULT_RESOLUTION)),
                duration=str(args.get("duration", ep.DEFAULT_DURATION)),
                aspect_ratio=str(args.get("aspect_ratio", ep.DEFAULT_ASPECT_RATIO)),
                generate_audio=bool(args.get("generate_audio", ep.DEFAULT_GENERATE_AUDIO)),
                seed=shot.seed,
                image=image,
            )
        )
    names = {"image_url": str(requests[0].image)} if requests[0].image else None
    story = StoryRequest(requests[0], tuple(requests))
    return story_cell(story, [s.seed for s in shots], names, provider=shots[0].provider)
