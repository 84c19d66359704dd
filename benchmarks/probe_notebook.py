"""Execute one notebook headless with nbclient and save it (row 8).

    python -m benchmarks.probe_notebook --kind ours|peer|peer-logs --cells N \
        --url EMULATOR_URL --out FILE [--blank]

ours: `%load_ext seedance_magic`, then N `%%seedance` cells (run it with SEEDANCE_WAIT=1
in the environment: headless runs wait for each video). peer: a setup cell routing
fal_client to the emulator, then N `fal_client.subscribe` cells (peer-logs: with
on_queue_update printing new log lines). `--blank` replaces the N cells with empty
cells, for the size to compare with. Prints one JSON line with the saved file's size.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .kernel_rows import MAGIC_CELL, peer_setup, subscribe_cell


def build(kind: str, cells: int, url: str, blank: bool) -> nbformat.NotebookNode:
    if kind == "ours":
        setup, body = "%load_ext seedance_magic", MAGIC_CELL
    else:
        setup, body = peer_setup(url), subscribe_cell(kind == "peer-logs")
    sources = [setup] + ["" if blank else body] * cells
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def main() -> None:
    # SIGTERM (the suite stopping) unwinds like an exception, so nbclient shuts its kernel down.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=("ours", "peer", "peer-logs"), required=True)
    parser.add_argument("--cells", type=int, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--blank", action="store_true")
    args = parser.parse_args()
    notebook = build(args.kind, args.cells, args.url, args.blank)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(args.out.parent)}}
    )
    client.execute()
    nbformat.write(notebook, args.out)
    print(json.dumps({"bytes": args.out.stat().st_size}))


if __name__ == "__main__":
    main()
