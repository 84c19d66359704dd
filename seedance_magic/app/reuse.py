"""What a request can have without paying again, and what stops it being sent twice:

    a job of this kernel making the same video now      -> that job (attached)
    a video made before (the cache policy)               -> replayed for $0
    a video made and paid for whose download failed      -> fetched again, no submit
    an identical request whose submit's outcome is unknown -> refused until --no-cache

Targets must match: an emulator's clip is no answer to a request for fal, nor the
reverse, and an unknown submit to one server does not block another.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..engine.job import Job
from ..errors import InvalidRequest
from ..render.gallery import stamp
from ..spec.formats import video_container_problem
from ..spec.providers import get as get_provider
from ..spec.states import State
from ..store.journal import JobRecord
from ..store.records import result_from
from .plans import Plan, job_spec

if TYPE_CHECKING:
    from ..engine.runtime import Runtime
    from ..settings import Settings, Target

__all__ = ["cache_hit", "check_unknown", "in_flight", "into_folder", "is_video", "replay"]


def is_video(path: Path) -> bool:
    """Whether `path` is a whole MP4/MOV file (a web page saved as .mp4 is not)."""
    try:
        with path.open("rb") as file:

            def read(offset: int, count: int) -> bytes:
                file.seek(offset)
                return file.read(count)

            return video_container_problem(read, path.stat().st_size) is None
    except OSError:
        return False


def _replays(plan: Plan, settings: Settings) -> bool:
    """Whether the cache policy lets this request be answered by an earlier identical one."""
    request = plan.request
    if request.no_cache or plan.cache_key is None or settings.cache == "never":
        return False
    return settings.cache != "seeded" or request.seed is not None


def _same_target(record: JobRecord, target: Target) -> bool:
    if record.emulated != target.emulated or (not target.emulated and record.base_url != target.base_url):
        return False  # an emulator clip is no answer to a request for fal, nor the reverse
    saved = record.path is not None and is_video(Path(record.path))
    # another emulator's clip whose file is gone (its server likely too): made again, free
    return not record.emulated or record.base_url == target.base_url or saved


def cache_hit(plan: Plan, settings: Settings, runtime: Runtime) -> JobRecord | None:
    """The earlier job this request would repeat: a successful one under the cache
    policy, else one whose video was made and paid for but never downloaded (fetched
    again whatever the policy, unless --no-cache)."""
    if plan.request.no_cache or plan.cache_key is None:
        return None
    target = runtime.target(plan.provider)
    if _replays(plan, settings):
        record = runtime.journal.cached(plan.cache_key)
        if record is not None and _same_target(record, target):
            return record
    record = runtime.journal.paid_undownloaded(plan.cache_key)
    return record if record is not None and _same_target(record, target) else None


def in_flight(plan: Plan, settings: Settings, runtime: Runtime) -> Job | None:
    """The job of this kernel already making this exact video (queued, running, ...),
    when the cache policy would replay it once done: a re-run attaches to it."""
    if not _replays(plan, settings):
        return None
    target = runtime.target(plan.provider)
    for job in runtime.in_flight():
        if isinstance(job, Job) and job.spec.cache_key == plan.cache_key and job.target == target:
            return job
    return None


def check_unknown(plan: Plan, runtime: Runtime) -> None:
    """Refuse (one line, nothing sent) a request whose identical twin was sent to the
    same place and got no clear answer: it may be queued and charged. --no-cache sends it."""
    if plan.request.no_cache or plan.cache_key is None:
        return
    target = runtime.target(plan.provider)
    record = runtime.journal.last_sent(plan.cache_key, target.base_url)
    if record is None or record.state != State.UNKNOWN or record.emulated != target.emulated:
        return
    provider = get_provider(record.provider)
    raise InvalidRequest(
        f"an identical request sent at {stamp(record.created_at)} got no clear answer from "
        f"{provider.label}: its outcome is unknown (it may be queued and charged), so nothing was sent now",
        hint=f"Check {provider.dashboard} for a request made then; to send it anyway, run the "
        "cell with --no-cache (no_cache=True in Python)",
    )


def replay(plan: Plan, record: JobRecord, runtime: Runtime) -> Job:
    """The job for a cache hit: the stored video shown again for $0, or, when its file is
    gone or not a video, downloaded again from its URL (no submit). A video made and paid
    for but never downloaded is fetched into its own journal row."""
    spec = job_spec(plan)
    result = replace(
        result_from(record),
        cached=True,
        timings={"total_s": 0.0},
        inputs=tuple(plan.inputs.thumbnails()) if plan.inputs is not None else (),
    )
    folder = runtime.settings.output_dir
    if record.state == State.COMPLETED and result.path is not None and is_video(result.path):
        return Job.replay(spec, replace(result, path=into_folder(result.path, folder)), runtime)
    name = result.path.name if result.path is not None else None
    own_row = record.id if record.state != State.COMPLETED else None
    again = replace(result, path=folder / name if name else None)
    return Job.refetch(spec, again, runtime, journal_id=own_row)


def into_folder(video: Path, folder: Path) -> Path:
    """A cached video made for another notebook folder (the journal is shared), linked or
    copied into this output folder, so that Jupyter serves it next to this notebook. The
    path is the one a job made in this folder has (relative when the folder is), so a
    replay names the same file as the original."""
    target = folder / video.name
    if target.resolve() == video.resolve():
        return target
    if target.exists() and target.stat().st_size == video.stat().st_size:
        return target
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.link(video, target)
    except OSError:  # another file system, or no hard links here
        shutil.copy2(video, target)
    return target
