"""Notebooks as static renderers show them, for the tests of saved outputs: run a few
cells headless with nbclient, export with nbconvert, and render as GitHub and nbviewer
do (no scripts, no inline handlers, no relative files: only what the page itself
carries). No tests here."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nbformat
from bs4 import BeautifulSoup
from nbclient import NotebookClient

QUICK = {"queue_seconds": 0.2, "run_seconds": 0.3, "log_interval": 0.1}
# What such a renderer can still reach: the page's own data, and absolute addresses.
REACHABLE = ("data:", "http://", "https://", "#", "mailto:")


def new_notebook(cells: list[str]) -> Any:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return notebook


def run_headless(cells: list[str], folder: Path, home: Path, name: str = "saved.ipynb") -> Path:
    """The cells executed as a headless run does (SEEDANCE_WAIT=1, no key: the built-in
    emulator) in `folder`, saved there as `name`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAL_", "SEEDANCE_", "LUMENFALL_"))}
    env.update(
        SEEDANCE_WAIT="1",
        SEEDANCE_JOURNAL=str(home / "journal.sqlite3"),
        SEEDANCE_EMULATOR=json.dumps(QUICK),
        FAL_HOME_DIR=str(home / "fal-home"),
        IPYTHONDIR=str(home / "ipython"),
    )
    notebook = new_notebook(cells)
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute(env=env)
    path = folder / name
    nbformat.write(notebook, path)
    return path


def nbconvert_html(notebook: Path) -> str:
    """The notebook as `jupyter nbconvert --to html` writes it."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_filename(str(notebook))
    return str(body)


def as_github(page: str) -> str:
    """`page` as a renderer with no scripts and no files shows it: scripts, frames and
    inline handlers removed, and every address the page does not carry itself (a
    relative file) dropped."""
    soup = BeautifulSoup(page, "html.parser")
    for element in soup(["script", "iframe", "object", "embed"]):
        element.decompose()
    for element in soup.find_all(True):
        for name in list(element.attrs):
            value = str(element.attrs[name])
            if name.startswith("on") or (
                name in ("src", "href", "poster") and not value.startswith(REACHABLE)
            ):
                del element.attrs[name]
    return str(soup)


def outputs_of(notebook: Path) -> list[dict[str, Any]]:
    saved = nbformat.read(notebook, as_version=4)
    return [output for cell in saved.cells for output in cell.get("outputs", [])]
