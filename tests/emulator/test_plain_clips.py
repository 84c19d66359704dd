"""Plain clips: the emulator without the `video` extra.

- the standard-library muxer's files decode with PyAV at every tier and aspect ratio, with
  the exact frame size, 24 frames a second, audio of the same length, moov before mdat;
- the emulator serves them when told to (`renderer="plain"`) and by itself when av, numpy
  and Pillow do not import (a subprocess that blocks them), saying once how to get clips
  that show the prompt;
- a wheel installed with no extras into a fresh venv outside the repository answers a
  `%%seedance -d 4 --seed 5` cell with a playable MP4.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import venv
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from PIL import Image

from seedance_magic.emulator import Emulator, EmulatorConfig, JobInfo
from seedance_magic.emulator.clip import RenderSpec
from seedance_magic.emulator.inputs import auto_duration
from seedance_magic.emulator.plain import INSTALL_NOTE, render_plain
from seedance_magic.spec.cost import FRAME_SIZES

REPO = Path(__file__).resolve().parents[2]
FAST: dict[str, Any] = {"queue_seconds": 0.05, "run_seconds": 0.1, "log_interval": 0.05}
T2V = "bytedance/seedance-2.0/text-to-video"
I2V = "bytedance/seedance-2.0/image-to-video"
AUTH = {"Authorization": "Key plain-test:secret"}
SIZES = [(tier, ratio, size) for tier, row in FRAME_SIZES.items() for ratio, size in row.items()]


def top_boxes(data: bytes) -> list[str]:
    """The kinds of the file's top-level boxes, in order."""
    kinds, at = [], 0
    while at < len(data):
        size, kind = struct.unpack_from(">I4s", data, at)
        kinds.append(kind.decode("ascii"))
        at += size
    return kinds


def measure(data: bytes) -> dict[str, Any]:
    """What PyAV finds in an MP4: size, frame count, keyframes, stream durations."""
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        frames = list(container.decode(video))
        found: dict[str, Any] = {
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "codec": video.codec_context.name,
            "pix_fmt": video.codec_context.pix_fmt,
            "frames": len(frames),
            "frame_size": {(f.width, f.height) for f in frames},
            "keyframes": [i for i, f in enumerate(frames) if f.key_frame],
            "seconds": container.duration / 1_000_000,
            "video_seconds": float(video.duration * video.time_base),
            "rate": video.average_rate,
            "audio": None,
        }
        if audio is not None:
            found["audio"] = {
                "codec": audio.codec_context.name,
                "rate": audio.codec_context.sample_rate,
                "seconds": float(audio.duration * audio.time_base),
            }
    with av.open(io.BytesIO(data)) as container:
        if container.streams.audio:
            found["audio"]["decoded"] = sum(f.samples for f in container.decode(audio=0))
    return found


# ------------------------------------------------------------------------ the muxer
@pytest.mark.parametrize(("tier", "ratio", "size"), SIZES, ids=[f"{t}-{r}" for t, r, _ in SIZES])
def test_plain_clip_decodes_at_every_size(tier: str, ratio: str, size: tuple[int, int]) -> None:
    width, height = size
    data = render_plain(RenderSpec(width, height, 4, seed=5, prompt="a paper boat"))
    assert top_boxes(data) == ["ftyp", "moov", "mdat"]  # +faststart
    found = measure(data)
    assert (found["width"], found["height"]) == size
    assert found["frame_size"] == {size}
    assert (found["codec"], found["pix_fmt"]) == ("h264", "yuv420p")
    assert found["frames"] == 24 * 4
    assert found["keyframes"] == [0, 24, 48, 72]
    assert found["rate"] == 24
    assert found["seconds"] == pytest.approx(4.0)
    assert found["video_seconds"] == pytest.approx(4.0)
    audio = found["audio"]
    assert audio["codec"] == "aac" and audio["rate"] == 48_000
    assert audio["seconds"] == pytest.approx(4.0)
    assert 4 * 48_000 <= audio["decoded"] < 4 * 48_000 + 1024  # whole AAC frames, cut by the table


@pytest.mark.parametrize("seconds", [5, 15])
def test_plain_clip_lasts_as_asked(seconds: int) -> None:
    data = render_plain(RenderSpec(864, 496, seconds, seed=1, prompt="x"))
    found = measure(data)
    assert found["frames"] == 24 * seconds
    assert found["seconds"] == pytest.approx(seconds)
    assert found["audio"]["seconds"] == pytest.approx(seconds)


def test_plain_clip_without_audio_has_no_audio_track() -> None:
    data = render_plain(RenderSpec(960, 960, 4, seed=1, prompt="x", audio=False))
    found = measure(data)
    assert found["audio"] is None
    assert (found["width"], found["height"], found["frames"]) == (960, 960, 96)


def test_plain_clip_for_a_size_not_shipped_is_refused() -> None:
    with pytest.raises(ValueError, match="no plain clip is shipped for 1000x500"):
        render_plain(RenderSpec(1000, 500, 4, seed=1, prompt="x"))


def test_plain_pieces_stay_small() -> None:
    units = REPO / "seedance_magic" / "emulator" / "plain_units"
    total = sum(f.stat().st_size for f in units.iterdir())
    assert total < 600_000, f"the plain clips' pieces grew to {total} bytes"


# ------------------------------------------------------------------ the emulator
def submit(emu: Emulator, endpoint: str, args: dict[str, Any]) -> tuple[JobInfo, bytes]:
    """Submit over plain HTTP, as fal_client would; the ended job and its clip."""
    reply = httpx.post(f"{emu.url}/{endpoint}", json=args, headers=AUTH, timeout=10)
    assert reply.status_code == 200, reply.text
    info = emu.wait_for(reply.json()["request_id"], "COMPLETED", timeout=30)
    assert info.result is not None, info.error
    reply = httpx.get(info.result["video"]["url"], timeout=10)
    assert reply.status_code == 200
    return info, reply.content


def messages(info: JobInfo, level: str | None = None) -> list[str]:
    return [line["message"] for line in info.logs if level in (None, line["level"])]


def test_emulator_serves_plain_clips_when_told_to() -> None:
    args = {"prompt": "A paper boat on a rain puddle", "duration": "5", "resolution": "480p"}
    with Emulator(EmulatorConfig(**FAST, renderer="plain")) as emu:
        first, clip = submit(emu, T2V, {**args, "aspect_ratio": "9:16", "seed": 5})
        second, auto_clip = submit(emu, T2V, {**args, "duration": "auto", "generate_audio": False})
    found = measure(clip)
    assert (found["width"], found["height"], found["frames"]) == (496, 864, 120)
    assert found["audio"]["seconds"] == pytest.approx(5.0)
    assert messages(first, "INFO")[0] == INSTALL_NOTE
    assert INSTALL_NOTE not in messages(second)  # said once per emulator
    seconds = auto_duration(args["prompt"])
    found = measure(auto_clip)
    assert (found["width"], found["height"], found["frames"]) == (864, 496, 24 * seconds)
    assert found["audio"] is None
    assert second.duration == seconds


def wide_png() -> str:
    """A 21:9 picture as a data: URI (the video renderer would make "auto" 21:9 from it)."""
    buffer = io.BytesIO()
    Image.new("RGB", (84, 36), (200, 80, 40)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_plain_image_to_video_says_the_image_is_not_shown() -> None:
    args = {"prompt": "The boat drifts", "image_url": wide_png(), "duration": "4"}
    with Emulator(EmulatorConfig(**FAST)) as emu:
        shown, _ = submit(emu, I2V, args)
        emu.configure(renderer="plain")
        info, clip = submit(emu, I2V, args)
    assert (shown.width, shown.height) == (1470, 630)
    warnings = messages(info, "WARN")
    assert len(warnings) == 1
    assert "input images and videos are not shown" in warnings[0]
    assert '"auto" is 16:9' in warnings[0]
    assert 'pip install "seedance-magic[video]"' in warnings[0]
    found = measure(clip)
    assert (found["width"], found["height"], found["frames"]) == (1280, 720, 96)


def test_renderer_setting_is_checked_and_can_change() -> None:
    with pytest.raises(ValueError, match="renderer must be one of auto, video, plain"):
        EmulatorConfig(renderer="fancy")
    with pytest.raises(ValueError, match="renderer must be a string"):
        EmulatorConfig().updated({"renderer": 1})
    with Emulator(EmulatorConfig(**FAST)) as emu:
        reply = httpx.post(f"{emu.url}/_emulator/config", json={"renderer": "plain"}, timeout=10)
        assert reply.json()["renderer"] == "plain"
        info, _ = submit(emu, T2V, {"prompt": "x", "duration": "4", "resolution": "480p"})
    assert messages(info)[0] == INSTALL_NOTE


BLOCKED_RUN = """
import importlib.abc, json, sys, urllib.request

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"av", "numpy", "PIL"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Block())

from seedance_magic.emulator import Emulator, EmulatorConfig
from seedance_magic.errors import MissingDependency

try:
    Emulator(EmulatorConfig(renderer="video")).start().stop()
    refused = None
except MissingDependency as exc:
    refused = str(exc)
with Emulator(EmulatorConfig(queue_seconds=0.05, run_seconds=0.1, log_interval=0.05)) as emu:
    body = json.dumps({"prompt": "A paper boat", "duration": "4", "seed": 5}).encode()
    request = urllib.request.Request(
        emu.url + "/bytedance/seedance-2.0/fast/text-to-video", body,
        {"Content-Type": "application/json", "Authorization": "Key a:b"},
    )
    request_id = json.load(urllib.request.urlopen(request))["request_id"]
    info = emu.wait_for(request_id, "COMPLETED", timeout=30)
    with open(sys.argv[1], "wb") as out:
        out.write(urllib.request.urlopen(info.result["video"]["url"]).read())
print(json.dumps({
    "refused": refused,
    "logs": [line["message"] for line in info.logs],
    "imported": sorted(m for m in ("av", "numpy", "PIL") if m in sys.modules),
}))
"""


def test_emulator_chooses_plain_clips_when_the_extra_does_not_import(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN, str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["imported"] == []
    assert "needs av, numpy, PIL" in report["refused"]
    assert 'renderer "video"' in report["refused"]
    assert report["logs"][0] == INSTALL_NOTE
    found = measure(out.read_bytes())
    assert (found["width"], found["height"], found["frames"]) == (1280, 720, 96)


# --------------------------------------------------------- from a wheel, no extras
NETWORK_TROUBLE = (
    "No matching distribution",
    "Could not find a version",
    "NewConnectionError",
    "Network is unreachable",
    "Temporary failure in name resolution",
    "ProxyError",
)

NOTEBOOK_RUN = """
import json, sys
import seedance_magic
from IPython.core.interactiveshell import InteractiveShell

try:
    import av  # noqa: F401
    has_av = True
except ImportError:
    has_av = False
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "seedance_magic")
outcome = shell.run_cell("%%seedance -d 4 --seed 5 --wait -o job\\nA paper boat on a rain puddle\\n")
job = shell.user_ns["job"]
print(json.dumps({
    "package": seedance_magic.__file__,
    "has_av": has_av,
    "error": repr(outcome.error_in_exec or outcome.error_before_exec),
    "path": str(job.result.path.resolve()),
    "emulated": job.result.emulated,
    "logs": [line["message"] for line in job.snapshot.logs],
}))
"""


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for the fresh venv: no PYTHONPATH (it would put the repository's
    package on the path and make pip think it is installed), no keys, no settings."""

    def kept(name: str) -> bool:
        return name in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE"} or (
            name.startswith("PIP_") or name.lower().endswith("_proxy")
        )

    return {**{name: value for name, value in os.environ.items() if kept(name)}, **extra}


def pip(python: Path, *args: str, cwd: Path) -> None:
    """Run pip; skip the test if it cannot reach a package index, fail on anything else."""
    done = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env=clean_env(),
        check=False,
    )
    if done.returncode != 0:
        output = done.stdout + done.stderr
        if any(sign in output for sign in NETWORK_TROUBLE):
            pytest.skip(f"pip cannot install here: {output.strip().splitlines()[-1]}")
        pytest.fail(f"pip {' '.join(args[:2])} failed:\n{output[-3000:]}")


@pytest.mark.slow
def test_wheel_without_extras_makes_a_playable_clip(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a clean copy: no build/ left over, nothing written to the repo
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "seedance_magic", source / "seedance_magic", ignore=shutil.ignore_patterns("__pycache__")
    )
    wheels = tmp_path / "wheels"
    pip(Path(sys.executable), "wheel", "--no-deps", "-q", "-w", str(wheels), str(source), cwd=tmp_path)
    (wheel,) = wheels.glob("seedance_magic-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    pip(python, "install", "-q", str(wheel), "ipykernel", cwd=tmp_path)

    work = tmp_path / "notebook"
    work.mkdir()
    env = clean_env(
        SEEDANCE_EMULATOR=json.dumps(FAST),
        SEEDANCE_JOURNAL=str(tmp_path / "journal.sqlite3"),
        IPYTHONDIR=str(tmp_path / "ipython"),
        FAL_HOME_DIR=str(tmp_path / "fal-home"),
    )
    done = subprocess.run(
        [str(python), "-c", textwrap.dedent(NOTEBOOK_RUN)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=work,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(report["package"]).is_relative_to(env_dir), report["package"]
    assert report["has_av"] is False
    assert report["error"] == "None"
    assert report["emulated"] is True
    assert "runs on the built-in emulator" in done.stdout  # the load notice (information), which also says
    assert 'plain EMULATOR card: pip install "seedance-magic[video]"' in done.stdout
    assert INSTALL_NOTE in report["logs"]
    clip = Path(report["path"])
    assert clip.is_relative_to(work)
    data = clip.read_bytes()
    assert len(data) > 0 and data[4:8] == b"ftyp"
    found = measure(data)
    assert (found["width"], found["height"]) == (1280, 720)  # the default 720p, "auto" ratio = 16:9
    assert found["frames"] == 96
    assert found["seconds"] == pytest.approx(4.0)
