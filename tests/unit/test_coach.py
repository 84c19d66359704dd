"""The prompt coach: one test per rule (the rule firing, and the fix silencing it), a
table of strong and weak prompts with the codes each gets, the prompting guide's own
examples left without a warning, and the HTML and the public `sd.coach`."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seedance_magic
from seedance_magic import settings as sm_settings
from seedance_magic.render import style
from seedance_magic.render.coach import hints_html
from seedance_magic.spec import coach as coach_module
from seedance_magic.spec.coach import MAX_WORDS, MIN_WORDS, coach, coach_prompt
from seedance_magic.spec.hints import LEVELS, Hint, hints_text
from seedance_magic.spec.keywords import request_from_options
from seedance_magic.spec.request import Defaults

# The three examples of the community prompting guide, as it prints them.
GUIDE = [
    "Wide aerial tracking shot of a lone cyclist riding through a neon-lit Tokyo alley at night, "
    "volumetric rain, cinematic lighting, slow push-in, rain and distant thunder.",
    "Close-up of a chef flambéing a pan in a rustic kitchen, golden hour through the window, "
    "shallow depth of field, handheld camera, sizzling oil and jazz music.",
    "Multi-shot: establishing drone shot of an alpine lake at sunrise, cut to a hiker sipping coffee, "
    "cut to a hawk taking flight. Ambient birdsong and wind.",
]

# Prompts written for these tests, each with its options and every code it gets (tips too).
TABLE: list[tuple[str, dict[str, Any], set[str]]] = [
    # strong: the template followed
    (
        "Low-angle tracking shot of a skateboarder carving down a rain-slicked San Francisco hill "
        "at dusk, sodium streetlights flaring, gritty 16mm film look, camera gliding alongside, "
        "wheels roaring on wet asphalt.",
        {},
        set(),
    ),
    (
        "Medium close-up of an old fisherman mending a net on a wooden pier at dawn, soft mist over "
        "the harbor, documentary style, slow dolly-in, gulls crying and water lapping at the posts.",
        {},
        set(),
    ),
    (
        "Overhead shot of a potter's hands shaping wet clay on a spinning wheel in a sunlit studio, "
        "warm window light, calm and tactile, locked-off camera, the hum of the wheel and soft piano.",
        {"fast": True, "duration": 8},
        set(),
    ),
    (
        "Close-up of a young woman on a night train, neon city lights sliding across her face, she "
        "whispers nervously, “We're almost home.” Handheld camera, rattling wheels.",
        {},
        set(),
    ),
    (
        "Multi-shot: wide shot of a desert highway at noon, cut to a red convertible speeding past, "
        "cut to the driver laughing in slow motion. Engine roar and wind.",
        {"duration": 10},
        set(),
    ),
    (
        "Vertical portrait of a street dancer spinning under a bridge at sunset, golden backlight, "
        "energetic, handheld follow, bass-heavy hip hop beat.",
        {"aspect_ratio": "9:16"},
        set(),
    ),
    (
        "Slow push-in on a hummingbird sipping from a neon flower in a greenhouse at dusk, macro "
        "detail, dreamy, wings buzzing softly.",
        {"aspect_ratio": "1:1"},
        set(),
    ),
    (
        "Crane rise over a lighthouse on a stormy cliff as waves crash below, moody teal grade, "
        "foghorn and howling wind.",
        {"no_audio": True},
        set(),
    ),
    # weak
    ("a cat", {}, {"no-camera", "no-motion", "no-setting", "no-audio-cue", "too-short", "no-light"}),
    ("A beautiful woman in a garden", {}, {"no-camera", "no-motion", "no-audio-cue", "no-light"}),
    (
        "A man tells his friend the treasure is buried under the oak, close-up, in a tavern by candlelight",
        {},
        {"unquoted-dialogue"},
    ),
    (
        "Sweeping panorama of snowy mountains at dawn, slow drone flyover, eagles soaring, wind howling",
        {"aspect_ratio": "9:16"},
        {"aspect-mismatch"},
    ),
    (
        "Close-up of a barista pouring latte art in a cozy cafe, morning light, cut to a customer "
        "smiling, cut to the street outside, cut to rain on the window, espresso machine hissing",
        {"duration": 4},
        {"too-many-shots"},
    ),
    (
        'A man in a dark office says "It is over" to the camera, slow zoom, rain on the glass',
        {"generate_audio": False},
        {"lip-sync-needs-audio", "no-emotion"},
    ),
    (
        "Portrait of an old sailor",
        {"aspect_ratio": "21:9"},
        {"aspect-mismatch", "too-short", "no-camera", "no-motion", "no-setting", "no-audio-cue", "no-light"},
    ),
]


def codes(prompt: str, **options: Any) -> list[str]:
    return [h.code for h in coach_prompt(prompt, **options)]


def hint(prompt: str, code: str, **options: Any) -> Hint | None:
    return next((h for h in coach_prompt(prompt, **options) if h.code == code), None)


def serious(hints: list[Hint]) -> list[str]:
    return [h.code for h in hints if h.level != "tip"]


# ------------------------------------------------------------------ the guide, the table
@pytest.mark.parametrize("prompt", GUIDE)
def test_the_guides_examples_get_no_warning(prompt: str) -> None:
    assert serious(coach_prompt(prompt)) == []


@pytest.mark.parametrize(("prompt", "options", "expected"), TABLE)
def test_strong_and_weak_prompts(prompt: str, options: dict[str, Any], expected: set[str]) -> None:
    got = codes(prompt, **options)
    assert set(got) == expected
    assert len(got) == len(set(got))  # one hint per code


# ------------------------------------------------------------------------- done when
def test_a_cat_warns_about_camera_motion_and_sound() -> None:
    warned = {h.code for h in seedance_magic.coach("a cat") if h.level == "warning"}
    assert {"no-camera", "no-motion", "no-audio-cue"} <= warned


def test_image3_with_two_reference_images_is_an_error() -> None:
    hints = coach_prompt("Close-up: @Image1 hands @Image3 a cup", ref_images=["a.png", "b.png"])
    assert hints[0] == Hint(
        "error",
        "missing-reference",
        "The prompt names @Image3, but 2 reference images were given (@Image1-@Image2).",
    )


def test_unquoted_dialogue_gets_a_hint_to_quote_it() -> None:
    found = hint("Close-up of a girl in a kitchen at night, she says she is hungry", "unquoted-dialogue")
    assert found is not None and found.level == "warning" and '"' in (found.example or "")


def test_quoted_dialogue_with_audio_off_needs_audio_for_lip_sync() -> None:
    prompt = 'Close-up of a girl in a kitchen at night, she says angrily, "I am hungry."'
    assert hint(prompt, "lip-sync-needs-audio", no_audio=True) is not None
    assert hint(prompt, "lip-sync-needs-audio") is None
    assert hint(prompt, "unquoted-dialogue") is None


# ------------------------------------------------------------------------ one per rule
GOOD = "in a quiet harbor at dawn, slow dolly-in, gulls calling"


@pytest.mark.parametrize(
    ("prompt", "named"),
    [
        ("A fox trots " + GOOD, True),
        ("Extreme close-up of a fox trotting in a harbor at dawn, gulls", True),
        ("Bird's-eye view of a fox trotting in a harbor at dawn, gulls", True),
        ("A fox trots in a harbor at dawn, whip pan to the gulls", True),
        ("A fox trots in a harbor at dawn as the camera pans left, gulls", True),
        ("A chef stirs a pan in a kitchen at dawn, sizzling", False),  # a frying pan is no pan
        ("A fox trots in a harbor at dawn, gulls crying", False),
    ],
)
def test_no_camera(prompt: str, named: bool) -> None:
    assert (hint(prompt, "no-camera") is None) is named


@pytest.mark.parametrize(
    ("prompt", "moves"),
    [
        ("Wide shot of a fox running " + GOOD, True),
        ("Wide shot of a fox that leaps " + GOOD, True),
        ("Wide shot of a heron taking flight " + GOOD, True),
        ("Wide shot of a chef flambéing a pan " + GOOD, True),
        ("Wide shot of a man who speaks " + GOOD, True),
        ("Wide shot of a gold watch on a table " + GOOD, False),  # a watch is not watching
        ("Wide shot of an old red boat " + GOOD, False),
    ],
)
def test_no_motion(prompt: str, moves: bool) -> None:
    assert (hint(prompt, "no-motion") is None) is moves


@pytest.mark.parametrize(
    ("prompt", "placed"),
    [
        ("Close-up of a runner sprinting through a forest at dawn, slow pan up, birdsong", True),
        ("Close-up of a runner sprinting across Paris at dawn, slow pan up, birdsong", True),
        ("Close-up of a runner sprinting down the streets at dawn, slow pan up, birdsong", True),
        ("Close-up of a runner sprinting at dawn, shallow depth of field, birdsong", False),
    ],
)
def test_no_setting(prompt: str, placed: bool) -> None:
    assert (hint(prompt, "no-setting") is None) is placed


@pytest.mark.parametrize(
    ("words", "lit"),
    [("at golden hour", True), ("under neon signs", True), ("in thick fog", True), ("in a blue coat", False)],
)
def test_no_light(words: str, lit: bool) -> None:
    found = hint(f"Wide shot of a man walking through a market {words}, handheld, crowd chatter", "no-light")
    assert (found is None) is lit
    assert found is None or found.level == "tip"


@pytest.mark.parametrize(
    ("sound", "options", "heard"),
    [
        ("distant thunder", {}, True),
        ("footsteps on gravel", {}, True),
        ("sizzling", {}, True),
        ('she says, "Look!"', {}, True),  # a spoken line is a sound
        ("a red scarf", {}, False),
        ("a red scarf", {"no_audio": True}, True),  # no audio, nothing to name
        ("a red scarf", {"generate_audio": False}, True),
    ],
)
def test_no_audio_cue(sound: str, options: dict[str, Any], heard: bool) -> None:
    prompt = f"Wide shot of a woman walking down a street at dusk, slow dolly-in, {sound}"
    assert (hint(prompt, "no-audio-cue", **options) is None) is heard


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("he says he is tired", {"unquoted-dialogue"}),
        ("he whispers to his daughter", {"unquoted-dialogue"}),
        ('he says wearily, "I am tired."', set()),
        ("he says wearily, “I am tired.”", set()),
        ("he says wearily, 'I am tired.'", set()),
        ('he says, "I am tired."', {"no-emotion"}),
        ("it's the dog's bowl, he says", {"unquoted-dialogue"}),  # apostrophes are no quotes
    ],
)
def test_dialogue(line: str, expected: set[str]) -> None:
    prompt = f"Close-up of an old man in a dim kitchen, handheld, {line}"
    speech = {"unquoted-dialogue", "lip-sync-needs-audio", "no-emotion"}
    assert set(codes(prompt)) & speech == expected


def test_quoted_sign_text_is_not_dialogue() -> None:
    prompt = 'Wide shot of a neon sign reading "OPEN" flickering in a rainy alley at night, slow push-in'
    assert not {"lip-sync-needs-audio", "no-emotion"} & set(codes(prompt, no_audio=True))


def test_missing_reference_in_text_to_video() -> None:
    found = hint("Close-up of @Image1 dancing in a park at dusk, handheld, jazz", "missing-reference")
    assert found == Hint(
        "error", "missing-reference", "The prompt names @Image1, but no --ref-image was given."
    )


def test_missing_reference_of_each_kind() -> None:
    prompt = "Wide shot of @Image1 dancing like @Video2 to @Audio1 in a park at dusk, handheld"
    found = [h.message for h in coach_prompt(prompt, ref_images=["a.png"], ref_videos=["v.mp4"])]
    assert found[:2] == [
        "The prompt names @Audio1, but no --ref-audio was given.",
        "The prompt names @Video2, but 1 reference video was given (@Video1).",
    ]


def test_a_glob_is_counted_as_at_least_one() -> None:
    prompt = "Wide shot of @Image1 and @Image4 dancing in a park at dusk, handheld, jazz"
    assert hint(prompt, "missing-reference", ref_images=["shots/*.png"]) is None
    assert hint(prompt, "missing-reference", ref_images=["a.png"]) is not None


def test_a_reference_in_image_to_video_is_a_warning() -> None:
    found = hint(
        "Close-up of @Image1 smiling in a park at dusk, handheld, birdsong",
        "stray-reference",
        image="start.png",
    )
    assert found is not None and found.level == "warning"
    assert found.message.startswith("The prompt names @Image1, but image-to-video takes no references")


@pytest.mark.parametrize(
    ("prompt", "refs", "message", "example"),
    [
        (
            "@Image1 waves",
            {"ref_images": ["a.png", "b.png"]},
            "@Image2 is given but never named",
            "the character from @Image2",
        ),
        (
            "@Image1 waves",
            {"ref_images": ["a.png"], "ref_videos": ["v.mp4"], "ref_audios": ["s.wav"]},
            "@Video1 and @Audio1 are given but never named",
            "moving like @Video1",
        ),
        ("@Image1 waves to @Image2", {"ref_images": ["a.png", "b.png"]}, None, None),
    ],
)
def test_unused_reference_is_a_tip(
    prompt: str, refs: dict[str, Any], message: str | None, example: str | None
) -> None:
    found = hint(f"Close-up of {prompt} in a park at dusk, handheld, jazz", "unused-reference", **refs)
    if message is None:
        assert found is None
    else:
        assert found is not None and found.level == "tip"
        assert found.message.startswith(message) and found.example == example


@pytest.mark.parametrize(
    ("cuts", "duration", "too_many"),
    [
        (0, 4, False),
        (1, 4, False),
        (2, 4, True),
        (2, 6, False),
        (3, 6, True),
        (6, "auto", False),
        (7, "auto", True),
    ],
)
def test_too_many_shots(cuts: int, duration: int | str, too_many: bool) -> None:
    shots = "".join(f", cut to a dog running {n}" for n in range(cuts))
    prompt = f"Wide shot of a boy running in a park at dawn{shots}, birdsong"
    found = hint(prompt, "too-many-shots", duration=duration)
    assert (found is not None) is too_many
    if found is not None:
        assert found.message.startswith(f"{cuts + 1} shots in ")


@pytest.mark.parametrize(
    ("words", "ratio", "level"),
    [
        ("Portrait of", "16:9", "warning"),
        ("Selfie of", "21:9", "warning"),
        ("Portrait of", "auto", "tip"),
        ("Portrait of", "9:16", None),
        ("Portrait of", "1:1", None),
        ("Panoramic landscape with", "9:16", "warning"),
        ("Establishing shot of", "3:4", "warning"),
        ("Establishing shot of", "auto", "tip"),
        ("Establishing shot of", "21:9", None),
        ("Establishing shot of", "16:9", None),
        ("Portrait in a landscape of", "16:9", None),  # both: nothing to say
        ("Close-up of", "9:16", None),
    ],
)
def test_aspect_mismatch(words: str, ratio: str, level: str | None) -> None:
    prompt = f"{words} a fisherman walking on a beach at dawn, handheld, waves and gulls"
    found = hint(prompt, "aspect-mismatch", aspect_ratio=ratio)
    assert (found.level if found else None) == level
    if found is not None:
        assert found.example in ("aspect_ratio='9:16'", "aspect_ratio='21:9'")


@pytest.mark.parametrize(
    ("count", "code"),
    [
        (1, "too-short"),
        (MIN_WORDS - 1, "too-short"),
        (MIN_WORDS, None),
        (MAX_WORDS, None),
        (MAX_WORDS + 1, "too-long"),
    ],
)
def test_length(count: int, code: str | None) -> None:
    prompt = " ".join(["waves"] * count)
    found = {h.code for h in coach_prompt(prompt)} & {"too-short", "too-long"}
    assert found == ({code} if code else set())


# --------------------------------------------------------------------- the coach itself
def test_errors_then_warnings_then_tips() -> None:
    hints = coach_prompt("@Image2", ref_images=["a.png"])
    levels = [h.level for h in hints]
    assert levels == sorted(levels, key=LEVELS.index)
    assert levels[0] == "error" and levels[-1] == "tip"


def test_coach_takes_a_checked_request() -> None:
    request = request_from_options("a cat", Defaults(generate_audio=False))
    assert "no-audio-cue" not in [h.code for h in coach(request)]


@pytest.mark.parametrize(
    ("prompt", "options", "code"),
    [
        ("", {}, "empty-prompt"),
        ("   \n", {}, "empty-prompt"),
        ("a cat", {"duration": 99}, "invalid-option"),
        ("a cat", {"aspect_ratio": "2:1"}, "invalid-option"),
        ("a cat", {"image": "a.png", "ref_images": ["b.png"]}, "invalid-option"),
        ("a cat", {"colour": "red"}, "invalid-option"),
    ],
)
def test_what_the_request_refuses_is_one_error_hint(prompt: str, options: dict[str, Any], code: str) -> None:
    hints = coach_prompt(prompt, **options)
    assert [(h.level, h.code) for h in hints] == [("error", code)]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gets_hints_not_an_exception(prompt: str) -> None:
    for h in coach_prompt(prompt, ref_images=["a.png"]):
        assert h.level in LEVELS and h.message.endswith(".")


def test_every_code_is_documented() -> None:
    documented = set(re.findall(r"^    ([a-z-]+) +(?:error|warning|tip) ", coach_module.__doc__ or "", re.M))
    seen = {h.code for prompt, options, _ in TABLE for h in coach_prompt(prompt, **options)}
    seen |= {"missing-reference", "stray-reference", "unused-reference", "empty-prompt", "invalid-option"}
    seen |= {"unquoted-dialogue", "too-long"}
    assert seen <= documented and len(documented) == 17


def test_hints_are_frozen_and_print_as_one_line() -> None:
    hints = coach_prompt("a cat")
    with pytest.raises(dataclasses.FrozenInstanceError):
        hints[0].code = "x"  # type: ignore[misc]
    lines = hints_text(hints).splitlines()
    assert len(lines) == len(hints)
    assert lines[0] == (
        "warning: Say how it is filmed: a shot type (close-up, wide aerial shot) or a camera move "
        "(slow dolly-in, whip pan, handheld follow). (e.g. Close-up of a cat, slow dolly-in) [no-camera]"
    )
    assert hints_text([]) == ""


# ------------------------------------------------------------------------ HTML, the API
def test_hints_html_is_escaped_and_coloured_by_level() -> None:
    hints = [
        Hint("error", "missing-reference", "<b>@Image3</b> & co"),
        Hint("warning", "no-camera", "w", 'say "dolly-in"'),
        Hint("tip", "no-light", "t"),
    ]
    page = hints_html(hints)
    assert "<b>" not in page and "&lt;b&gt;@Image3&lt;/b&gt; &amp; co" in page
    assert "&quot;dolly-in&quot;" in page
    for level, colour in (("error", style.ERROR), ("warning", style.WARN), ("tip", style.MUTED)):
        assert re.search(f'seedance-hint-{level}".*?color:{re.escape(colour)};font-weight:600', page)
    assert hints_html([]) == ""


def test_sd_coach_is_public_and_uses_the_configured_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "coach" in seedance_magic.__all__
    prompt = 'Close-up of a girl in a kitchen at night, she says angrily, "I am hungry."'
    assert "lip-sync-needs-audio" not in [h.code for h in seedance_magic.coach(prompt)]
    quiet = sm_settings.from_environment(defaults=Defaults(generate_audio=False))
    monkeypatch.setattr(sm_settings, "_source", lambda: quiet)
    assert "lip-sync-needs-audio" in [h.code for h in seedance_magic.coach(prompt)]
    assert "lip-sync-needs-audio" not in [h.code for h in seedance_magic.coach(prompt, generate_audio=True)]


def test_sd_coach_starts_nothing() -> None:
    script = (
        "import sys, seedance_magic as sd; sd.coach('a cat', ref_images=['missing.png']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fal_client', 'httpx', 'ipywidgets', "
        "'IPython', 'av', 'PIL') or m.startswith(('seedance_magic.engine', 'seedance_magic.media', "
        "'seedance_magic.emulator'))))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
