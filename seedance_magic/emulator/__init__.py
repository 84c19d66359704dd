"""An offline stand-in for fal's queue API, serving the six Seedance 2.0 endpoints on
127.0.0.1 with real MP4 clips, so the real fal_client code path runs without a key.

    from seedance_magic.emulator import Emulator, EmulatorConfig, Fault
    with Emulator(EmulatorConfig(hold=True)) as emu:
        emu.inject(Fault(on="status", action="503", ingress=True))
        ...

Or standalone: `python -m seedance_magic.emulator --port 8765`.

Modules: config (settings, fal error types), faults (fault rules), state (jobs in time),
inputs (arguments to a render plan), synth and frames (the MP4), storage (uploads and
outputs), stats (counters), routes (what each URL answers), handler (HTTP, faults, SSE),
server (the Emulator object).
"""

from __future__ import annotations

from .config import ERROR_TYPES, EmulatorConfig
from .faults import Fault
from .server import Emulator
from .state import JobInfo
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
