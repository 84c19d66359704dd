"""`Seedance`: the traitlets Configurable behind `%config Seedance.<name> = value`.

Every option of the magic has a default here. Traits that have an environment variable
(provider, base_url, lumenfall_base_url, output_dir, journal_path, wait) default to
None, meaning "the environment decides"; setting them with %config wins over the
environment.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Dict, Enum, Float, Int, TraitError, Unicode, Union, validate
from traitlets.config import Configurable

from ..settings import Settings, from_environment
from ..spec.endpoints import (
    ASPECT_RATIOS,
    DEFAULT_ASPECT_RATIO,
    DEFAULT_DURATION,
    DEFAULT_RESOLUTION,
    DURATIONS,
    RESOLUTIONS,
    STANDARD_ONLY_RESOLUTIONS,
)
from ..spec.providers import CHOICES
from ..spec.request import Defaults


class Seedance(Configurable):
    """Defaults for %%seedance. Example: %config Seedance.tier = "fast" """

    tier = Enum(
        ["standard", "fast"], default_value="standard", help="Model tier when --fast is not given."
    ).tag(config=True)
    resolution = Enum(
        list(RESOLUTIONS + STANDARD_ONLY_RESOLUTIONS),
        default_value=DEFAULT_RESOLUTION,
        help="Default -r/--resolution.",
    ).tag(config=True)
    duration = Union(
        [Unicode(), Int(), Float()],
        default_value=DEFAULT_DURATION,
        help="Default -d/--duration: auto or 4-15 seconds (a number or its text, e.g. 6 or '6').",
    ).tag(config=True)
    aspect_ratio = Enum(
        list(ASPECT_RATIOS), default_value=DEFAULT_ASPECT_RATIO, help="Default -a/--aspect-ratio."
    ).tag(config=True)
    generate_audio = Bool(True, help="Generate audio (same price either way); --no-audio turns it off.").tag(
        config=True
    )
    timeout = Float(None, allow_none=True, help="Default --timeout in seconds (None: no limit).").tag(
        config=True
    )
    wait = Bool(
        None, allow_none=True, help="Block each cell until its video is ready (env SEEDANCE_WAIT=1)."
    ).tag(config=True)
    output_dir = Unicode(
        None,
        allow_none=True,
        help="Folder for downloaded videos, relative to the kernel's cwd (env SEEDANCE_OUTPUT_DIR; "
        "default seedance_outputs).",
    ).tag(config=True)
    journal_path = Unicode(
        None,
        allow_none=True,
        help="SQLite journal of every job (env SEEDANCE_JOURNAL; default in the user data dir).",
    ).tag(config=True)
    base_url = Unicode(
        None,
        allow_none=True,
        help="Send every fal request to this base URL, e.g. http://127.0.0.1:8765 for a standalone emulator "
        "(env SEEDANCE_FAL_BASE_URL).",
    ).tag(config=True)
    lumenfall_base_url = Unicode(
        None,
        allow_none=True,
        help="Send Lumenfall requests to this base URL instead of https://api.lumenfall.ai/v1 "
        "(env SEEDANCE_LUMENFALL_BASE_URL).",
    ).tag(config=True)
    provider = Enum(
        list(CHOICES),
        default_value=None,
        allow_none=True,
        help="Who runs the model when --provider is not given: fal, lumenfall, or auto (fal, unless "
        "only LUMENFALL_API_KEY is set) (env SEEDANCE_PROVIDER; default auto).",
    ).tag(config=True)
    embed = Enum(
        ["auto", True, False],
        default_value="auto",
        help="Embed videos in the notebook as base64 (True), link them (False), or decide by frontend "
        "(auto: embed in VS Code, Colab and Voilà, which do not serve the output folder).",
    ).tag(config=True)
    cache = Enum(
        ["seeded", "always", "never"],
        default_value="seeded",
        help="Replay an identical earlier request for $0: only when seeded (default), always, or never.",
    ).tag(config=True)
    concurrency = Int(4, help="Jobs of one grid in flight at once.").tag(config=True)
    max_usd_per_run = Float(5.0, help="Refuse a run whose estimate is above this (USD) unless --yes.").tag(
        config=True
    )
    session_budget_usd = Float(
        None, allow_none=True, help="Refuse runs once this kernel would spend more than this (USD)."
    ).tag(config=True)
    use_stream = Bool(True, help="Follow status with fal's event stream (else poll).").tag(config=True)
    poll_initial = Float(
        0.5, help="First polling interval in seconds when polling (and first wait to fetch a result again)."
    ).tag(config=True)
    poll_max = Float(2.5, help="Longest polling interval in seconds.").tag(config=True)
    emulator = Dict(
        {},
        help="Built-in emulator pace, e.g. {'queue_seconds': 1, 'run_seconds': 4, 'log_interval': 0.5} "
        "(env SEEDANCE_EMULATOR as JSON).",
    ).tag(config=True)

    @validate("concurrency")
    def _check_concurrency(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if not 1 <= value <= 16:
            raise ValueError("Seedance.concurrency must be between 1 and 16")
        return value

    @validate("duration")
    def _check_duration(self, proposal: dict[str, Any]) -> str:
        """The duration as the API's text: 6 and 6.0 become "6"."""
        value = proposal["value"]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip().lower()
        if isinstance(value, bool) or text not in DURATIONS:
            raise TraitError(
                f"Seedance.duration must be auto or a whole number of seconds from {DURATIONS[1]} "
                f"to {DURATIONS[-1]}, not {value!r}"
            )
        return text

    @validate("max_usd_per_run", "poll_initial", "poll_max")
    def _check_positive(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if value <= 0:
            raise ValueError(f"Seedance.{proposal['trait'].name} must be positive")
        return value

    def defaults(self, wait: bool = False) -> Defaults:
        """The option defaults %config set (the magic, generate() and the studio use them)."""
        return Defaults(
            tier="fast" if self.tier == "fast" else "standard",
            resolution=self.resolution,
            duration=self.duration,
            aspect_ratio=self.aspect_ratio,
            generate_audio=self.generate_audio,
            wait=wait,
            timeout=self.timeout,
        )

    def settings(self) -> Settings:
        """A frozen Settings snapshot: environment first, then what %config set."""
        from pathlib import Path

        settings = from_environment(
            base_url=self.base_url.rstrip("/") if self.base_url else None,
            lumenfall_base_url=self.lumenfall_base_url.rstrip("/") if self.lumenfall_base_url else None,
            provider=self.provider,
            output_dir=Path(self.output_dir).expanduser() if self.output_dir else None,
            journal_path=Path(self.journal_path).expanduser() if self.journal_path else None,
            wait=self.wait,
            embed=self.embed,
            cache=self.cache,
            concurrency=self.concurrency,
            max_usd_per_run=self.max_usd_per_run,
            session_budget_usd=self.session_budget_usd,
            use_stream=self.use_stream,
            poll_initial=self.poll_initial,
            poll_max=max(self.poll_max, self.poll_initial),
            emulator=dict(self.emulator) or None,
        )
        return settings._replace(defaults=self.defaults(settings.wait))
