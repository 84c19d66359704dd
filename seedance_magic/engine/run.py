"""`Run`: one job's way through its provider, the steps a Job's task takes.

    [slot] -> upload the inputs -> submit -> journal the request id
           -> follow (stream, else adaptive polling)
           -> finish (finish.py): fetch the result -> download the MP4 -> probe it -> Result

or, for a cached result whose file is gone, the download alone. What it learns goes
into the job's Ledger (snapshot and journal row); following, fetching and finishing are
its collaborators (following.py, fetching.py, finish.py).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import TYPE_CHECKING, Any

from .. import errors
from ..model import JobSpec, Result
from ..settings import Target
from ..spec.endpoints import DEFAULT_DURATION, DEFAULT_RESOLUTION
from ..spec.providers import get as get_provider
from ..spec.states import State
from .backends.base import Backend, Handle, StatusUpdate
from .finish import Finish, interrupted
from .following import Following, Pace, changes
from .ledger import Ledger

if TYPE_CHECKING:
    from ..media.upload import SharedUpload
    from .gate import Gated, SlotGate
    from .runtime import Runtime


class Run:
    """The steps of one job (`owner`, the Job, is what waits at the slot gate). `handle`
    is set once the provider has the job; the cancel fields are set by Job.cancel."""

    def __init__(
        self,
        owner: Gated,
        spec: JobSpec,
        runtime: Runtime,
        ledger: Ledger,
        *,
        target: Target | None = None,
        gate: SlotGate | None = None,
        upload: SharedUpload | None = None,
    ) -> None:
        self.owner = owner
        self.spec = spec
        self.runtime = runtime
        self.ledger = ledger
        self.target_now = target
        self.gate = gate
        self.upload = upload
        self.handle: Handle | None = None
        self.refetch: Result | None = None
        self.sent_arguments: dict[str, Any] | None = None  # with the inputs' URLs in them
        self.cancel_requested = False
        self.cancel_reason = "cancelled"
        self._typical: float | None = None

    @property
    def sent(self) -> bool:
        """Whether the provider has the job (submitted, or a refetch of a made video)."""
        return self.handle is not None or self.refetch is not None

    @property
    def target(self) -> Target:
        if self.target_now is None:
            self.target_now = self.runtime.target(self.spec.provider)
        return self.target_now

    @property
    def backend(self) -> Backend:
        return self.runtime.backend(self.target)

    async def to_the_end(self) -> Result:
        """`main`, with how it ended recorded: an unknown submit, our own errors, and any
        other exception (a full disk, a folder that is a file) as one line with the
        request id (finish.interrupted). A job that was sent keeps its journal state, so
        `%seedance resume` and the list of unfinished jobs still find it."""
        ledger = self.ledger
        try:
            return await self.main()
        except errors.SubmitOutcomeUnknown as exc:
            ledger.end(State.UNKNOWN, str(exc))
            raise
        except errors.SeedanceError as exc:
            snap = ledger.snapshot
            if exc.request_id is None and snap.request_id:
                exc.request_id = snap.request_id
            if not snap.state.terminal:
                ledger.end(State.FAILED, str(exc), record_state=not self.sent)
            raise
        except Exception as exc:  # not ours
            snap = ledger.snapshot
            error = interrupted(exc, snap.state, snap.request_id, get_provider(self.spec.provider).label)
            if not snap.state.terminal:
                ledger.end(State.FAILED, str(error), record_state=not self.sent)
            raise error from exc

    async def main(self) -> Result:
        if self.target_now is None:
            self.target_now = await asyncio.to_thread(self.runtime.target, self.spec.provider)
            self.ledger.publish(emulated=self.target_now.emulated)
        if self.refetch is not None:
            return await self.finish().again(self.refetch)
        if self.handle is None:
            await self._submit()
        update = await self._follow()
        assert self.handle is not None
        return await self.finish().completed(
            self.handle, update, cancelled=self.cancel_requested, reason=self.cancel_reason
        )

    # ----------------------------------------------------------------- submit
    async def _submit(self) -> None:
        target, spec, ledger = self.target, self.spec, self.ledger
        ledger.open(
            endpoint=spec.endpoint_id,
            arguments=spec.arguments,
            cache_key=spec.cache_key,
            provider=target.provider,
            base_url=target.base_url,
            emulated=target.emulated,
            estimate=(spec.estimate.low, spec.estimate.high),
            reproduce=spec.reproduce,
            inputs=list(spec.inputs),
            group_id=spec.group,
            group_index=spec.group_index,
        )
        if self.gate is not None:
            await self.gate.acquire(self.owner)
        arguments = dict(spec.arguments)
        if spec.uploads is not None and spec.uploads.needs_upload:
            from ..media.upload import SharedUpload

            upload = self.upload or SharedUpload(spec.uploads, ledger.journal, target.upload_scope)
            ledger.publish(state=State.PENDING, uploads=())
            arguments.update(await upload.urls(self.backend, self.upload_progress))
            ledger.write(arguments=arguments, strict=True)
            self.sent_arguments = arguments
        ledger.publish(state=State.SUBMITTING)
        ledger.write(State.SUBMITTING, strict=True)  # on disk before anything is sent
        self.attach(await self.backend.submit(spec.endpoint_id, arguments))
        if self.cancel_requested:
            await self.cancel_remote()

    def attach(self, handle: Handle) -> None:
        """Hold the request id in memory, commit it to disk, then show it, before anything
        else happens; a journal that cannot take it does not stop the job (the write is
        retried and the trouble line names the id, see ledger.py)."""
        self.handle = handle
        self.ledger.hold(request_id=handle.request_id)
        self.ledger.write(
            State.QUEUED,
            request_id=handle.request_id,
            status_url=handle.status_url,
            response_url=handle.response_url,
            cancel_url=handle.cancel_url,
        )
        self.ledger.publish(state=State.QUEUED, request_id=handle.request_id)

    def upload_progress(self, name: str, status: str) -> None:
        """One line per input file while uploading: `cat.png: uploaded 1.2 MB`."""
        lines = [line for line in self.ledger.snapshot.uploads if not line.startswith(f"{name}: ")]
        self.ledger.publish(uploads=(*lines, f"{name}: {status}"))

    async def cancel_remote(self) -> None:
        assert self.handle is not None
        try:
            await self.backend.cancel(self.handle)
        except errors.SeedanceError as exc:
            self.ledger.publish(trouble=f"cancel failed: {exc}", cancelling=False)
            self.cancel_requested = False

    # ----------------------------------------------------------------- follow
    async def _follow(self) -> StatusUpdate:
        assert self.handle is not None
        settings = self.runtime.settings
        following = Following(
            self.backend,
            self.handle,
            Pace(settings.use_stream, settings.poll_initial, settings.poll_max, settings.poll_factor),
            on_update=self._apply,
            on_trouble=lambda text: self.ledger.publish(trouble=text),
            remaining=self._remaining,
        )
        return await following.follow()

    def _apply(self, update: StatusUpdate) -> bool:
        """A status seen: the snapshot (and, on the first sign of running, the journal)
        follow it. True when the state changed."""
        snap = self.ledger.snapshot
        found = changes(snap, update, time.monotonic())
        if "running_since" in found:
            self.ledger.write(State.RUNNING)
        if found.get("state") is State.RUNNING:
            found["progress"] = self._progress(found.get("running_since", snap.running_since))
        if any(getattr(snap, k) != v for k, v in found.items()):
            self.ledger.publish(**found)
        return self.ledger.snapshot.state != snap.state

    def _typical_run(self) -> float:
        """How long past jobs of this shape ran at the provider (0: none known)."""
        if self._typical is None:
            args = self.spec.arguments
            try:
                runs = self.ledger.journal.run_durations(
                    self.spec.endpoint_id,
                    str(args.get("resolution", DEFAULT_RESOLUTION)),
                    str(args.get("duration", DEFAULT_DURATION)),
                )
            except errors.JournalUnavailable:  # a nicety: the progress bar, not the job
                runs = []
            self._typical = statistics.median(runs) if runs else 0.0
        return self._typical

    def _progress(self, running_since: float | None) -> float | None:
        typical = self._typical_run()
        if not typical or running_since is None:
            return None
        return min(0.97, (time.monotonic() - running_since) / typical)

    def _remaining(self) -> float | None:
        typical, since = self._typical_run(), self.ledger.snapshot.running_since
        return None if not typical or since is None else typical - (time.monotonic() - since)

    # ----------------------------------------------------------------- finish
    def finish(self) -> Finish:
        sent = self.sent_arguments
        return Finish(self.ledger, self.spec, self.runtime, self.target, self.backend, sent=sent)
