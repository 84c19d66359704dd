"""The shell a Lumenfall user has, for the Lumenfall suites: their key and the gateway's
base URL pointing at the emulator's Lumenfall API; no fal key, no fal base URL. No tests."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator

from helpers.shells import seedance_shell

KEY = "lf-TEST-" + secrets.token_hex(16)
CLIP = "-r 480p -d 4"


@contextmanager
def lumenfall_shell(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.setenv("LUMENFALL_API_KEY", KEY)
    monkeypatch.setenv("SEEDANCE_LUMENFALL_BASE_URL", emulator.lumenfall_url)
    with seedance_shell(emulator, monkeypatch) as shell:
        monkeypatch.delenv("SEEDANCE_FAL_BASE_URL")  # the user knows nothing of fal
        yield shell
