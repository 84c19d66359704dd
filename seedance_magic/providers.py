"""The services that run Seedance 2.0 for us: fal (the default) and the Lumenfall gateway.

A `Provider` is data: its name and label, the environment variables of its key, its own
base URL, where the built-in emulator serves its API, whether it can cancel, and two
module paths: its `wire` module (pure: which arguments it cannot carry, the dry-run
code, arguments it needs filled in) and its backend class (backends/base.py's interface).
The engine, the journal and the UI know a provider only by its name, label and
capabilities; they talk to it through the backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import InvalidRequest

if TYPE_CHECKING:
    from .backends.base import Backend
    from .endpoints import Endpoint
    from .settings import Target


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
    wire: str
    backend: str

    def has_credentials(self) -> bool:
        """Whether a key is present, without any network call."""
        present: bool = _wire(self).has_credentials()
        return present

    def refusals(self, endpoint: Endpoint, arguments: Mapping[str, Any]) -> list[str]:
        """What in these arguments this provider cannot carry, one phrase each."""
        problems: list[str] = _wire(self).refusals(endpoint, arguments)
        return problems

    def complete(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments with what this provider needs filled in (see its wire module)."""
        completed: dict[str, Any] = _wire(self).complete(arguments)
        return completed

    def code(self, endpoint_id: str, arguments: Mapping[str, Any]) -> str:
        """Plain Python that sends the same request to this provider (for --dry-run)."""
        text: str = _wire(self).code(endpoint_id, arguments)
        return text

    def make_backend(self, target: Target) -> Backend:
        module, _, name = self.backend.partition(":")
        backend: Backend = getattr(importlib.import_module(module), name)(target)
        return backend


DEFAULT = "fal"
PROVIDERS: dict[str, Provider] = {
    "fal": Provider(
        name="fal",
        label="fal",
        key_vars=("FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET"),
        default_base_url=None,
        emulator_path="",
        dashboard="https://fal.ai/dashboard",
        key_help="Set FAL_KEY (a key from https://fal.ai/dashboard/keys)",
        can_cancel=True,
        wire="seedance_magic.backends.fal_wire",
        backend="seedance_magic.backends.fal:FalBackend",
    ),
    "lumenfall": Provider(
        name="lumenfall",
        label="Lumenfall",
        key_vars=("LUMENFALL_API_KEY",),
        default_base_url="https://api.lumenfall.ai/v1",
        emulator_path="/v1",
        dashboard="https://lumenfall.ai",
        key_help="Set LUMENFALL_API_KEY (a key from https://lumenfall.ai)",
        can_cancel=False,
        wire="seedance_magic.backends.lumenfall_wire",
        backend="seedance_magic.backends.lumenfall:LumenfallBackend",
    ),
}
NAMES = tuple(PROVIDERS)
CHOICES = ("auto", *NAMES)


def get(name: str | None) -> Provider:
    """The provider called `name` (None: the default)."""
    return PROVIDERS[name or DEFAULT]


def choose(explicit: str | None, configured: str = "auto") -> Provider:
    """The provider a request goes to: the one it names, else the configured one; "auto"
    is fal, unless fal has no key and another provider has one."""
    if explicit:
        return get(explicit)
    if configured != "auto":
        return get(configured)
    default = get(DEFAULT)
    if default.has_credentials():
        return default
    keyed = [p for p in PROVIDERS.values() if p.name != DEFAULT and p.has_credentials()]
    return keyed[0] if len(keyed) == 1 else default


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


def _wire(provider: Provider) -> Any:
    return importlib.import_module(provider.wire)
