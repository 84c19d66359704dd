"""media.stitch: a shot's last frame, and shots joined into one film, checked by decoding
the film with PyAV (frame and sample counts, timestamps, sync, the pictures at the cuts)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
from PIL import Image

from seedance_magic.emulator.clip import Media, RenderSpec
from seedance_magic.emulator.synth import render
from seedance_magic.errors import InvalidRequest
from seedance_magic.media.clips import AudioParams, Clip, VideoParams, mismatch
from seedance_magic.media.remux import AudioJoin
from seedance_magic.media.stitch import StitchReport, last_frame, last_frame_array, stitch
from seedance_magic.media.video import first_frame
from seedance_magic.spec.cost import frame_size

W, H = frame_size("480p", "16:9")
RATE = 48_000
FPS = 24
SHOTS = {"a": (3, 1), "b": (2, 2), "c": (4, 3)}  # name: (seconds, seed)


@dataclass
class Decoded:
    """What a player gets out of a file: pictures, timestamps, samples, packets."""

    frames: int = 0
    frame_pts: list[float] = field(default_factory=list)
    kept: dict[int, np.ndarray] = field(default_factory=dict)
    sound: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    packets: dict[str, list[bytes]] = field(default_factory=lambda: {"video": [], "audio": []})
    dts: dict[str, list[int]] = field(default_factory=lambda: {"video": [], "audio": []})
    info: dict[str, object] = field(default_factory=dict)


def decode(path: Path, keep: tuple[int, ...] = ()) -> Decoded:
    out = Decoded()
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.size:
                out.packets[packet.stream.type].append(bytes(packet))
                out.dts[packet.stream.type].append(packet.dts)
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        out.info = {"size": (video.width, video.height), "codec": video.codec_context.name}
        out.info["pix_fmt"] = video.codec_context.pix_fmt
        for frame in container.decode(video):
            if out.frames in keep:
                out.kept[out.frames] = frame.to_ndarray(format="rgb24")
            out.frame_pts.append(float(frame.time))
            out.frames += 1
        out.info["video_end"] = out.frame_pts[-1] + 1 / FPS
    with av.open(str(path)) as container:
        if container.streams.audio:
            audio = container.streams.audio[0]
            out.info["audio_codec"] = audio.codec_context.name
            out.info["audio_duration"] = float(audio.duration * audio.time_base)
            out.sound = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio)])
    return out


def increasing(values: Sequence[float]) -> bool:
    return all(a < b for a, b in pairwise(values))


def lag(film: np.ndarray, clip: np.ndarray, at: int, start: int, length: int = 4096) -> tuple[int, float]:
    """Where clip[start:start+length] lies in the film relative to `at + start`, and how
    closely it matches there (mean absolute difference)."""
    window = clip[start : start + length]
    scores = [
        (float(np.abs(film[at + start + shift : at + start + shift + length] - window).mean()), shift)
        for shift in range(-1024, 1025)
    ]
    error, best = min(scores)
    return best, error


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("shots")
    specs = {name: RenderSpec(W, H, seconds, seed, f"shot {name}") for name, (seconds, seed) in SHOTS.items()}
    specs["tall"] = RenderSpec(H, W, 2, 4, "a tall shot")
    specs["mute"] = RenderSpec(W, H, 2, 5, "a silent shot", audio=False)
    paths = {}
    for name, spec in specs.items():
        paths[name] = folder / f"{name}.mp4"
        paths[name].write_bytes(render(spec))
    start = Media(label="start", kind="image", data=last_frame(paths["a"]))
    paths["next"] = folder / "next.mp4"
    paths["next"].write_bytes(render(RenderSpec(W, H, 2, 6, "the story goes on", start_image=start)))
    return paths


@pytest.fixture(scope="module")
def reencoded(shots: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, StitchReport]:
    folder = tmp_path_factory.mktemp("films")
    return {
        "tall": stitch([shots["a"], shots["tall"]], folder / "tall.mp4"),
        "mute": stitch([shots["a"], shots["mute"]], folder / "mute.mp4"),
        "mute_first": stitch([shots["mute"], shots["a"]], folder / "mute_first.mp4"),
    }


def test_matching_clips_are_joined_by_copying_their_packets(shots: dict[str, Path], tmp_path: Path) -> None:
    clips = [shots["a"], shots["b"], shots["c"]]
    report = stitch(clips, tmp_path / "film.mp4")
    assert (report.reencoded, report.reason) == (False, "")
    assert report.offsets == (0.0, 3.0, 5.0) and report.seconds == 9.0
    assert report.path == tmp_path / "film.mp4" and report.size_bytes == report.path.stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4"], "no .part file left"
    film = decode(report.path)
    inputs = [decode(clip) for clip in clips]
    # Every video packet copied byte for byte, in order: nothing was encoded again.
    assert film.packets["video"] == [p for clip in inputs for p in clip.packets["video"]]
    sound_in = iter([p for clip in inputs for p in clip.packets["audio"]])
    assert all(p in sound_in for p in film.packets["audio"]), "audio packets copied, in order"
    assert film.frames == sum(clip.frames for clip in inputs) == 9 * FPS
    assert abs(film.info["video_end"] - 9.0) < 1 / FPS
    assert abs(len(film.sound) / RATE - 9.0) < 0.05
    assert abs(film.info["audio_duration"] - 9.0) < 0.05
    assert increasing(film.frame_pts)
    for kind in ("video", "audio"):
        assert increasing(film.dts[kind]), kind
    assert film.info["size"] == (W, H) and film.info["pix_fmt"] == "yuv420p"
    assert (film.info["codec"], film.info["audio_codec"]) == ("h264", "aac")
    data = report.path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "+faststart: moov in front"


def test_the_sound_stays_with_its_picture_over_every_cut(shots: dict[str, Path], tmp_path: Path) -> None:
    clips = [shots["a"], shots["b"], shots["c"], shots["a"]]
    report = stitch(clips, tmp_path / "film.mp4")
    assert not report.reencoded
    film = decode(report.path).sound
    for clip, offset in zip(clips, report.offsets, strict=True):
        sound = decode(clip).sound
        for start in (4096, len(sound) - 8192):  # near the clip's start and near its end
            shift, error = lag(film, sound, round(offset * RATE), start)
            assert abs(shift) <= 512 and error < 1e-4, (clip.name, offset, start, shift, error)


def test_clips_of_another_size_are_encoded_again_at_the_first_size(
    shots: dict[str, Path], reencoded: dict[str, StitchReport]
) -> None:
    report = reencoded["tall"]
    assert report.reencoded and "496x864" in report.reason and "clip 2" in report.reason
    assert report.offsets == (0.0, 3.0) and report.seconds == 5.0
    film = decode(report.path, keep=(0, 100))
    assert film.info["size"] == (W, H) and film.info["pix_fmt"] == "yuv420p"
    assert (film.info["codec"], film.info["audio_codec"]) == ("h264", "aac")
    assert film.frames == 5 * FPS and abs(film.info["video_end"] - 5.0) < 1 / FPS
    assert increasing(film.frame_pts)
    assert abs(len(film.sound) / RATE - 5.0) < 0.05 and abs(film.info["audio_duration"] - 5.0) < 0.05
    tall = film.kept[100]  # the tall shot, centred on black
    assert tall[:, :150].max() < 30 and tall[:, -150:].max() < 30 and tall[:, 300:560].mean() > 30
    for clip, offset in ((shots["a"], 0.0), (shots["tall"], 3.0)):
        shift, _ = lag(film.sound, decode(clip).sound, round(offset * RATE), 9000)
        assert abs(shift) <= 8, (clip.name, shift)


@pytest.mark.parametrize("name", ["mute", "mute_first"])
def test_a_clip_without_sound_gets_silence(reencoded: dict[str, StitchReport], name: str) -> None:
    report = reencoded[name]
    assert report.reencoded and "sound" in report.reason
    film = decode(report.path)
    assert film.frames == 5 * FPS and abs(len(film.sound) / RATE - 5.0) < 0.05
    silent = slice(3 * RATE, 5 * RATE) if name == "mute" else slice(0, 2 * RATE)
    loud = slice(RATE // 2, 2 * RATE) if name == "mute" else slice(2 * RATE + RATE // 2, 4 * RATE)
    assert np.abs(film.sound[silent]).max() < 1e-3 < np.abs(film.sound[loud]).max()


def test_films_with_b_frames_are_joined_by_copying(
    reencoded: dict[str, StitchReport], tmp_path: Path
) -> None:
    films = [reencoded["tall"].path, reencoded["mute"].path]
    assert any(dts < 0 for dts in decode(films[0]).dts["video"]), "the films have B-frames"
    report = stitch(films, tmp_path / "longer.mp4")
    assert (report.reencoded, report.offsets, report.seconds) == (False, (0.0, 5.0), 10.0)
    film = decode(report.path)
    assert film.frames == 10 * FPS and increasing(film.frame_pts)
    assert increasing(film.dts["video"])
    assert abs(len(film.sound) / RATE - 10.0) < 0.05


def test_last_frame_is_the_last_decoded_picture(
    shots: dict[str, Path], reencoded: dict[str, StitchReport]
) -> None:
    for path in (shots["a"], shots["c"], reencoded["tall"].path):  # the last one has B-frames
        frames = decode(path)
        last = decode(path, keep=(frames.frames - 1, frames.frames - 2)).kept
        array = last_frame_array(path)
        assert np.array_equal(array, last[frames.frames - 1]), path.name
        assert not np.array_equal(array, last[frames.frames - 2])
    png = last_frame(shots["a"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (W, H)
        assert np.array_equal(np.asarray(image.convert("RGB")), last_frame_array(shots["a"]))


def test_a_story_continues_from_the_last_frame(shots: dict[str, Path], tmp_path: Path) -> None:
    end = last_frame_array(shots["a"]).astype(np.int16)
    assert np.abs(first_frame(shots["next"]).astype(np.int16) - end).mean() < 12
    assert np.abs(first_frame(shots["b"]).astype(np.int16) - end).mean() > 30, "an unrelated shot differs"
    story = stitch([shots["a"], shots["next"]], tmp_path / "story.mp4")
    jump = stitch([shots["a"], shots["b"]], tmp_path / "jump.mp4")
    assert not story.reencoded and not jump.reencoded
    for report, smooth in ((story, True), (jump, False)):
        cut = round(report.offsets[1] * FPS)
        frames = decode(report.path, keep=(cut - 1, cut)).kept
        difference = np.abs(frames[cut - 1].astype(np.int16) - frames[cut]).mean()
        assert (difference < 12) if smooth else (difference > 30), (report.path.name, difference)


@pytest.mark.parametrize("bad", ["missing", "garbage", "empty"])
def test_a_bad_clip_is_named_and_nothing_is_left_behind(
    shots: dict[str, Path], tmp_path: Path, bad: str
) -> None:
    clip = tmp_path / f"{bad}.mp4"
    if bad != "missing":
        clip.write_bytes(b"" if bad == "empty" else b"not a video at all\n" * 50)
    dest = tmp_path / "film.mp4"
    dest.write_bytes(b"an older film")
    with pytest.raises(InvalidRequest) as caught:
        stitch([shots["a"], clip], dest)
    message = str(caught.value)
    assert str(clip) in message and "\n" not in message
    assert dest.read_bytes() == b"an older film"
    left = {dest.name, clip.name} if bad != "missing" else {dest.name}
    assert {p.name for p in tmp_path.iterdir()} == left, "no .part file left"
    with pytest.raises(InvalidRequest, match=bad):
        last_frame(clip)


def test_nothing_to_stitch(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="at least one clip"):
        stitch([], tmp_path / "film.mp4")


VIDEO = VideoParams("h264", 864, 496, "yuv420p", Fraction(1, 12288), Fraction(24), b"\x01sps")
SOUND = AudioParams("aac", 48_000, "mono", Fraction(1, 48_000), b"\x11", 1024)


@pytest.mark.parametrize(
    ("video", "audio", "reason"),
    [
        (VIDEO, SOUND, ""),
        (replace(VIDEO, width=1280, height=720), SOUND, "it is 1280x720, not 864x496"),
        (replace(VIDEO, codec="hevc"), SOUND, "its video is hevc"),
        (replace(VIDEO, pix_fmt="yuv444p"), SOUND, "pixel format is yuv444p"),
        (replace(VIDEO, rate=Fraction(30)), SOUND, "30 fps, not 24"),
        (replace(VIDEO, time_base=Fraction(1, 90000)), SOUND, "time base"),
        (replace(VIDEO, extradata=b"\x01other"), SOUND, "SPS/PPS"),
        (VIDEO, None, "no sound track"),
        (VIDEO, replace(SOUND, sample_rate=44_100), "44100 Hz"),
        (VIDEO, replace(SOUND, layout="stereo"), "stereo, not mono"),
    ],
)
def test_why_clips_cannot_be_copied(video: VideoParams, audio: AudioParams | None, reason: str) -> None:
    first = Clip(Path("one.mp4"), VIDEO, SOUND)
    why = mismatch([first, first, Clip(Path("three.mp4"), video, audio)])
    assert (why == "") if not reason else (why.startswith("clip 3 (three.mp4): ") and reason in why)


def _packets(seconds: Fraction) -> list[SimpleNamespace]:
    """An AAC clip's packets as the MP4 demuxer gives them: a priming packet at -1024,
    then 1024-sample packets, the last one short."""
    total = int(seconds * RATE)
    starts = range(-1024, total, 1024)
    return [SimpleNamespace(pts=s, dts=s, duration=min(1024, total - s)) for s in starts]


def test_audio_join_never_drifts_from_the_picture() -> None:
    join = AudioJoin(frame_size=1024, tolerance=512 + RATE // FPS, time_base=Fraction(1, RATE))
    lengths = [Fraction(n, FPS) for n in (72, 48, 96, 360, 1, 25, 359, 200, 73, 360)]
    picture = 0
    for index, seconds in enumerate(lengths):
        start, picture = picture, picture + int(seconds * RATE)
        packets = _packets(seconds)
        kept = join.place(packets, start, picture, f"clip {index}")
        assert (kept[0] is packets[0]) == (index == 0), "only the film's first priming packet stays"
        assert all(b.pts == a.pts + a.duration for a, b in pairwise(kept))
        assert abs(join.write - picture) <= 512, (index, join.write - picture)


def test_a_clip_whose_sound_stops_early_is_encoded_again(shots: dict[str, Path], tmp_path: Path) -> None:
    short = tmp_path / "short.mp4"
    with av.open(str(shots["b"])) as src, av.open(str(short), mode="w", format="mp4") as out:
        streams = {
            s.type: out.add_stream_from_template(s) for s in (src.streams.video[0], src.streams.audio[0])
        }
        for packet in src.demux():
            if packet.size and (packet.stream.type == "video" or packet.pts < RATE):
                packet.stream = streams[packet.stream.type]
                out.mux(packet)
    report = stitch([short, shots["a"]], tmp_path / "film.mp4")
    assert (
        report.reencoded
        and report.reason == "the sound of clip 1 (short.mp4) is 1.00 s shorter than its picture"
    )
    film = decode(report.path)
    assert film.frames == 5 * FPS and abs(len(film.sound) / RATE - 5.0) < 0.05
    assert np.abs(film.sound[RATE + 2048 : 2 * RATE]).max() < 1e-3, "silence where the sound stopped"
    shift, _ = lag(film.sound, decode(shots["a"]).sound, 2 * RATE, 9000)
    assert abs(shift) <= 8
