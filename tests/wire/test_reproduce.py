"""Reproduce cells that reproduce: an image or reference input is named as the user gave
it (the path they wrote, the `{{variable}}` they named), never by an upload stand-in or an
emulator URL that dies with the kernel; a cached replay names the same file as the
original."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from seedance_magic.emulator import Emulator
from seedance_magic.spec.parse import parse_cell

from helpers.shells import all_records, run_cell, seedance_shell

CLIP = "-d 4 -r 480p --fast --seed 3"


def options_line(cell: str) -> str:
    return cell.splitlines()[0]


@pytest.fixture
def pictures(tmp_path: Path) -> Path:
    Image.new("RGB", (640, 480), "#e07b39").save(tmp_path / "cat.png")
    Image.new("RGB", (480, 480), "#d32f2f").save(tmp_path / "ball.png")
    return tmp_path


def test_a_path_and_a_variable_are_named_as_given(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, pictures: Path
) -> None:
    with seedance_shell(emulator, monkeypatch) as shell:
        shell.user_ns["night_cat"] = Image.new("RGB", (640, 480), "#1d2340")
        cell = f"%%seedance -i cat.png --end-image {{{{night_cat}}}} {CLIP} --out job\nThe room darkens"
        run_cell(shell, cell).ok()
        result = shell.user_ns["job"].wait()
    line = options_line(result.reproduce_cell)
    assert "-i cat.png --end-image {{night_cat}}" in line, line
    assert "http" not in line and "<upload" not in line
    record = all_records()[0]
    assert record.reproduce is not None and "-i cat.png --end-image {{night_cat}}" in record.reproduce
    # the cell parses back into the same inputs, the variable from the notebook again
    again = parse_cell(line.removeprefix("%%seedance "), "x", namespace={"night_cat": 1})
    assert again.image == "cat.png" and again.end_image == 1


def test_references_by_path_variable_and_list(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, pictures: Path
) -> None:
    with seedance_shell(emulator, monkeypatch) as shell:
        shell.user_ns["ball"] = Image.new("RGB", (480, 480), "#d32f2f")
        shell.user_ns["pair"] = ["ball.png", Image.new("RGB", (300, 300))]
        run_cell(
            shell,
            "%%seedance --ref-image cat.png --ref-image {{ball}} --ref-image {{pair}} "
            f"{CLIP} --out job\n@Image1 chases @Image2 past @Image3 and @Image4",
        ).ok()
        result = shell.user_ns["job"].wait()
    line = options_line(result.reproduce_cell)
    # the list variable is named once: it gives both of its files again
    assert line.count("--ref-image") == 3, line
    assert "--ref-image cat.png --ref-image {{ball}} --ref-image {{pair}}" in line
    assert "http" not in line


def test_an_object_from_python_is_named_by_its_url(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sd.generate(image=picture): no name to give, so the uploaded URL (as before)."""
    import seedance_magic as sd

    with seedance_shell(emulator, monkeypatch):
        result = sd.generate("The cat blinks", image=Image.new("RGB", (640, 480)), **QUICK).wait()
    line = options_line(result.reproduce_cell)
    assert "-i http" in line and "<upload" not in line


QUICK = {"fast": True, "resolution": "480p", "duration": 4, "seed": 3}


def test_a_cached_replay_names_the_same_file(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with seedance_shell(emulator, monkeypatch) as shell:
        run_cell(shell, f"%%seedance {CLIP} --out first\nA paper boat").ok()
        run_cell(shell, f"%%seedance {CLIP} --out again\nA paper boat").ok()
        first, again = shell.user_ns["first"].wait(), shell.user_ns["again"].wait()
    assert again.cached and again.path == first.path
    assert again.path is not None and not again.path.is_absolute()


def test_a_continued_clip_names_the_clip_it_continues(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--continue clip`: the start frame is the clip's last frame, which the reproduce cell
    gives again by `--continue clip`, not by the emulator's URL of the frame or a stand-in
    for its bytes."""
    with seedance_shell(emulator, monkeypatch) as shell:
        run_cell(shell, f"%%seedance {CLIP} --out clip\nA kite over the dunes").ok()
        shell.user_ns["clip"].wait()
        run_cell(shell, "%%seedance --continue clip -d 4 -r 480p --fast --seed 4 --out more\nIt lands").ok()
        result = shell.user_ns["more"].wait()
    for cell in (result.reproduce_cell, result.reproduce or ""):
        line = options_line(cell)
        assert "--continue clip" in line, line
        assert "-i " not in line and "http" not in line and "bytes" not in line, line
    record = next(r for r in all_records() if r.request_id == result.request_id)
    assert record.reproduce is not None and "--continue clip" in record.reproduce
    again = parse_cell(options_line(result.reproduce_cell).removeprefix("%%seedance "), "x")
    assert again.continue_from == "clip" and again.image is None and again.seed == 4


def test_a_story_shot_names_the_shot_it_continues(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shot 2 of a story starts from shot 1's last frame: its cell continues shot 1 by
    request id (which the journal keeps), so it still makes the shot after a restart."""
    with seedance_shell(emulator, monkeypatch) as shell:
        run_cell(shell, f"%%seedance --story {CLIP} --out film\nA kite is unrolled\n---\nIt climbs").ok()
        film = shell.user_ns["film"].wait()
    first, second = film.shots
    for cell in (second.reproduce_cell, second.reproduce or ""):
        line = options_line(cell)
        assert f"--continue {first.request_id}" in line, line
        assert "-i " not in line and "http" not in line and "bytes" not in line, line
