"""Smaller bad inputs, each one clear line (what was wrong, what is allowed) with nothing
sent: a numpy array that is not an image, empty bytes, an `-o` name that would shadow a
builtin or one of IPython's own names, a prompt with no visible character. And `%seedance
price` counts reference-video seconds exactly as the dry run and the budget do. (A
journal that cannot be used is test_journal_faults.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell

import seedance_magic
from seedance_magic import errors
from seedance_magic.emulator import Emulator

from helpers.files import mp4, png
from helpers.shells import CLIP, cell, run_cell, seedance_shell


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


def refused(ip: InteractiveShell, emulator: Emulator, source: str) -> str:
    line = run_cell(ip, source).one_clear_line()
    assert emulator.stats.counts == {}, emulator.stats.counts  # not one request
    return line


def test_a_numpy_image_array_is_an_input_and_another_array_is_one_line(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    ip.user_ns["arr"] = np.zeros((64, 48, 3), dtype=np.uint8)
    run_cell(ip, cell(f"{CLIP} -i {{{{arr}}}} --dry-run", "the still comes alive")).ok()
    ip.user_ns["arr"] = np.zeros(10)
    line = refused(ip, emulator, cell(f"{CLIP} -i {{{{arr}}}}", "the still comes alive"))
    assert "-i" in line and "array" in line, line
    ip.user_ns["arrs"] = [np.zeros((64, 48, 3), dtype=np.uint8), np.zeros((2, 2, 2, 2))]
    line = refused(ip, emulator, cell(f"{CLIP} --ref-image {{{{arrs}}}}", "@Image1 walks"))
    assert "--ref-image" in line and "array" in line, line


def test_empty_bytes_are_one_line(ip: InteractiveShell, emulator: Emulator) -> None:
    ip.user_ns["nothing"] = b""
    line = refused(ip, emulator, cell(f"{CLIP} -i {{{{nothing}}}}", "the still comes alive"))
    assert "-i" in line and "empty" in line, line


@pytest.mark.parametrize(
    "name",
    [
        "In",
        "Out",
        "get_ipython",
        "exit",
        "quit",
        "_",
        "__",
        "___",
        "_i",
        "_ii",
        "_i3",
        "_7",
        "_oh",
        "print",
        "list",
    ],
)
def test_an_out_name_that_would_shadow_python_or_ipython_is_one_line(
    ip: InteractiveShell, emulator: Emulator, name: str
) -> None:
    line = refused(ip, emulator, cell(f"{CLIP} -o {name}", "a fox in the snow"))
    assert "-o/--out" in line and repr(name) in line and "clip" in line, line


@pytest.mark.parametrize("prompt", ["\x00", "\x00\x00 \x00", " \t\x00\u200b "])
def test_a_prompt_with_no_visible_character_is_one_line(
    ip: InteractiveShell, emulator: Emulator, prompt: str
) -> None:
    line = refused(ip, emulator, cell(CLIP, prompt))
    assert "prompt" in line and "\x00" not in line, repr(line)
    with pytest.raises(errors.InvalidRequest):
        seedance_magic.generate(prompt)


def test_price_counts_reference_video_seconds_as_the_dry_run_and_the_budget_do(
    ip: InteractiveShell, emulator: Emulator, tmp_path: Path
) -> None:
    mp4(tmp_path / "walk.mp4", 640, 640, seconds=3.0)
    png(tmp_path / "face.png")
    options = "--fast -r 480p -d 4 --ref-video walk.mp4 --ref-image face.png"
    price = run_cell(ip, f"%seedance price {options} -- @Video1 @Image1 dance")
    price.ok()
    dry = run_cell(ip, cell(f"{options} --dry-run", "@Video1 @Image1 dance"))
    dry.ok()
    said = re.search(r"est\. (\$[0-9.]+(?:-\$[0-9.]+)?)", repr(price.value))
    shown = re.search(r"estimate: (\$[0-9.]+(?:-\$[0-9.]+)?)", dry.everything)
    assert said and shown and said[1] == shown[1], (repr(price.value), dry.everything)
    run_cell(ip, f"%config Seedance.max_usd_per_run = {float(said[1].strip('$')) - 0.01}").ok()
    line = refused(ip, emulator, cell(options, "@Video1 @Image1 dance"))
    assert f"estimated at {said[1]}" in line, line
