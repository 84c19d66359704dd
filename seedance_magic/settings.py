"""Where requests go and where things are kept: settings resolved from config and env.

`Settings` is a frozen snapshot. The magic's traitlets Configurable (notebook/config.py)
feeds it the user's `%config Seedance.*` values, the option defaults included, so that
the magic, `generate()` and the studio start from the same ones; outside IPython the
environment and defaults apply. Credentials are never read into Settings: fal_client
finds them itself (FAL_KEY, FAL_KEY_ID/FAL_KEY_SECRET, a Colab secret, a `fal auth
login` token), the Lumenfall backend reads LUMENFALL_API_KEY when it builds its client;
`has_credentials` only asks whether one is present, to choose the provider and between
it and the built-in emulator.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from .errors import InvalidRequest
from .spec.providers import CHOICES, DEFAULT, PROVIDERS, Provider, get
from .spec.request import DEFAULTS, Defaults

ENV_BASE_URL = "SEEDANCE_FAL_BASE_URL"
ENV_LUMENFALL_BASE_URL = "SEEDANCE_LUMENFALL_BASE_URL"
ENV_PROVIDER = "SEEDANCE_PROVIDER"
ENV_OUTPUT_DIR = "SEEDANCE_OUTPUT_DIR"
ENV_JOURNAL = "SEEDANCE_JOURNAL"
ENV_WAIT = "SEEDANCE_WAIT"
ENV_EMULATOR = "SEEDANCE_EMULATOR"
# Every provider's key variables, taken from a .env file when unset.
KEY_GROUPS = tuple(provider.key_vars for provider in PROVIDERS.values())
EMULATOR_KEY = "emulator:no-credentials"  # shaped as a fal key, <key_id>:<key_secret>


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def default_journal_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("seedance-magic", appauthor=False) / "journal.sqlite3"


class Settings(NamedTuple):
    """Everything the engine needs to know that is not part of a request (a NamedTuple:
    immutable, and cheap to define at `%load_ext`)."""

    base_url: str | None = None
    lumenfall_base_url: str | None = None
    provider: str = "auto"
    output_dir: Path = Path("seedance_outputs")
    journal_path: Path | None = None
    wait: bool = False
    # SEEDANCE_WAIT=1: a headless run (nbclient, papermill); no live widgets, whose
    # saved state would grow the notebook, only text lines and the final HTML.
    headless: bool = False
    embed: bool | str = "auto"
    cache: str = "seeded"
    concurrency: int = 4
    max_usd_per_run: float = 5.0
    session_budget_usd: float | None = None
    use_stream: bool = True
    poll_initial: float = 0.5
    poll_max: float = 2.5
    poll_factor: float = 1.5
    download_attempts: int = 5
    emulator: Mapping[str, Any] = MappingProxyType({})
    # The option defaults (%config Seedance.tier, .resolution, ...): one source for the
    # magic, generate() and the studio.
    defaults: Defaults = DEFAULTS

    @property
    def journal(self) -> Path:
        return self.journal_path or default_journal_path()

    def base_url_for(self, provider: str) -> str | None:
        """Where this provider's requests go instead of its own hosts, if anywhere."""
        return self.lumenfall_base_url if provider == "lumenfall" else self.base_url


def from_environment(**overrides: Any) -> Settings:
    """Settings from SEEDANCE_* variables, then the given overrides (config values)."""
    env: dict[str, Any] = {}
    if base := os.environ.get(ENV_BASE_URL, "").strip():
        env["base_url"] = base.rstrip("/")
    if base := os.environ.get(ENV_LUMENFALL_BASE_URL, "").strip():
        env["lumenfall_base_url"] = base.rstrip("/")
    if provider := os.environ.get(ENV_PROVIDER, "").strip().lower():
        env["provider"] = _provider(provider)
    if out := os.environ.get(ENV_OUTPUT_DIR, "").strip():
        env["output_dir"] = Path(out).expanduser()
    if journal := os.environ.get(ENV_JOURNAL, "").strip():
        env["journal_path"] = Path(journal).expanduser()
    if _truthy(os.environ.get(ENV_WAIT)):
        env["wait"] = env["headless"] = True
    if pace := os.environ.get(ENV_EMULATOR, "").strip():
        env["emulator"] = _emulator_pace(pace)
    env.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**env)


def _provider(text: str) -> str:
    if text not in CHOICES:
        raise InvalidRequest(f"{ENV_PROVIDER} must be one of {', '.join(CHOICES)}, not {text!r}")
    return text


def _emulator_pace(text: str) -> dict[str, Any]:
    """SEEDANCE_EMULATOR: the built-in emulator's pace as JSON, e.g.
    {"queue_seconds": 1, "run_seconds": 4, "log_interval": 0.5}."""
    import json

    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InvalidRequest(
            f"{ENV_EMULATOR} must be a JSON object such as "
            '{"queue_seconds": 1, "run_seconds": 4}, not ' + repr(text[:60])
        )
    return value


_dotenv_taken: list[str] | None = None


def load_dotenv_credentials(directory: Path | None = None) -> list[str]:
    """Take a provider's key (FAL_KEY / FAL_KEY_ID / FAL_KEY_SECRET, LUMENFALL_API_KEY)
    from a .env file (the kernel's cwd or a parent) when the environment has none for
    that provider, once per process. Returns the names taken, never values."""
    global _dotenv_taken
    if _dotenv_taken is not None and directory is None:
        return _dotenv_taken
    taken: list[str] = []
    start = (directory or Path.cwd()).resolve()
    found = next((d / ".env" for d in (start, *start.parents) if (d / ".env").is_file()), None)
    missing = [group for group in KEY_GROUPS if not any(os.environ.get(name) for name in group)]
    if found is not None and missing:
        from dotenv import dotenv_values

        wanted = {name for group in missing for name in group}
        for name, value in dotenv_values(found).items():
            if name in wanted and value:
                os.environ[name] = value
                taken.append(name)
    if directory is None:
        _dotenv_taken = taken
    return taken


_source: Callable[[], Settings] | None = None


def set_source(source: Callable[[], Settings] | None) -> None:
    """Where current() takes settings from: the magic's Configurable once loaded."""
    global _source
    _source = source


def current() -> Settings:
    """The settings now: the Configurable's when the extension is loaded, else the env."""
    return (_source or from_environment)()


class Target(NamedTuple):
    """Where requests go: a provider's own service (fal's when base_url is None), or a
    server speaking its API at base_url."""

    base_url: str | None
    emulated: bool = False
    embedded: bool = False
    key: str | None = None
    instance: str | None = None  # an emulator's run id: its uploads die with it
    provider: str = "fal"

    @property
    def label(self) -> str:
        """The provider's name as shown: "fal", "Lumenfall"."""
        return get(self.provider).label

    @property
    def upload_scope(self) -> str:
        """The name uploads are cached under: "fal", or this server (and run)."""
        scope = self.base_url or "fal"
        if self.provider != "fal":
            scope = f"{self.provider}@{scope}"
        return f"{scope}#{self.instance}" if self.instance else scope


# ------------------------------------------------------------------ credentials
def colab_secret(name: str) -> str | None:
    """A Colab secret the notebook may read (None outside Colab, or when not granted)."""
    if "google.colab" not in sys.modules:
        return None
    try:
        from google.colab import userdata  # type: ignore[import-not-found]

        value = userdata.get(name)
    except Exception:  # not granted, not defined, or an older Colab
        return None
    return str(value) if value else None


def has_credentials(provider: Provider | str) -> bool:
    """Whether the provider's client will find a key, without any network call: for fal,
    FAL_KEY, FAL_KEY_ID + FAL_KEY_SECRET, a Colab secret or a `fal auth login` token (as
    fal_client looks); for Lumenfall, LUMENFALL_API_KEY or a Colab secret of that name."""
    chosen = get(provider) if isinstance(provider, str) else provider
    if chosen.name == "fal":
        if os.environ.get("FAL_KEY") or (os.environ.get("FAL_KEY_ID") and os.environ.get("FAL_KEY_SECRET")):
            return True
        if colab_secret("FAL_KEY"):
            return True
        home = Path(os.environ.get("FAL_HOME_DIR", str(Path.home() / ".fal"))).expanduser()
        return (home / "auth0_token").is_file()
    return any(os.environ.get(name, "").strip() or colab_secret(name) for name in chosen.key_vars)


def choose(explicit: str | None, configured: str = "auto") -> Provider:
    """The provider a request goes to: the one it names, else the configured one; "auto"
    is fal, unless fal has no key and another provider has one."""
    if explicit:
        return get(explicit)
    if configured != "auto":
        return get(configured)
    default = get(DEFAULT)
    if has_credentials(default):
        return default
    keyed = [p for p in PROVIDERS.values() if p.name != DEFAULT and has_credentials(p)]
    return keyed[0] if len(keyed) == 1 else default
