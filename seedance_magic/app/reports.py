"""What the line commands answer, between the parser and the views: the dry run and the
price of a request, the jobs of this kernel, cancel, the config report, resume, history
and the studio. Every function here is callable without IPython."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from ..engine.job import Job
from ..errors import InvalidRequest
from ..render.coach import Hints, hints_html
from ..render.dry_run import dry_run_html
from ..render.html import esc
from ..render.jobs import JobRow, jobs_html, jobs_text
from ..render.shown import Shown
from ..render.text import caption_text, estimate_text, format_elapsed
from ..settings import choose, has_credentials
from ..spec import providers
from ..spec.coach import coach
from ..spec.cost import frame_size
from ..spec.formats import counted
from ..spec.providers import PROVIDERS, Provider
from ..spec.providers import label as provider_label
from ..spec.request import DEFAULTS, GenerationRequest
from ..spec.states import State
from ..store.records import result_from, spec_from_record
from .plans import Plan, make_plan, total_of

if TYPE_CHECKING:
    from ..engine.runtime import Runtime


def coached(request: GenerationRequest) -> Shown:
    """What `--coach` shows: the prompt coach's hints for the cell (nothing is sent)."""
    hints = Hints(coach(request))
    line = "nothing was sent (--coach)"
    return Shown(f"{hints!r}\n{line}", (hints_html(hints) or esc(repr(hints))) + f"<div>{esc(line)}</div>")


def dry_run(plan: Plan) -> Shown:
    """The endpoint, the arguments, the estimate and the same request as code, with the
    prompt coach's hints below (nothing is sent)."""
    provider = providers.get(plan.provider)
    hints = Hints(coach(plan.request))
    text = "\n".join(
        [
            f"endpoint: {plan.endpoint_id} via {provider.label}",
            f"estimate: {plan.estimate}" + (f" ({plan.estimate.note})" if plan.estimate.note else ""),
            "arguments:",
            json.dumps(dict(plan.arguments), indent=2, ensure_ascii=False),
            f"the same request to {provider.label} in Python:",
            plan.code,
            *(["hints:", repr(hints)] if hints else []),
            "nothing was sent (--dry-run)",
        ]
    )
    html = dry_run_html(plan.endpoint_id, dict(plan.arguments), plan.estimate, plan.code, provider.name)
    return Shown(text, html + hints_html(hints))


def price(request: GenerationRequest, provider: str = "auto") -> Shown:
    """The estimate of a request at the provider it would go to (refused, in one line,
    if that provider cannot take it), from its plan: reference videos are read and their
    seconds counted exactly as for the dry run and the budget."""
    from .grids import plan_cells

    chosen = choose(request.provider, provider)
    plans = (
        plan_cells(request, DEFAULTS, provider)
        if request.is_grid
        else [make_plan(request, provider=provider)]
    )
    est = total_of(plans) if request.is_grid else plans[0].estimate
    width, height = frame_size(request.resolution, request.aspect_ratio)
    label = request.endpoint.label
    what = f"{label} · via {chosen.label} · {width}x{height} · duration {request.duration}"
    if request.is_grid:
        what += f" · {request.grid_size} videos"
    note = f" ({est.note})" if est.note else ""
    return Shown(f"est. {est}{note} · {what}")


def session_jobs(runtime: Runtime) -> list[Job]:
    """The jobs of this kernel, oldest first: the last ones it made (finished ones too,
    even when no variable holds them) and any other that something still holds."""
    found = {job.key: job for job in [*runtime.recent, *runtime.jobs.values()] if isinstance(job, Job)}
    return sorted(found.values(), key=lambda j: j.snapshot.started)


def _find_jobs(runtime: Runtime, target: str) -> list[Job]:
    jobs = [job for job in session_jobs(runtime) if not job.done]
    if target == "all":
        return jobs
    return [j for j in jobs if (j.request_id or "").startswith(target) or j.key == target]


def _replayed(job: Job) -> bool:
    return job.result is not None and job.result.cached


def _row(job: Job, replays: int) -> JobRow:
    snap, result = job.snapshot, job.result
    state = snap.state.value
    if snap.state is State.QUEUED and snap.queue_position is not None:
        state += f" #{snap.queue_position}"
    elif snap.state is State.RUNNING and snap.progress is not None:
        state += f" {snap.progress:.0%}"
    if _replayed(job):
        state = "cached"
    if replays:
        state += f", replayed {replays} time{'s' if replays > 1 else ''}"
    if result is not None:
        cost = (
            "$0 (cached)"
            if result.cached
            else "$0 (emulator)"
            if result.emulated
            else f"${result.cost_usd:.2f}"
        )
    elif snap.state.terminal:
        cost = "-"
    else:
        cost = estimate_text(snap.estimate) + (" (emulator: $0)" if snap.emulated else "")
    prompt = str(job.spec.arguments.get("prompt", ""))
    if snap.caption:
        prompt = f"[{caption_text(snap.caption)}] {prompt}"
    time = "" if _replayed(job) else format_elapsed(snap.elapsed)
    return JobRow(state, time, cost, snap.request_id or "", prompt)


def jobs_table(runtime: Runtime) -> Shown:
    """`%seedance jobs`: this kernel's jobs, oldest first, finished ones included (the last
    RECENT_JOBS); a replay of a result made here counts on that job's row."""
    jobs = session_jobs(runtime)
    made = {job.request_id for job in jobs if job.request_id and not _replayed(job)}
    replays: dict[str, int] = {}
    shown = []
    for job in jobs:
        rid = job.request_id
        if rid and _replayed(job) and rid in made:
            replays[rid] = replays.get(rid, 0) + 1
        else:
            shown.append(job)
    rows = [_row(job, replays.get(job.request_id or "", 0) if not _replayed(job) else 0) for job in shown]
    running = sum(not job.done for job in shown)
    note = f"{running} running: %seedance cancel ID|all cancels" if running else ""
    return Shown(jobs_text(rows, note=note), jobs_html(rows, note=note))


def cancel(runtime: Runtime, target: str) -> Shown:
    if not target:
        raise InvalidRequest("%seedance cancel needs a request id (or its first characters) or all")
    jobs = _find_jobs(runtime, target)
    if not jobs and target == "all":
        return Shown("no job is running in this kernel: nothing to cancel")
    if not jobs:
        raise InvalidRequest(f"no running job matches {target!r}; `%seedance jobs` lists them")
    sent = (State.QUEUED, State.RUNNING, State.DOWNLOADING)
    kept = [j for j in jobs if not j.snapshot.cancellable and j.snapshot.state in sent]
    going = [j for j in jobs if j not in kept]
    for job in going:
        job.cancel()
    lines = [_cancelling(going)] if going else []
    for job in kept:
        label = provider_label(job.snapshot.provider)
        lines.append(
            f"{job.request_id}: {label} cannot cancel a job it has started; "
            "it will finish, be charged and be downloaded"
        )
    return Shown("\n".join(lines))


def _cancelling(jobs: list[Job]) -> str:
    """What `%seedance cancel` is doing, in one line: the jobs sent by request id, then
    how many are being sent (cancelled once the provider answers) and how many were
    never sent (nothing is charged for them)."""
    ids = [job.request_id for job in jobs if job.request_id]
    sending = sum(1 for job in jobs if not job.request_id and job.snapshot.state is State.SUBMITTING)
    unsent = len(jobs) - len(ids) - sending
    parts = list(ids)
    if sending:
        parts.append(f"{sending} being sent (cancelled as soon as the provider answers)")
    if unsent:
        them = "it" if unsent == 1 else "those"
        parts.append(f"{unsent} not yet sent (nothing is charged for {them})")
    if len(parts) > 1:
        parts[-1] = "and " + parts[-1]
    return f"cancelling {counted(len(jobs), 'job')}: " + ", ".join(parts)


def _key_source(provider: Provider, dotenv_names: list[str]) -> str:
    """Where a provider's key comes from, never the key: "present (FAL_KEY via .env)"."""
    names = [n for n in provider.key_vars if os.environ.get(n)]
    if not names:
        return "present (Colab secret or fal login)" if has_credentials(provider) else "absent"
    dotenv = " via .env" if any(n in dotenv_names for n in names) else ""
    return f"present ({' / '.join(names)}{dotenv})"


def _where(provider: Provider, base_url: str | None) -> str:
    """Where a provider's requests go, said without starting anything."""
    if base_url:
        return f"the server at {base_url}"
    if has_credentials(provider):
        return provider.default_base_url or "fal.ai"
    return "the built-in emulator (no key found: nothing is charged)"


def config_report(runtime: Runtime) -> Shown:
    settings = runtime.settings
    defaults = settings.defaults
    chosen = runtime.provider()
    how = "auto" if settings.provider == "auto" else f"Seedance.provider = {settings.provider!r}"
    where = _where(chosen, settings.base_url_for(chosen.name))
    budget = "none" if settings.session_budget_usd is None else f"${settings.session_budget_usd:.2f}"
    keys = [f"{(p.label + ' key:'):16}{_key_source(p, runtime.dotenv_names)}" for p in PROVIDERS.values()]
    lines = [
        f"provider:       {chosen.label} ({how}; --provider picks another for one cell)",
        f"requests go to: {where}",
        *keys,
        f"spent here:     ${runtime.spent_usd:.2f} this kernel (emulator and cached runs are $0)",
        f"limits:         ${settings.max_usd_per_run:.2f} per run, session budget {budget}",
        f"cache:          {settings.cache}",
        f"output folder:  {settings.output_dir}",
        f"journal:        {settings.journal}",
        f"defaults:       tier {defaults.tier}, {defaults.resolution}, duration {defaults.duration}, "
        f"aspect {defaults.aspect_ratio}, audio {'on' if defaults.generate_audio else 'off'}",
        f"wait:           {settings.wait}   embed: {settings.embed}   stream: {settings.use_stream}",
    ]
    return Shown("\n".join(lines))


def resume(runtime: Runtime, request_id: str) -> Job:
    """The job for a request id: a live one of this kernel, or reattached from the journal
    (started; nothing is submitted again)."""
    for job in session_jobs(runtime):
        if job.request_id == request_id and (job.result is not None or job.following):
            return job  # a job of this kernel that ended (or died) without a video is resumed anew
    record = runtime.journal.by_request_id(request_id)
    if record is None:
        raise InvalidRequest(
            f"no job with request id {request_id} in the journal ({runtime.settings.journal})",
            hint="`%seedance history` lists finished ones; check the id",
        )
    if record.state == State.COMPLETED and record.path and os.path.exists(record.path):
        return Job.replay(spec_from_record(record), result_from(record), runtime)
    return Job.resume(record, runtime).start()
