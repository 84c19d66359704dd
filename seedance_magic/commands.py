"""What each magic command does, between the parser and the views: run a cell, price,
list and cancel jobs, report the config, resume, show history. Kept apart from magic.py
so the magic stays wiring only; every function here is callable without IPython magics."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from . import pipeline
from .engine import Job, State
from .errors import InvalidRequest
from .ui.style import NO_MATH

if TYPE_CHECKING:
    from .config import Seedance
    from .providers import Provider
    from .request import Defaults, GenerationRequest
    from .runtime import Runtime


class Shown:
    """Something with a text and an HTML form, for line magics' return values."""

    def __init__(self, text: str, html: str | None = None) -> None:
        self.text = text
        self.html = html

    def __repr__(self) -> str:
        return self.text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": self.text}
        if self.html is not None:
            bundle["text/html"] = self.html
        return bundle


def live_widgets(shell: Any, runtime: Runtime) -> bool:
    """Show a live widget: in a kernel with a frontend, unless the run is headless."""
    return widgets_usable(shell) and not runtime.settings.headless


def widgets_usable(shell: Any) -> bool:
    """A kernel talking to a frontend (widgets can render), not terminal IPython."""
    if shell is None or type(shell).__name__ not in ("ZMQInteractiveShell", "Shell"):
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def _display(obj: Any, **kwargs: Any) -> Any:
    from IPython import display as ipd

    show: Any = ipd.display  # untyped in IPython
    return show(obj, **kwargs)


def show_job(job: Job, shell: Any, runtime: Runtime, *, wait: bool) -> None:
    """A live view of the job (a widget in a kernel, a text line elsewhere); when
    waiting, block until it ends and leave the result's HTML as the cell's output."""
    from .ui.html import should_embed

    embed = should_embed(runtime.settings.embed)
    handle = None
    if live_widgets(shell, runtime):
        from .ui.progress import JobView

        handle = _display(JobView(job, embed=embed), display_id=True)
    else:
        from .ui.text import TextProgress

        TextProgress(job, sys.stderr)
    if not wait:
        return
    result = job.wait()
    if handle is not None:
        handle.update(result)
    else:
        _display(result)


def run_single(request: GenerationRequest, shell: Any, runtime: Runtime, defaults: Defaults) -> Job | None:
    plan = pipeline.make_plan(request, defaults=defaults, provider=runtime.settings.provider)
    for warning in getattr(plan.inputs, "warnings", ()) or ():
        print(f"seedance: {warning}", file=sys.stderr)
    if request.dry_run:
        _display(dry_run(plan))
        return None
    settings = runtime.settings
    pipeline.check_budget(plan.estimate, settings, runtime, yes=request.yes)
    job = pipeline.launch(plan, runtime)
    if request.out:
        shell.user_ns[request.out] = job
    wait = request.wait or settings.wait or not runtime.loop_keeps_running()
    show_job(job, shell, runtime, wait=wait)
    return job


def run_grid(request: GenerationRequest, shell: Any, runtime: Runtime, defaults: Defaults) -> Any:
    from .grid import run_grid as grid

    return grid(request, shell, runtime, defaults)


def dry_run(plan: pipeline.Plan) -> Shown:
    from .providers import get
    from .ui.html import dry_run_html

    provider = get(plan.provider)
    text = "\n".join(
        [
            f"endpoint: {plan.endpoint_id} via {provider.label}",
            f"estimate: {plan.estimate}" + (f" ({plan.estimate.note})" if plan.estimate.note else ""),
            "arguments:",
            json.dumps(dict(plan.arguments), indent=2, ensure_ascii=False),
            f"the same request to {provider.label} in Python:",
            plan.code,
            "nothing was sent (--dry-run)",
        ]
    )
    html = dry_run_html(plan.endpoint_id, dict(plan.arguments), plan.estimate, plan.code, provider.name)
    return Shown(text, html)


def price(request: GenerationRequest, defaults: Defaults, provider: str = "auto") -> Shown:
    """The estimate of a request at the provider it would go to (refused, in one line,
    if that provider cannot take it)."""
    from . import providers
    from .endpoints import frame_size
    from .plan import arguments, estimate

    chosen = providers.choose(request.provider, provider)
    providers.check(chosen, request.endpoint, arguments(request), timeout=request.timeout)
    est = estimate(request)
    width, height = frame_size(request.resolution, request.aspect_ratio)
    label = request.endpoint.label
    what = f"{label} · via {chosen.label} · {width}x{height} · duration {request.duration}"
    if request.is_grid:
        what += f" · {request.grid_size} videos"
    note = f" ({est.note})" if est.note else ""
    return Shown(f"est. {est}{note} · {what}")


def _find_jobs(runtime: Runtime, target: str) -> list[Job]:
    jobs = [job for job in list(runtime.jobs.values()) if not job.done]
    if target == "all":
        return jobs
    return [j for j in jobs if (j.request_id or "").startswith(target) or j.key == target]


def jobs_table(runtime: Runtime) -> Shown:
    from .ui.html import esc
    from .ui.text import status_text

    jobs = sorted(runtime.jobs.values(), key=lambda j: j.snapshot.started)
    if not jobs:
        return Shown("no jobs in this kernel yet")
    rows = [
        (j.request_id or "(not sent)", status_text(j.snapshot), j.spec.arguments.get("prompt", ""))
        for j in jobs
    ]
    text = "\n".join(f"{rid:38} {state:30} {str(prompt)[:50]}" for rid, state, prompt in rows)
    html = (
        f'<table class="{NO_MATH}"><tr><th>request id</th><th>state</th><th>prompt</th></tr>'
        + "".join(
            f"<tr><td><code>{esc(r)}</code></td><td>{esc(s)}</td><td>{esc(str(p)[:80])}</td></tr>"
            for r, s, p in rows
        )
        + "</table>"
    )
    return Shown(text, html)


def cancel(runtime: Runtime, target: str) -> Shown:
    if not target:
        raise InvalidRequest("%seedance cancel needs a request id (or its first characters) or all")
    jobs = _find_jobs(runtime, target)
    if not jobs:
        raise InvalidRequest(f"no running job matches {target!r}; `%seedance jobs` lists them")
    from .ui.text import provider_label

    sent = (State.QUEUED, State.RUNNING, State.DOWNLOADING)
    kept = [j for j in jobs if not j.snapshot.cancellable and j.snapshot.state in sent]
    going = [j for j in jobs if j not in kept]
    for job in going:
        job.cancel()
    lines = (
        [f"cancelling {len(going)} job(s): " + ", ".join(j.request_id or j.key for j in going)]
        if going
        else []
    )
    for job in kept:
        label = provider_label(job.snapshot.provider)
        lines.append(
            f"{job.request_id}: {label} cannot cancel a job it has started; "
            "it will finish, be charged and be downloaded"
        )
    return Shown("\n".join(lines))


def _key_source(provider: Provider, dotenv_names: list[str]) -> str:
    """Where a provider's key comes from, never the key: "present (FAL_KEY via .env)"."""
    names = [n for n in provider.key_vars if os.environ.get(n)]
    if not names:
        return "present (Colab secret or fal login)" if provider.has_credentials() else "absent"
    dotenv = " via .env" if any(n in dotenv_names for n in names) else ""
    return f"present ({' / '.join(names)}{dotenv})"


def _where(provider: Provider, base_url: str | None) -> str:
    """Where a provider's requests go, said without starting anything."""
    if base_url:
        return f"the server at {base_url}"
    if provider.has_credentials():
        return provider.default_base_url or "fal.ai"
    return "the built-in emulator (no key found: nothing is charged)"


def config_report(runtime: Runtime, config: Seedance) -> Shown:
    from .providers import PROVIDERS

    settings = runtime.settings
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
        f"defaults:       tier {config.tier}, {config.resolution}, duration {config.duration}, "
        f"aspect {config.aspect_ratio}, audio {'on' if config.generate_audio else 'off'}",
        f"wait:           {settings.wait}   embed: {settings.embed}   stream: {settings.use_stream}",
    ]
    return Shown("\n".join(lines))


def resume(runtime: Runtime, request_id: str, shell: Any) -> Job:
    """The job for a request id: a live one of this kernel, or reattached from the journal."""
    for job in list(runtime.jobs.values()):
        if job.request_id == request_id and (not job.done or job.result is not None):
            return job  # a job of this kernel that ended without a video is resumed anew
    record = runtime.journal.by_request_id(request_id)
    if record is None:
        raise InvalidRequest(
            f"no job with request id {request_id} in the journal ({runtime.settings.journal})",
            hint="`%seedance history` lists finished ones; check the id",
        )
    if record.state == "completed" and record.path and os.path.exists(record.path):
        from .engine import spec_from_record
        from .gallery import result_from

        return Job.replay(spec_from_record(record), result_from(record), runtime)
    job = Job.resume(record, runtime).start()
    if not runtime.loop_keeps_running():
        show_job(job, shell, runtime, wait=True)
    return job


def history(runtime: Runtime, limit: int, search: str | None) -> Any:
    from .gallery import history_view

    return history_view(runtime, limit, search)


def studio(runtime: Runtime) -> Any:
    from .studio_panel import Studio

    return Studio(runtime)


__all__ = ["Shown", "State", "run_single"]
