"""The emulator's settings (`EmulatorConfig`) and fal's error types with their HTTP codes.

Timing fields are read when a job is submitted: changing them (in Python or through
`POST /_emulator/config`) shapes new jobs, never one already on its way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

# fal's error_type values and the status code the result GET answers with for each
# (spec/fal-queue-protocol.md, "Result"), with the detail message the emulator sends.
ERROR_TYPES: dict[str, tuple[int, str]] = {
    "request_timeout": (504, "Request timed out"),
    "startup_timeout": (504, "Runner startup timed out"),
    "runner_scheduling_failure": (503, "No runner could be scheduled for the request"),
    "runner_connection_timeout": (503, "Connection to the runner timed out"),
    "runner_disconnected": (503, "Runner disconnected"),
    "runner_connection_refused": (503, "Runner refused the connection"),
    "runner_connection_error": (503, "Runner connection error"),
    "runner_incomplete_response": (502, "Runner returned an incomplete response"),
    "runner_server_error": (500, "Internal error in the runner"),
    "internal_error": (500, "Internal server error"),
    "client_disconnected": (499, "Client disconnected"),
    "client_cancelled": (499, "Request cancelled by the client"),
    "bad_request": (400, "Bad request"),
}
DEFAULT_FAILURE = "runner_server_error"
RENDERERS = ("auto", "video", "plain")
SEEDS = ("honoured", "ignored", "unreported")


@dataclass(frozen=True)
class EmulatorConfig:
    """How jobs behave. The defaults are fast, for tests; `EmulatorConfig.realistic()`
    is what the standalone server uses."""

    queue_seconds: float = 0.3
    """Time a job spends IN_QUEUE (after its release when `hold` is on)."""
    run_seconds: float = 1.0
    """Least time a job spends IN_PROGRESS; it completes once the clip is rendered too."""
    log_interval: float = 0.25
    """A new log line appears this often while a job runs."""
    queue_position_start: int = 2
    """The queue position first reported; it counts down to 0 over `queue_seconds`."""
    keepalive_seconds: float = 15.0
    """Gap between `: keep-alive` comments on an idle status stream."""
    stream: bool = True
    """Serve `.../status/stream`; when off it answers 404 and clients must poll."""
    hold: bool = False
    """Keep every new job IN_QUEUE until `Emulator.release()` (or the control API)."""
    require_auth: bool = True
    """Check credentials as the services do: fal's `Key <key_id>:<key_secret>` (or a
    Bearer token) on every queue and storage request, Lumenfall's Bearer key on its video
    API; a 401 with the service's body when missing or malformed."""
    render_workers: int = 1
    """Threads rendering clips; rendering never runs on a request thread."""
    renderer: str = "auto"
    """What makes the clips: "video" draws the prompt, seed and inputs (needs the `video`
    extra: av, numpy, Pillow); "plain" serves a flat EMULATOR card of the right size and
    length, with the standard library alone; "auto" is "video" when the extra imports,
    else "plain"."""
    seeds: str = "honoured"
    """What the model does with a requested seed: "honoured" (used and returned in the
    result), "ignored" (a random one is used and returned, as by a model whose schema
    dropped the field) or "unreported" (used, but the result carries no seed)."""

    def __post_init__(self) -> None:
        for name in ("queue_seconds", "run_seconds", "keepalive_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")
        if self.log_interval <= 0:
            raise ValueError(f"log_interval must be > 0, not {self.log_interval}")
        if self.queue_position_start < 0:
            raise ValueError(f"queue_position_start must be >= 0, not {self.queue_position_start}")
        if self.render_workers < 1:
            raise ValueError(f"render_workers must be >= 1, not {self.render_workers}")
        if self.renderer not in RENDERERS:
            raise ValueError(f"renderer must be one of {', '.join(RENDERERS)}, not {self.renderer!r}")
        if self.seeds not in SEEDS:
            raise ValueError(f"seeds must be one of {', '.join(SEEDS)}, not {self.seeds!r}")

    @classmethod
    def realistic(cls) -> EmulatorConfig:
        """Timing that feels like the service, for demos: 2 s queued, 8 s running."""
        return cls(queue_seconds=2.0, run_seconds=8.0, log_interval=1.0, queue_position_start=3)

    def updated(self, changes: dict[str, Any]) -> EmulatorConfig:
        """A copy with `changes` applied; unknown names and wrong types raise ValueError."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in fields:
                raise ValueError(f"unknown config field {name!r}; known: {', '.join(fields)}")
            kind = str(fields[name].type)  # "bool", "int", "float" or "str"
            if kind == "str":
                if not isinstance(value, str):
                    raise ValueError(f"{name} must be a string, not {value!r}")
            elif kind == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false, not {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int if kind == "int" else (int, float)):
                wanted = "an integer" if kind == "int" else "a number"
                raise ValueError(f"{name} must be {wanted}, not {value!r}")
            clean[name] = float(value) if kind == "float" else value
        return dataclasses.replace(self, **clean)  # __post_init__ checks the values

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
