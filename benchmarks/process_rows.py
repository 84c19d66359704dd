"""Rows measured in fresh child processes: `%load_ext` against `import fal_client`
(row 7), notebook growth per video (row 8) and download memory (row 9).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .common import PEER_KEY, ROOT, EmulatorProcess, median, warm_render
from .kernel_rows import kernel_env, ours_env

# Both timings start from a process that already holds what a kernel holds: IPython's
# shell and ipykernel's modules. Only the timed statement differs.
_PRELUDE = (
    "import json, sys, time\n"
    "import ipykernel.ipkernel\n"
    "from IPython.core.interactiveshell import InteractiveShell\n"
    "shell = InteractiveShell.instance()\n"
    "start = time.perf_counter()\n"
)
_REPORT = (
    "seconds = time.perf_counter() - start\n"
    "print(json.dumps({'seconds': seconds, 'loaded': sorted(m for m in ('fal_client', 'ipywidgets', 'av') "
    "if m in sys.modules)}))\n"
)
LOAD_EXT = _PRELUDE + "shell.run_line_magic('load_ext', 'seedance_magic')\n" + _REPORT
IMPORT_FAL = _PRELUDE + "import fal_client\n" + _REPORT
# For comparison: `import fal_client` as the first thing a bare interpreter does.
IMPORT_FAL_BARE = "import json, sys, time\nstart = time.perf_counter()\nimport fal_client\n" + _REPORT


def _run_json(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 900) -> dict[str, Any]:
    """Run a probe and read the JSON line it prints last. If anything goes wrong here
    (a timeout, Ctrl-C), the probe gets SIGTERM first, so that it can shut down a kernel
    it started, and SIGKILL only if it is still there 15 s later."""
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except BaseException:
        process.terminate()
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed:\n{err[-3000:]}")
    data: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return data


# ------------------------------------------------------------------ row 7
@dataclass
class ImportTimes:
    load_ext: list[float]
    import_fal: list[float]
    import_fal_bare: list[float]
    loaded_by_load_ext: list[str]


def import_times(emu: EmulatorProcess, runs: int, folder: Path) -> ImportTimes:
    """`%load_ext seedance_magic` and `import fal_client` (in a shell like a kernel's,
    and bare), each in fresh processes, in turn, after one unmeasured run of each (the
    OS file cache, the journal)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = ours_env(emu, folder)
    times: dict[str, list[float]] = {LOAD_EXT: [], IMPORT_FAL: [], IMPORT_FAL_BARE: []}
    loaded: list[str] = []
    for i in range(runs + 1):
        for code, found in times.items():
            data = _run_json([sys.executable, "-c", code], env, folder)
            if i:
                found.append(data["seconds"])
            if code == LOAD_EXT:
                loaded = data["loaded"]
    return ImportTimes(times[LOAD_EXT], times[IMPORT_FAL], times[IMPORT_FAL_BARE], loaded)


# ------------------------------------------------------------------ row 8
def notebook_growth(emu: EmulatorProcess, cells: int, folder: Path) -> dict[str, float]:
    """Bytes a saved notebook grows per generated video (per subscribe cell for the
    peers): an executed notebook of `cells` cells against the same with empty cells."""
    folder.mkdir(parents=True, exist_ok=True)
    ours = {**ours_env(emu, folder), "SEEDANCE_WAIT": "1"}
    peer = kernel_env({"FAL_KEY": "benchmark-id:benchmark-secret"})

    def size(kind: str, env: dict[str, str], blank: bool) -> int:
        out = folder / f"{kind}{'-blank' if blank else ''}.ipynb"
        command = [sys.executable, "-m", "benchmarks.probe_notebook", "--kind", kind]
        command += ["--cells", str(cells), "--url", emu.url, "--out", str(out)]
        return int(_run_json([*command, "--blank"] if blank else command, env, ROOT)["bytes"])

    peer_blank = size("peer", peer, True)
    return {
        "ours": (size("ours", ours, False) - size("ours", ours, True)) / cells,
        "subscribe": (size("peer", peer, False) - peer_blank) / cells,
        "subscribe+logs": (size("peer-logs", peer, False) - peer_blank) / cells,
    }


# ------------------------------------------------------------------ row 9
@dataclass
class DownloadMemory:
    file_bytes: int
    rss: dict[str, float]  # median extra peak RSS, bytes
    traced: dict[str, float]  # tracemalloc peak, bytes
    large_bytes: int = 0
    large_rss: dict[str, float] = field(default_factory=dict)  # the same for a large file


def _probe_download(
    emu: EmulatorProcess, how: str, measure: str, *, url: str, size: int, out: Path, warm: str
) -> int:
    command = [sys.executable, "-m", "benchmarks.probe_download", "--how", how, "--measure", measure]
    command += [
        "--url",
        url,
        "--warm",
        warm,
        "--dest",
        str(out),
        "--size",
        str(size),
    ]
    data = _run_json(command, kernel_env({}), ROOT)
    if data["file_bytes"] != size:
        raise RuntimeError(f"{how} wrote {data['file_bytes']} bytes of {size}")
    out.unlink()
    return int(data["extra_bytes"])


def _mp4_shell(size: int) -> bytes:
    """`size` bytes that the download's container check takes for an MP4: an ftyp box, an
    empty moov box and an mdat box of random bytes (never played, only downloaded)."""
    head = (16).to_bytes(4, "big") + b"ftypisom" + (512).to_bytes(4, "big") + (8).to_bytes(4, "big") + b"moov"
    body = size - len(head) - 8
    return head + (body + 8).to_bytes(4, "big") + b"mdat" + os.urandom(body)


def _stored_file(emu: EmulatorProcess, size: int) -> str:
    """Put `size` bytes (an MP4 shell of random bytes) into the emulator's storage (fal's
    CDN upload path)."""
    with httpx.Client(timeout=120.0) as http:
        auth = {"Authorization": f"Key {PEER_KEY}"}
        token = http.post(f"{emu.url}/storage/auth/token", headers=auth, json={}).raise_for_status().json()
        headers = {
            "Authorization": f"Bearer {token['token']}",
            "X-Fal-File-Name": "large.mp4",
            "Content-Type": "application/octet-stream",
        }
        upload = http.post(f"{token['base_url']}/files/upload", headers=headers, content=_mp4_shell(size))
        return str(upload.raise_for_status().json()["access_url"])


def download_memory(emu: EmulatorProcess, runs: int, folder: Path, large: int) -> DownloadMemory:
    """Peak extra memory downloading the emulator's 15 s 720p clip: the engine's
    download path against a whole-body httpx.get, each in fresh processes; then the
    same once for a `large`-byte file, to show how each grows with the size."""
    folder.mkdir(parents=True, exist_ok=True)
    emu.configure(1.0)
    clip = {
        "prompt": "A harbour at dawn, seen from a drone",
        "resolution": "720p",
        "duration": "15",
        "seed": 3,
    }
    result = warm_render(emu, clip)
    url, size = result["video"]["url"], int(result["video"]["file_size"])
    warm = _stored_file(emu, 64 * 1024)  # a small video: imports and connection set-up
    rss: dict[str, list[float]] = {"ours": [], "peer": []}
    traced: dict[str, float] = {}
    for how in ("ours", "peer"):
        for i in range(runs):
            out = folder / f"{how}-{i}.mp4"
            rss[how].append(_probe_download(emu, how, "rss", url=url, size=size, out=out, warm=warm))
        out = folder / f"{how}-traced.mp4"
        traced[how] = _probe_download(emu, how, "tracemalloc", url=url, size=size, out=out, warm=warm)
    found = DownloadMemory(size, {k: median(v) for k, v in rss.items()}, traced, large)
    if large:
        big = _stored_file(emu, large)
        for how in ("ours", "peer"):
            out = folder / f"{how}-large.mp4"
            found.large_rss[how] = _probe_download(emu, how, "rss", url=big, size=large, out=out, warm=warm)
    return found
