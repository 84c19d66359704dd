"""Stitching a story of five 15-second 720p shots: seedance_magic.media.stitch against a
plain re-encode with PyAV (decode every frame and sample, encode with libx264 and AAC at
their defaults: what a naive joiner does), measured in the same run.

    PYTHONPATH=. python benchmarks/stitch.py

The shots are rendered once by the emulator (each image-to-video shot starts from the
previous shot's last frame) and kept in the temp folder for later runs; rendering is
setup and is not measured. `stitch()` is timed as the median of 3 runs, the re-encode
once (it takes a minute or more on two cores).
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av

from seedance_magic.emulator.clip import Media, RenderSpec
from seedance_magic.emulator.synth import render
from seedance_magic.media.stitch import StitchReport, last_frame, stitch
from seedance_magic.spec.cost import frame_size

SHOTS = 5
SECONDS = 15
RUNS = 3
PROMPTS = (
    "A lighthouse keeper climbs the stairs at dawn",
    "He lights the lamp as the fog rolls in",
    "A ship's bow appears out of the fog",
    "The ship turns away from the rocks",
    "The keeper waves from the gallery as the sun breaks through",
)


def shots(folder: Path) -> list[Path]:
    """The story's shots, rendered on the first run and reused after."""
    width, height = frame_size("720p", "16:9")
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    start: Media | None = None
    for index, prompt in enumerate(PROMPTS[:SHOTS]):
        path = folder / f"shot{index + 1}.mp4"
        if not path.exists():
            began = time.perf_counter()
            spec = RenderSpec(width, height, SECONDS, 100 + index, prompt, start_image=start)
            part = path.with_suffix(".part")
            part.write_bytes(render(spec))
            part.replace(path)
            print(f"rendered {path.name} in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        paths.append(path)
        start = Media(label="start", kind="image", data=last_frame(path))
    return paths


def plain_reencode(clips: Sequence[Path], dest: Path) -> None:
    """The peer: decode the clips one after another and encode one new MP4 (libx264 and
    AAC with their default settings), frames and samples numbered as they come."""
    with av.open(str(clips[0])) as first:
        video_in, audio_in = first.streams.video[0], first.streams.audio[0]
        rate = video_in.average_rate or Fraction(24)
        width, height = video_in.width, video_in.height
        sample_rate, layout = audio_in.codec_context.sample_rate, audio_in.codec_context.layout.name
    with av.open(str(dest), mode="w") as out:
        video = out.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = out.add_stream("aac", rate=sample_rate, layout=layout)
        frames = samples = 0
        for clip in clips:
            with av.open(str(clip)) as src:
                for frame in src.decode(src.streams.video[0], src.streams.audio[0]):
                    if isinstance(frame, av.VideoFrame):
                        frame.pts, frame.time_base = frames, Fraction(1) / rate
                        frames += 1
                        out.mux(video.encode(frame))
                    else:
                        frame.pts, frame.time_base = samples, Fraction(1, sample_rate)
                        samples += frame.samples
                        out.mux(audio.encode(frame))
        out.mux(video.encode(None))
        out.mux(audio.encode(None))


def main() -> int:
    cache = Path(tempfile.gettempdir()) / "seedance-stitch-benchmark" / f"720p-{SHOTS}x{SECONDS}s-v1"
    began = time.perf_counter()
    clips = shots(cache)
    clips_bytes = sum(p.stat().st_size for p in clips)
    with tempfile.TemporaryDirectory(prefix="seedance-stitch-") as tmp:
        times: list[float] = []
        report: StitchReport | None = None
        for run in range(RUNS):
            start = time.perf_counter()
            report = stitch(clips, Path(tmp) / f"ours{run}.mp4")
            times.append(time.perf_counter() - start)
        assert report is not None
        peer_path = Path(tmp) / "peer.mp4"
        start = time.perf_counter()
        plain_reencode(clips, peer_path)
        peer_time = time.perf_counter() - start
        peer_bytes = peer_path.stat().st_size
        with av.open(str(peer_path)) as peer:
            peer_seconds = float(peer.duration or 0) / 1_000_000
    ours_time = statistics.median(times)
    ours_pct = 100 * report.size_bytes / clips_bytes
    peer_pct = 100 * peer_bytes / clips_bytes
    fast = ours_time < 2 and not report.reencoded
    rows = [
        (
            "stitch five 15 s 720p clips (s)",
            f"{ours_time:.3f}",
            f"{peer_time:.1f}",
            "< 2 s, no re-encode",
            fast,
        ),
        (
            "stitched size vs the clips' sum (%)",
            f"{ours_pct:.2f}",
            f"{peer_pct:.1f}",
            "within 1 %",
            abs(ours_pct - 100) <= 1,
        ),
    ]
    print(f"- CPU count: {os.cpu_count()} ({platform.processor() or platform.machine()})")
    print(f"- Python {platform.python_version()}, PyAV {av.__version__}")
    print(
        f"- ours: {report.seconds:.2f} s film, re-encoded: {report.reencoded}, runs "
        + ", ".join(f"{t:.3f}" for t in times)
        + f" s; peer: {peer_seconds:.2f} s film; clips: {clips_bytes / 1e6:.1f} MB"
    )
    print()
    print("| figure | ours | peer: plain PyAV re-encode | goal | met |")
    print("|---|---|---|---|---|")
    for figure, ours, peer, goal, met in rows:
        print(f"| {figure} | {ours} | {peer} | {goal} | {'met' if met else 'NOT met'} |")
    print(f"\n(total {time.perf_counter() - began:.0f} s including setup)")
    return 0 if all(row[-1] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
