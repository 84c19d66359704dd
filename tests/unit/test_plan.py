"""The plan of a request: fal's arguments (checked with the endpoint table's own
validator), cost, cache key, the reproducing cell and the equivalent fal_client code."""

from __future__ import annotations

import pathlib
import shlex
import sys
import types
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from seedance_magic.spec.checks import visible
from seedance_magic.spec.cost import estimate_cost
from seedance_magic.spec.grid import estimate as grid_estimate
from seedance_magic.spec.parse import parse_cell
from seedance_magic.spec.plan import (
    PendingUpload,
    arguments,
    cache_key,
    estimate,
    input_names,
    placeholder,
    reproduce_cell,
)
from seedance_magic.spec.request import Defaults
from seedance_magic.spec.validation import check_arguments
from seedance_magic.spec.wire_fal import code as fal_client_code

T2V = "bytedance/seedance-2.0/text-to-video"
FAST_T2V = "bytedance/seedance-2.0/fast/text-to-video"
UPLOADED = "https://v3.fal.media/files/abc/cat.png"


def reparse(cell_text: str, **kwargs: Any) -> dict[str, Any]:
    """The arguments the text of a reproduced cell parses back into."""
    first, _, prompt = cell_text.partition("\n")
    assert first.startswith("%%seedance")
    request = parse_cell(first.removeprefix("%%seedance"), prompt, **kwargs)
    return arguments(request)


# ------------------------------------------------------------------------ arguments
def test_text_to_video_arguments() -> None:
    request = parse_cell("--fast -d 6 -a 16:9 --seed 42", "A hummingbird")
    args = arguments(request)
    assert args == {
        "prompt": "A hummingbird",
        "resolution": "720p",
        "duration": "6",
        "aspect_ratio": "16:9",
        "generate_audio": True,
        "seed": 42,
    }
    assert check_arguments(request.endpoint, args) == []


def test_seed_and_end_user_id_only_when_given() -> None:
    args = arguments(parse_cell("--no-audio", "x"))
    assert "seed" not in args and "end_user_id" not in args and args["generate_audio"] is False
    assert arguments(parse_cell("--end-user-id u-7 -s 0", "x"))["end_user_id"] == "u-7"
    assert arguments(parse_cell("-s 0", "x"))["seed"] == 0


@pytest.mark.parametrize(
    ("line", "urls", "expected"),
    [
        ("-i cat.png", {"image_url": UPLOADED}, {"image_url": UPLOADED}),
        (
            "-i cat.png --end-image end.png",
            {"image_url": UPLOADED, "end_image_url": "https://x.test/end.png"},
            {"image_url": UPLOADED, "end_image_url": "https://x.test/end.png"},
        ),
        ("--ref-image a.png", {"image_urls": [UPLOADED]}, {"image_urls": [UPLOADED]}),
        (
            "--ref-image a.png --ref-video v.mp4 --ref-audio a.mp3",
            {
                "image_urls": [UPLOADED],
                "video_urls": ["https://x.test/v.mp4"],
                "audio_urls": ["https://x.test/a.mp3"],
            },
            {
                "image_urls": [UPLOADED],
                "video_urls": ["https://x.test/v.mp4"],
                "audio_urls": ["https://x.test/a.mp3"],
            },
        ),
        (
            "--ref-video v.mp4",
            {"video_urls": ["https://x.test/v.mp4"]},
            {"video_urls": ["https://x.test/v.mp4"]},
        ),
    ],
)
def test_input_arguments_from_uploaded_urls(
    line: str, urls: dict[str, Any], expected: dict[str, Any]
) -> None:
    request = parse_cell(line + " -r 480p", "@Image1 dances")
    args = arguments(request, urls)
    assert {k: v for k, v in args.items() if k.endswith(("_url", "_urls"))} == expected
    assert check_arguments(request.endpoint, args) == []
    assert check_arguments(request.endpoint, arguments(request)) == []


def test_a_missing_uploaded_url_is_a_bug_not_a_placeholder() -> None:
    request = parse_cell("-i cat.png --end-image b.png", "x")
    with pytest.raises(ValueError, match="end_image_url"):
        arguments(request, {"image_url": UPLOADED})


def test_urls_pass_through_and_other_inputs_show_as_placeholders() -> None:
    class Frame:
        shape = (480, 640, 3)

    data_uri = "data:image/png;base64,iVBORw0KGgo="
    line = "--ref-image https://x.test/a.png --ref-image {{uri}} --ref-image cat.png --ref-image {{path}} "
    line += "--ref-image {{raw}} --ref-image {{frame}} --ref-image 'shots/*.png'"
    namespace = {"uri": data_uri, "path": pathlib.Path("dir/dog.png"), "raw": b"12345", "frame": Frame()}
    images = arguments(parse_cell(line, "x", namespace=namespace))["image_urls"]
    assert images == [
        "https://x.test/a.png",
        data_uri,
        "<upload: cat.png>",
        "<upload: dir/dog.png>",
        "<upload: 5 bytes>",
        "<upload: Frame 480x640x3>",
        "<upload: shots/*.png>",
    ]
    assert [getattr(i, "path", "url") for i in images] == [
        "url",
        "url",
        "cat.png",
        "dir/dog.png",
        None,
        None,
        None,
    ]
    assert placeholder("HTTPS://X.TEST/A.PNG") == "HTTPS://X.TEST/A.PNG"


# ------------------------------------------------------------------------- estimate
def test_estimate_follows_the_cost_formula() -> None:
    request = parse_cell("--fast -d 6 -a 16:9", "x")
    assert estimate(request) == estimate_cost(
        request.endpoint, resolution="720p", aspect_ratio="16:9", duration="6"
    )
    assert str(estimate(request)) == "$1.45"
    assert estimate(parse_cell("", "x")).is_range


def test_estimate_with_video_references() -> None:
    request = parse_cell("--ref-video v.mp4 -d 5", "x")
    expected = estimate_cost(request.endpoint, duration="5", input_video_seconds=3.0, has_video_inputs=True)
    assert estimate(request, input_video_seconds=3.0) == expected
    assert estimate(request).high < estimate(parse_cell("--ref-image a.png -d 5", "x")).high


def test_estimate_of_a_grid_is_the_total() -> None:
    one = estimate(parse_cell("--fast -d 4", "x")).high
    total = grid_estimate(parse_cell("--fast -d 4 --seeds 1-4", "x"))
    assert total.high == pytest.approx(4 * one)
    assert "4 videos" in total.note


# ------------------------------------------------------------------------ cache key
def base_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"prompt": "x", "resolution": "720p", "duration": "6", "aspect_ratio": "16:9"}
    args.update(generate_audio=True, seed=1, image_url=UPLOADED)
    args.update(changes)
    return {k: v for k, v in args.items() if v is not None}


I2V = "bytedance/seedance-2.0/image-to-video"
DIGESTS = {"image_url": "sha256:aaa"}


def test_cache_key_is_stable() -> None:
    key = cache_key(I2V, base_args(), DIGESTS)
    assert len(key) == 64 and int(key, 16) >= 0
    assert cache_key(I2V, dict(reversed(base_args().items())), DIGESTS) == key
    assert cache_key("/" + I2V + "/", base_args(), DIGESTS) == key
    assert cache_key(I2V, base_args(end_user_id="someone"), DIGESTS) == key
    assert cache_key(I2V, base_args(resolution=None, generate_audio=None), DIGESTS) == key
    # A new upload of the same file has a new URL but the same content digest.
    assert cache_key(I2V, base_args(image_url="https://v3.fal.media/other.png"), DIGESTS) == key
    assert cache_key(I2V, base_args(), {UPLOADED: "sha256:aaa"}) == key


@pytest.mark.parametrize(
    "change",
    [
        {"seed": 2},
        {"seed": None},
        {"prompt": "y"},
        {"duration": "7"},
        {"resolution": "480p"},
        {"aspect_ratio": "9:16"},
        {"generate_audio": False},
        {"end_image_url": "https://x.test/end.png"},
    ],
)
def test_cache_key_changes_with_what_changes_the_video(change: dict[str, Any]) -> None:
    assert cache_key(I2V, base_args(**change), DIGESTS) != cache_key(I2V, base_args(), DIGESTS)


def test_cache_key_changes_with_the_endpoint_and_the_inputs() -> None:
    key = cache_key(I2V, base_args(), DIGESTS)
    assert cache_key("bytedance/seedance-2.0/fast/image-to-video", base_args(), DIGESTS) != key
    assert cache_key(I2V, base_args(), {"image_url": "sha256:bbb"}) != key
    assert cache_key(I2V, base_args(), {}) != key  # no digest: the URL itself counts


def test_cache_key_of_reference_lists() -> None:
    r2v = "bytedance/seedance-2.0/reference-to-video"
    args = {"prompt": "x", "image_urls": ["https://u/1", "https://u/2"]}
    key = cache_key(r2v, args, {"image_urls.0": "d0", "image_urls.1": "d1"})
    assert (
        cache_key(
            r2v,
            {"prompt": "x", "image_urls": ["https://w/1", "https://w/2"]},
            {"image_urls.0": "d0", "image_urls.1": "d1"},
        )
        == key
    )
    assert cache_key(r2v, args, {"image_urls.0": "d1", "image_urls.1": "d0"}) != key


def test_cache_key_refuses_a_placeholder_without_digest() -> None:
    args = arguments(parse_cell("-i cat.png", "x"))
    with pytest.raises(ValueError, match="image_url"):
        cache_key(I2V, args, {})
    assert cache_key(I2V, args, {"image_url": "d"}) == cache_key(
        I2V, {**args, "image_url": UPLOADED}, {"image_url": "d"}
    )


def test_unseeded_requests_get_a_key_too() -> None:
    args = arguments(parse_cell("", "x"))
    assert cache_key(T2V, args, {}) == cache_key(T2V, dict(args), {})


# ------------------------------------------------------------------- reproduce_cell
def test_reproduce_the_readme_example() -> None:
    args = arguments(parse_cell("--fast -d 6 -a 16:9", "Slow dolly-in on a hummingbird"))
    cell = reproduce_cell(FAST_T2V, args, 42)
    assert cell == "%%seedance --fast -d 6 -a 16:9 --seed 42\nSlow dolly-in on a hummingbird"
    assert reparse(cell) == {**args, "seed": 42}


@pytest.mark.parametrize(
    "line",
    [
        "",
        "--fast",
        "-r 1080p -d 15 -a 9:16 --no-audio",
        "--fast -r 480p -d auto -a 21:9 --end-user-id 'team a'",
        "-i https://x.test/cat.png",
        "-i https://x.test/a.png --end-image 'https://x.test/b c.png' -a auto -d 4",
        "--ref-image https://x.test/1.png --ref-image https://x.test/2.png --ref-video https://x.test/v.mp4",
        "--fast --ref-video https://x.test/v.mp4 --ref-audio data:audio/mpeg;base64,AAAA",
    ],
)
@pytest.mark.parametrize("prompt", ["A fox", "Braces {x} {{y}} \\{{z}} $HOME", "two\nlines 'quoted' \"too\""])
def test_reproduce_cell_round_trips(line: str, prompt: str) -> None:
    request = parse_cell(line, prompt, namespace={"y": "Y"})
    args = arguments(request)
    cell = reproduce_cell(request.endpoint.id, args, 7)
    assert reparse(cell) == {**args, "seed": 7}
    assert check_arguments(request.endpoint, reparse(cell)) == []


def test_reproduce_cell_keeps_the_given_seed_or_the_argument_seed() -> None:
    args = arguments(parse_cell("--seed 5", "x"))
    assert reproduce_cell(T2V, args, None).startswith("%%seedance --seed 5\n")
    assert reproduce_cell(T2V, args, 9).startswith("%%seedance --seed 9\n")
    assert reproduce_cell(T2V, {"prompt": "x"}, None) == "%%seedance\nx"


def test_reproduce_cell_names_inputs_by_their_original_names() -> None:
    r2v = "bytedance/seedance-2.0/reference-to-video"
    args = {"prompt": "x", "image_urls": ["https://u/1", "https://u/2"], "audio_urls": ["https://u/3"]}
    names = {"image_urls": ["hero.png", "my villain.png"], "audio_urls": "theme.mp3"}
    cell = reproduce_cell(r2v, args, 1, names)
    assert cell.splitlines()[0] == (
        "%%seedance --ref-image hero.png --ref-image 'my villain.png' --ref-audio theme.mp3 --seed 1"
    )
    request = parse_cell(cell.splitlines()[0].removeprefix("%%seedance"), "x")
    assert request.ref_images == ("hero.png", "my villain.png")


def test_inputs_are_named_by_path_or_variable_else_by_url() -> None:
    r2v = "bytedance/seedance-2.0/reference-to-video"
    args = {"prompt": "x", "image_urls": ["https://u/1", "https://u/2", "https://u/3", "https://u/4"]}
    inputs = [
        {"field": "image_urls", "source": "cat.png", "variable": None},
        {"field": "image_urls", "source": None, "variable": "ball"},
        {"field": "image_urls", "source": None, "variable": None},  # an object from Python
        {"field": "image_urls", "source": "https://example.com/x.png", "variable": None},
    ]
    cell = reproduce_cell(r2v, args, 2, input_names(inputs, args))
    line = cell.splitlines()[0]
    assert line == (
        "%%seedance --ref-image cat.png --ref-image {{ball}} --ref-image https://u/3 "
        "--ref-image https://example.com/x.png --seed 2"
    )
    request = parse_cell(line.removeprefix("%%seedance"), "x", namespace={"ball": b"png"})
    assert request.ref_images == ("cat.png", b"png", "https://u/3", "https://example.com/x.png")
    assert input_names([{"kind": "image", "name": "old row"}], args) == {}  # journalled before fields


def test_a_variable_holding_several_files_is_named_once() -> None:
    args = {"prompt": "x", "image_urls": ["https://u/1", "https://u/2"]}
    inputs = [
        {"field": "image_urls", "source": None, "variable": "shots"},
        {"field": "image_urls", "source": None, "variable": ""},
    ]
    cell = reproduce_cell("bytedance/seedance-2.0/reference-to-video", args, None, input_names(inputs, args))
    assert cell.splitlines()[0] == "%%seedance --ref-image {{shots}}"


def test_reproduce_cell_against_the_configured_defaults() -> None:
    args = arguments(parse_cell("--standard -d auto", "x"))
    config = Defaults(tier="fast", duration="6")
    cell = reproduce_cell(T2V, args, 3, defaults=config)
    assert cell.splitlines()[0] == "%%seedance --standard -d auto --seed 3"
    assert reparse(cell, defaults=config) == {**args, "seed": 3}


def test_reproduce_cell_writes_mode_only_when_the_inputs_do_not_imply_it() -> None:
    cell = reproduce_cell("bytedance/seedance-2.0/image-to-video", {"prompt": "x"}, 1)
    assert "--mode i2v" in cell
    with pytest.raises(ValueError, match="unknown endpoint"):
        reproduce_cell("someone/else", {"prompt": "x"}, 1)


_PRINTABLE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(
    prompt=_PRINTABLE.filter(visible),  # a prompt of invisible characters only is refused
    user=_PRINTABLE.filter(str.strip),
    name=_PRINTABLE.filter(str.strip),
)
def test_reproduce_cell_round_trips_any_text(prompt: str, user: str, name: str) -> None:
    assume(name != "--")  # argparse reads a bare -- as the end of the options, never as a value
    prompt = prompt.strip()
    args = {"prompt": prompt, "image_url": "https://x.test/a.png", "end_user_id": user}
    cell = reproduce_cell("bytedance/seedance-2.0/image-to-video", args, 11, {"image_url": name})
    line, _, body = cell.partition("\n")
    request = parse_cell(line.removeprefix("%%seedance"), body)
    assert (request.prompt, request.end_user_id, request.image, request.seed) == (prompt, user, name, 11)


# ------------------------------------------------------------------ fal_client_code
class FakeFal(types.ModuleType):
    def __init__(self) -> None:
        super().__init__("fal_client")
        self.calls: list[tuple[str, dict[str, Any], bool]] = []

    def upload_file(self, path: str) -> str:
        return f"https://uploaded/{path}"

    def subscribe(self, application: str, arguments: dict[str, Any], *, with_logs: bool = False) -> Any:
        self.calls.append((application, arguments, with_logs))
        return {"video": {"url": "https://out/v.mp4"}}


def run(code: str, monkeypatch: pytest.MonkeyPatch) -> FakeFal:
    fake = FakeFal()
    monkeypatch.setitem(sys.modules, "fal_client", fake)
    monkeypatch.setattr("builtins.print", lambda *a, **k: None)
    exec(compile(code, "<dry-run>", "exec"), {})
    return fake


def test_fal_client_code_is_runnable(monkeypatch: pytest.MonkeyPatch) -> None:
    request = parse_cell("--fast -d 6 -a 16:9 --seed 42", 'A "quoted" {brace} prompt\nwith ünïcode')
    args = arguments(request)
    code = fal_client_code(request.endpoint.id, args)
    assert code.startswith("import fal_client\n")
    assert f'fal_client.subscribe(\n    "{FAST_T2V}",' in code and "with_logs=True" in code
    assert run(code, monkeypatch).calls == [(FAST_T2V, args, True)]


def test_fal_client_code_uploads_local_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    request = parse_cell(
        "--ref-image 'my cat.png' --ref-image https://x.test/a.png --ref-audio {{raw}}",
        "x",
        namespace={"raw": b"1"},
    )
    code = fal_client_code(request.endpoint.id, arguments(request))
    assert 'fal_client.upload_file("my cat.png")' in code
    assert '# Replace each "<upload: ...>"' in code
    ((_, sent, _),) = run(code, monkeypatch).calls
    assert sent["image_urls"] == ["https://uploaded/my cat.png", "https://x.test/a.png"]
    assert sent["audio_urls"] == ["<upload: 1 bytes>"]
    assert "# Replace" not in fal_client_code(T2V, arguments(parse_cell("", "x")))


@settings(max_examples=150, deadline=None)
@given(prompt=st.text(min_size=1), user=st.text(min_size=1))
def test_fal_client_code_carries_any_text_exactly(prompt: str, user: str) -> None:
    args = {"prompt": prompt, "end_user_id": user, "seed": 3, "generate_audio": False}
    namespace: dict[str, Any] = {}
    exec(
        compile(fal_client_code(T2V, args).removeprefix("import fal_client\n"), "<dry-run>", "exec"),
        {
            "fal_client": types.SimpleNamespace(
                subscribe=lambda app, arguments, **_: namespace.update(arguments) or {"video": {"url": ""}}
            ),
            "print": lambda *a: None,
        },
    )
    assert namespace == args


def test_pending_upload_is_a_plain_string_for_json() -> None:
    pending = PendingUpload("<upload: a.png>", "a.png")
    assert pending == "<upload: a.png>" and isinstance(pending, str) and pending.path == "a.png"
    assert shlex.split(pending) == ["<upload:", "a.png>"]
