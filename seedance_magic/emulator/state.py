"""Emulated jobs: their life from IN_QUEUE through IN_PROGRESS to COMPLETED, in time.

One condition variable guards every job. A scheduler thread advances jobs as their
times come (queue position ticking down, log lines appearing, the run ending) and
notifies the condition on every change; handlers wait on it (the SSE stream, a fal.run
request, `wait_for`) instead of polling. Each job's `version` grows on every change a
client could see. Rendering runs in a small thread pool and completes the job when both
its run time has passed and its clip is ready. The first job drawn as a plain clip logs,
once per emulator, how to get clips that show the prompt.
"""

from __future__ import annotations

import concurrent.futures
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .clip import RenderAborted, RenderSpec
from .config import ERROR_TYPES, EmulatorConfig
from .inputs import Plan
from .job import CANCELLED_TYPE, COMPLETED, IN_PROGRESS, IN_QUEUE, Job, JobInfo, iso, log_schedule
from .plain import INSTALL_NOTE
from .renderers import render
from .storage import FileStore


class JobStore:
    def __init__(self, files: FileStore, base_url: Callable[[], str], workers: int) -> None:
        self._cond = threading.Condition(threading.RLock())
        self._jobs: dict[str, Job] = {}
        self._files = files
        self._base_url = base_url
        self._stopping = False
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="seedance-render")
        # Renders under way, so that jobs asking for the same clip at once share one.
        self._rendering: dict[tuple[str, RenderSpec], concurrent.futures.Future[bytes]] = {}
        self._told_plain = False
        self._thread = threading.Thread(target=self._run, name="seedance-emulator-clock", daemon=True)
        self._thread.start()

    # -------------------------------------------------------------------- lifecycle
    def create(
        self,
        endpoint_id: str,
        args: dict[str, Any],
        seed: int,
        plan: Plan | None,
        timing: EmulatorConfig,
        *,
        fail_with: str | None = None,
        webhook: str | None = None,
        start_timeout: float | None = None,
        rejected: tuple[dict[str, Any], ...] = (),
    ) -> JobInfo:
        """A new job, queued. Without a plan it is one the model refuses (`rejected`, its
        422 detail list): it leaves the queue, completes at once and renders nothing."""
        request_id = str(uuid.uuid4())
        now, wall = time.monotonic(), time.time()
        with self._cond:
            if plan is not None and plan.renderer == "plain" and not self._told_plain:
                self._told_plain = True
                plan = replace(plan, notes=(*plan.notes, INSTALL_NOTE))
        spec = plan.spec if plan is not None else None
        info = JobInfo(
            request_id=request_id,
            endpoint_id=endpoint_id,
            arguments=args,
            seed=seed,
            state=IN_QUEUE,
            queue_position=timing.queue_position_start,
            held=timing.hold,
            submitted_at=wall,
            width=spec.width if spec else 0,
            height=spec.height if spec else 0,
            duration=spec.duration if spec else 0,
            aspect_ratio=plan.aspect_ratio if plan else "",
            webhook=webhook,
            start_timeout=start_timeout,
            rejected=rejected,
        )
        job = Job(info, plan, timing, fail_with, wall, now, now, log_schedule(plan, timing))
        with self._cond:
            self._jobs[request_id] = job
            self._cond.notify_all()
            if plan is None:
                job.rendered = True
                return info
            key = (plan.renderer, plan.spec)
            future = self._rendering.get(key)
            if future is None:
                future = self._pool.submit(render, plan.renderer, plan.spec, lambda: self._stopping)
                self._rendering[key] = future
        future.add_done_callback(lambda f: self._rendered(request_id, key, f))
        return info

    def _rendered(
        self, request_id: str, key: tuple[str, RenderSpec], future: concurrent.futures.Future[bytes]
    ) -> None:
        with self._cond:
            if self._rendering.get(key) is future:
                del self._rendering[key]
            job = self._jobs.get(request_id)
            if job is None:  # removed meanwhile
                return
            job.rendered = True
            if future.cancelled():
                job.render_error = RenderAborted("rendering was cancelled")
            elif future.exception() is not None:
                job.render_error = future.exception()
            else:
                job.clip = future.result()
            self._cond.notify_all()

    def release(self, request_id: str | None = None) -> int:
        """Let held jobs (one, or all) start their queue countdown; returns how many."""
        with self._cond:
            now, count = time.monotonic(), 0
            for job in self._jobs.values():
                if job.info.held and job.info.state == IN_QUEUE and request_id in (None, job.info.request_id):
                    job.queue_from = now
                    self._change(job, held=False)
                    count += 1
            self._cond.notify_all()
            return count

    def cancel(self, request_id: str, error_type: str = CANCELLED_TYPE, *, remove: bool = False) -> str:
        """Cancel a live job (it completes with `error_type`); `remove` then forgets it."""
        with self._cond:
            job = self._jobs.get(request_id)
            if job is None:
                return "NOT_FOUND"
            self._advance(job, time.monotonic())
            if job.info.state == COMPLETED:
                return "ALREADY_COMPLETED"
            self._finish(job, time.monotonic(), error_type)
            if remove:
                del self._jobs[request_id]
            self._cond.notify_all()
            return "CANCELLATION_REQUESTED"

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def stopping(self) -> bool:
        return self._stopping

    # --------------------------------------------------------------------- reading
    def get(self, request_id: str) -> JobInfo | None:
        with self._cond:
            job = self._jobs.get(request_id)
            if job is None:
                return None
            if self._advance(job, time.monotonic()):
                self._cond.notify_all()
            return job.info

    def all(self) -> dict[str, JobInfo]:
        with self._cond:
            now = time.monotonic()
            if any([self._advance(job, now) for job in self._jobs.values()]):
                self._cond.notify_all()
            return {rid: job.info for rid, job in self._jobs.items()}

    def wait_for(
        self, request_id: str, predicate: Callable[[JobInfo], bool], timeout: float | None
    ) -> JobInfo | None:
        """The job once `predicate` holds for it; None on timeout, unknown id or shutdown."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._stopping:
                info = self.get(request_id)
                if info is None:
                    return None
                if predicate(info):
                    return info
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(left)
            return None

    # -------------------------------------------------------------------- the clock
    def _run(self) -> None:
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                due = math.inf
                changed = False
                for job in self._jobs.values():
                    if job.info.state != COMPLETED:
                        changed |= self._advance(job, now)
                        due = min(due, self._next_due(job, now))
                if changed:
                    self._cond.notify_all()
                self._cond.wait(None if due == math.inf else max(0.0, due - time.monotonic()))

    def _change(self, job: Job, **changes: Any) -> None:
        job.info = replace(job.info, version=job.info.version + 1, **changes)

    def _advance(self, job: Job, now: float) -> bool:
        """Bring `job` up to time `now`; True if anything a client sees changed."""
        version, timing = job.info.version, job.timing
        deadline = self._start_deadline(job)
        if job.info.state == IN_QUEUE and now >= deadline:
            self._finish(job, deadline, "request_timeout")
        if job.info.state == IN_QUEUE and not job.info.held:
            elapsed = now - job.queue_from
            if elapsed >= timing.queue_seconds:
                job.run_from = job.queue_from + timing.queue_seconds
                self._change(job, state=IN_PROGRESS, queue_position=0, started_at=job.wall(job.run_from))
            else:
                start = timing.queue_position_start
                position = start - int(elapsed / timing.queue_seconds * (start + 1))
                if position != job.info.queue_position:
                    self._change(job, queue_position=max(0, position))
        if job.info.state == IN_PROGRESS:
            shown = len(job.info.logs)
            due = [line for line in job.schedule[shown:] if job.run_from + line[0] <= now]
            if due:
                logs = [self._log(job, job.run_from + offset, level, msg) for offset, level, msg in due]
                self._change(job, logs=job.info.logs + tuple(logs))
            if job.rendered and (job.plan is None or now >= job.run_from + timing.run_seconds):
                failure = job.fail_with or ("runner_server_error" if job.render_error else None)
                self._finish(job, now, failure)
        return job.info.version != version

    def _next_due(self, job: Job, now: float) -> float:
        timing = job.timing
        if job.info.state == IN_QUEUE:
            if job.info.held:
                return self._start_deadline(job)
            start = timing.queue_position_start
            tick = timing.queue_seconds / (start + 1)
            passed = int((now - job.queue_from) / tick) + 1 if tick > 0 else start + 1
            return min(job.queue_from + min(passed * tick, timing.queue_seconds), self._start_deadline(job))
        times = [job.run_from + line[0] for line in job.schedule[len(job.info.logs) :]]
        if job.rendered:
            times.append(job.run_from + timing.run_seconds)
        return min(times, default=math.inf)

    def _start_deadline(self, job: Job) -> float:
        timeout = job.info.start_timeout
        return math.inf if timeout is None else job.mono0 + timeout

    def _log(self, job: Job, mono: float, level: str, message: str) -> dict[str, str]:
        return {"message": message, "level": level, "source": "USER", "timestamp": iso(job.wall(mono))}

    def _finish(self, job: Job, now: float, error_type: str | None) -> None:
        info = job.info
        logs = list(info.logs)
        changes: dict[str, Any] = {
            "state": COMPLETED,
            "completed_at": job.wall(now),
            "queue_position": 0,
            "held": False,
        }
        if error_type is None and job.plan is None:
            pass  # refused by the model: no error here, the 422 is on the result
        elif error_type is None and job.clip is not None and job.plan is not None:
            spec = job.plan.spec
            if spec.audio:
                logs.append(self._log(job, now, "INFO", "Muxing audio"))
            done = f"Done: {spec.width}x{spec.height}, {spec.duration} s, seed {info.seed}"
            logs.append(self._log(job, now, "INFO", done))
            key = f"{info.request_id}/output.mp4"
            self._files.put(key, job.clip, "video/mp4")
            video = {
                "url": f"{self._base_url()}/files/{key}",
                "content_type": "video/mp4",
                "file_name": "output.mp4",
                "file_size": len(job.clip),
            }
            result = (
                {"video": video} if job.timing.seeds == "unreported" else {"video": video, "seed": info.seed}
            )
            changes.update(result=result, inference_time=round(now - job.run_from, 3))
        else:
            error_type = error_type or "runner_server_error"
            message = ERROR_TYPES[error_type][1]
            if job.render_error is not None and job.fail_with is None and error_type != CANCELLED_TYPE:
                message = f"Rendering failed: {job.render_error}"
            if error_type != CANCELLED_TYPE:
                logs.append(self._log(job, now, "ERROR", message))
            changes.update(error=message, error_type=error_type)
        self._change(job, logs=tuple(logs), **changes)
