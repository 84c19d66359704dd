"""The `%%seedance` parser as a plain function: every option valid and invalid, mode
inference, config defaults, `{{name}}` interpolation, the `%seedance` line commands and
the declared help."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from seedance_magic.errors import InvalidRequest
from seedance_magic.notebook.help import declare
from seedance_magic.spec import endpoints as ep
from seedance_magic.spec.options import OPTION_STRINGS, build_parser
from seedance_magic.spec.parse import interpolate, parse_cell, parse_line_command
from seedance_magic.spec.request import Defaults, GenerationRequest


def parse(line: str, cell: str = "A hummingbird at dusk", **kwargs: Any) -> GenerationRequest:
    return parse_cell(line, cell, **kwargs)


def error(line: str, cell: str = "A hummingbird at dusk", **kwargs: Any) -> str:
    with pytest.raises(InvalidRequest) as info:
        parse_cell(line, cell, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert info.value.__cause__ is None
    return message


def test_the_example_from_the_readme() -> None:
    request = parse("--fast -d 6 -a 16:9 --seed 42", "\n  Slow dolly-in on a hummingbird  \n")
    assert request == GenerationRequest(
        prompt="Slow dolly-in on a hummingbird",
        tier="fast",
        duration="6",
        aspect_ratio="16:9",
        seed=42,
    )
    assert request.endpoint.id == "bytedance/seedance-2.0/fast/text-to-video"
    assert not request.is_grid
    assert request.grid_size == 1


def test_no_options_gives_the_api_defaults() -> None:
    request = parse("")
    assert (request.mode, request.tier, request.resolution, request.duration) == (
        "t2v",
        "standard",
        "720p",
        "auto",
    )
    assert (request.aspect_ratio, request.generate_audio, request.seed, request.wait) == (
        "auto",
        True,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("--fast", "tier", "fast"),
        ("--standard", "tier", "standard"),
        ("-r 480p", "resolution", "480p"),
        ("--resolution 720P", "resolution", "720p"),
        ("-r 1080p", "resolution", "1080p"),
        ("-r 4k", "resolution", "4k"),
        ("-d auto", "duration", "auto"),
        ("-d 4", "duration", "4"),
        ("-d 15", "duration", "15"),
        ("-d 6s", "duration", "6"),
        ("--duration=08", "duration", "8"),
        ("-d6", "duration", "6"),
        ("-a 9:16", "aspect_ratio", "9:16"),
        ("--aspect-ratio 21:9", "aspect_ratio", "21:9"),
        ("--no-audio", "generate_audio", False),
        ("-s 0", "seed", 0),
        ("--seed 4294967295", "seed", ep.MAX_SEED),
        ("--end-user-id 'team a'", "end_user_id", "team a"),
        ("-o clip", "out", "clip"),
        ("--out shot_2", "out", "shot_2"),
        ("--wait", "wait", True),
        ("--dry-run", "dry_run", True),
        ("--timeout 90", "timeout", 90.0),
        ("--timeout 1.5s", "timeout", 1.5),
        ("--no-cache", "no_cache", True),
        ("--yes", "yes", True),
        ("--seeds 1,2,3,4", "seeds", (1, 2, 3, 4)),
        ("--seeds 1-4", "seeds", (1, 2, 3, 4)),
        ("--seeds 1-3,7", "seeds", (1, 2, 3, 7)),
        ("--seeds 9", "seeds", (9,)),
        ("-n 4", "n", 4),
        ("--sweep duration=4,8", "sweeps", (("duration", ("4", "8")),)),
        ("--sweep aspect-ratio=16:9,9:16", "sweeps", (("aspect_ratio", ("16:9", "9:16")),)),
        ("--sweep tier=fast,standard", "sweeps", (("tier", ("fast", "standard")),)),
        ("--sweep resolution=480p,720p", "sweeps", (("resolution", ("480p", "720p")),)),
        ("--sweep audio=on,off", "sweeps", (("audio", ("on", "off")),)),
        ("-i cat.png", "image", "cat.png"),
        ("-i 'my cat.png'", "image", "my cat.png"),
        ("-i C:\\Users\\me\\cat.png", "image", "C:\\Users\\me\\cat.png"),
        ("-i a.png --end-image b.png", "end_image", "b.png"),
        ("--ref-image a.png --ref-image 'shots/*.png'", "ref_images", ("a.png", "shots/*.png")),
        ("--ref-video https://x.test/v.mp4", "ref_videos", ("https://x.test/v.mp4",)),
        (
            "--ref-image a.png --ref-audio data:audio/mp3;base64,AAAA",
            "ref_audios",
            ("data:audio/mp3;base64,AAAA",),
        ),
    ],
)
def test_valid_option(line: str, field: str, value: object) -> None:
    assert getattr(parse(line), field) == value


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        ("-d 3", ["-d/--duration: '3' is not allowed; use auto or 4-15 (seconds)"]),
        ("-d 16", ["-d/--duration", "'16'", "auto or 4-15"]),
        ("-d 6.5", ["-d/--duration", "'6.5'", "auto or 4-15"]),
        ("-d six", ["-d/--duration", "'six'", "auto or 4-15"]),
        (
            "-a 16:10",
            ["-a/--aspect-ratio: '16:10' is not allowed; use one of auto, 21:9, 16:9, 4:3, 1:1, 3:4, 9:16"],
        ),
        ("-a 16x9", ["-a/--aspect-ratio", "'16x9'", "one of auto, 21:9"]),
        ("-r 360p", ["-r/--resolution", "'360p'", "480p, 720p, 1080p, 4k"]),
        ("--fast -r 1080p", ["-r/--resolution", "'1080p'", "480p or 720p", "fast tier"]),
        ("--fast -r 4k", ["-r/--resolution", "'4k'", "480p or 720p"]),
        ("-s -1", ["-s/--seed", "'-1'", "0 to 4294967295"]),
        ("--seed 4294967296", ["-s/--seed", "'4294967296'", "0 to 4294967295"]),
        ("--seed 4.2", ["-s/--seed", "'4.2'", "whole number"]),
        ("--seed 0x10", ["-s/--seed", "'0x10'", "whole number"]),
        ("--seeds 1,,2", ["--seeds", "'1,,2'", "1,2,3", "1-4"]),
        ("--seeds 4-1", ["--seeds", "'4-1'", "range like 1-4"]),
        ("--seeds a-b", ["--seeds", "'a-b'", "range"]),
        ("--seeds 1-100", ["--seeds", "'1-100'", "at most 64"]),
        ("--seeds 1,2,1", ["--seeds", "'1,2,1'", "repeated: 1"]),
        ("--seeds 0-4294967296", ["--seeds", "0 to 4294967295"]),
        ("-n 0", ["-n", "'0'", "1 to 64"]),
        ("-n 65", ["-n", "'65'", "1 to 64"]),
        ("-n two", ["-n", "'two'", "1 to 64"]),
        ("--mode v2v", ["--mode", "'v2v'", "t2v, i2v, r2v"]),
        ("-o 2clip", ["-o/--out", "'2clip'", "Python variable name"]),
        ("-o class", ["-o/--out", "'class'", "Python variable name"]),
        ("-o a-b", ["-o/--out", "'a-b'", "Python variable name"]),
        ("--timeout 0", ["--timeout", "'0'", "positive number of seconds"]),
        ("--timeout -5", ["--timeout", "'-5'", "positive"]),
        ("--timeout soon", ["--timeout", "'soon'", "positive"]),
        ("--timeout nan", ["--timeout", "'nan'", "positive"]),
        ("--timeout 1e3", ["--timeout", "'1e3'", "positive"]),
        ("-d ٦", ["-d/--duration", "'٦'", "auto or 4-15"]),
        ("--seed ٣", ["-s/--seed", "'٣'", "whole number"]),
        ("--end-user-id ''", ["--end-user-id", "''", "non-empty"]),
        ("-i ''", ["-i/--image", "''", "path, URL"]),
        (
            "--sweep mode=t2v,i2v",
            ["--sweep", "'mode=t2v,i2v'", "tier, resolution, duration, aspect_ratio, audio"],
        ),
        ("--sweep duration", ["--sweep", "'duration'", "FIELD=v1,v2"]),
        ("--sweep colour=red", ["--sweep", "'colour=red'", "FIELD=v1,v2"]),
        ("--sweep duration=4,3", ["--sweep duration", "'3'", "auto or 4-15"]),
        ("--sweep duration=4,,8", ["--sweep duration", "'4,,8'", "separated by commas"]),
        ("--sweep duration=4,4s", ["--sweep duration", "'4,4s'", "each value once"]),
        ("--sweep aspect_ratio=16:9,5:4", ["--sweep aspect_ratio", "'5:4'", "one of auto"]),
        ("--sweep tier=fast,turbo", ["--sweep tier", "'turbo'", "fast or standard"]),
        ("--sweep audio=on,mute", ["--sweep audio", "'mute'", "on or off"]),
        ("--sweep resolution=720p,8k", ["--sweep resolution", "'8k'", "480p, 720p, 1080p, 4k"]),
        ("--fast --sweep resolution=720p,1080p", ["--sweep resolution", "'1080p'", "480p or 720p"]),
        ("--sweep tier=fast,standard -r 1080p", ["-r/--resolution", "'1080p'", "480p or 720p"]),
    ],
)
def test_invalid_value_names_option_value_and_allowed(line: str, fragments: list[str]) -> None:
    message = error(line)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        ("--fsat", ["unknown option --fsat (did you mean --fast?)"]),
        ("-fast", ["unknown option -fast", "--fast"]),
        ("--res 720p", ["unknown option --res", "--resolution"]),
        ("--ref x.png", ["unknown option --ref", "--ref-image"]),
        ("--zzzzzzzz", ["unknown option --zzzzzzzz"]),
        ("--fsat=1", ["unknown option --fsat "]),
        ("a cat on a mat", ["unexpected 'a'", "cell body"]),
        ("-- a cat", ["unexpected 'a'"]),
        ("-d", ["-d/--duration: needs a value; use auto or 4-15"]),
        ("--seed", ["-s/--seed: needs a value", "0 to 4294967295"]),
        ("--end-user-id", ["--end-user-id: needs a value (write --end-user-id=VALUE"]),
        ("--end-user-id -me", ["--end-user-id: needs a value"]),
        ("--fast=yes", ["--fast: takes no value ('yes')"]),
        ("--image=--", ["-i/--image: needs a value"]),
        ("--ref-image=--", ["--ref-image: needs a value"]),
        ("-d 6 -d 8", ["-d/--duration: given twice ('6' and '8')"]),
        ("-i a.png -i b.png", ["-i/--image: given twice"]),
        ("--fast --standard", ["--fast and --standard contradict"]),
        ("--audio --no-audio", ["--audio and --no-audio contradict"]),
        ("--wait --no-wait", ["--wait and --no-wait contradict"]),
        ("--seeds 1,2 -n 3", ["--seeds and -n contradict"]),
        ("--seed 1 --seeds 1,2", ["-s/--seed and --seeds contradict"]),
        ("--seed 1 -n 2", ["-s/--seed and -n contradict"]),
        ("-d 6 --sweep duration=4,8", ["--sweep duration contradicts -d/--duration"]),
        ("--fast --sweep tier=fast,standard", ["--sweep tier contradicts --fast"]),
        ("--no-audio --sweep audio=on,off", ["--sweep audio contradicts --no-audio"]),
        ("-a 1:1 --sweep aspect_ratio=1:1,9:16", ["--sweep aspect_ratio contradicts -a/--aspect-ratio"]),
        ("-r 480p --sweep resolution=480p,720p", ["--sweep resolution contradicts -r/--resolution"]),
        ("--sweep duration=4,8 --sweep duration=6", ["--sweep duration: given twice"]),
        ("--seeds 1-16 --sweep duration=4,5,6,7,8", ["80 cells", "at most 64"]),
        ("'unclosed", ["unclosed quote", "'unclosed"]),
        ('-i "my cat.png', ["unclosed quote"]),
    ],
)
def test_bad_options_line(line: str, fragments: list[str]) -> None:
    message = error(line)
    for fragment in fragments:
        assert fragment in message


def test_empty_prompt() -> None:
    assert "prompt is empty" in error("--fast", "   \n\t ")
    assert "prompt is empty" in error("", "{{blank}}", namespace={"blank": "  "})


# ----------------------------------------------------------------------------- mode
@pytest.mark.parametrize(
    ("line", "mode"),
    [
        ("", "t2v"),
        ("-i a.png", "i2v"),
        ("-i a.png --end-image b.png", "i2v"),
        ("--ref-image a.png", "r2v"),
        ("--ref-video a.mp4", "r2v"),
        ("--ref-video a.mp4 --ref-audio a.mp3", "r2v"),
        ("--mode t2v", "t2v"),
        ("--mode i2v -i a.png", "i2v"),
        ("--mode image-to-video -i a.png", "i2v"),
        ("--mode R2V --ref-image a.png", "r2v"),
    ],
)
def test_mode_is_inferred_from_the_inputs(line: str, mode: str) -> None:
    request = parse(line)
    assert request.mode == mode
    assert request.endpoint == ep.endpoint_for(request.mode, request.tier)


@pytest.mark.parametrize(
    ("line", "both"),
    [
        ("--mode t2v -i a.png", ["--mode t2v", "-i/--image"]),
        ("--mode t2v --ref-video v.mp4", ["--mode t2v", "--ref-video"]),
        ("--mode i2v", ["--mode i2v", "-i/--image"]),
        ("--mode i2v --ref-image a.png", ["--mode i2v", "--ref-image"]),
        ("--mode r2v", ["--mode r2v", "--ref-image"]),
        ("--mode r2v -i a.png", ["--mode r2v", "-i/--image"]),
        ("--end-image b.png", ["--end-image", "-i/--image"]),
        ("--mode i2v --end-image b.png", ["--end-image", "-i/--image"]),
        ("-i a.png --ref-image b.png", ["-i/--image", "--ref-image"]),
        ("-i a.png --ref-audio b.mp3", ["-i/--image", "--ref-audio"]),
        ("--ref-audio a.mp3", ["--ref-audio", "--ref-image"]),
    ],
)
def test_mode_contradictions_name_both_sides(line: str, both: list[str]) -> None:
    message = error(line)
    for side in both:
        assert side in message


@pytest.mark.parametrize(
    ("option", "count", "limit"),
    [("--ref-image", 10, 9), ("--ref-video", 4, 3), ("--ref-audio", 4, 3)],
)
def test_reference_counts(option: str, count: int, limit: int) -> None:
    base = "--ref-image base.png " if option == "--ref-audio" else ""
    line = base + " ".join(f"{option} f{i}" for i in range(count))
    message = error(line)
    assert option in message and str(limit) in message


def test_at_most_twelve_references_in_all() -> None:
    line = " ".join(f"--ref-image i{i}.png" for i in range(9)) + " --ref-video a.mp4 --ref-video b.mp4"
    assert parse(line + " --ref-audio a.mp3").mode == "r2v"
    assert "at most 12" in error(line + " --ref-audio a.mp3 --ref-audio b.mp3")


# ------------------------------------------------------------------------- defaults
def test_config_defaults_apply_and_options_override_them() -> None:
    config = Defaults(
        tier="fast",
        resolution="480p",
        duration="6",
        aspect_ratio="9:16",
        generate_audio=False,
        wait=True,
        timeout=60,
    )
    request = parse("", defaults=config)
    assert (request.tier, request.resolution, request.duration, request.aspect_ratio) == (
        "fast",
        "480p",
        "6",
        "9:16",
    )
    assert (request.generate_audio, request.wait, request.timeout) == (False, True, 60)
    request = parse("--standard -r 1080p -d auto -a 1:1 --audio --no-wait --timeout 5", defaults=config)
    assert (request.tier, request.resolution, request.duration, request.aspect_ratio) == (
        "standard",
        "1080p",
        "auto",
        "1:1",
    )
    assert (request.generate_audio, request.wait, request.timeout) == (True, False, 5.0)


@pytest.mark.parametrize(
    ("config", "fragments"),
    [
        (Defaults(duration="3"), ["-d/--duration (the configured default)", "'3'", "auto or 4-15"]),
        (Defaults(aspect_ratio="5:4"), ["-a/--aspect-ratio (the configured default)", "'5:4'"]),
        (Defaults(resolution="8k"), ["-r/--resolution (the configured default)", "'8k'"]),
        (Defaults(tier="turbo"), ["tier (the configured default)", "'turbo'", "fast or standard"]),  # type: ignore[arg-type]
        (Defaults(timeout=0), ["--timeout (the configured default)", "positive"]),
    ],
)
def test_bad_config_defaults_are_named(config: Defaults, fragments: list[str]) -> None:
    message = error("", defaults=config)
    for fragment in fragments:
        assert fragment in message


def test_a_standard_only_default_resolution_with_fast() -> None:
    assert parse("", defaults=Defaults(resolution="1080p")).resolution == "1080p"
    message = error("--fast", defaults=Defaults(resolution="1080p"))
    assert "configured default" in message and "'1080p'" in message and "480p or 720p" in message
    assert parse("--fast -r 720p", defaults=Defaults(resolution="1080p")).resolution == "720p"


# -------------------------------------------------------------------- interpolation
class Picture:
    """Stands for a PIL image or a numpy array: an object with no useful str()."""


def test_interpolation_in_the_prompt() -> None:
    assert interpolate("a {{animal}} at {{ hour }}", {"animal": "fox", "hour": 6}) == "a fox at 6"
    assert parse("", "{{n}} birds", namespace={"n": 3}).prompt == "3 birds"


@pytest.mark.parametrize(
    "text",
    ['a JSON {"a": 1} stays', "set {x} and {y}", "single } and {", "a {{ b", "$var and {var}", "{{{"],
)
def test_plain_braces_pass_through(text: str) -> None:
    assert interpolate(text, {}) == text
    assert parse("", text).prompt == text


def test_escaped_braces() -> None:
    assert interpolate(r"write \{{name}} literally", {}) == "write {{name}} literally"
    assert interpolate(r"keep \\{{x}}", {}) == r"keep \{{x}}"
    assert parse("--end-user-id \\{{me}}", "x").end_user_id == "{{me}}"


def test_unknown_and_malformed_names() -> None:
    assert error("", "a {{nobody}} here") == "{{nobody}}: there is no variable 'nobody' in the notebook"
    assert "{{ghost}}" in error("-d {{ghost}}")
    message = error("", "a {{cfg.seed}}")
    assert "'{{cfg.seed}}'" in message and "variable name" in message and "\\{{" in message
    assert "variable name" in error("", "{{}}")


def test_a_failing_str_is_an_invalid_request() -> None:
    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("nope")

    assert "{{b}}: str() failed (RuntimeError: nope)" in error("", "{{b}}", namespace={"b": Broken()})


def test_interpolation_in_option_values() -> None:
    namespace = {"d": 6, "ratio": "9:16", "user": "team a", "seed": 7, "name": "clip"}
    request = parse(
        "-d {{d}}s -a {{ratio}} --end-user-id {{user}} --seed {{seed}} -o {{name}}_2", namespace=namespace
    )
    assert (request.duration, request.aspect_ratio, request.end_user_id) == ("6", "9:16", "team a")
    assert (request.seed, request.out) == (7, "clip_2")
    message = error("-d {{d}}", namespace={"d": 3})
    assert message.startswith("-d/--duration: '3' is not allowed")


def test_media_objects_are_kept_when_they_are_the_whole_value() -> None:
    picture, raw, path = Picture(), b"\x89PNG...", pathlib.Path("my dir/cat.png")
    namespace = {"picture": picture, "raw": raw, "path": path, "folder": pathlib.Path("shots")}
    request = parse("-i {{picture}} --end-image '{{path}}'", namespace=namespace)
    assert request.image is picture and request.end_image is path
    request = parse(
        "--ref-image {{raw}} --ref-image {{folder}}/a.png --ref-video {{path}}", namespace=namespace
    )
    assert request.ref_images == (raw, "shots/a.png") and request.ref_videos == (path,)
    assert parse("--end-user-id {{path}}", namespace=namespace).end_user_id == "my dir/cat.png"


def test_parsing_is_pure() -> None:
    namespace = {"d": 6}
    first = parse("-d {{d}} --seeds 1-3", namespace=namespace)
    assert parse("-d {{d}} --seeds 1-3", namespace=namespace) == first
    assert namespace == {"d": 6}


# --------------------------------------------------------------------- line command
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("", {"name": "help"}),
        ("help", {"name": "help"}),
        ("  JOBS ", {"name": "jobs"}),
        ("config", {"name": "config"}),
        ("studio", {"name": "studio"}),
        ("cancel all", {"name": "cancel", "target": "all"}),
        ("cancel ALL", {"name": "cancel", "target": "all"}),
        (
            "cancel 764cabcf-1c52-4e1e-a2c3-5b5f2d9a8a10",
            {"name": "cancel", "target": "764cabcf-1c52-4e1e-a2c3-5b5f2d9a8a10"},
        ),
        ("resume abc_123", {"name": "resume", "target": "abc_123"}),
        ("history", {"name": "history"}),
        ("history 5", {"name": "history", "limit": 5}),
        ("history --search 'neon flower'", {"name": "history", "search": "neon flower"}),
        ("history 3 --search=fox", {"name": "history", "limit": 3, "search": "fox"}),
        ("history", {"name": "history", "here": False}),
        ("history --here 4 --search kite", {"name": "history", "limit": 4, "search": "kite", "here": True}),
        ("resume {{rid}}", {"name": "resume", "target": "r-1"}),
    ],
)
def test_line_commands(line: str, expected: dict[str, Any]) -> None:
    command = parse_line_command(line, namespace={"rid": "r-1"})
    for field, value in expected.items():
        assert getattr(command, field) == value
    assert command.request is None


def test_price_takes_the_cell_options_and_an_optional_prompt() -> None:
    command = parse_line_command("price --fast -d 6 -a 16:9")
    assert command.name == "price" and command.request is not None
    assert (command.request.tier, command.request.duration, command.request.prompt) == ("fast", "6", "")
    command = parse_line_command(
        "price -r 480p -- a fox {{x}}", namespace={"x": "runs"}, defaults=Defaults(tier="fast")
    )
    assert command.request is not None
    assert (command.request.tier, command.request.resolution, command.request.prompt) == (
        "fast",
        "480p",
        "a fox runs",
    )
    assert parse_line_command("price --seeds 1-4").request.seeds == (1, 2, 3, 4)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        (
            "jbos",
            ["unknown command 'jbos' (did you mean jobs?)", "jobs, cancel, price, config, resume, history"],
        ),
        ("--fast -d 6", ["unknown command '--fast'", "%%seedance"]),
        ("generate", ["unknown command 'generate'", "help"]),
        ("jobs now", ["%seedance jobs", "'now'"]),
        ("cancel", ["%seedance cancel", "request id or all"]),
        ("cancel a b", ["%seedance cancel", "request id or all"]),
        ("resume", ["%seedance resume", "request id"]),
        ("resume 'a b'", ["%seedance resume", "'a b'", "not a request id"]),
        ("history 0", ["%seedance history", "'0'", "history [N] [--search TEXT]"]),
        ("history five", ["%seedance history", "'five'"]),
        ("history --search", ["--search", "needs a text"]),
        ("price -d 3", ["-d/--duration", "'3'", "auto or 4-15"]),
        ("price --fsat", ["unknown option --fsat"]),
        ("'unclosed", ["unclosed quote"]),
    ],
)
def test_bad_line_commands(line: str, fragments: list[str]) -> None:
    with pytest.raises(InvalidRequest) as info:
        parse_line_command(line)
    for fragment in fragments:
        assert fragment in str(info.value)


# -------------------------------------------------------------------------- the help
def test_seedance_arguments_declares_the_options_with_real_help() -> None:
    def seedance(line: str, cell: str) -> None:
        """Replaced by the help."""

    decorated = declare(seedance)
    assert decorated is seedance
    help_text = decorated.__doc__ or ""
    for expected in ("%seedance", "--fast", "-d SECONDS, --duration SECONDS", "{{name}}", "examples:"):
        assert expected in help_text
    assert "%%seedance --fast -d 6 -a 16:9 --seed 42" in help_text
    assert "no_var_expand" not in help_text  # the help speaks to users, not to developers
    # the help and the parser are made from one table
    actions = {s for a in decorated.parser._actions for s in a.option_strings}  # type: ignore[attr-defined]
    assert actions == set(OPTION_STRINGS)
    parser = build_parser()
    assert {s for a in parser._actions for s in a.option_strings} == set(OPTION_STRINGS)
    assert parser.allow_abbrev is False


# ----------------------------------------------------------------------- any line at all
_WORDS = [
    *OPTION_STRINGS,
    "--fsat",
    "-x",
    "--",
    "-",
    "=",
    "auto",
    "6",
    "6s",
    "3",
    "16:9",
    "9:16",
    "720p",
    "4k",
]
_VALUES = ["1-4", "1,2", "duration=4,8", "audio=on,off", "tier=fast,standard", "t2v", "i2v", "r2v", "a.png"]
_TEMPLATES = [
    "{{x}}",
    "{{obj}}",
    "{{nope}}",
    "{{a.b}}",
    "\\{{x}}",
    "{x}",
    '{"a": 1}',
    "{{",
    "}}",
    "\u20450\u2046",
]
_QUOTED = st.text(max_size=12).map(lambda t: f'"{t}"') | st.text(max_size=12).map(lambda t: f"'{t}'")
_TOKEN = (
    st.sampled_from(_WORDS + _VALUES + _TEMPLATES) | _QUOTED | st.text(max_size=8) | st.sampled_from("'\"")
)


@settings(max_examples=400, deadline=None)
@given(words=st.lists(_TOKEN, max_size=10), cell=st.text(max_size=20) | st.sampled_from(_TEMPLATES))
def test_any_line_parses_or_is_an_invalid_request(words: list[str], cell: str) -> None:
    namespace = {"x": 5, "obj": Picture()}
    line = " ".join(words)
    try:
        request = parse_cell(line, cell, namespace=namespace)
    except InvalidRequest as exc:
        assert "\n" not in str(exc)
        event("rejected")
        return
    event("parsed")
    assert request.prompt == request.prompt.strip()
    assert request.prompt or request.batch is not None  # a batch's rows are its prompts
    assert request.grid_size <= 64
    ep.endpoint_for(request.mode, request.tier)


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(["price", "history", "cancel", "jobs", "help"]) | _TOKEN, max_size=8))
def test_any_line_command_parses_or_is_an_invalid_request(words: list[str]) -> None:
    try:
        parse_line_command(" ".join(words), namespace={"x": 5})
    except InvalidRequest as exc:
        assert "\n" not in str(exc)


_VALID = {
    "-r": st.sampled_from(ep.RESOLUTIONS),
    "-d": st.sampled_from(ep.DURATIONS) | st.integers(4, 15).map(lambda d: f"{d}s"),
    "-a": st.sampled_from(ep.ASPECT_RATIOS),
    "--seed": st.integers(0, ep.MAX_SEED).map(str),
    "--end-user-id": st.text(min_size=1, max_size=10).filter(
        lambda t: t.strip() and "{{" not in t and t != "--"
    ),
    "-i": st.sampled_from(["cat.png", "my cat.png", "https://x.test/a.png", "{{obj}}"]),
}


@settings(max_examples=200, deadline=None)
@given(chosen=st.dictionaries(st.sampled_from(sorted(_VALID)), st.just(None)), data=st.data())
def test_valid_lines_always_parse_to_what_they_say(chosen: dict[str, None], data: st.DataObject) -> None:
    import shlex

    values = {flag: data.draw(_VALID[flag], label=flag) for flag in chosen}
    fast = data.draw(st.booleans(), label="fast")
    joiner = data.draw(st.sampled_from([" ", "="]), label="joiner")
    # A value that begins with a dash needs the --flag=value form.
    line = ("--fast " if fast else "") + " ".join(
        f"{flag}{'=' if v.startswith('-') else joiner}{shlex.quote(v)}" for flag, v in values.items()
    )
    picture = Picture()
    request = parse_cell(line, "prompt", namespace={"obj": picture})
    assert request.tier == ("fast" if fast else "standard")
    assert request.resolution == values.get("-r", "720p")
    assert request.duration == values.get("-d", "auto").removesuffix("s")
    assert request.aspect_ratio == values.get("-a", "auto")
    assert request.seed == (int(values["--seed"]) if "--seed" in values else None)
    assert request.end_user_id == values.get("--end-user-id")
    assert request.mode == ("i2v" if "-i" in values else "t2v")
    if "-i" in values:
        assert request.image == (picture if values["-i"] == "{{obj}}" else values["-i"])
