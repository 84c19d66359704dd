"""The check of every `%%seedance` option value against the endpoint table (the options
themselves are declared in options.py).

Each checker takes the text the user typed and returns the normalized value, or raises
InvalidRequest with one line naming the option, the value and what is allowed. Nothing
here reads files or the network; request.py assembles the checked values into a request.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable, Iterable
from typing import NoReturn

from ..errors import InvalidRequest
from . import endpoints as ep
from .providers import NAMES as PROVIDER_NAMES

MAX_GRID_CELLS = 64
SWEEP_FIELDS = ("tier", "resolution", "duration", "aspect_ratio", "audio")
MODE_ALIASES: dict[str, ep.Mode] = {mode: mode for mode in ep.MODES} | {
    name: mode for mode, name in ep.MODE_NAMES.items()
}

# The name each option is shown with in messages, by argparse dest.
SHOWN = {
    "mode": "--mode",
    "provider": "--provider",
    "resolution": "-r/--resolution",
    "duration": "-d/--duration",
    "aspect_ratio": "-a/--aspect-ratio",
    "seed": "-s/--seed",
    "end_user_id": "--end-user-id",
    "image": "-i/--image",
    "end_image": "--end-image",
    "ref_image": "--ref-image",
    "ref_video": "--ref-video",
    "ref_audio": "--ref-audio",
    "out": "-o/--out",
    "timeout": "--timeout",
    "seeds": "--seeds",
    "n": "-n",
    "sweep": "--sweep",
    "batch": "--batch",
    "continue": "--continue",
}

ALLOWED_DURATION = f"use auto or {ep.MIN_DURATION}-{ep.MAX_DURATION} (seconds)"
ALLOWED_ASPECT = "use one of " + ", ".join(ep.ASPECT_RATIOS)
ALLOWED_SEED = f"use a whole number from 0 to {ep.MAX_SEED}"
ALLOWED_SEEDS = f"use a list like 1,2,3 or a range like 1-4 (whole numbers from 0 to {ep.MAX_SEED})"
ALLOWED_N = f"use a whole number from 1 to {MAX_GRID_CELLS}"
ALLOWED_MODE = "use one of t2v, i2v, r2v"
ALLOWED_TIMEOUT = "use a positive number of seconds"
ALLOWED_OUT = "use a Python variable name such as clip or shot_2"
ALLOWED_SWEEP = "use FIELD=v1,v2 with FIELD one of " + ", ".join(SWEEP_FIELDS)
ALLOWED_TIER = "use fast or standard"
ALLOWED_AUDIO = "use on or off"
ALLOWED_PROVIDER = "use " + " or ".join(PROVIDER_NAMES)
ALLOWED_CONTINUE = "use a notebook variable holding a Job, Result or Story, or a request id"


def show(value: str, limit: int = 60) -> str:
    """A value as quoted in a message, shortened when long."""
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(text)


def reject(option: str, value: str, allowed: str) -> NoReturn:
    raise InvalidRequest(f"{option}: {show(value)} is not allowed; {allowed}")


def allowed_for(what: str) -> str:
    """The 'what is allowed' text of an option, by its shown name ('' if it takes any text)."""
    return {
        "-d/--duration": ALLOWED_DURATION,
        "-a/--aspect-ratio": ALLOWED_ASPECT,
        "-r/--resolution": "use one of " + ", ".join(ep.resolutions_for("standard")),
        "-s/--seed": ALLOWED_SEED,
        "--seeds": ALLOWED_SEEDS,
        "-n": ALLOWED_N,
        "--mode": ALLOWED_MODE,
        "--provider": ALLOWED_PROVIDER,
        "--timeout": ALLOWED_TIMEOUT,
        "-o/--out": ALLOWED_OUT,
        "--sweep": ALLOWED_SWEEP,
        "--continue": ALLOWED_CONTINUE,
    }.get(what, "")


# ----------------------------------------------------------------------- checkers
def check_mode(text: str) -> ep.Mode:
    mode = MODE_ALIASES.get(text.strip().lower())
    if mode is None:
        reject("--mode", text, ALLOWED_MODE)
    return mode


def check_tier(text: str, option: str = "--sweep tier") -> ep.Tier:
    value = text.strip().lower()
    if value == "fast":
        return "fast"
    if value == "standard":
        return "standard"
    reject(option, text, ALLOWED_TIER)


def check_resolution(text: str, tiers: Iterable[ep.Tier], option: str = "-r/--resolution") -> str:
    """A resolution every tier in play can make (1080p and 4k are standard tier only)."""
    value = text.strip().lower()
    tiers = tuple(tiers)
    everywhere = [r for r in ep.resolutions_for("standard") if all(r in ep.resolutions_for(t) for t in tiers)]
    if value in everywhere:
        return value
    if value in ep.resolutions_for("standard"):
        only = " and ".join(ep.STANDARD_ONLY_RESOLUTIONS)
        reject(
            option, text, f"use {' or '.join(everywhere)} on the fast tier ({only} are standard tier only)"
        )
    reject(option, text, "use one of " + ", ".join(everywhere))


def check_duration(text: str, option: str = "-d/--duration") -> str:
    value = text.strip().lower()
    if value == "auto":
        return value
    match = re.fullmatch(r"([0-9]{1,3})\s*s?", value)
    if match and ep.MIN_DURATION <= int(match[1]) <= ep.MAX_DURATION:
        return str(int(match[1]))
    reject(option, text, ALLOWED_DURATION)


def check_aspect_ratio(text: str, option: str = "-a/--aspect-ratio") -> str:
    if text in ep.ASPECT_RATIOS:
        return text
    reject(option, text, ALLOWED_ASPECT)


def check_audio(text: str, option: str = "--sweep audio") -> bool:
    value = text.strip().lower()
    if value in ("on", "off"):
        return value == "on"
    reject(option, text, ALLOWED_AUDIO)


def check_seed(text: str, option: str = "-s/--seed") -> int:
    value = text.strip()
    if re.fullmatch(r"[0-9]{1,10}", value) and int(value) <= ep.MAX_SEED:
        return int(value)
    reject(option, text, ALLOWED_SEED)


def check_seeds(text: str) -> tuple[int, ...]:
    """`1,2,3`, `1-4` or a mix such as `1-3,7`; no seed twice, at most MAX_GRID_CELLS."""
    seeds: list[int] = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*([0-9]{1,10})\s*(?:-\s*([0-9]{1,10})\s*)?", part)
        if not match:
            reject("--seeds", text, ALLOWED_SEEDS)
        low = int(match[1])
        high = int(match[2]) if match[2] is not None else low
        if high > ep.MAX_SEED or low > high:
            reject("--seeds", text, ALLOWED_SEEDS)
        if len(seeds) + high - low + 1 > MAX_GRID_CELLS:
            reject("--seeds", text, f"a grid has at most {MAX_GRID_CELLS} seeds")
        seeds.extend(range(low, high + 1))
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        reject("--seeds", text, f"each seed once (repeated: {', '.join(map(str, repeated))})")
    return tuple(seeds)


def check_count(text: str) -> int:
    value = text.strip()
    if re.fullmatch(r"[0-9]{1,4}", value) and 1 <= int(value) <= MAX_GRID_CELLS:
        return int(value)
    reject("-n", text, ALLOWED_N)


def check_timeout(text: str) -> float:
    match = re.fullmatch(r"([0-9]{1,9}(?:\.[0-9]*)?|\.[0-9]+)\s*s?", text.strip().lower())
    if not match or float(match[1]) <= 0:
        reject("--timeout", text, ALLOWED_TIMEOUT)
    return float(match[1])


def check_provider(text: str) -> str:
    value = text.strip().lower()
    if value not in PROVIDER_NAMES:
        reject("--provider", text, ALLOWED_PROVIDER)
    return value


# IPython's own names in a notebook: its history (In, Out, _, __, ___, _i, _ii, _iii, _iN,
# _N, _ih, _oh, _dh), the shell itself, and what leaves it.
_IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "_ih", "_oh", "_dh", "_sh"})
_IPYTHON_HISTORY = re.compile(r"_+|_i{1,3}|_i?[0-9]+")


def check_out(text: str) -> str:
    """A variable name for the job that shadows nothing: not a keyword, not a builtin
    (print, list, ...), not one of IPython's own names."""
    if not text.isidentifier() or keyword.iskeyword(text):
        reject("-o/--out", text, ALLOWED_OUT)
    if text in _IPYTHON_NAMES or _IPYTHON_HISTORY.fullmatch(text):
        reject("-o/--out", text, f"it is one of IPython's own names; {ALLOWED_OUT}")
    if text in vars(builtins):
        reject("-o/--out", text, f"it would hide Python's builtin {text}(); {ALLOWED_OUT}")
    return text


def visible(text: str) -> bool:
    """Whether a prompt has a character a person can see (not only spaces, NUL and other
    control or invisible characters)."""
    return any(ch.isprintable() and not ch.isspace() for ch in text)


def check_prompt(text: str, what_to_do: str) -> None:
    """Refuse a prompt that is empty or has no visible character (NUL, spaces)."""
    if not visible(text):
        what = "is empty" if not text.strip() else "has no visible character (only NUL, spaces or the like)"
        raise InvalidRequest(f"the prompt {what}: {what_to_do}")


def check_continue(text: str) -> str:
    """A notebook variable's name or a request id (resolved when the cell runs)."""
    value = text.strip()
    if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._:-]{0,127}", value):
        return value
    reject("--continue", text, ALLOWED_CONTINUE)


def check_end_user_id(text: str) -> str:
    if text.strip():
        return text
    reject("--end-user-id", text, "use a non-empty id")


_SWEEP_CHECKS: dict[str, Callable[[str], str]] = {
    "tier": check_tier,
    "resolution": lambda v: check_resolution(v, ("standard",), option="--sweep resolution"),
    "duration": lambda v: check_duration(v, option="--sweep duration"),
    "aspect_ratio": lambda v: check_aspect_ratio(v, option="--sweep aspect_ratio"),
    "audio": lambda v: "on" if check_audio(v) else "off",
}


def check_sweep(text: str) -> tuple[str, tuple[str, ...]]:
    """`FIELD=v1,v2` into (field, normalized values); each value checked as its option
    would be. The fast tier's resolutions are checked later, when the tiers are known."""
    field, sep, values = text.partition("=")
    field = field.strip().lower().replace("-", "_")
    if field == "aspect":
        field = "aspect_ratio"
    if not sep or field not in SWEEP_FIELDS:
        hint = " (the mode follows from the inputs; run one cell per mode)" if field == "mode" else ""
        reject("--sweep", text, ALLOWED_SWEEP + hint)
    items = [v.strip() for v in values.split(",")]
    if not all(items):
        reject(f"--sweep {field}", values, "use values separated by commas, e.g. --sweep duration=4,8")
    checked = tuple(_SWEEP_CHECKS[field](v) for v in items)
    if len(set(checked)) != len(checked):
        reject(f"--sweep {field}", values, "give each value once")
    return field, checked
