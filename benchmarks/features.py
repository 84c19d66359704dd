"""The benchmarks of single features, run by a full `benchmarks/run` after its table and
kept in the same report: the prompt coach (coach.py), stitching a story (stitch.py) and
a batch of 1,000 rows (batch.py). Each runs in a process of its own, as a user would
run it alone, and prints a markdown table with its goals; this module collects them.

    benchmarks/run --features-only      these three, written into benchmarks/results.md
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .common import ROOT

# (title, the command's arguments after `python`, the timeout in seconds)
FEATURES = (
    ("The prompt coach: one call per keystroke", ["benchmarks/coach.py"], 600),
    ("Stitching a story: five 15 s 720p shots", ["benchmarks/stitch.py"], 1800),
    ("A batch of 1,000 rows", ["benchmarks/batch.py", "--rows", "1000", "--write", "{out}"], 1800),
)


@dataclass
class Section:
    title: str
    command: str
    text: str
    met: bool
    seconds: float

    def markdown(self) -> str:
        body = self.text.strip()
        if body.startswith("# "):  # the batch's own heading: this section has one
            body = body.split("\n", 1)[1].strip()
        verdict = "goals met" if self.met else "a goal NOT met (see the table)"
        return f"## {self.title}\n\n`{self.command}` ({self.seconds:.0f} s; {verdict})\n\n{body}\n"


def run_feature(title: str, args: list[str], timeout: float, scratch: Path) -> Section:
    out = scratch / "feature.md"
    argv = [a.replace("{out}", str(out)) for a in args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    text = out.read_text() if out.exists() else done.stdout
    if done.returncode not in (0, 1):  # 1: ran, a goal not met; anything else: it broke
        text += f"\n\nThe benchmark stopped (exit {done.returncode}):\n\n```\n{done.stderr[-2000:]}\n```\n"
    shown = "PYTHONPATH=. python " + " ".join(a for a in args if a not in {"{out}", "--write"})
    return Section(title, shown, text, done.returncode == 0, time.monotonic() - began)


def run_all(scratch: Path) -> list[Section]:
    sections = []
    for title, args, timeout in FEATURES:
        print(f"- {title} ...", end="", flush=True)
        section = run_feature(title, args, timeout, scratch)
        print(f" {section.seconds:.0f} s{'' if section.met else ' (a goal NOT met)'}", flush=True)
        sections.append(section)
    return sections
