"""The plan of a request: everything known before anything is sent (provider, inputs
probed, fal's arguments, the estimate, the cache key, the reproduce cell), the JobSpec
a job is made from, and what several plans cost together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..media.inputs import check_reference_names, resolve_inputs
from ..model import JobSpec
from ..settings import choose
from ..spec import plan as planning
from ..spec import providers
from ..spec.cost import CostEstimate
from ..spec.grid import GridCell, total_estimate
from ..spec.inputs import Inputs
from ..spec.request import DEFAULTS, Defaults, GenerationRequest

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Plan", "job_spec", "make_plan", "total_of"]


def _has_media(request: GenerationRequest) -> bool:
    """Whether the request names any input (compared with None: an input may be a numpy
    array, whose truth value is an error, or empty bytes, which must still be refused)."""
    single = (request.image, request.end_image)
    many = (request.ref_images, request.ref_videos, request.ref_audios)
    return any(value is not None for value in single) or any(len(values) > 0 for values in many)


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
    else:
        check_reference_names(request)  # "@Image1" with no input: refused, as the coach says
    endpoint_id = request.endpoint.id
    return Plan(
        request=request,
        endpoint_id=endpoint_id,
        arguments=arguments,
        estimate=planning.estimate(
            request, video_seconds, unmeasured_video=bool(inputs is not None and inputs.unmeasured_videos)
        ),
        cache_key=planning.cache_key(endpoint_id, arguments, digests, chosen.name),
        reproduce=planning.reproduce_cell(
            endpoint_id, arguments, request.seed, names, defaults=defaults, provider=chosen.name
        ),
        inputs=inputs,
        caption=caption,
        provider=chosen.name,
    )


def job_spec(plan: Plan) -> JobSpec:
    """The JobSpec of a job made from this plan."""
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


def total_of(plans: Sequence[Plan]) -> CostEstimate:
    """What the plans cost together (reference video seconds included; a reference video
    that could not be measured is priced at the limit)."""
    inputs = plans[0].inputs if plans else None
    seconds = inputs.input_video_seconds if inputs is not None else 0.0
    unmeasured = bool(inputs is not None and inputs.unmeasured_videos)
    return total_estimate(
        [GridCell(p.request, p.caption or {}) for p in plans], seconds, unmeasured_video=unmeasured
    )
