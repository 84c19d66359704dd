"""Peak extra memory of one video download, in a fresh process (row 9).

    python -m benchmarks.probe_download --how ours|peer --measure rss|tracemalloc \
        --url URL --warm URL --dest FILE [--size BYTES]

ours: the engine's download path, `FalBackend.download` (streamed to a .part file, then
renamed). peer: what a plain fal_client user writes, since fal_client has no download
helper: `httpx.get(url)` and the body written to disk. Both first fetch a small `--warm`
URL the same way, so imports and connection set-up are not counted; then the high-water
mark is reset and the clip is fetched. Prints one JSON line: the extra peak RSS over
the RSS before the download (rss), or the tracemalloc peak (tracemalloc), in bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def reset_high_water() -> None:
    """Make VmHWM start again from the current RSS (Linux: clear_refs 5)."""
    Path("/proc/self/clear_refs").write_text("5")


def ours(url: str, warm: str, dest: Path, size: int | None, measure: str) -> int:
    from seedance_magic.engine.backends.fal import FalBackend
    from seedance_magic.settings import EMULATOR_KEY, Target

    loop = asyncio.new_event_loop()
    backend = FalBackend(Target(url.split("/files/", 1)[0], emulated=True, key=EMULATOR_KEY))
    try:
        loop.run_until_complete(backend.download(warm, dest.with_suffix(".warm")))
        return measured(
            measure, lambda: loop.run_until_complete(backend.download(url, dest, expected_size=size))
        )
    finally:
        loop.run_until_complete(backend.aclose())
        loop.close()


def peer(url: str, warm: str, dest: Path, measure: str) -> int:
    import httpx

    def fetch(address: str, path: Path) -> None:
        path.write_bytes(httpx.get(address, timeout=60.0).raise_for_status().content)

    fetch(warm, dest.with_suffix(".warm"))
    return measured(measure, lambda: fetch(url, dest))


def measured(measure: str, work: Callable[[], object]) -> int:
    """Bytes of extra memory at the peak of `work()`."""
    if measure == "tracemalloc":
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        work()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak - base
    before = _status_kb("VmRSS")
    reset_high_water()
    work()
    return (_status_kb("VmHWM") - before) * 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--how", choices=("ours", "peer"), required=True)
    parser.add_argument("--measure", choices=("rss", "tracemalloc"), required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--warm", required=True)
    parser.add_argument("--dest", type=Path, required=True)
    parser.add_argument("--size", type=int)
    args = parser.parse_args()
    if args.how == "ours":
        extra = ours(args.url, args.warm, args.dest, args.size, args.measure)
    else:
        extra = peer(args.url, args.warm, args.dest, args.measure)
    written = args.dest.stat().st_size
    print(json.dumps({"extra_bytes": extra, "file_bytes": written}))


if __name__ == "__main__":
    main()
