"""History from other folders: the journal is the user's, the videos live beside each
notebook. A video made in another folder shows its poster (inside the page) and where it
was made, with a link, never a player that cannot load; `--here` keeps this folder's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

import seedance_magic
from seedance_magic.app import history as gallery
from seedance_magic.emulator import Emulator
from seedance_magic.engine.runtime import get_runtime

from helpers.shells import CLIP, cell, run_cell, seedance_shell


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


def make_in(ip: InteractiveShell, folder: Path, prompt: str, seed: int) -> Any:
    """A video made by a notebook in `folder` (the kernel's working folder)."""
    folder.mkdir(exist_ok=True)
    os.chdir(folder)
    run_cell(ip, cell(f"{CLIP} --seed {seed} --wait --out job", prompt)).ok()
    return ip.user_ns["job"].result


def test_a_video_of_another_folder_says_where_it_was_made(ip: InteractiveShell, tmp_path: Path) -> None:
    other = make_in(ip, tmp_path / "lesson1", "a red kite over a beach", 1)
    mine = make_in(ip, tmp_path / "lesson2", "a heron in the reeds", 2)
    view = gallery.history_view(get_runtime())
    by_seed = {card.result.seed: card for card in view.cards}
    theirs, ours = by_seed[1], by_seed[2]
    assert theirs.made_in == "../lesson1/seedance_outputs" and ours.made_in is None
    assert theirs.src == f"../lesson1/seedance_outputs/{other.path.name}"
    # every poster is inside the page: no 404 here, nothing missing where files are not served
    for card in (theirs, ours):
        assert card.poster is not None and card.poster.startswith("data:image/jpeg;base64,")
    assert mine.path.with_suffix(".poster.jpg").is_file()
    bundle = view._repr_mimebundle_()
    assert "made in <code>../lesson1/seedance_outputs</code>" in bundle["text/html"]
    assert "<video" not in bundle["text/html"]
    assert f"{theirs.result.path} (made in ../lesson1/seedance_outputs)" in bundle["text/plain"]


def test_here_keeps_this_folder_s_videos(ip: InteractiveShell, tmp_path: Path) -> None:
    make_in(ip, tmp_path / "lesson1", "a red kite over a beach", 1)
    make_in(ip, tmp_path / "lesson2", "a heron in the reeds", 2)
    make_in(ip, tmp_path / "lesson2", "a red kite at dusk", 3)
    ran = run_cell(ip, "%seedance history --here")
    ran.ok()
    assert [card.result.seed for card in ran.value.cards] == [3, 2]
    assert ran.value._repr_mimebundle_()["text/plain"].startswith("2 past results made in this folder")
    assert [r.seed for r in seedance_magic.history(here=True, search="kite")] == [3]
    assert [r.seed for r in seedance_magic.history(search="kite")] == [3, 1]
    os.chdir(tmp_path)  # the parent of both folders holds them all
    assert [r.seed for r in seedance_magic.history(here=True)] == [3, 2, 1]
    os.chdir(tmp_path / "lesson2" / "seedance_outputs" / "..")  # the same folder, another spelling
    assert len(run_cell(ip, "%seedance history 1 --here").value) == 1


def test_an_empty_folder(ip: InteractiveShell, tmp_path: Path) -> None:
    make_in(ip, tmp_path / "lesson1", "a red kite over a beach", 1)
    (tmp_path / "lesson3").mkdir()
    os.chdir(tmp_path / "lesson3")
    assert repr(run_cell(ip, "%seedance history --here").value) == "no past results made in this folder yet"


def test_jobs_still_under_way_are_mentioned(ip: InteractiveShell, emulator: Emulator) -> None:
    emulator.configure(hold=True)
    job = seedance_magic.generate("a kite", fast=True, resolution="480p", duration=4, seed=9)
    text = repr(run_cell(ip, "%seedance history").value)
    assert text == (
        "no past results in the journal yet; 1 job of this kernel is still under way: "
        "shown here once done (%seedance jobs lists them now)"
    )
    emulator.configure(hold=False)
    job.cancel()
    with pytest.raises(seedance_magic.errors.JobCancelled):
        job.wait(timeout=30)
