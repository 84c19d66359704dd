"""The services that run Seedance 2.0 for us: fal (the default) and the Lumenfall gateway.

A `Provider` is data: its name and label, the environment variables of its key, its own
base URL, where the built-in emulator serves its API, whether it can cancel, and its
`wire` module (pure: which arguments it cannot carry, the dry-run code, arguments it
needs filled in). Whether a key is present is settings.py's question; the backend that
speaks to it is engine/backends/'s. Everything else knows a provider only by its name,
label and capabilities.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any, NamedTuple

from ..errors import InvalidRequest
from . import wire_fal, wire_lumenfall
from .endpoints import Endpoint


class Provider(NamedTuple):
    name: str
    label: str
    key_vars: tuple[str, ...]
    """The environment variables its credentials live in (also taken from a .env file)."""
    default_base_url: str | None
    """None: the client library's own hosts (fal_client knows fal's)."""
    emulator_path: str
    """Where the built-in emulator serves this provider's API, below its root URL."""
    dashboard: str
    key_help: str
    can_cancel: bool
    """Whether a job it has started can be cancelled (else it runs to the end, is charged
    and is downloaded)."""
    reports_seed: bool
    """Whether its result says which seed was used (else the seed sent is taken as used)."""
    wire: ModuleType

    def refusals(self, endpoint: Endpoint, arguments: Mapping[str, Any]) -> list[str]:
        """What in these arguments this provider cannot carry, one phrase each."""
        problems: list[str] = self.wire.refusals(endpoint, arguments)
        return problems

    def complete(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments with what this provider needs filled in (see its wire module)."""
        completed: dict[str, Any] = self.wire.complete(arguments)
        return completed

    def code(self, endpoint_id: str, arguments: Mapping[str, Any]) -> str:
        """Plain Python that sends the same request to this provider (for --dry-run)."""
        text: str = self.wire.code(endpoint_id, arguments)
        return text


DEFAULT = "fal"
PROVIDERS: dict[str, Provider] = {
    "fal": Provider(
        name="fal",
        label="fal",
        key_vars=wire_fal.KEY_VARS,
        default_base_url=None,
        emulator_path="",
        dashboard="https://fal.ai/dashboard",
        key_help="Set FAL_KEY (a key from https://fal.ai/dashboard/keys)",
        can_cancel=True,
        reports_seed=True,
        wire=wire_fal,
    ),
    "lumenfall": Provider(
        name="lumenfall",
        label="Lumenfall",
        key_vars=wire_lumenfall.KEY_VARS,
        default_base_url=wire_lumenfall.BASE_URL,
        emulator_path="/v1",
        dashboard="https://lumenfall.ai",
        key_help="Set LUMENFALL_API_KEY (a key from https://lumenfall.ai)",
        can_cancel=False,
        reports_seed=False,
        wire=wire_lumenfall,
    ),
}
NAMES = tuple(PROVIDERS)
CHOICES = ("auto", *NAMES)


def get(name: str | None) -> Provider:
    """The provider called `name` (None: the default)."""
    return PROVIDERS[name or DEFAULT]


def label(name: str) -> str:
    """A provider's name as shown: "fal", "Lumenfall" (an unknown one as given)."""
    known = PROVIDERS.get(name)
    return known.label if known else name


def check(
    provider: Provider, endpoint: Endpoint, arguments: Mapping[str, Any], *, timeout: float | None = None
) -> None:
    """Refuse, in one line and before anything is sent, what the provider cannot carry,
    and a --timeout a provider without cancel could not keep."""
    problems = provider.refusals(endpoint, arguments)
    if timeout is not None and not provider.can_cancel:
        problems.append(
            "a --timeout (it cannot cancel a job it has started: drop --timeout or Seedance.timeout)"
        )
    if problems:
        others = ", ".join(p for p in NAMES if p != provider.name)
        raise InvalidRequest(
            f"{provider.label} cannot take this request: {'; '.join(problems)} "
            f"(or send it with --provider {others})"
        )


def seed_outcome(requested: Any, returned: Any, provider: str = "fal") -> tuple[int | None, str]:
    """The seed a video was made with, and a note when it is not the one asked for: the
    provider used another (a model may ignore the field), or did not say which it used.
    A provider that never reports its seed (spec.providers) is taken to use the one sent."""
    if requested is None:
        return (returned if isinstance(returned, int) else None), ""
    chosen = get(provider) if provider in PROVIDERS else None
    if chosen is not None and not chosen.reports_seed and returned is None:
        return requested, ""
    label = chosen.label if chosen is not None else provider
    if returned is None:
        return requested, f"{label} did not report the seed it used ({requested} was sent)"
    if returned != requested:
        return returned, f"{label} used seed {returned}, not the {requested} asked for"
    return requested, ""
