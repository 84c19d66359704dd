"""From a checked request to a running job: plan, guard (budget, cache), launch.

    request -> plan (inputs probed, arguments, estimate, cache key, reproduce cell)
            -> guard (budget check; a cache hit replays the stored result for $0)
            -> launch (a Job whose first step uploads the inputs, then submits)

Shared by the magic, the Python API, grids and the studio, so each behaves the same.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.job import Job
from ..errors import BudgetExceeded
from ..media.inputs import resolve_inputs
from ..model import JobSpec
from ..settings import Settings, choose
from ..spec import plan as planning
from ..spec import providers
from ..spec.cost import CostEstimate
from ..spec.inputs import Inputs
from ..spec.request import DEFAULTS, Defaults, GenerationRequest
from ..store.journal import JobRecord
from ..store.records import result_from

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..engine.gate import SlotGate
    from ..engine.runtime import Runtime
    from ..media.upload import SharedUpload


def _has_media(request: GenerationRequest) -> bool:
    return any((request.image, request.end_image, request.ref_images, request.ref_videos, request.ref_audios))


@dataclass(frozen=True)
class Plan:
    """Everything known about a request before anything is sent."""

    request: GenerationRequest
    endpoint_id: str
    arguments: Mapping[str, Any]
    estimate: CostEstimate
    cache_key: str | None
    reproduce: str
    inputs: Inputs | None = None  # when the request has inputs
    caption: Mapping[str, Any] | None = None
    provider: str = providers.DEFAULT

    @property
    def code(self) -> str:
        """The same request as plain code for its provider (for --dry-run)."""
        return providers.get(self.provider).code(self.endpoint_id, self.arguments)


def make_plan(
    request: GenerationRequest,
    *,
    defaults: Defaults = DEFAULTS,
    cwd: Path | None = None,
    caption: Mapping[str, Any] | None = None,
    inputs: Inputs | None = None,
    provider: str = "auto",
) -> Plan:
    """Choose the provider (the request's, else `provider`, else the configured one) and
    refuse what it cannot carry; probe and check the inputs (unless `inputs` were
    resolved already, as for the cells of a grid); then compute arguments, estimate and
    cache key. `provider` is the configured one (Seedance.provider)."""
    chosen = choose(request.provider, provider)
    arguments = chosen.complete(planning.arguments(request))
    providers.check(chosen, request.endpoint, arguments, timeout=request.timeout)
    digests: Mapping[str, str] = {}
    names: Mapping[str, Any] | None = None
    video_seconds = 0.0
    if _has_media(request):
        if inputs is None:
            inputs = resolve_inputs(request, cwd=cwd)
        digests, names, video_seconds = inputs.digests, inputs.names, inputs.input_video_seconds
    endpoint_id = request.endpoint.id
    return Plan(
        request=request,
        endpoint_id=endpoint_id,
        arguments=arguments,
        estimate=planning.estimate(request, video_seconds),
        cache_key=planning.cache_key(endpoint_id, arguments, digests, chosen.name),
        reproduce=planning.reproduce_cell(
            endpoint_id, arguments, request.seed, names, defaults=defaults, provider=chosen.name
        ),
        inputs=inputs,
        caption=caption,
        provider=chosen.name,
    )


def check_budget(
    estimate: CostEstimate, settings: Settings, runtime: Runtime, *, yes: bool, what: str = "run"
) -> None:
    """Refuse a run whose estimate is above the per-run limit or the session budget."""
    if yes:
        return
    if estimate.high > settings.max_usd_per_run:
        raise BudgetExceeded(
            f"this {what} is estimated at {estimate}, "
            f"above Seedance.max_usd_per_run = ${settings.max_usd_per_run:.2f}",
            hint=f"Add --yes to run it anyway, or raise the limit: %config Seedance.max_usd_per_run = "
            f"{max(10, int(estimate.high) + 1)}",
        )
    budget = settings.session_budget_usd
    if budget is not None and runtime.spent_usd + estimate.high > budget:
        raise BudgetExceeded(
            f"this {what} (est. {estimate}) would take this kernel's spending to "
            f"${runtime.spent_usd + estimate.high:.2f}, above Seedance.session_budget_usd = ${budget:.2f}",
            hint="Add --yes to run it anyway, or raise Seedance.session_budget_usd",
        )


def cache_hit(plan: Plan, settings: Settings, runtime: Runtime) -> JobRecord | None:
    """The earlier successful job this request would repeat, under the cache policy."""
    request = plan.request
    if request.no_cache or plan.cache_key is None or settings.cache == "never":
        return None
    if settings.cache == "seeded" and request.seed is None:
        return None
    record = runtime.journal.cached(plan.cache_key)
    if record is None:
        return None
    target = runtime.target(plan.provider)
    if record.emulated != target.emulated or (not target.emulated and record.base_url != target.base_url):
        return None  # an emulator clip is no answer to a request for fal, nor the reverse
    if (
        record.emulated
        and record.base_url != target.base_url
        and not (record.path and Path(record.path).exists())
    ):
        return None  # another emulator's clip, its file gone (and its server likely too): made again, free
    return record


def _replay(plan: Plan, record: JobRecord, runtime: Runtime) -> Job:
    spec = _spec(plan)
    result = replace(
        result_from(record),
        cached=True,
        timings={"total_s": 0.0},
        inputs=tuple(plan.inputs.thumbnails()) if plan.inputs is not None else (),
    )
    folder = runtime.settings.output_dir
    if result.path is not None and result.path.exists():
        return Job.replay(spec, replace(result, path=into_folder(result.path, folder)), runtime)
    name = result.path.name if result.path is not None else None
    return Job.refetch(spec, replace(result, path=folder / name if name else None), runtime)


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


def _spec(plan: Plan) -> JobSpec:
    inputs = plan.inputs
    return JobSpec(
        provider=plan.provider,
        endpoint_id=plan.endpoint_id,
        arguments=dict(plan.arguments),
        estimate=plan.estimate,
        cache_key=plan.cache_key,
        reproduce=plan.reproduce,
        inputs=tuple(inputs.thumbnails()) if inputs is not None else (),
        timeout=plan.request.timeout,
        caption=dict(plan.caption or {}),
        input_video_seconds=inputs.input_video_seconds if inputs is not None else 0.0,
        uploads=inputs if inputs is not None and inputs.needs_upload else None,
    )


def launch(
    plan: Plan,
    runtime: Runtime,
    *,
    start: bool = True,
    gate: SlotGate | None = None,
    upload: SharedUpload | None = None,
) -> Job:
    """The job for a plan: a replay when the cache has it, else a new job (started);
    `gate` and `upload` as for Job."""
    record = cache_hit(plan, runtime.settings, runtime)
    if record is not None:
        job = _replay(plan, record, runtime)
    else:
        job = Job(_spec(plan), runtime, target=runtime.target(plan.provider), gate=gate, upload=upload)
    return job.start() if start else job
