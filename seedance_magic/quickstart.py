"""`python -m seedance_magic.quickstart NOTEBOOK`: run a notebook headless, as a first
check on a new machine. Every %%seedance cell waits for its video (SEEDANCE_WAIT=1);
the executed copy is saved beside it and each video made is probed and listed."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m seedance_magic.quickstart NOTEBOOK.ipynb", file=sys.stderr)
        return 2
    try:
        import nbformat as nbformat_module
        from nbclient import NotebookClient
    except ImportError:
        print('seedance: this needs nbclient: pip install "seedance-magic[notebook]"', file=sys.stderr)
        return 2
    from .media.video import probe

    nbformat: Any = nbformat_module  # untyped

    path = Path(argv[0]).resolve()
    os.environ["SEEDANCE_WAIT"] = "1"
    started = time.time()
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    executed = path.with_name(path.stem + ".executed.ipynb")
    nbformat.write(notebook, executed)
    outputs = Path(os.environ.get("SEEDANCE_OUTPUT_DIR") or path.parent / "seedance_outputs")
    videos = sorted(v for v in outputs.glob("*.mp4") if v.stat().st_mtime >= started - 1)
    for video in videos:
        info = probe(video)
        print(f"  {video.relative_to(path.parent)}  {info.width}x{info.height}  {info.duration_s:.1f} s")
    print(
        f"ran {path.name} in {time.time() - started:.0f} s: {len(videos)} videos; executed copy: {executed}"
    )
    if not videos:
        print("seedance: the notebook made no video", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
