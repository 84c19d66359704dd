"""Fixtures for the emulator's own tests (loaded with ``;
import plain helpers from fal_routing, never from here, or pytest cannot rewrite this module).

- `fal_key`: a dummy FAL_KEY in the environment, as fal_client needs one.
- `make_emulator(**config)`: start an emulator with fast timing (overridable); every one
  is stopped after the test, which then fails if any emulator thread is still alive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from seedance_magic.emulator import Emulator, EmulatorConfig

from helpers.routing import DUMMY_KEY, FAST


@pytest.fixture
def fal_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FAL_KEY", DUMMY_KEY)
    return DUMMY_KEY


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Emulator]]:
    started: list[Emulator] = []

    def make(*, on_request: Callable[[str, str | None], None] | None = None, **config: Any) -> Emulator:
        emu = Emulator(EmulatorConfig(**{**FAST, **config}), on_request=on_request).start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()
    alive = [t.name for t in threading.enumerate() if t.name.startswith("seedance-") and t.is_alive()]
    assert not alive, f"emulator threads still alive after stop(): {alive}"
