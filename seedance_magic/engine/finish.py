"""The end of a job's way, on this machine: a finished job's outcome, its result checked
(server data is data: the seed must be an integer), its video downloaded into the output
folder and recorded; a cached video downloaded again; and any unexpected failure after
the submit (a full disk, a folder that became a file, ...) said in one line with its
request id, with no `.part` file left behind; and whether a journalled job can be
resumed at all.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .. import errors
from ..model import JobSpec, Result
from ..settings import Target
from ..spec.providers import get as get_provider
from ..spec.states import REJECTED, State
from ..store.journal import JobRecord
from .backends.base import Backend, Handle, StatusUpdate
from .fetching import Fetching, cancelled_result, ended, output_path, probe, settle_seed
from .ledger import Ledger

if TYPE_CHECKING:
    from .runtime import Runtime

# A seed the journal (SQLite INTEGER) can hold.
_SEED_LIMIT = 2**63
EMULATOR_ENDED = "made by the emulator of a kernel that has ended; nothing was charged"


def resume_target(record: JobRecord, runtime: Runtime) -> Target:
    """Where a journalled job can be followed again; raises when it cannot be: no request
    id came back, or the emulator that made it ended with its kernel (its job with it:
    the row is marked ended)."""
    if not record.request_id or not record.status_url:
        provider = get_provider(record.provider)
        raise errors.InvalidRequest(
            f"job {record.id} has no request id: its submit never reached {provider.label} "
            "or its outcome is unknown",
            hint=f"Check {provider.dashboard} for a request made at that time before running it again",
        )
    target = runtime.target_for(record.provider, record.base_url, record.emulated)
    if runtime.emulator_ended(target):  # nothing there to wait for
        runtime.journal.update(
            record.id, state=State.FAILED.value, detail=EMULATOR_ENDED, error=EMULATOR_ENDED
        )
        raise errors.JobFailed(
            f"job {record.request_id} was {EMULATOR_ENDED}",
            request_id=record.request_id,
            hint="Run its cell again to make it anew (the emulator is free)",
        )
    return target


def checked_seed(data: dict[str, Any], label: str, request_id: str) -> int | None:
    """The result's seed, accepted only as an integer (or absent)."""
    seed = data.get("seed")
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and abs(seed) < _SEED_LIMIT):
        return seed
    shown = repr(seed) if len(repr(seed)) <= 40 else repr(seed)[:39] + "…"
    raise errors.JobFailed(
        f"{label}'s result for request {request_id} is not valid: its field 'seed' is {shown}, "
        "not a whole number",
        request_id=request_id,
        hint="Nothing was saved from it; `%seedance resume ID` asks for the result again",
    )


def clean_parts(dest: Path) -> None:
    """Remove what an interrupted download of `dest` left (`.NAME.*.part`)."""
    try:
        for part in dest.parent.glob(f".{dest.name}.*.part"):
            part.unlink(missing_ok=True)
    except OSError:
        pass


def interrupted(exc: Exception, state: State, request_id: str | None, label: str) -> errors.SeedanceError:
    """An exception that is not ours (a full disk, a bug) as one line naming the cause
    and the request id: the job at the provider is kept, resumable by its id."""
    if isinstance(exc, OSError) and exc.strerror:
        cause = exc.strerror + (f": {exc.filename}" if exc.filename else "")
    else:
        cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    cause = " ".join(cause.split())
    doing = "saving the video" if state is State.DOWNLOADING else "following the job"
    if request_id is None:
        return errors.JobInterrupted(f"{doing} stopped on this machine ({cause})", hint="Nothing was sent")
    kind = errors.DownloadFailed if state is State.DOWNLOADING else errors.JobInterrupted
    return kind(
        f"{doing} stopped on this machine ({cause})",
        request_id=request_id,
        hint=f"The job at {label} is kept: fix the cause, then `%seedance resume {request_id}` picks it up",
    )


NOT_SENT = "cancelled before it was sent: nothing was charged"


def not_sent(reason: str) -> str:
    """Why a job that was never sent ended: NOT_SENT, or e.g. "timed out after 60 s ..."."""
    return NOT_SENT if reason == "cancelled" else f"{reason} before it was sent: nothing was charged"


class Finish:
    """The last steps of one job, writing to its ledger."""

    def __init__(
        self,
        ledger: Ledger,
        spec: JobSpec,
        runtime: Runtime,
        target: Target,
        backend: Backend,
        *,
        sent: dict[str, Any] | None = None,
    ) -> None:
        self.ledger = ledger
        self.spec = spec
        self.runtime = runtime
        self.target = target
        self.backend = backend
        self.sent = sent  # the arguments sent (the inputs' URLs in them), when they differ

    async def completed(
        self, handle: Handle, update: StatusUpdate, *, cancelled: bool, reason: str
    ) -> Result:
        """The job is COMPLETED at the provider: its outcome, or its video downloaded."""
        ledger, label = self.ledger, self.target.label
        if update.error or update.error_type:
            self._ended(update, handle, cancelled=cancelled, reason=reason)
        fetching = Fetching(
            self.backend,
            handle,
            label,
            on_trouble=lambda t: ledger.publish(trouble=t),
            retry_s=self.runtime.settings.poll_initial,  # the polling pace: 0.5 s unless configured
        )
        try:
            data = await fetching.result()
        except errors.ServiceError as exc:
            if cancelled_result(exc, cancel_requested=cancelled):
                gone = StatusUpdate("COMPLETED", error=exc.message, error_type="client_cancelled")
                self._ended(gone, handle, cancelled=cancelled, reason=reason)
            if exc.error_type == REJECTED:  # refused by the model after queueing: the job ended
                ledger.write(error_type=REJECTED)
                ledger.end(State.FAILED, str(exc))
            raise
        checked_seed(data, label, handle.request_id)  # server data is data
        data, seed, seed_note = settle_seed(data, self.spec.arguments.get("seed"), self.target.provider)
        video = data.get("video") or {}
        ledger.write(result=data, seed=seed, video_url=video.get("url"))
        if seed_note:  # not the seed asked for: no seeded cache entry to replay as "seed N"
            ledger.write(cache_key=None, seeded=False)
        if not video.get("url"):
            raise errors.JobFailed(f"{label}'s result has no video URL", request_id=handle.request_id)
        ledger.publish(state=State.DOWNLOADING, progress=1.0)
        ledger.write(State.DOWNLOADING)
        settings = self.runtime.settings
        dest = output_path(settings.output_dir, self.spec.arguments, seed, handle.request_id)
        downloaded = time.monotonic()
        try:
            path, media = await fetching.video(
                video,
                dest,
                attempts=settings.download_attempts,
                progress=lambda have, total: ledger.publish(downloaded=have, download_total=total),
            )
        except BaseException:
            clean_parts(dest)
            raise
        result = self._result(data, path, media, downloaded)
        measured = {k: v for k, v in media.items() if v is not None} or None
        ledger.write(
            State.COMPLETED,
            path=str(path.resolve()),
            cost_usd=result.cost_usd,
            timings=result.timings,
            media=measured,
        )
        if not result.emulated:
            self.runtime.record_spend(result.cost_usd)
        ledger.publish(
            state=State.COMPLETED, result=result, finished=time.monotonic(), trouble=None, cancelling=False
        )
        return result

    def _ended(self, update: StatusUpdate, handle: Handle, *, cancelled: bool, reason: str) -> NoReturn:
        """The job ended at the provider without a video: record how, and raise."""
        state, message, error = ended(
            update, self.target.label, cancelled=cancelled, reason=reason, request_id=handle.request_id
        )
        if state is State.FAILED:
            self.ledger.write(error_type=update.error_type)
        self.ledger.end(state, message)
        raise error

    def _result(self, data: dict[str, Any], path: Any, media: dict[str, Any], downloaded: float) -> Result:
        snap, spec, now = self.ledger.snapshot, self.spec, time.monotonic()
        timings = {
            "queued_s": round((snap.running_since or now) - snap.started, 3),
            "running_s": round(downloaded - (snap.running_since or downloaded), 3),
            "download_s": round(now - downloaded, 3),
            "total_s": round(now - snap.started, 3),
        }
        return Result.build(
            endpoint=spec.endpoint_id,
            arguments=dict(self.sent or spec.arguments),
            request_id=snap.request_id,
            data=data,
            path=path,
            emulated=self.target.emulated,
            provider=self.target.provider,
            timings=timings,
            input_video_seconds=spec.input_video_seconds,
            reproduce=spec.reproduce,
            inputs=spec.inputs,
            **media,
        )

    async def again(self, cached: Result) -> Result:
        """A cached result whose file is gone, or a paid video whose download failed (its
        journal row is the ledger's): its URL downloaded again, nothing submitted."""
        ledger = self.ledger
        ledger.publish(state=State.DOWNLOADING)
        request_id = cached.request_id
        dest = cached.path or output_path(
            self.runtime.settings.output_dir, cached.arguments, cached.seed, request_id
        )
        try:
            path = await self.backend.download(
                cached.video_url,
                dest,
                attempts=self.runtime.settings.download_attempts,
                request_id=request_id,
            )
        except errors.DownloadFailed as exc:
            clean_parts(dest)
            if ledger.journal_id is None:
                message = (
                    f"the cached video {dest} is gone and its URL no longer works ({exc.message}); "
                    "run the cell with --no-cache to make it again"
                )
            else:
                message = f"the video of request {request_id} could not be downloaded again: {exc.message}"
            ledger.end(State.FAILED, message, record_state=False)
            raise errors.DownloadFailed(message, request_id=request_id, hint=exc.hint) from None
        except BaseException:
            clean_parts(dest)
            raise
        media = await asyncio.to_thread(probe, path)
        result = replace(cached, path=path)
        if ledger.journal_id is not None:
            measured = {k: v for k, v in media.items() if v is not None} or None
            ledger.write(State.COMPLETED, path=str(path.resolve()), media=measured, error=None)
        ledger.publish(state=State.COMPLETED, result=result, finished=time.monotonic())
        return result
