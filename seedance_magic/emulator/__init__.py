"""An offline stand-in for fal's queue API, serving the six Seedance 2.0 endpoints on
127.0.0.1 with real MP4 clips, so the real fal_client code path runs without a key; and,
under /v1, for the Lumenfall gateway's video API (`POST /v1/videos`, `GET
/v1/videos/{id}`) on the same jobs, clips and fault rules.

    from seedance_magic.emulator import Emulator, EmulatorConfig, Fault
    with Emulator(EmulatorConfig(hold=True)) as emu:
        emu.inject(Fault(on="status", action="503", ingress=True))
        ...

Or standalone: `python -m seedance_magic.emulator --port 8765`.

Where fal's behaviour is unconfirmed the emulator chooses, and the package must not rely
on more than fal_client does: cancel answers 202 / 400 (ALREADY_COMPLETED) / 404; a
cancelled job reports COMPLETED with error_type client_cancelled and its result answers
499; status bodies carry the whole log list (null when logs are off), SSE events only
the lines new on their connection (its first event every line so far), one event per
visible change; arguments are checked where fal's runner checks them (the submit is
accepted, the job completes with no error and its result answers 422); `?fal_webhook=`
is recorded on the job, never called; `X-Fal-Request-Timeout` ends a job still queued
after that many seconds with request_timeout (504, X-Fal-Request-Timeout-Type: user).
Input media are read only from the emulator's own /files/ and from data: URIs.

Clips: with the `video` extra (av, numpy, Pillow) they show the prompt, seed and inputs;
without it they are plain EMULATOR cards of the right size and length, built with the
standard library from pieces shipped in the package (`EmulatorConfig(renderer=...)`).

Modules: config (settings, fal error types), faults (fault rules), job and state (jobs
in time), inputs (arguments to a render plan), renderers (which one makes a clip), synth,
frames and pictures (the MP4 that shows the prompt), plain and mp4 (plain clips),
storage (uploads and outputs), stats (counters), wire, routes, lumenfall and control
(what each URL answers), handler (HTTP, faults, SSE), server (the Emulator object).
"""

from __future__ import annotations

from .config import ERROR_TYPES, EmulatorConfig
from .faults import Fault
from .job import JobInfo
from .server import Emulator
from .stats import RequestRecord, Stats, UploadRecord

__all__ = [
    "ERROR_TYPES",
    "Emulator",
    "EmulatorConfig",
    "Fault",
    "JobInfo",
    "RequestRecord",
    "Stats",
    "UploadRecord",
]
