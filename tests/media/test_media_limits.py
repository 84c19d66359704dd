"""Every limit of spec/seedance-api.md with its smallest violation (and its boundary
accepted), and the prompt's @Image1/@Video2/@Audio1 names checked against the inputs.
Each refusal is one InvalidRequest line naming the option, the file and the limit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from seedance_magic.errors import InvalidRequest
from seedance_magic.media.check import check_items, reference_check
from seedance_magic.media.inputs import resolve_inputs
from seedance_magic.spec.endpoints import LIMITS, MB
from seedance_magic.spec.inputs import InputItem
from seedance_magic.spec.parse import parse_cell
from seedance_magic.spec.request import GenerationRequest

from helpers.files import jpeg, mp3, mp4, pad_with_free_box, png, riff, sparse, wav

PNG_HEAD = b"\x89PNG\r\n\x1a\n"


def r2v(prompt: str = "", **refs: tuple[Any, ...]) -> GenerationRequest:
    return GenerationRequest(prompt=prompt or "a scene", mode="r2v", **refs)


def refused(request: GenerationRequest, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        resolve_inputs(request)
    assert str(caught.value) == message


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """a.png, b.png, a.jpg, one.wav (1 s), one.mp4 (640x640, 2 s) in the working folder."""
    png(tmp_path / "a.png")
    png(tmp_path / "b.png")
    jpeg(tmp_path / "a.jpg")
    wav(tmp_path / "one.wav", 1.0)
    mp4(tmp_path / "one.mp4", 640, 640, 2.0)
    return tmp_path


# ----------------------------------------------------------------------- counts
def test_nine_images_pass_and_the_tenth_is_refused(files: Path) -> None:
    for n in range(10):
        png(files / "shots" / f"{n:02}.png")
    request = r2v(ref_images=("shots/*.png",))
    refused(request, "--ref-image shots/09.png: the 10th reference image; at most 9 are allowed")
    (files / "shots" / "09.png").unlink()
    assert len(resolve_inputs(request)) == 9


def test_fourth_video_is_refused(files: Path) -> None:
    refused(
        r2v(ref_videos=("one.mp4",) * 4),
        "--ref-video one.mp4: the 4th reference video; at most 3 are allowed",
    )


def test_fourth_audio_is_refused(files: Path) -> None:
    refused(
        r2v(ref_images=("a.png",), ref_audios=("one.wav",) * 4),
        "--ref-audio one.wav: the 4th reference audio file; at most 3 are allowed",
    )


def test_twelve_files_pass_and_the_thirteenth_is_refused(files: Path) -> None:
    twelve = r2v(ref_images=("a.png",) * 9, ref_audios=("one.wav",) * 3)
    assert len(resolve_inputs(twelve)) == 12
    refused(
        r2v(ref_images=("a.png",) * 9, ref_videos=("one.mp4",), ref_audios=("one.wav",) * 3),
        "--ref-audio one.wav: the 13th reference file; at most 12 are allowed in all "
        "(images, videos and audio together)",
    )


def test_urls_count_too(files: Path) -> None:
    refused(
        r2v(ref_images=("a.png",) * 8 + ("https://example.com/x.png", "https://example.com/y.png")),
        "--ref-image https://example.com/y.png: the 10th reference image; at most 9 are allowed",
    )


def test_counts_are_checked_before_any_file_is_read(files: Path) -> None:
    (files / "notes.png").write_text("not an image")  # reading it would be another error
    refused(
        r2v(ref_images=("notes.png",) * 10),
        "--ref-image notes.png: the 10th reference image; at most 9 are allowed",
    )


def test_audio_only_references_are_refused(files: Path) -> None:
    refused(
        r2v(ref_audios=("one.wav",)),
        "--ref-audio one.wav: audio references need at least one --ref-image or --ref-video",
    )
    assert len(resolve_inputs(r2v(ref_videos=("one.mp4",), ref_audios=("one.wav",)))) == 2


# ------------------------------------------------------------------ formats, sizes
def test_jpeg_for_ref_audio_is_refused(files: Path) -> None:
    refused(
        r2v(ref_images=("a.png",), ref_audios=("a.jpg",)),
        "--ref-audio a.jpg: the content is a JPEG image; --ref-audio takes MP3 or WAV",
    )


def test_wav_for_ref_video_and_mp4_for_image_are_refused(files: Path) -> None:
    refused(
        r2v(ref_videos=("one.wav",)),
        "--ref-video one.wav: the content is a WAV audio file; --ref-video takes MP4 or MOV",
    )
    refused(
        GenerationRequest(prompt="x", mode="i2v", image="one.mp4"),
        "-i/--image one.mp4: the content is an MP4 video; -i/--image takes JPEG, PNG or WebP",
    )


def test_mp3_is_audio(files: Path) -> None:
    mp3(files / "line.mp3", 2.0)
    inputs = resolve_inputs(r2v(ref_images=("a.png",), ref_audios=("line.mp3",)))
    assert inputs.items[1].format == "mp3" and inputs.items[1].content_type == "audio/mpeg"
    assert inputs.items[1].duration == pytest.approx(2.0, abs=0.1)


def test_image_of_30_mb_plus_one_byte_is_refused(files: Path) -> None:
    sparse(files / "big.png", PNG_HEAD, 30 * MB + 1)
    refused(
        r2v(ref_images=("big.png",)),
        "--ref-image big.png: 31,457,281 bytes; images may be at most 30 MB (31,457,280 bytes) each",
    )
    refused(
        GenerationRequest(prompt="x", mode="i2v", image="a.png", end_image="big.png"),
        "--end-image big.png: 31,457,281 bytes; images may be at most 30 MB (31,457,280 bytes) each",
    )


def test_bigger_sizes_are_shown_in_mb(files: Path) -> None:
    sparse(files / "huge.png", PNG_HEAD, 41 * MB)
    refused(r2v(ref_images=("huge.png",)), "--ref-image huge.png: 41.0 MB; images may be at most 30 MB each")


def test_audio_of_15_mb_plus_one_byte_is_refused(files: Path) -> None:
    sparse(files / "big.wav", riff(b"WAVE"), 15 * MB + 1)
    refused(
        r2v(ref_images=("a.png",), ref_audios=("big.wav",)),
        "--ref-audio big.wav: 15,728,641 bytes; audio files may be at most 15 MB (15,728,640 bytes) each",
    )


def test_sizes_at_the_limits_pass(files: Path) -> None:
    image = InputItem("image_urls", 0, "image", "a.png", format="png", size=LIMITS.max_image_bytes)
    audio = InputItem("audio_urls", 0, "audio", "a.wav", format="wav", size=LIMITS.max_audio_bytes)
    video = InputItem("video_urls", 0, "video", "v.mp4", format="mp4", size=LIMITS.max_total_video_bytes - 1)
    assert check_items([image, audio, video]) == []


def test_reference_video_of_50_mb_in_all_is_refused(files: Path) -> None:
    pad_with_free_box(mp4(files / "a.mp4", 640, 640, 1.0), 25 * MB)
    pad_with_free_box(mp4(files / "b.mp4", 640, 640, 1.0), 25 * MB)
    refused(
        r2v(ref_videos=("a.mp4", "b.mp4")),
        "--ref-video a.mp4, b.mp4: 52,428,800 bytes of reference video in all; the total must be "
        "under 50 MB (52,428,800 bytes)",
    )
    pad_with_free_box(mp4(files / "b.mp4", 640, 640, 1.0), 25 * MB - 1)
    inputs = resolve_inputs(r2v(ref_videos=("a.mp4", "b.mp4")))
    assert sum(i.size or 0 for i in inputs) == 50 * MB - 1 and inputs.input_video_seconds == 2.0


# --------------------------------------------------------------------- durations
def test_reference_video_of_15_5_s_in_all_is_refused(files: Path) -> None:
    mp4(files / "long.mp4", 640, 640, 8.0, fps=2)
    mp4(files / "longer.mp4", 640, 640, 7.5, fps=2)
    refused(
        r2v(ref_videos=("long.mp4", "longer.mp4")),
        "--ref-video long.mp4, longer.mp4: 15.5 s of reference video in all; "
        "the limit is 15 s in all (2-15 s)",
    )


def test_a_16_s_reference_video_is_refused(files: Path) -> None:
    mp4(files / "clip.mp4", 640, 640, 16.0, fps=1)
    refused(
        r2v(ref_videos=("clip.mp4",)),
        "--ref-video clip.mp4: 16.0 s of reference video; the limit is 15 s in all (2-15 s)",
    )


def test_reference_video_of_1_9_s_is_refused(files: Path) -> None:
    mp4(files / "short.mp4", 640, 640, 1.9, fps=10)
    refused(
        r2v(ref_videos=("short.mp4",)),
        "--ref-video short.mp4: 1.9 s of reference video; at least 2 s in all is needed (2-15 s)",
    )


def test_durations_at_the_limits_pass() -> None:
    def video(seconds: float, n: int = 0) -> InputItem:
        return InputItem("video_urls", n, "video", f"{n}.mp4", format="mp4", size=1, duration=seconds)

    assert check_items([video(2.0)]) == [] and check_items([video(7.5), video(7.5, 1)]) == []
    assert check_items([video(15.04)]) == []  # container rounding is let pass
    audio = InputItem("audio_urls", 0, "audio", "a.wav", format="wav", size=1, duration=15.0)
    assert check_items([video(2.0), audio]) == []


def test_url_video_leaves_the_minimum_unchecked(files: Path) -> None:
    """A URL that cannot be read (nothing listens on 127.0.0.1:9) leaves the minimum
    unchecked, and is priced at the limit."""
    mp4(files / "short.mp4", 640, 640, 1.0)
    inputs = resolve_inputs(r2v(ref_videos=("short.mp4", "http://127.0.0.1:9/more.mp4")))
    assert inputs.input_video_seconds == 15.0 and len(inputs.unmeasured_videos) == 1


def test_reference_audio_of_15_5_s_in_all_is_refused(files: Path) -> None:
    wav(files / "a.wav", 8.0)
    wav(files / "b.wav", 7.5)
    refused(
        r2v(ref_images=("a.png",), ref_audios=("a.wav", "b.wav")),
        "--ref-audio a.wav, b.wav: 15.5 s of reference audio in all; the limit is 15 s in all",
    )


# -------------------------------------------------------------------- resolution
@pytest.mark.parametrize(
    ("size", "where"),
    [
        ((320, 240), "320x240 (76,800 pixels) is below ~480p"),
        ((1920, 1080), "1920x1080 (2,073,600 pixels) is above ~720p"),
    ],
)
def test_reference_video_resolution_out_of_range(files: Path, size: tuple[int, int], where: str) -> None:
    mp4(files / "clip.mp4", *size, seconds=2.0, fps=2)
    refused(
        r2v(ref_videos=("clip.mp4",)),
        f"--ref-video clip.mp4: {where}; each reference video must have 409,600 to 927,408 "
        "pixels (~480p to ~720p)",
    )


@pytest.mark.parametrize("size", [(640, 640), (854, 480), (1280, 720), (720, 1280), (834, 1112)])
def test_reference_video_resolutions_in_range(files: Path, size: tuple[int, int]) -> None:
    mp4(files / "clip.mp4", *size, seconds=2.0, fps=1)
    (item,) = resolve_inputs(r2v(ref_videos=("clip.mp4",))).items
    assert (item.width, item.height) == size


# ------------------------------------------------------------------- @-references
def test_missing_image3_with_two_images(files: Path) -> None:
    refused(
        r2v("@Image1 meets @Image3", ref_images=("a.png", "b.png")),
        "the prompt names @Image3, but 2 reference images were given (@Image1-@Image2)",
    )


def test_reference_to_an_option_not_given(files: Path) -> None:
    refused(
        r2v("@Image1 moves like @Video1, @video2", ref_images=("a.png",)),
        "the prompt names @Video1, but no --ref-video was given; "
        "the prompt names @video2, but no --ref-video was given",
    )


def test_audio1_named_and_given_is_fine(files: Path) -> None:
    request = parse_cell(
        "--ref-image a.png --ref-image b.png --ref-audio one.wav", "@Image1 walks into @Image2 saying @Audio1"
    )
    assert request.mode == "r2v"
    inputs = resolve_inputs(request)
    assert inputs.warnings == () and [i.reference for i in inputs] == ["@Image1", "@Image2", "@Audio1"]


def test_unnamed_inputs_are_a_warning() -> None:
    items = [
        InputItem("image_urls", 0, "image", "a.png"),
        InputItem("image_urls", 1, "image", "b.png"),
        InputItem("audio_urls", 0, "audio", "line.wav"),
    ]
    errors, warnings = reference_check("@image1 smiles", "r2v", items)
    assert errors == []
    assert warnings == [
        "not named in the prompt: @Image2 (b.png), @Audio1 (line.wav); write @Image1, @Video1, "
        "@Audio1 … in the prompt to say how each is used"
    ]


@pytest.mark.parametrize("prompt", ["mail me@Image1.com", "see x.@Image2", "@Images1", "@Image1x"])
def test_what_is_not_a_reference(prompt: str) -> None:
    assert reference_check(prompt, "t2v", []) == ([], [])


def test_names_in_text_to_video_and_image_to_video() -> None:
    assert reference_check("@Image1 waves", "t2v", []) == (
        ["the prompt names @Image1, but no --ref-image was given"],
        [],
    )
    start = InputItem("image_url", None, "image", "cat.png")
    errors, warnings = reference_check("@Image1 waves", "i2v", [start])
    assert errors == [] and re.match(
        r"the prompt names @Image1, but image-to-video takes no references", warnings[0]
    )


def test_reference_errors_come_before_reading_files(files: Path) -> None:
    (files / "notes.png").write_text("not an image")  # reading it would be another error
    refused(
        r2v("@Image3", ref_images=("a.png", "notes.png")),
        "the prompt names @Image3, but 2 reference images were given (@Image1-@Image2)",
    )
