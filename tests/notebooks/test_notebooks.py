"""The notebooks in notebooks/, executed headless as a user would with nbclient.

Each notebook runs in a fresh kernel, in its own copy of the notebooks folder, with no fal
key (so the built-in emulator answers, at a quick pace set with SEEDANCE_EMULATOR), its
own journal, and SEEDANCE_WAIT=1 so that every job ends within its cell (nbclient keeps
only what a cell shows before it ends). Every cell must succeed; every video made must
decode; the saved notebook must show each video as a `<video>` whose relative src is the
file, with a JPEG poster (inline, and as the output's image/jpeg), badged EMULATOR, in
little space and with no widget view.

Each runs again without SEEDANCE_WAIT, as Run All does in JupyterLab: every cell returns
at once while its job runs on, so whatever is handed a running job (compare, a job's
`.wait()`) must wait for it. Every cell must succeed and every job must make its video.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import nbformat
import pytest
from nbclient import NotebookClient

from seedance_magic.media.video import probe

from helpers.shells import all_records

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
# The notebooks as stored (not an executed copy a headless run leaves beside them).
NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb") if not p.name.endswith(".executed.ipynb"))
PACE = {"queue_seconds": 0.2, "run_seconds": 0.3, "log_interval": 0.1}
CELL_TIMEOUT = 120
# A video's output in the saved notebook, its poster included and its input thumbnails
# (inline images of the files it was made from) left out: the player is a link to the
# MP4, not the MP4.
MAX_OUTPUT_BYTES_PER_VIDEO = 60_000
VIDEO_SRC = re.compile(r'<video\b[^>]*?\ssrc="([^"]+)"')
THUMBNAIL = re.compile(r'<img src=\\"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+')
WIDGET = "application/vnd.jupyter.widget-view+json"


@dataclass
class Executed:
    """A notebook after a headless run: the notebook, its folder, and what it cost."""

    name: str
    notebook: Any
    folder: Path
    stored_bytes: int
    saved_bytes: int
    seconds: float

    @property
    def videos(self) -> list[Path]:
        return sorted((self.folder / "seedance_outputs").glob("*.mp4"))

    def outputs(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for index, cell in enumerate(self.notebook.cells):
            for output in cell.get("outputs", []):
                yield index, output

    def video_outputs(self) -> list[dict[str, Any]]:
        return [o for _, o in self.outputs() if "<video" in str(o.get("data", {}).get("text/html", ""))]


def kernel_env(home: Path, *, wait: bool = True) -> dict[str, str]:
    """The kernel's environment: no fal key or seedance settings from outside; waiting
    jobs (unless `wait` is False: Run All as in JupyterLab), a journal and IPython folder
    of its own, and the emulator's quick pace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_", "LUMENFALL_"))}
    env.update(
        SEEDANCE_JOURNAL=str(home / "journal.sqlite3"),
        SEEDANCE_EMULATOR=json.dumps(PACE),
        FAL_HOME_DIR=str(home / "fal-home"),
        IPYTHONDIR=str(home / "ipython"),
    )
    if wait:
        env["SEEDANCE_WAIT"] = "1"
    return env


# Run after the last cell of a notebook run without SEEDANCE_WAIT, then taken out of the
# saved notebook: in JupyterLab the kernel stays up and the jobs still running end; here
# nbclient would stop the kernel at once.
SETTLE = """\
from seedance_magic.engine.runtime import get_runtime
for job in list(get_runtime().active):
    job.wait()
"""


def execute(name: str, home: Path, extra_env: dict[str, str] | None = None, *, wait: bool = True) -> Executed:
    """The notebook executed headless in a copy of notebooks/ under `home` (with
    SEEDANCE_WAIT=1, else as Run All in JupyterLab: every cell returns at once)."""
    folder = home / "notebooks"
    leave_out = shutil.ignore_patterns("seedance_outputs", ".*", "*.executed.ipynb")
    shutil.copytree(NOTEBOOKS_DIR, folder, ignore=leave_out)
    path = folder / name
    notebook = nbformat.read(path, as_version=4)
    if not wait:
        notebook.cells.append(nbformat.v4.new_code_cell(SETTLE))
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    started = time.monotonic()
    client.execute(env={**kernel_env(home, wait=wait), **(extra_env or {})})
    seconds = time.monotonic() - started
    if not wait:
        settled = notebook.cells.pop()
        errors = [o for o in settled.outputs if o["output_type"] == "error"]
        assert not errors, f"{name}: a job ended in error after the last cell: {errors[0].get('evalue')}"
    saved = folder / f"{path.stem}.executed.ipynb"
    nbformat.write(notebook, saved)
    return Executed(name, notebook, folder, path.stat().st_size, saved.stat().st_size, seconds)


@pytest.fixture(scope="module")
def run_notebook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`run_notebook(name)`: the notebook executed in a copy of notebooks/ (once per module)."""
    done: dict[str, Executed] = {}

    def run(name: str) -> Executed:
        if name not in done:
            done[name] = execute(name, tmp_path_factory.mktemp(name.removesuffix(".ipynb")))
        return done[name]

    yield run


def test_there_are_the_notebooks() -> None:
    expected = {
        "quickstart.ipynb",
        "image_and_reference.ipynb",
        "exploration.ipynb",
        "teaching_demo.ipynb",
        "story.ipynb",
    }
    assert expected <= set(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_stored_without_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a cell is stored with outputs:\n{cell.source}"
            assert cell.execution_count is None, f"{name}: a cell is stored with a count:\n{cell.source}"
    assert "widgets" not in notebook.metadata, f"{name} is stored with widget state"


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_on_the_emulator(name: str, run_notebook: Any) -> None:
    executed: Executed = run_notebook(name)
    print(f"{name}: executed in {executed.seconds:.1f} s")

    for index, output in executed.outputs():
        assert output["output_type"] != "error", f"{name} cell {index}: {output.get('ename')}"
        if output["output_type"] == "stream" and output["name"] == "stderr":
            text = output["text"]
            assert "Traceback" not in text, f"{name} cell {index} wrote a traceback:\n{text}"

    videos = executed.videos
    assert videos, f"{name} made no video"
    for video in videos:
        info = probe(video)
        assert info.duration_s > 0, f"{video.name} does not decode to a positive duration"

    shown = executed.video_outputs()
    assert shown, f"{name} shows no <video>"
    for output in shown:
        html = str(output["data"]["text/html"])
        sources = VIDEO_SRC.findall(html)
        assert sources, f"a video without a src in {name}"
        for src in sources:
            assert not src.startswith(("data:", "/", "http")), f"{name}: src not relative: {src[:80]}"
            assert (executed.folder / unquote(src)).is_file(), f"{name}: {src} is not the video file"
        assert "EMULATOR" in html, f"{name}: a video without the EMULATOR badge"
        if str(output["data"]["text/plain"]).startswith("seedance studio"):
            continue  # a control panel: a widget by nature
        assert WIDGET not in output["data"], f"{name}: a video shown as a widget view"
        assert "image/jpeg" in output["data"], f"{name}: a video without its poster"
        posters = html.count('poster="data:image/jpeg;base64,')
        assert posters == len(sources), f"{name}: {len(sources) - posters} videos without a poster"
        per_video = len(THUMBNAIL.sub("", json.dumps(output))) / len(sources)
        assert per_video < MAX_OUTPUT_BYTES_PER_VIDEO, f"{name}: {per_video:.0f} bytes per video shown"

    coached = [
        "".join(str(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", []))
        for cell in executed.notebook.cells
        if cell.cell_type == "code" and "--coach" in cell.source
    ]
    if name == "teaching_demo.ipynb":  # the "make this prompt better" exercise
        assert len(coached) == 2 and "[no-camera]" in coached[0] and "no hints" in coached[1]
    if name == "story.ipynb":  # a film of 4 + 4 + 5 s, replayed for $0, carried on; one in Python
        films = sorted((executed.folder / "seedance_outputs").glob("story_*.mp4"))
        lengths = sorted(round(probe(film).duration_s) for film in films)
        assert lengths == [9, 13, 17], films
        shown = "".join(str(o.get("data", {}).get("text/plain", "")) for _, o in executed.outputs())
        assert "[True, True, True]" in shown and "story of 3 shots" in shown


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_run_all_without_waiting(name: str, tmp_path: Path) -> None:
    executed = execute(name, tmp_path, wait=False)
    print(f"{name}: executed without waiting in {executed.seconds:.1f} s")
    for index, output in executed.outputs():
        assert output["output_type"] != "error", f"{name} cell {index}: {output.get('evalue')}"
        if output["output_type"] == "stream" and output["name"] == "stderr":
            assert "Traceback" not in output["text"], f"{name} cell {index}:\n{output['text']}"
    records = all_records(tmp_path / "journal.sqlite3")
    assert records, f"{name} sent no job"
    for record in records:
        assert record.state == "completed", f"{name}: a job ended {record.state}: {record.error}"
        assert record.path and probe(Path(record.path)).duration_s > 0
    if name == "quickstart.ipynb":  # the cached replay names the same file as the first run
        printed = "".join(o.get("text", "") for _, o in executed.outputs() if o["output_type"] == "stream")
        assert "same file: True" in printed


@pytest.mark.notebooks
@pytest.mark.slow
def test_headless_quickstart_grows_little_per_video(run_notebook: Any) -> None:
    executed: Executed = run_notebook("quickstart.ipynb")
    growth = (executed.saved_bytes - executed.stored_bytes) / len(executed.video_outputs())
    print(f"quickstart.ipynb grew {growth / 1000:.1f} KB per video shown")
    assert growth < MAX_OUTPUT_BYTES_PER_VIDEO


@pytest.mark.notebooks
@pytest.mark.slow
def test_the_quickstart_runs_unchanged_through_lumenfall(tmp_path: Path, emulator: Any) -> None:
    """A new user with only LUMENFALL_API_KEY (and the gateway's URL pointing at the
    emulator): every cell of the quickstart runs as stored, and each result says so."""
    key = "lf-notebook-" + os.urandom(8).hex()
    executed = execute(
        "quickstart.ipynb",
        tmp_path,
        {"LUMENFALL_API_KEY": key, "SEEDANCE_LUMENFALL_BASE_URL": emulator.lumenfall_url},
    )
    for index, output in executed.outputs():
        assert output["output_type"] != "error", f"cell {index}: {output.get('ename')} {output.get('evalue')}"
        if output["output_type"] == "stream" and output["name"] == "stderr":
            assert "Traceback" not in output["text"] and "UsageError" not in output["text"], output["text"]
    shown = executed.video_outputs()
    assert len(shown) >= 3
    for output in shown:
        html = str(output["data"]["text/html"])
        assert "via Lumenfall" in html and "via fal" not in html
    submits = [r.path for r in emulator.stats.requests if r.kind == "submit"]
    assert submits and set(submits) == {"/v1/videos"}
    for video in executed.videos:
        assert probe(video).duration_s > 0
    saved = (executed.folder / "quickstart.executed.ipynb").read_text()
    assert key not in saved and "provider:       Lumenfall" in saved
