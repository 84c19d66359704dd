"""The notebooks as a person sees them: JupyterLab and Notebook 7 in headless Chromium.

A JupyterLab server on 127.0.0.1 (token, isolated folders, no fal key, so the built-in
emulator answers) opens a copy of notebooks/quickstart.ipynb and runs all its cells:
the progress widget must appear and move from queued to running, the player's video must
load, last the requested 4 s and play, and the seed and the EMULATOR badge must show.
Small notebooks written by these tests check what the quickstart does not: Cancel on a
running job, a prompt full of HTML shown as text and never run, and compare's synced
play button. Notebook 7 must open, run and play the quickstart too.

Screenshots go to test-artifacts/screenshots/ for people to look at. Servers and the
browser are stopped by process id when the tests end, failed or not.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest

from helpers.browser import LAB_IDLE, JupyterServer
from helpers.notebook_page import (
    ARTIFACTS,
    NOTEBOOKS,
    SECOND,
    check_video_plays,
    code_cell,
    copy_quickstart,
    open_notebook,
    run_all,
    shoot,
    shoot_cell,
    shown_text,
    state_of,
    watch,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Slow enough to watch a job queue and run (and to press Cancel), quick enough for CI.
WATCHABLE_PACE = {"queue_seconds": 2.0, "run_seconds": 5.0, "log_interval": 0.5}
QUICK_PACE = {"queue_seconds": 0.5, "run_seconds": 1.0, "log_interval": 0.25}
DURATION = 4.0  # the quickstart's first clip: -d 4

# What an injected prompt would do if it ran: set a flag (and open a dialog).
HOSTILE_PROMPT = (
    '<script>window.sdInjected = "script"; alert("script ran")</script>'
    "<img src=x onerror=\"window.sdInjected = 'img'; alert('img ran')\"> "
    "a paper lantern drifts over a dark river"
)


def serve(app: str, pace: dict[str, float], tmp: pytest.TempPathFactory) -> JupyterServer:
    root = tmp.mktemp(f"{app}-root")
    shutil.copy2(NOTEBOOKS / "quickstart.ipynb", root / "quickstart.ipynb")
    return JupyterServer(app, root, tmp.mktemp(f"{app}-home"), pace, ARTIFACTS / f"jupyter-{app}.log")


@pytest.fixture(scope="module")
def lab(requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    with serve("lab", WATCHABLE_PACE, tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def notebook7(requirements: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    with serve("notebook", QUICK_PACE, tmp_path_factory) as server:
        yield server


# -------------------------------------------------------------------------- tests
def test_quickstart_shows_progress_then_plays_in_jupyterlab(page: Any, lab: JupyterServer) -> None:
    open_notebook(page, lab, copy_quickstart(lab, "quickstart.ipynb"))
    run_all(page)
    cell = code_cell(page, "--out first")
    status = cell.locator(".seedance-job .seedance-status")
    player = cell.locator(".seedance-player video")

    bar = cell.locator(".seedance-job .widget-hprogress")
    shots: list[str] = []

    def sample() -> str | None:
        texts: list[str] = status.all_text_contents()
        state = state_of(texts[0]) if texts else None
        if state == "running" and not shots and bar.is_visible():  # the whole widget, bar and all
            shots.append("lab-progress.png")
            shoot_cell(page, cell, ".seedance-job", shots[0])
        return state

    states = watch(lambda: player.count() > 0, sample, timeout=60)
    assert "queued" in states and "running" in states, states
    assert states.index("queued") < states.index("running"), states
    assert shots, "the progress bar was not visible while the job ran"

    report = check_video_plays(player, DURATION)
    assert report["src"].split("?")[0].endswith(".mp4") and "/files/seedance_outputs/" in report["src"]
    assert report["audioBytes"] > 0, f"no audio decoded: {report}"
    assert shown_text(cell.locator(".seedance-player .seedance-seed")) == "7"
    badge = cell.locator(".seedance-player .seedance-badge")
    assert shown_text(badge) == "EMULATOR"
    shoot_cell(page, cell, ".seedance-player", "lab-player.png")
    assert not page.errors, page.errors


def test_quickstart_runs_to_the_end_in_jupyterlab(page: Any, lab: JupyterServer) -> None:
    open_notebook(page, lab, copy_quickstart(lab, "quickstart-run-all.ipynb"))
    run_all(page)
    prompts = page.locator(".jp-CodeCell .jp-InputPrompt")
    idle = page.get_by_text(re.compile(LAB_IDLE))
    stalled_since: list[float] = []

    def finished() -> bool:
        pending = [p for p in prompts.all_text_contents() if not re.search(r"\[\d+\]", p)]
        if not pending:
            return True
        if idle.count():  # idle with cells still waiting: the kernel dropped them
            stalled_since.append(time.monotonic())
            assert time.monotonic() - stalled_since[0] < 8, f"{len(pending)} cells never ran"
        else:
            stalled_since.clear()
        return False

    watch(finished, lambda: None, timeout=120)
    stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    problems = [t for t in stderr.all_inner_texts() if "Traceback" in t or "Error" in t or "Exception" in t]
    assert not problems, problems
    replayed = code_cell(page, "--out again").locator(".seedance-player .seedance-cost")
    assert replayed.first.text_content() == "$0 (cached)"
    assert code_cell(page, "--out job").locator(".seedance-player video").count() == 1


def test_cancel_and_a_hostile_prompt_in_jupyterlab(page: Any, lab: JupyterServer) -> None:
    name = write_notebook(
        lab,
        "checks.ipynb",
        [
            "%load_ext seedance_magic",
            "%%seedance -d 4 -r 480p --fast --out long\nA slow sunrise over a harbour, locked-off camera",
            f"%%seedance -d 4 -r 480p --fast --seed 3\n{HOSTILE_PROMPT}",
        ],
    )
    open_notebook(page, lab, name)
    run_all(page)

    long_cell = code_cell(page, "--out long")
    long_status = long_cell.locator(".seedance-status")
    watch(
        lambda: long_status.count() > 0 and state_of(long_status.inner_text()) in ("queued", "running"),
        lambda: None,
        timeout=30,
    )
    long_cell.locator("button.seedance-cancel").click()
    outcome = long_cell.locator(".seedance-outcome.seedance-cancelled")
    outcome.first.wait_for(timeout=30 * SECOND)
    assert "cancel" in shown_text(outcome.first).lower()
    assert long_cell.locator(".seedance-player").count() == 0
    shoot_cell(page, long_cell, ".seedance-outcome", "lab-cancelled.png")

    hostile = code_cell(page, "a paper lantern")
    hostile.locator(".seedance-player video").wait_for(timeout=60 * SECOND)
    shown = shown_text(hostile.locator(".jp-OutputArea .seedance-prompt").first)
    assert '<script>window.sdInjected = "script"' in shown, shown
    assert "<img src=x onerror=" in shown, shown
    assert hostile.locator(".jp-OutputArea img[src='x'], .jp-OutputArea script").count() == 0
    assert page.evaluate("() => window.sdInjected") is None
    assert page.dialogs == []
    shoot_cell(page, hostile, ".seedance-player", "lab-hostile-prompt.png")


def test_prices_and_prompts_with_dollars_stay_text_in_jupyterlab(page: Any, lab: JupyterServer) -> None:
    """JupyterLab typesets $...$ in HTML outputs as LaTeX: two prices in one line (the
    player's "emulator: $0 charged, fal would charge $0.43") must stay text."""
    prompt = "A lemonade stand with a $5 sign and a $10 sign"
    name = write_notebook(
        lab,
        "dollars.ipynb",
        [
            "%load_ext seedance_magic",
            f"%%seedance --dry-run -d auto -r 480p --fast\n{prompt}",
            f"%%seedance -d 4 -r 480p --fast --seed 2\n{prompt}",
            # A control: MathJax loads on first use; once this is typeset, the rest was seen.
            "from IPython.display import HTML\nHTML('<div class=\"math-control\">$x^2$</div>')",
        ],
    )
    open_notebook(page, lab, name)
    run_all(page)
    cell = code_cell(page, "--seed 2")
    cell.locator(".seedance-player video").wait_for(timeout=60 * SECOND)
    page.locator(".math-control mjx-container").wait_for(state="attached", timeout=30 * SECOND)
    page.wait_for_timeout(500)
    assert page.locator(".seedance-player mjx-container, .seedance-dry-run mjx-container").count() == 0
    assert "$0 charged" in shown_text(cell.locator(".seedance-player .seedance-cost"))
    assert prompt in shown_text(cell.locator(".seedance-player .seedance-prompt"))
    assert "$" in shown_text(code_cell(page, "--dry-run").locator(".seedance-dry-run .seedance-cost"))


def test_compare_plays_videos_together_in_jupyterlab(page: Any, lab: JupyterServer) -> None:
    name = write_notebook(
        lab,
        "compare.ipynb",
        [
            "%load_ext seedance_magic\nimport seedance_magic as sd",
            "%%seedance --sweep aspect_ratio=16:9,9:16 -d 4 -r 480p --fast --seed 5 --out pair\n"
            "A lighthouse keeper climbs a spiral staircase, slow crane rise",
            "sd.compare(pair)",
        ],
    )
    open_notebook(page, lab, name)
    # Cell by cell: compare needs the finished videos, so it runs once the grid shows them.
    code_cell(page, "import seedance_magic").locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    grid = code_cell(page, "--out pair").locator(".sd-grid video")
    watch(lambda: grid.count() == 2, lambda: None, timeout=60)
    page.keyboard.press("Shift+Enter")

    root = code_cell(page, "sd.compare").locator(".sd-compare")
    root.wait_for(timeout=30 * SECOND)
    videos = root.locator("video[data-sd-sync]")
    assert videos.count() == 2
    for index in range(2):  # every video loaded before the play
        videos.nth(index).evaluate(
            "async (v) => { const t = performance.now() + 15000;"
            " while (v.readyState < 2 && performance.now() < t) await new Promise(r => setTimeout(r, 100)); }"
        )
    root.locator(".sd-compare-play").click()
    time.sleep(1.5)
    times = root.evaluate(
        "(r) => Array.from(r.querySelectorAll('video[data-sd-sync]')).map(v => [v.currentTime, v.paused])"
    )
    assert all(not paused for _, paused in times), times
    assert all(t > 0.5 for t, _ in times), f"not every video advanced: {times}"
    assert max(t for t, _ in times) - min(t for t, _ in times) < 0.3, f"out of sync: {times}"
    shoot_cell(page, code_cell(page, "sd.compare"), ".sd-compare", "lab-compare.png")


def test_quickstart_plays_in_notebook7(page: Any, notebook7: JupyterServer) -> None:
    open_notebook(page, notebook7, "quickstart.ipynb")
    run_all(page)
    cell = code_cell(page, "--out first")
    player = cell.locator(".seedance-player video")
    player.wait_for(timeout=60 * SECOND)
    check_video_plays(player, DURATION)
    assert shown_text(cell.locator(".seedance-player .seedance-seed")) == "7"
    assert shown_text(cell.locator(".seedance-player .seedance-badge")) == "EMULATOR"
    cell.scroll_into_view_if_needed()
    shoot(page, "notebook7-player.png")


def test_lumenfall_says_so_and_keeps_cancel_off_in_jupyterlab(page: Any, lab: JupyterServer) -> None:
    """--provider lumenfall with no Lumenfall key: the built-in emulator's Lumenfall API
    runs it; the widget and the player say "via Lumenfall", and once the job is sent its
    Cancel button is off (the gateway cannot cancel) while the video still arrives."""
    name = write_notebook(
        lab,
        "lumenfall.ipynb",
        [
            "%load_ext seedance_magic",
            "%%seedance --provider lumenfall -d 4 -r 480p --seed 9 --out lf\nA heron wades through reeds",
        ],
    )
    open_notebook(page, lab, name)
    run_all(page)
    cell = code_cell(page, "--out lf")
    status = cell.locator(".seedance-job .seedance-status")
    watch(
        lambda: status.count() > 0 and state_of(status.inner_text()) in ("queued", "running"),
        lambda: None,
        30,
    )
    assert shown_text(cell.locator(".seedance-job .seedance-via").first) == "via Lumenfall"
    cancel = cell.locator("button.seedance-cancel")
    assert cancel.is_disabled() and "cannot cancel" in str(cancel.get_attribute("title"))
    player = cell.locator(".seedance-player video")
    player.wait_for(timeout=60 * SECOND)
    check_video_plays(player, DURATION)
    assert shown_text(cell.locator(".seedance-player .seedance-via")) == "via Lumenfall"
    assert shown_text(cell.locator(".seedance-player .seedance-badge")) == "EMULATOR"
    assert shown_text(cell.locator(".seedance-player .seedance-seed")) == "9"
    assert not page.errors, page.errors
