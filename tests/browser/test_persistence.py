"""Notebooks keep their videos, tried as a teacher preparing a demo would, in headless
Chromium: run a cell and a grid in JupyterLab, save with Ctrl+S, shut the kernel down
through the server's API and open the notebook again: the videos play, the seeds show,
nothing says "model not found", and the saved file holds the posters. The same notebook
exported with nbconvert plays beside its outputs and shows the poster and where the file
is away from them; rendered as GitHub renders it (no scripts, no relative files) it shows
the poster, the seed, the prompt and the reproduce cell. Notebook 7 keeps its video the
same way, and Voilà plays the quickstart's.

Pictures go to test-artifacts/screenshots/ (those in docs/screenshots/ were taken here).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from PIL import Image, ImageStat

from helpers.browser import JupyterServer, VoilaServer
from helpers.notebook_page import (
    ARTIFACTS,
    NOTEBOOKS,
    SECOND,
    check_video_plays,
    code_cell,
    open_notebook,
    run_all,
    shoot,
    shoot_cell,
    shown_text,
    watch,
    write_notebook,
)
from helpers.static_render import as_github, nbconvert_html, outputs_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PACE = {"queue_seconds": 0.5, "run_seconds": 1.0, "log_interval": 0.25}
PROMPT = "A paper boat drifts down a rain-filled gutter at dusk, slow dolly-in at water level"
KITE = "A red kite dances above a windy beach"
CELLS = [
    "%load_ext seedance_magic",
    f"%%seedance -d 4 --seed 3\n{PROMPT}",
    f"%%seedance --seeds 1,2 -d 4 -r 480p --fast\n{KITE}",
]
NAME = "demo.ipynb"
STATIC = ".jp-OutputArea-output[data-mime-type='text/html']"
WIDGET = "application/vnd.jupyter.widget-view+json"
BROKEN = re.compile(r"model not found|Error displaying widget", re.IGNORECASE)


def serve(app: str, tmp: pytest.TempPathFactory) -> JupyterServer:
    root = tmp.mktemp(f"{app}-keeps")
    return JupyterServer(
        app, root, tmp.mktemp(f"{app}-keeps-home"), PACE, ARTIFACTS / f"jupyter-{app}-keeps.log"
    )


@pytest.fixture(scope="module")
def lab(requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    with serve("lab", tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def notebook7(requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    with serve("notebook", tmp_path_factory) as server:
        yield server


def ended(cell: Any, videos: int, timeout: float = 90) -> Any:
    """Wait until the cell's output is its static form (HTML, no widget) with `videos` videos.
    The live player shows its video in an Output widget, whose own HTML output matches
    STATIC too: the static form is there once no widget is left in the cell."""
    shown = cell.locator(f"{STATIC} video")
    live = cell.locator(".jupyter-widgets")
    watch(lambda: shown.count() == videos and live.count() == 0, lambda: None, timeout)
    return shown


def saved_outputs(path: Path) -> list[dict[str, Any]]:
    """The outputs in the file on disk (nbformat joins the lines it stores as lists)."""
    return outputs_of(path)


def save_with_ctrl_s(page: Any, server: JupyterServer, name: str, videos: int) -> Path:
    """Press Ctrl+S in the notebook and wait for the file to hold the videos' posters."""
    path = server.root / name
    code_cell(page, "%load_ext").locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Control+s")

    def posters() -> int:
        try:
            return sum("image/jpeg" in o.get("data", {}) for o in saved_outputs(path))
        except (OSError, ValueError, nbformat.reader.NotJSONError):
            return 0

    watch(lambda: posters() >= videos, lambda: None, timeout=30)
    return path


def reopen(page: Any, server: JupyterServer, name: str) -> None:
    """Shut the kernel down through the server's API, then open the notebook again."""
    server.shutdown_kernels()
    headers = {"Authorization": f"token {server.token}"}
    assert httpx.get(f"{server.url}/api/kernels", headers=headers, timeout=10).json() == []
    page.goto("about:blank")
    open_notebook(page, server, name)


def not_black(element: Any) -> float:
    """How much a picture of `element` varies (a poster shows; an empty player is flat)."""
    with Image.open(io.BytesIO(element.screenshot())) as shot:
        return float(sum(ImageStat.Stat(shot.convert("L")).stddev))


@pytest.fixture(scope="module")
def saved_in_lab(browser: Any, lab: JupyterServer) -> Path:
    """The demo notebook run in JupyterLab (a cell, then a grid) and saved with Ctrl+S."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.servers = []
    try:
        open_notebook(page, lab, write_notebook(lab, NAME, CELLS))
        run_all(page)
        ended(code_cell(page, "--seed 3"), 1)
        ended(code_cell(page, "--seeds 1,2"), 2)
        return save_with_ctrl_s(page, lab, NAME, videos=2)
    finally:
        context.close()


# -------------------------------------------------------------------------- JupyterLab
def test_the_saved_notebook_holds_the_posters_and_no_widget(saved_in_lab: Path) -> None:
    videos = [o for o in saved_outputs(saved_in_lab) if "<video" in str(o.get("data", {}).get("text/html"))]
    assert len(videos) == 2
    for output in videos:
        assert output["output_type"] == "display_data" and WIDGET not in output["data"]
        assert set(output["data"]) == {"text/plain", "text/html", "image/jpeg"}
    single = videos[0]
    assert "seed 3" in single["data"]["text/plain"] and len(json.dumps(single)) < 60_000
    assert "data:video" not in saved_in_lab.read_text(encoding="utf-8")


def test_reopened_in_jupyterlab_the_videos_play_and_the_seeds_show(
    page: Any, lab: JupyterServer, saved_in_lab: Path
) -> None:
    reopen(page, lab, saved_in_lab.name)
    cell = code_cell(page, "--seed 3")
    video = cell.locator(f"{STATIC} .seedance-player video")
    video.wait_for(timeout=30 * SECOND)
    assert page.get_by_text(BROKEN).count() == 0
    report = check_video_plays(video, 4.0)
    assert "/files/seedance_outputs/" in report["src"] and report["audioBytes"] > 0
    assert shown_text(cell.locator(".seedance-seed")) == "3"
    assert PROMPT[:60] in shown_text(cell.locator(".seedance-player .seedance-prompt"))
    assert str(video.get_attribute("poster")).startswith("data:image/jpeg;base64,")

    # what the player says it does: muted, a button that unmutes, a link to the file
    sound = cell.locator(".seedance-sound")
    assert "sound off" in shown_text(sound)
    sound.click()
    assert video.evaluate("(v) => v.muted") is False
    assert "sound on" in shown_text(sound)
    link = cell.locator("a.seedance-download")
    assert link.is_visible() and str(link.get_attribute("href")).split("?")[0].endswith(".mp4")

    grid = code_cell(page, "--seeds 1,2")
    videos = grid.locator(f"{STATIC} .sd-grid video")
    assert videos.count() == 2
    check_video_plays(videos.nth(1), 4.0)
    assert "seed 1" in shown_text(grid.locator(STATIC)) and "seed 2" in shown_text(grid.locator(STATIC))

    notice = code_cell(page, "%load_ext").locator(".jp-OutputArea-output")
    assert notice.count() == 1 and notice.get_attribute("data-mime-type") == "application/vnd.jupyter.stdout"
    assert page.get_by_text(BROKEN).count() == 0 and not page.errors, page.errors
    shoot_cell(page, cell, f"{STATIC} .seedance-player", "lab-reopened.jpg")


# ----------------------------------------------------------------------- static copies
def test_an_html_export_plays_beside_its_outputs_and_shows_the_poster_away(
    page: Any, saved_in_lab: Path, tmp_path: Path
) -> None:
    export = saved_in_lab.with_suffix(".html")
    export.write_text(nbconvert_html(saved_in_lab), encoding="utf-8")
    page.goto(export.as_uri())
    player = page.locator(".seedance-player").first
    check_video_plays(player.locator("video"), 4.0)
    assert shown_text(player.locator(".seedance-seed")) == "3"

    away = tmp_path / "elsewhere" / export.name
    away.parent.mkdir()
    shutil.copy2(export, away)
    page.goto(away.as_uri())
    player = page.locator(".seedance-player").first
    video = player.locator("video")
    video.evaluate(
        "async (v) => { const t = performance.now() + 10000;"
        " while (!v.error && v.networkState !== 3 && performance.now() < t)"
        " await new Promise(r => setTimeout(r, 100)); }"
    )
    assert video.evaluate("(v) => v.readyState") == 0  # the file is not there
    assert not_black(video) > 20, "the poster does not show"
    where = player.locator(".seedance-path")
    assert where.is_visible() and shown_text(where).startswith("video file: seedance_outputs/")
    shoot_cell_free(player, "export-moved.jpg")


def test_as_github_renders_it_the_poster_seed_prompt_and_cell_show(page: Any, saved_in_lab: Path) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_content(as_github(nbconvert_html(saved_in_lab)))
    player = page.locator(".seedance-player").first
    video = player.locator("video")
    assert video.get_attribute("src") is None  # no relative files
    time.sleep(0.5)
    assert not_black(video) > 20, "the poster does not show"
    assert shown_text(player.locator(".seedance-seed")) == "3"
    assert player.locator(".seedance-seed").is_visible()
    assert PROMPT[:60] in shown_text(player.locator(".seedance-prompt"))
    cell = player.locator("pre.seedance-reproduce")
    assert cell.is_visible() and "--seed 3" in shown_text(cell)
    assert [url for url in requests if not url.startswith(("data:", "about:"))] == []
    shoot_cell_free(player, "github-like.jpg")


def shoot_cell_free(element: Any, name: str) -> None:
    element.scroll_into_view_if_needed()
    shoot(element, name)


# ---------------------------------------------------------------------------- Notebook 7
def test_notebook7_keeps_its_video(page: Any, notebook7: JupyterServer) -> None:
    open_notebook(page, notebook7, write_notebook(notebook7, NAME, CELLS[:2]))
    run_all(page)
    ended(code_cell(page, "--seed 3"), 1)
    save_with_ctrl_s(page, notebook7, NAME, videos=1)
    reopen(page, notebook7, NAME)
    cell = code_cell(page, "--seed 3")
    video = cell.locator(f"{STATIC} .seedance-player video")
    video.wait_for(timeout=30 * SECOND)
    check_video_plays(video, 4.0)
    assert shown_text(cell.locator(".seedance-seed")) == "3"
    assert page.get_by_text(BROKEN).count() == 0


# --------------------------------------------------------------------------------- Voilà
def test_voila_plays_the_quickstarts_video(page: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("voila-root")
    shutil.copy2(NOTEBOOKS / "quickstart.ipynb", root / "quickstart.ipynb")
    home = tmp_path_factory.mktemp("voila-home")
    with VoilaServer(root / "quickstart.ipynb", home, PACE, ARTIFACTS / "voila.log") as voila:
        page.goto(voila.page, timeout=120 * SECOND)
        video = page.locator(".seedance-player video").first
        video.wait_for(timeout=120 * SECOND)
        report = check_video_plays(video, 4.0)
        assert report["src"].startswith("data:video/mp4;base64,")  # its allowlist refuses .mp4
        assert report["audioBytes"] > 0
        assert shown_text(page.locator(".seedance-player .seedance-seed").first) == "7"
        video.scroll_into_view_if_needed()
        shoot(page, "voila.jpg")
