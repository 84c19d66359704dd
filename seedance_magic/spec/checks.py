"""The check of every `%%seedance` option value against the endpoint table (the options
themselves are declared in options.py).

Each checker takes the text the user typed and returns the normalized value, or raises
InvalidRequest with one line naming the option, the value and what is allowed. Nothing
here reads files or the network; request.py assembles the checked values into a request.
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    }.get(what, "")


def _name(word: str) -> str:
    """A word as a name: lower case, `_` as `-` (`--Aspect_Ratio` is `--aspect-ratio`)."""
    return word.strip().lower().replace("_", "-")


def nearest(
    word: str, choices: Iterable[str], aliases: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """The choices `word` most likely meant, by name: the same name in another case or
    with `_` for `-`; an alias (`--quality` → --resolution); the choices it begins;
    those whose every part it names (`--ratio` → --aspect-ratio); else the closest in
    spelling. Empty when nothing is near."""
    choices = list(choices)
    names = {choice: _name(choice) for choice in choices}
    key = _name(word)
    bare = key.lstrip("-")
    same = [c for c, n in names.items() if n == key]
    if same:
        return same
    if aliases and bare in aliases:
        return list(aliases[bare])
    if len(bare) >= 2:
        started = [c for c, n in names.items() if n.startswith(key)]
        if started:
            return started
    parts = set(bare.split("-")) - {""}
    named = [c for c, n in names.items() if parts and parts <= set(n.lstrip("-").split("-"))]
    if named:
        return named[:2]
    close = difflib.get_close_matches(key, list(names.values()), n=1, cutoff=0.6)
    return [c for c, n in names.items() if n in close][:1]


def suggest(word: str, choices: Iterable[str], aliases: Mapping[str, Sequence[str]] | None = None) -> str:
    """' (did you mean X?)' for the nearest choices (see `nearest`), or ''."""
    close = nearest(word, choices, aliases)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


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


def check_out(text: str) -> str:
    if text.isidentifier() and not keyword.iskeyword(text):
        return text
    reject("-o/--out", text, ALLOWED_OUT)


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
