"""resolve_inputs: every accepted input form, sniffing by content, and what Inputs hands
to plan, the cost estimate and the player. The limits are in test_media_limits.py."""

from __future__ import annotations

import base64
import io
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from seedance_magic.errors import InvalidRequest, MissingDependency
from seedance_magic.media.inputs import resolve_inputs
from seedance_magic.media.probe import sniff
from seedance_magic.render.player import input_thumbnails_html
from seedance_magic.spec import plan
from seedance_magic.spec.inputs import Inputs
from seedance_magic.spec.parse import parse_cell
from seedance_magic.spec.request import GenerationRequest

from helpers.files import jpeg, mp4, png, png_bytes, wav


@pytest.fixture(autouse=True)
def _x_folder(tmp_path: Path) -> None:
    """x/d.png in the working folder of every test."""
    png(tmp_path / "x" / "d.png")


def i2v(image: Any, end_image: Any = None, prompt: str = "the cat yawns") -> GenerationRequest:
    return GenerationRequest(prompt=prompt, mode="i2v", image=image, end_image=end_image)


def r2v(prompt: str = "@Image1 dances", **refs: tuple[Any, ...]) -> GenerationRequest:
    return GenerationRequest(prompt=prompt, mode="r2v", **refs)


def one(inputs: Inputs) -> Any:
    (item,) = inputs.items
    return item


# ------------------------------------------------------------------ accepted forms
def test_relative_path_starts_in_the_working_folder(tmp_path: Path) -> None:
    png(tmp_path / "shots" / "cat.png", (80, 60))
    item = one(resolve_inputs(i2v("shots/cat.png")))
    assert (item.name, item.path, item.format, item.content_type) == (
        "shots/cat.png",
        tmp_path / "shots" / "cat.png",
        "png",
        "image/png",
    )
    assert (item.width, item.height, item.field, item.place) == (80, 60, "image_url", "image_url")


def test_cwd_argument_overrides_the_working_folder(tmp_path: Path) -> None:
    png(tmp_path / "elsewhere" / "cat.png")
    assert (
        one(resolve_inputs(i2v("cat.png"), cwd=tmp_path / "elsewhere")).path == tmp_path / "elsewhere/cat.png"
    )
    with pytest.raises(InvalidRequest, match=r"^-i/--image cat.png: no such file \(relative paths start in"):
        resolve_inputs(i2v("cat.png"))


def test_tilde_path_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    png(tmp_path / "home" / "pics" / "cat.png")
    item = one(resolve_inputs(i2v("~/pics/cat.png")))
    assert item.name == "~/pics/cat.png"
    assert item.path == tmp_path / "home" / "pics" / "cat.png"


def test_path_object(tmp_path: Path) -> None:
    item = one(resolve_inputs(i2v(png(tmp_path / "cat.png"))))
    assert item.path == tmp_path / "cat.png" and item.written and item.format == "png"


def test_bytes_and_bytearray() -> None:
    data = png_bytes()
    for value in (data, bytearray(data), memoryview(data)):
        item = one(resolve_inputs(i2v(value)))
        assert item.data == data and item.path is None and not item.written
        assert item.name.startswith("bytes (") and item.file_name == "image.png"


def test_pil_image_is_encoded_as_png() -> None:
    image = Image.new("RGB", (50, 40), (10, 200, 30))
    item = one(resolve_inputs(i2v(image)))
    assert item.name == "PIL image 50x40" and item.format == "png" and (item.width, item.height) == (50, 40)
    decoded = Image.open(io.BytesIO(item.data))
    assert decoded.getpixel((0, 0)) == (10, 200, 30)


def test_pil_image_whose_file_was_closed(tmp_path: Path) -> None:
    jpeg(tmp_path / "cat.jpg")
    with Image.open(tmp_path / "cat.jpg") as closed:
        pass
    with pytest.raises(InvalidRequest, match=r"^-i/--image PIL image 64x48: could not be encoded as PNG \("):
        resolve_inputs(i2v(closed))
    with Image.open(tmp_path / "cat.jpg") as opened:
        loaded = opened.copy()
    assert one(resolve_inputs(i2v(loaded))).format == "png"


def test_pil_image_in_cmyk_is_converted() -> None:
    item = one(resolve_inputs(i2v(Image.new("CMYK", (8, 8)))))
    assert item.format == "png"


@pytest.mark.parametrize("channels", [3, 4])
def test_numpy_array_rgb_and_rgba(channels: int) -> None:
    array = np.zeros((30, 20, channels), np.uint8)
    array[..., 0] = 255
    item = one(resolve_inputs(i2v(array)))
    assert item.name == f"numpy array 30x20x{channels}"
    assert (item.width, item.height, item.format) == (20, 30, "png")
    with Image.open(io.BytesIO(item.data)) as decoded:
        assert decoded.mode == ("RGB" if channels == 3 else "RGBA")
        assert decoded.getpixel((0, 0))[0] == 255


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((4, 4, 3), np.float64), "numpy array of float64; give uint8"),
        (np.zeros((4, 4, 2), np.uint8), r"numpy array of shape 4x4x2; give an image: \(H, W, 3\)"),
        (np.zeros((2, 4, 4, 3), np.uint8), "numpy array of shape 2x4x4x3"),
    ],
)
def test_numpy_array_that_is_not_an_image(array: Any, message: str) -> None:
    with pytest.raises(InvalidRequest, match=f"^-i/--image: a {message}"):
        resolve_inputs(i2v(array))


def test_data_uri_is_decoded() -> None:
    data = png_bytes()
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    item = one(resolve_inputs(i2v(uri)))
    assert item.data == data and item.url is None and item.name == f"data: URI (image/png, {len(data)} B)"
    with pytest.raises(
        InvalidRequest, match=r"^-i/--image data:image/png;base64,\*\*\*: not a valid data: URI$"
    ):
        resolve_inputs(i2v("data:image/png;base64,***"))


def test_http_url_passes_through_unread() -> None:
    """An image URL is passed on unread; a video URL's header is read for its length, and
    one that cannot be read (nothing listens on 127.0.0.1:9) is priced at the limit."""
    url = "https://example.com/cat.png"
    video_url = "HTTP://127.0.0.1:9/v.mp4"
    inputs = resolve_inputs(r2v(ref_images=(url,), ref_videos=(video_url,)))
    image, video = inputs.items
    assert (image.url, image.digest, image.size, image.thumbnail) == (url, None, None, url)
    assert image.describe() == "URL, passed on unchecked"
    assert video.thumbnail is None and inputs.digests == {} and not inputs.needs_upload
    assert video.duration is None and video.describe_problem
    assert inputs.warnings[1].startswith(f"--ref-video {video_url}: could not be measured (")
    assert inputs.warnings[1].endswith("priced at the 15 s limit of reference video")
    assert inputs.unmeasured_videos == (f"--ref-video {video_url}",)
    assert inputs.input_video_seconds == 15


def test_other_url_schemes_are_refused() -> None:
    with pytest.raises(InvalidRequest, match=r"^--ref-image s3://bucket/a.png: only http"):
        resolve_inputs(r2v(ref_images=("s3://bucket/a.png",)))


def test_globs_expand_in_sorted_order(tmp_path: Path) -> None:
    for name in ("c.png", "a.png", "b.png"):
        png(tmp_path / "shots" / name)
    (tmp_path / "shots" / "sub.png").mkdir()  # a folder the glob matches is left out
    inputs = resolve_inputs(r2v("@Image1 @Image2 @Image3 @Image4", ref_images=("shots/*.png", "x/*.png")))
    assert [i.name for i in inputs] == ["shots/a.png", "shots/b.png", "shots/c.png", "x/d.png"]
    assert [i.place for i in inputs] == [f"image_urls.{n}" for n in range(4)]


def test_glob_matching_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match=r"^--ref-image shots/\*.jpg: the glob matches no file \(in "):
        resolve_inputs(r2v(ref_images=("shots/*.jpg",)))


def test_glob_only_for_repeatable_options() -> None:
    with pytest.raises(InvalidRequest, match=r"no such file .*\(globs work with --ref-image"):
        resolve_inputs(i2v("x/*.png"))


def test_existing_file_with_glob_characters_is_taken_literally(tmp_path: Path) -> None:
    png(tmp_path / "shot[1].png")
    png(tmp_path / "shot1.png")
    assert [i.name for i in resolve_inputs(r2v(ref_images=("shot[1].png",)))] == ["shot[1].png"]


def test_list_from_a_variable_in_a_repeatable_option(tmp_path: Path) -> None:
    request = parse_cell(
        "--ref-image {{shots}}", "@Image1 and @Image2", namespace={"shots": ["x/d.png", png_bytes()]}
    )
    assert [i.name for i in resolve_inputs(request)] == ["x/d.png", f"bytes ({len(png_bytes())} B)"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (3.5, "-i/--image: a float is not a media input; give a path"),
        (["x/d.png"], "-i/--image: takes one image, not a list"),
        ("x", "-i/--image x: is a folder; give a file$"),
        ("nope.png", r"-i/--image nope.png: no such file \(relative paths start in"),
    ],
)
def test_what_is_not_an_input(value: Any, message: str) -> None:
    with pytest.raises(InvalidRequest, match=f"^{message}"):
        resolve_inputs(i2v(value))


def test_folder_given_for_a_reference_suggests_a_glob() -> None:
    with pytest.raises(
        InvalidRequest, match=r"^--ref-image x: is a folder; give a file \(or a glob like x/\*\)$"
    ):
        resolve_inputs(r2v(ref_images=("x",)))


def test_several_problems_on_one_line() -> None:
    with pytest.raises(InvalidRequest) as caught:
        resolve_inputs(r2v(ref_images=("a.png", "b.png", "c.png", "d.png")))
    message = str(caught.value)
    assert "\n" not in message and message.count("no such file") == 3 and message.endswith("; and 1 more")


# ------------------------------------------------------------------------ sniffing
def test_png_named_jpg_is_a_png(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (10, 10)).save(path, format="PNG")
    item = one(resolve_inputs(i2v("photo.jpg")))
    assert (item.format, item.content_type, item.file_name) == ("png", "image/png", "photo.png")


def test_text_named_png_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("not a picture\n")
    with pytest.raises(
        InvalidRequest,
        match=r"^-i/--image notes.png: the content is text; -i/--image takes JPEG, PNG or WebP$",
    ):
        resolve_inputs(i2v("notes.png"))


def test_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(InvalidRequest, match=r"^-i/--image empty.png: the file is empty$"):
        resolve_inputs(i2v("empty.png"))


def test_corrupt_png_is_refused_with_the_reader_s_reason(tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(InvalidRequest, match=r"^-i/--image broken.png: not a readable PNG image \("):
        resolve_inputs(i2v("broken.png"))


def test_corrupt_mp4_is_refused(tmp_path: Path) -> None:
    (tmp_path / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 200)
    with pytest.raises(InvalidRequest, match=r"^--ref-video broken.mp4: not a readable MP4 video \("):
        resolve_inputs(r2v("@Video1", ref_videos=("broken.mp4",)))


@pytest.mark.parametrize(
    ("head", "format"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"),
        (b"RIFF\x24\x00\x00\x00AVI LIST", "avi"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "mov"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", "mov"),
        (b"\x00\x00\x00\x18ftypheic", "heic"),
        (b"\x00\x00\x00\x18ftypM4A ", "m4a"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "mp3"),
        (b"\xff\xfb\x90\x64", "mp3"),  # MPEG-1 layer III frame
        (b"\xff\xf1\x50\x80", "unknown"),  # AAC ADTS: sync bits, but layer 0
        (b"GIF89a", "gif"),
        (b"\x1aE\xdf\xa3", "webm"),
        (b"%PDF-1.7", "pdf"),
        (b"hello, world\n", "text"),
        (b"", "empty"),
        (b"\x00\x01\x02\x03\xfe", "unknown"),
    ],
)
def test_sniff(head: bytes, format: str) -> None:
    assert sniff(head) == format


def test_webp_and_jpeg_are_images(tmp_path: Path) -> None:
    Image.new("RGB", (20, 10)).save(tmp_path / "a.webp", format="WEBP")
    jpeg(tmp_path / "b.jpg")
    inputs = resolve_inputs(r2v("@Image1 @Image2", ref_images=("a.webp", "b.jpg")))
    assert [(i.format, i.content_type) for i in inputs] == [("webp", "image/webp"), ("jpeg", "image/jpeg")]


# --------------------------------------------------------- what Inputs hands over
def test_inputs_for_plan_cost_and_player(tmp_path: Path) -> None:
    png(tmp_path / "a.png", (400, 200))
    mp4(tmp_path / "v.mp4", 640, 640, 2.5)
    wav(tmp_path / "line.wav", 1.5)
    request = r2v(
        "@Image1 walks, @Video1 moves, saying @Audio1",
        ref_images=("a.png", png_bytes()),
        ref_videos=("v.mp4",),
        ref_audios=("line.wav",),
    )
    inputs = resolve_inputs(request)
    shown = f"bytes ({len(png_bytes())} B)"
    assert inputs.warnings == (
        f"not named in the prompt: @Image2 ({shown}); write @Image1, @Video1, "
        "@Audio1 … in the prompt to say how each is used",
    )
    assert inputs.input_video_seconds == 2.5 and inputs.needs_upload
    assert set(inputs.digests) == {"image_urls.0", "image_urls.1", "video_urls.0", "audio_urls.0"}
    assert inputs.names == {
        "image_urls": ["a.png", shown],
        "video_urls": ["v.mp4"],
        "audio_urls": ["line.wav"],
    }
    urls = {
        "image_urls": ["https://x/1.png", "https://x/2.png"],
        "video_urls": ["https://x/v.mp4"],
        "audio_urls": ["https://x/a.wav"],
    }
    assert inputs.names_for(urls)["image_urls"] == ["a.png", "https://x/2.png"]

    key = plan.cache_key(request.endpoint.id, plan.arguments(request, urls), inputs.digests)
    moved = {k: [u.replace("x/", "y/") for u in v] for k, v in urls.items()}
    assert plan.cache_key(request.endpoint.id, plan.arguments(request, moved), inputs.digests) == key
    assert plan.estimate(request, inputs.input_video_seconds).high > plan.estimate(request).high

    thumbs = inputs.thumbnails()
    assert [t["kind"] for t in thumbs] == ["image", "image", "video", "audio"]
    assert all(str(t["thumbnail"]).startswith("data:image/png;base64,") for t in thumbs[:3])
    assert thumbs[3]["thumbnail"] is None
    with Image.open(io.BytesIO(base64.b64decode(str(thumbs[0]["thumbnail"]).split(",")[1]))) as t:
        assert t.size == (160, 80)
    html = input_thumbnails_html(thumbs)
    assert html.count("<img") == 3 and "line.wav" in html
    described = [i.describe() for i in inputs]
    assert described[:2] == [f"PNG 400x200, {inputs.items[0].size} B", f"PNG 32x32, {len(png_bytes())} B"]
    assert re.fullmatch(r"MP4 640x640, 2\.5 s, \d+ KB", described[2])
    assert described[3] == "WAV, 1.5 s, 23 KB"  # 1.5 s of 16-bit 8 kHz mono and a 44-byte header


def test_text_to_video_has_no_inputs() -> None:
    inputs = resolve_inputs(GenerationRequest(prompt="a cat"))
    assert (len(inputs), inputs.digests, inputs.names, inputs.thumbnails()) == (0, {}, {}, [])


def test_inputs_that_contradict_the_mode() -> None:
    with pytest.raises(InvalidRequest, match=r"^-i/--image: text-to-video does not take it$"):
        resolve_inputs(GenerationRequest(prompt="a cat", image="x/d.png"))
    with pytest.raises(InvalidRequest, match=r"^image-to-video needs -i/--image \(the start frame\)$"):
        resolve_inputs(GenerationRequest(prompt="a cat", mode="i2v"))
    with pytest.raises(InvalidRequest, match=r"^reference-to-video needs --ref-image"):
        resolve_inputs(GenerationRequest(prompt="a cat", mode="r2v"))


def test_end_image(tmp_path: Path) -> None:
    inputs = resolve_inputs(i2v("x/d.png", end_image=png(tmp_path / "end.png")))
    assert [(i.field, i.index) for i in inputs] == [("image_url", None), ("end_image_url", None)]
    assert inputs.names == {"image_url": "x/d.png", "end_image_url": str(tmp_path / "end.png")}


# ------------------------------------------------------------ optional packages
def test_video_without_pyav_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mp4(tmp_path / "v.mp4", 640, 640, 2.0)
    monkeypatch.setitem(sys.modules, "av", None)  # import av now fails
    with pytest.raises(MissingDependency) as caught:
        resolve_inputs(r2v("@Video1", ref_videos=("v.mp4",)))
    assert 'pip install "seedance-magic[video]"' in str(caught.value)


def test_images_without_pillow_are_sent_unmeasured(monkeypatch: pytest.MonkeyPatch) -> None:
    array = np.zeros((4, 4, 3), np.uint8)
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    item = one(resolve_inputs(i2v("x/d.png")))
    assert (item.format, item.width, item.thumbnail) == ("png", None, None) and item.digest
    with pytest.raises(MissingDependency, match=r"^A numpy image input needs Pillow"):
        resolve_inputs(i2v(array))
