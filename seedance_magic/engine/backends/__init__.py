"""The only code that speaks HTTP to a provider: `base` holds the protocol the engine
drives and the values that cross it, `fal` speaks to fal.ai (or a fal-compatible server
such as the built-in emulator) through fal_client on the transports of `routing` (its
errors and bodies read by `fal_wire`), `lumenfall` to the Lumenfall gateway with httpx
(`lumenfall_wire` reads its answers);
`failures` translates their errors into the package's tree, `download` saves finished
videos, `proxies` sends every request through the proxy the environment names.
`make_backend` is the one place a backend is made."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...settings import Target
    from .base import Backend


def make_backend(target: Target) -> Backend:
    """A new backend for the target's provider (fal_client and httpx load here, on first use)."""
    if target.provider == "lumenfall":
        from .lumenfall import LumenfallBackend

        return LumenfallBackend(target)
    from .fal import FalBackend

    return FalBackend(target)


def probe_emulator(base_url: str) -> str | None:
    """The run id of the seedance emulator at base_url, or None if it is not one (httpx's
    own client: HTTP(S)_PROXY / NO_PROXY apply, as to every client here)."""
    import httpx

    try:
        response = httpx.get(base_url.rstrip("/") + "/_emulator/info", timeout=2.0)
        info = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return None
    return str(info["instance"]) if isinstance(info, dict) and info.get("emulator") else None
