"""Driving a notebook page in the browser tests: open a notebook and wait for its kernel,
run all its cells, find a cell, watch something change, play a video and report what
it did, and keep pictures of what the page shows. No tests here."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from helpers.browser import LAB_IDLE, JupyterServer

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
SECOND = 1000  # playwright timeouts are in milliseconds

# Wait for a video to be playable, play it muted, and report what happened.
PLAY_VIDEO = """async (video) => {
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const until = performance.now() + 15000;
  while (video.readyState < 1 && performance.now() < until) await sleep(100);
  video.muted = true;
  await video.play();
  while (video.readyState < 2 && performance.now() < until) await sleep(100);
  const start = video.currentTime;
  await sleep(1500);
  return {
    readyState: video.readyState, duration: video.duration, start: start, end: video.currentTime,
    audioBytes: video.webkitAudioDecodedByteCount, error: video.error && video.error.message,
    src: video.currentSrc,
  };
}"""


def write_notebook(server: JupyterServer, name: str, cells: list[str]) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, server.root / name)
    return name


def copy_quickstart(server: JupyterServer, name: str) -> str:
    shutil.copy2(NOTEBOOKS / "quickstart.ipynb", server.root / name)
    return name


def open_notebook(page: Any, server: JupyterServer, name: str) -> None:
    """Open a notebook and wait until its kernel is idle."""
    page.servers.append(server)
    page.goto(server.page(name))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60 * SECOND)
    if server.app == "lab":  # the status bar: the toolbar's indicator says idle too early
        page.get_by_text(re.compile(LAB_IDLE)).wait_for(timeout=60 * SECOND)
    else:
        page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=60 * SECOND)


def run_all(page: Any) -> None:
    """Run > Run All Cells, and see it start: a busy page can take the click before the
    notebook is ready for it, and then nothing runs (nothing ran, so it is clicked again)."""
    prompts = page.locator(".jp-CodeCell .jp-InputPrompt")
    for attempt in range(3):
        if attempt:
            print(f"Run All Cells ran nothing; clicking it again (attempt {attempt + 1})")
        page.get_by_role("menuitem", name="Run", exact=True).click()
        item = page.locator("li.lm-Menu-item[data-command='runmenu:run-all']:not(.lm-mod-disabled)")
        item.click(timeout=30 * SECOND)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any(re.search(r"\[(\*|\d+)\]", text) for text in prompts.all_text_contents()):
                return
            time.sleep(0.2)
    raise AssertionError("Run All Cells ran nothing")


def code_cell(page: Any, text: str) -> Any:
    """The code cell whose input contains `text`."""
    return page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text=text))


def watch(until: Callable[[], bool], sample: Callable[[], Any], timeout: float) -> list[Any]:
    """Sample something every 0.2 s until `until()`; the distinct samples in order."""
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = sample()
        if value is not None and (not seen or seen[-1] != value):
            seen.append(value)
        if until():
            return seen
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s; saw {seen}")


def shown_text(locator: Any) -> str:
    """The text an element holds as text (not markup). Read from the DOM: while Run All
    moves through a long notebook, cells scrolled away are not rendered and their
    inner text is empty."""
    return " ".join(str(locator.text_content()).split())


def state_of(status: str) -> str:
    return status.split("·", maxsplit=1)[0].strip()


def check_video_plays(video: Any, duration: float) -> dict[str, Any]:
    report: dict[str, Any] = video.evaluate(PLAY_VIDEO)
    assert report["error"] is None, report
    assert report["readyState"] >= 2, report
    assert abs(report["duration"] - duration) <= 0.2, report
    assert report["end"] - report["start"] > 0.5, f"the video did not advance: {report}"
    return report


def shoot(target: Any, name: str) -> None:
    """A picture of `target` (a page or an element), PNG or JPEG by the name's suffix."""
    path = SCREENSHOTS / name
    options: dict[str, Any] = {"type": "jpeg", "quality": 70} if path.suffix == ".jpg" else {}
    target.screenshot(path=str(path), **options)


def shoot_cell(page: Any, cell: Any, output: str, name: str) -> None:
    """A picture of a cell's input and of `output` (a selector inside the cell), as on
    screen: the notebook's own box for the cell can lag behind a growing widget."""
    cell.locator(".jp-InputArea").evaluate("(input) => input.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    top = cell.locator(".jp-InputArea").bounding_box()
    bottom = cell.locator(output).first.bounding_box()
    viewport = page.viewport_size
    y = max(0.0, top["y"] - 8)
    height = min(bottom["y"] + bottom["height"] + 8, viewport["height"]) - y
    path = SCREENSHOTS / name
    options: dict[str, Any] = {"type": "jpeg", "quality": 70} if path.suffix == ".jpg" else {}
    page.screenshot(
        path=str(path),
        clip={"x": top["x"] - 8, "y": y, "width": top["width"] + 16, "height": height},
        **options,
    )
