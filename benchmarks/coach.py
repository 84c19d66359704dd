"""How long the prompt coach takes per prompt: it runs on every keystroke in the studio,
so one call must stay well under a millisecond. Prints one markdown table.

    PYTHONPATH=. python benchmarks/coach.py [--rounds 15]

Three sets of prompts, made here from a fixed seed (a few hundred in all): short (a few
words), typical (the guide's template filled in, some with @Image references, several
shots or dialogue) and long (about 1,500 characters). Each call is timed on its own
(perf_counter_ns, garbage collection paused), every prompt once per round; a column's
median and p99 are over all its calls. Three columns, measured in the same run:
`coach(request)` (the rules on a parsed request), `coach_prompt(prompt, **options)` (what
a keystroke costs: parsing plus the rules) and, as the reference, the parser alone
(`request_from_options`). The goal applies to the p99 of `coach_prompt`.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from seedance_magic.spec.coach import coach, coach_prompt
from seedance_magic.spec.keywords import request_from_options

GOAL_US = 1000.0
PER_SET = 100
LONG_CHARS = 1500

_SHOTS = ["Wide aerial shot", "Close-up", "Medium shot", "Low-angle tracking shot", "Over-the-shoulder shot"]
_SUBJECTS = ["a lone cyclist", "an old fisherman", "a street dancer", "a red fox", "a chef", "two astronauts"]
_ACTIONS = ["riding hard", "mending a net", "spinning on one heel", "trotting through snow", "flipping a pan"]
_PLACES = ["a neon-lit alley", "a wooden pier", "an alpine meadow", "a rustic kitchen", "a desert highway"]
_LIGHT = ["at golden hour", "under flickering neon", "in blue-hour haze", "by candlelight", "at high noon"]
_STYLE = ["gritty 16mm film look", "dreamy and soft", "documentary style", "bold anime palette"]
_CAMERA = ["slow dolly-in", "whip pan", "crane rise", "handheld follow", "locked-off camera"]
_AUDIO = ["distant thunder", "footsteps on gravel", "sizzling oil", "crowd cheering", "wind and gulls"]
_SHORT = ["a cat", "sunset", "a red car at night", "dog on a beach", "city rain", "a robot waving hello"]


def _typical(rng: random.Random) -> tuple[str, dict[str, Any]]:
    """One prompt in the guide's template, sometimes with references, cuts or a line."""
    parts = [
        f"{rng.choice(_SHOTS)} of {rng.choice(_SUBJECTS)} {rng.choice(_ACTIONS)} in {rng.choice(_PLACES)}",
        rng.choice(_LIGHT),
        rng.choice(_STYLE),
        rng.choice(_CAMERA),
        rng.choice(_AUDIO),
    ]
    options: dict[str, Any] = {}
    kind = rng.randrange(4)
    if kind == 1:
        parts[0] += ", cut to @Image1 smiling, cut to @Image2 waving"
        options["ref_images"] = ["a.png", "b.png", "c.png"][: rng.randint(1, 3)]
    elif kind == 2:
        parts.insert(3, 'she says softly, "We made it."')
        options["generate_audio"] = rng.random() < 0.5
    elif kind == 3:
        options.update(duration=rng.choice([4, 6, 10]), aspect_ratio=rng.choice(["9:16", "16:9", "21:9"]))
    return ", ".join(parts) + ".", options


def _long(rng: random.Random) -> tuple[str, dict[str, Any]]:
    text = ""
    while len(text) < LONG_CHARS:
        text += _typical(rng)[0] + " "
    return text[:LONG_CHARS].rsplit(" ", 1)[0], {}


def prompt_sets(seed: int = 20) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    rng = random.Random(seed)
    short: list[tuple[str, dict[str, Any]]] = [(rng.choice(_SHORT), {}) for _ in range(PER_SET)]
    return {
        "short": short,
        "typical": [_typical(rng) for _ in range(PER_SET)],
        "~1,500 characters": [_long(rng) for _ in range(PER_SET)],
    }


def _timed(call: Callable[[], object], samples: list[float]) -> None:
    start = time.perf_counter_ns()
    call()
    samples.append((time.perf_counter_ns() - start) / 1000)


def measure(cases: list[tuple[str, dict[str, Any]]], rounds: int) -> dict[str, list[float]]:
    """Microseconds per call of each column, every prompt once per round."""
    requests = [request_from_options(p, **o) for p, o in cases]
    columns: dict[str, list[float]] = {"coach": [], "coach_prompt": [], "parser": []}
    for (prompt, options), request in zip(cases, requests, strict=True):  # warm up
        coach(request)
        coach_prompt(prompt, **options)
    gc.disable()
    try:
        for _ in range(rounds):
            for (prompt, options), request in zip(cases, requests, strict=True):
                _timed(partial(coach, request), columns["coach"])
                _timed(partial(coach_prompt, prompt, **options), columns["coach_prompt"])
                _timed(partial(request_from_options, prompt, **options), columns["parser"])
    finally:
        gc.enable()
    return columns


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def cell(samples: list[float]) -> str:
    return f"{statistics.median(samples):.0f} / {p99(samples):.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15, help="timed calls per prompt and column")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"load average at the start {load}; {args.rounds} rounds\n"
    )
    print(
        "| prompts | count | chars (median) | coach(request) µs, median / p99 "
        "| coach_prompt µs, median / p99 | parser alone µs, median / p99 | goal | met |"
    )
    print("|---|---|---|---|---|---|---|---|")
    met_all = True
    for name, cases in prompt_sets().items():
        columns = measure(cases, args.rounds)
        met = p99(columns["coach_prompt"]) < GOAL_US
        met_all &= met
        chars = statistics.median(len(p) for p, _ in cases)
        print(
            f"| {name} | {len(cases)} | {chars:.0f} | {cell(columns['coach'])} | "
            f"{cell(columns['coach_prompt'])} | {cell(columns['parser'])} | < {GOAL_US:.0f} µs | "
            f"{'met' if met else 'NOT met'} |"
        )
    print(f"\n{time.perf_counter() - started:.1f} s in all")
    return 0 if met_all else 1


if __name__ == "__main__":
    sys.exit(main())
