"""Make the pieces of the emulator's plain clips (seedance_magic/emulator/plain_units/).

Without the `video` extra the emulator cannot draw or encode video, so it serves plain
clips: one second of pre-encoded H.264 and AAC, repeated by a small muxer
(seedance_magic/emulator/mp4.py) to the requested duration. This script makes those
seconds, once, for every output frame size of every tier and aspect ratio (480p, 720p,
1080p and 4k), and writes:

- `<W>x<H>.h264`: the 24 video samples of one second at 24 fps, back to back, each a
  run of length-prefixed NAL units as MP4 stores them: an IDR frame showing a flat card
  (the word EMULATOR, the frame size, tier and ratio, and how to get clips that show the
  prompt), then 23 P frames that repeat it (all macroblocks skipped);
- `manifest.json`: for each size, the avcC record (SPS and PPS) and the 24 sample sizes;
  and, for the sound, AAC-LC at 48 kHz mono: its AudioSpecificConfig and one silent
  frame of 1024 samples (a silent frame encodes to the same bytes every time, so one is
  enough to repeat).

The encoder's SEI message (its version and options) is dropped from the IDR frame. Run
it again after a change to the frame sizes (spec/cost.py) or to the card:

    PYTHONPATH=. .venv/bin/python scripts/make_plain_clips.py

It needs PyAV with libx264, and Pillow (the `video` extra). The output is deterministic
for a given PyAV/x264 build.
"""

from __future__ import annotations

import io
import json
import struct
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from seedance_magic.spec.cost import FRAME_SIZES

FPS = 24
SAMPLE_RATE = 48_000
FRAME_SAMPLES = 1024
QP = 34  # the card is flat: a coarse quantiser keeps it sharp and the IDR frames small
OUT = Path(__file__).resolve().parent.parent / "seedance_magic" / "emulator" / "plain_units"
X264_PARAMS = ":".join(
    [
        f"keyint={FPS}",
        f"min-keyint={FPS}",
        "scenecut=0",
        "bframes=0",
        "ref=1",
        "mbtree=0",
        "psy=0",
        "ipratio=1.4",
        "sliced-threads=0",
        "colorprim=smpte170m",
        "transfer=smpte170m",
        "colormatrix=smpte170m",
    ]
)
BACKGROUND = (26, 28, 40)
YELLOW = (255, 214, 64)
TEXT = (235, 235, 235)
BLUE = (170, 200, 255)


def card(width: int, height: int, tier: str, ratio: str) -> Image.Image:
    """The still every plain clip shows: EMULATOR, its size, and how to see the prompt."""
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    lines = [
        ("EMULATOR", unit // 6, YELLOW, -0.10),
        (f"{width}x{height} · {tier} {ratio} · plain clip", unit // 24, TEXT, 0.08),
        ('pip install "seedance-magic[video]"', unit // 26, BLUE, 0.17),
        ("for clips that show the prompt", unit // 26, BLUE, 0.23),
    ]
    for text, size, colour, offset in lines:
        y = height / 2 + offset * unit
        font = ImageFont.load_default(size=size)
        box = draw.textbbox((0, 0), text, font=font)
        x = (width - (box[2] - box[0])) // 2 - box[0]
        draw.text((x, round(y) - (box[3] - box[1]) // 2 - box[1]), text, font=font, fill=colour)
    return image


def nal_units(sample: bytes) -> list[bytes]:
    """The length-prefixed NAL units of an MP4 video sample."""
    units, at = [], 0
    while at < len(sample):
        (size,) = struct.unpack_from(">I", sample, at)
        units.append(sample[at + 4 : at + 4 + size])
        at += 4 + size
    return units


def without_sei(sample: bytes) -> bytes:
    return b"".join(struct.pack(">I", len(n)) + n for n in nal_units(sample) if n[0] & 0x1F != 6)


def encode_second(picture: Image.Image) -> tuple[bytes, list[bytes]]:
    """avcC and the 24 samples of one second showing `picture`, through an in-memory MP4."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = picture.size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, FPS)
        stream.options = {
            "preset": "veryslow",
            "profile": "main",
            "qp": str(QP),
            "threads": "1",
            "x264-params": X264_PARAMS,
        }
        frame = av.VideoFrame.from_image(picture).reformat(format="yuv420p")
        for i in range(FPS):
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    buffer.seek(0)
    with av.open(buffer) as container:
        video = container.streams.video[0]
        avcc = bytes(video.codec_context.extradata)
        packets = [(bytes(p), p.is_keyframe) for p in container.demux(video) if p.size]
    if len(packets) != FPS or not packets[0][1] or any(key for _, key in packets[1:]):
        raise SystemExit(f"expected one IDR frame then {FPS - 1} P frames, got {len(packets)} packets")
    samples = [without_sei(data) for data, _ in packets]
    if nal_units(samples[0])[0][0] & 0x1F != 5:
        raise SystemExit("the first sample is not an IDR slice")
    return avcc, samples


def silent_aac() -> tuple[bytes, bytes]:
    """The AudioSpecificConfig of AAC-LC 48 kHz mono and one silent frame."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        for offset in range(0, 2 * SAMPLE_RATE, FRAME_SAMPLES):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, FRAME_SAMPLES), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = SAMPLE_RATE, offset
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    buffer.seek(0)
    with av.open(buffer) as container:
        audio = container.streams.audio[0]
        config = bytes(audio.codec_context.extradata)
        frames = [bytes(p) for p in container.demux(audio) if p.size]
    # The first frame carries the encoder's name in a fill element; the steady ones match.
    steady = set(frames[2:-2])
    if len(steady) != 1:
        raise SystemExit(f"silent AAC frames differ ({len(steady)} kinds): cannot repeat one")
    return config, steady.pop()


def manifest_text(manifest: dict[str, Any]) -> str:
    """The manifest as JSON with one line per frame size, easy to read in a diff."""
    sizes = ",\n".join(
        f"  {json.dumps(name)}: {json.dumps(entry)}" for name, entry in manifest["video"].items()
    )
    return (
        f'{{\n "fps": {manifest["fps"]},\n "audio": {json.dumps(manifest["audio"])},\n'
        f' "video": {{\n{sizes}\n }}\n}}\n'
    )


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.h264"):
        old.unlink()
    config, silence = silent_aac()
    manifest: dict[str, Any] = {
        "fps": FPS,
        "audio": {
            "sample_rate": SAMPLE_RATE,
            "channels": 1,
            "frame_samples": FRAME_SAMPLES,
            "config": config.hex(),
            "silent_frame": silence.hex(),
        },
        "video": {},
    }
    total = 0
    for tier, sizes in FRAME_SIZES.items():
        for ratio, (width, height) in sizes.items():
            avcc, samples = encode_second(card(width, height, tier, ratio))
            name = f"{width}x{height}"
            data = b"".join(samples)
            (OUT / f"{name}.h264").write_bytes(data)
            manifest["video"][name] = {"avcc": avcc.hex(), "sizes": [len(s) for s in samples]}
            total += len(data)
            print(f"{tier:>5} {ratio:>4} {name:>9}: {len(data):>6} bytes")
    (OUT / "manifest.json").write_text(manifest_text(manifest))
    print(f"{len(manifest['video'])} sizes, {total} bytes of video, in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
