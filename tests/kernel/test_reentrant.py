"""Waiting for a job inside a running loop, as `job.wait()` does in a kernel cell: nested
runs must not leave asyncio's own loop iteration short of the handles it counted (which
killed the kernel with "pop from an empty deque"), also when one cell waits twice. Each
case runs in a fresh interpreter: nest_asyncio patches the loop class once per process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys

    async def main():
        loop = asyncio.get_running_loop()
        ran = []

        def cell():  # a cell that waits, with two more handles ready in the same iteration
            if sys.argv[1] == "reentrant":
                from seedance_magic.engine.wait import reentrant

                for _ in range(2):  # `a.wait(), b.wait()` in one cell
                    loop.call_soon(lambda: ran.append("more"))
                    with reentrant(loop):
                        loop.run_until_complete(asyncio.sleep(0.01))
            else:
                import nest_asyncio2

                nest_asyncio2.apply(loop)
                loop.run_until_complete(asyncio.sleep(0.01))
            ran.append("cell")

        loop.call_soon(cell)
        loop.call_soon(lambda: ran.append("second"))
        loop.call_soon(lambda: ran.append("third"))
        await asyncio.sleep(0.1)
        print(sorted(ran))

    asyncio.run(main())
    """
)


def run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_first_nested_wait_leaves_the_outer_iteration_whole() -> None:
    done = run("reentrant")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['cell', 'more', 'more', 'second', 'third']" and "Error" not in done.stderr


def test_without_it_the_outer_iteration_runs_dry() -> None:
    """The hazard itself: nest_asyncio alone, the same cell, and asyncio's own loop pops
    from an empty queue (in a kernel, that ends the kernel)."""
    done = run("plain")
    assert "IndexError: pop from an empty deque" in done.stderr
