"""`python -m seedance_magic.emulator` (or the `seedance-emulator` command): run the
emulator until Ctrl-C or SIGTERM. It prints the fal queue API's URL on its first line and
the Lumenfall base URL on its second."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from ..errors import MissingDependency
from .config import RENDERERS, EmulatorConfig
from .server import Emulator


def parse_args(
    argv: list[str] | None = None, prog: str = "python -m seedance_magic.emulator"
) -> argparse.Namespace:
    realistic = EmulatorConfig.realistic()
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Serve fal's queue API (and the Lumenfall gateway's video API under /v1) for "
            "Seedance 2.0 on 127.0.0.1, offline, with emulator clips."
        ),
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free port)")
    parser.add_argument("--queue-seconds", type=float, default=realistic.queue_seconds, help="time queued")
    parser.add_argument("--run-seconds", type=float, default=realistic.run_seconds, help="least time running")
    parser.add_argument(
        "--log-interval", type=float, default=realistic.log_interval, help="seconds per log line"
    )
    parser.add_argument("--no-stream", action="store_true", help="answer 404 on the SSE status stream")
    parser.add_argument(
        "--hold", action="store_true", help="keep jobs queued until released via the control API"
    )
    parser.add_argument(
        "--renderer",
        choices=RENDERERS,
        default="auto",
        help="video: clips that show the prompt (needs the video extra); plain: a flat EMULATOR "
        "card of the right size and length; auto (default): video when the extra is installed",
    )
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        queue_seconds=args.queue_seconds,
        run_seconds=args.run_seconds,
        log_interval=args.log_interval,
        queue_position_start=EmulatorConfig.realistic().queue_position_start,
        stream=not args.no_stream,
        hold=args.hold,
        renderer=args.renderer,
    )


def main(argv: list[str] | None = None, prog: str = "python -m seedance_magic.emulator") -> int:
    args = parse_args(argv, prog)
    try:
        config = config_from(args)
    except ValueError as exc:
        print(f"Seedance emulator: {exc}", file=sys.stderr)
        return 2
    try:
        emulator = Emulator(config, port=args.port).start()
    except (OSError, MissingDependency) as exc:
        print(f"Seedance emulator: cannot start on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"Seedance emulator: fal queue API at {emulator.url} (Ctrl-C to stop)")
        print(f"Seedance emulator: Lumenfall video API at {emulator.lumenfall_url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def cli() -> int:
    """The `seedance-emulator` command (pyproject's [project.scripts])."""
    return main(prog="seedance-emulator")


if __name__ == "__main__":
    sys.exit(main())
