"""A notebook saved with videos, as static renderers show it: the saved .ipynb (a
poster image in every video's output, no widget view, no video inside), an nbconvert
HTML export next to its outputs (the player links the file) and moved away from them
(the poster, and where the file is), and the export as GitHub and nbviewer render it
(no scripts, no relative files): the poster, the seed, the prompt and the reproduce
cell are still there. The browser tests look at the same pages in Chromium."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from helpers.static_render import as_github, nbconvert_html, outputs_of, run_headless

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

PROMPT = "A paper boat drifts down a rain-filled gutter at dusk"
CELLS = [
    "%load_ext seedance_magic",
    f"%%seedance -d 4 --seed 3\n{PROMPT}",
    "%%seedance --seeds 1,2 -d 4 -r 480p --fast\nA red kite above a windy beach",
]
WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("saved")
    yield run_headless(CELLS, folder, tmp_path_factory.mktemp("home"))


def video_outputs(notebook: Path) -> list[dict[str, Any]]:
    return [o for o in outputs_of(notebook) if "<video" in str(o.get("data", {}).get("text/html", ""))]


def jpeg(data: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    assert image.format == "JPEG"
    return image


def test_the_saved_notebook_keeps_a_poster_and_no_widget(saved: Path) -> None:
    single, grid = video_outputs(saved)
    for output in (single, grid):
        assert set(output["data"]) == {"text/plain", "text/html", "image/jpeg"}
        jpeg(output["data"]["image/jpeg"])
    assert "seed 3" in single["data"]["text/plain"] and PROMPT in single["data"]["text/plain"]
    assert len(json.dumps(single)) < 60_000  # poster included
    text = saved.read_text(encoding="utf-8")
    assert WIDGET not in text and "data:video" not in text  # no widget state, no video inside
    assert "widgets" not in json.loads(text)["metadata"]


def test_an_html_export_beside_its_outputs_links_the_files(saved: Path) -> None:
    page = BeautifulSoup(nbconvert_html(saved), "html.parser")
    videos = page.select(".seedance-player video, .sd-grid video")
    assert len(videos) == 3
    for video in videos:
        assert (saved.parent / unquote(str(video["src"]))).is_file()  # plays next to its outputs
        jpeg(str(video["poster"]).removeprefix("data:image/jpeg;base64,"))  # shows when moved away
    where = page.select_one(".seedance-player .seedance-path")
    assert where is not None and where.get_text().startswith("video file: seedance_outputs/")


def test_as_github_renders_it_the_poster_seed_prompt_and_cell_are_there(saved: Path) -> None:
    page = BeautifulSoup(as_github(nbconvert_html(saved)), "html.parser")
    assert not page.select("script") and not page.select("video[src]")  # nothing runs, no files
    player = page.select_one(".seedance-player")
    assert player is not None
    (video,) = player.select("video")
    poster = jpeg(str(video["poster"]).removeprefix("data:image/jpeg;base64,"))
    assert max(poster.size) <= 400
    assert player.select_one(".seedance-seed").get_text() == "3"  # type: ignore[union-attr]
    assert PROMPT in player.select_one(".seedance-prompt").get_text()  # type: ignore[union-attr]
    cell = player.select_one("pre.seedance-reproduce").get_text()  # type: ignore[union-attr]
    assert cell.startswith("%%seedance") and "--seed 3" in cell and PROMPT in cell
    assert "video file: seedance_outputs/" in player.get_text()
    grid = page.select_one(".sd-grid")
    assert grid is not None and len(grid.select("video[poster^='data:image/jpeg']")) == 2
    cells = [p.get_text() for p in grid.select("pre.seedance-reproduce")]
    assert ["--seed 1" in cells[0], "--seed 2" in cells[1]] == [True, True]
