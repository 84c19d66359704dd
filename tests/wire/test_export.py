"""Results as data, end to end on the emulator: sd.history() and a grid's results as a
DataFrame, and sd.export writing one page whose posters are inside it and whose videos
play from beside it (or from inside it with embed=True)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

import seedance_magic as sd
from seedance_magic.emulator import Emulator
from seedance_magic.engine.runtime import Runtime
from seedance_magic.errors import InvalidRequest

from helpers.shells import run_cell, seedance_shell

pd = pytest.importorskip("pandas")

QUICK = {"fast": True, "resolution": "480p", "duration": 4}
SOURCE = re.compile(r'<source src="([^"]+)"')
POSTER = re.compile(r'poster="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def test_history_and_a_grid_as_tables(runtime: Runtime) -> None:
    first = sd.generate("A kite over a beach", seed=1, **QUICK).wait()
    second = sd.generate("A heron in the reeds", seed=2, **QUICK).wait()
    frame = sd.history(10).to_pandas()
    assert list(frame["request_id"]) == [second.request_id, first.request_id]  # newest first
    assert list(frame["seed"]) == [2, 1] and list(frame["prompt"])[1] == "A kite over a beach"
    assert frame["emulated"].all() and (frame["charged_usd"] == 0).all()
    assert all(Path(p).is_file() for p in frame["path"])
    assert sd.history(10, search="heron").to_pandas()["seed"].tolist() == [2]


def test_export_links_the_videos_and_embeds_the_posters(
    runtime: Runtime, emulator: Emulator, tmp_path: Path
) -> None:
    done = sd.generate("A paper boat in the rain", seed=3, **QUICK).wait()
    running = sd.generate("A lighthouse at dawn", seed=4, **QUICK)  # waited for by export
    page = sd.export([done, running], tmp_path / "share" / "class.html", title="Our class")
    assert running.done and page == tmp_path / "share" / "class.html"
    html = page.read_text()
    sources = SOURCE.findall(html)
    assert len(sources) == 2 and all(s.startswith("../") for s in sources)
    for src in sources:  # each plays from beside the page
        assert (page.parent / unquote(src)).resolve().is_file()
    posters = POSTER.findall(html)
    assert len(posters) == 2 and all(base64.b64decode(p).startswith(b"\x89PNG") for p in posters)
    assert "Our class" in html and "A lighthouse at dawn" in html and "<script" not in html


def test_export_embedded_plays_anywhere(runtime: Runtime, tmp_path: Path) -> None:
    result = sd.generate("A kite", seed=5, **QUICK).wait()
    page = sd.export(sd.history(1), tmp_path / "one.html", embed=True)
    (src,) = SOURCE.findall(page.read_text())
    assert src.startswith("data:video/mp4;base64,")
    assert result.path is not None and base64.b64decode(src.split(",", 1)[1]) == result.path.read_bytes()


def test_export_refuses_nothing_and_a_wrong_file_name(runtime: Runtime, tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="export needs at least 1 video, not 0"):
        sd.export([], tmp_path / "empty.html")
    result = sd.generate("A kite", seed=6, **QUICK).wait()
    with pytest.raises(InvalidRequest, match=r"export: page.mp4 is not an .html file"):
        sd.export(result, tmp_path / "page.mp4")


def test_a_grid_s_results_as_a_table(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with seedance_shell(emulator, monkeypatch) as shell:
        run_cell(shell, "%%seedance -d 4 -r 480p --fast --seeds 7,8 --out takes\nA red kite").ok()
        frame = shell.user_ns["takes"].wait().to_pandas()
    assert frame["seed"].tolist() == [7, 8] and frame["prompt"].tolist() == ["A red kite"] * 2
