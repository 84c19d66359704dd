"""The @Image1/@Video1/@Audio1 rule (spec/references.py), its one source: media's check
before a submit reports what it always did, and the prompt coach says the same thing."""

from __future__ import annotations

import pytest

from seedance_magic.media.check import reference_check
from seedance_magic.spec.coach import coach_prompt
from seedance_magic.spec.inputs import InputItem
from seedance_magic.spec.references import References, check_references, named_in


def images(count: int) -> list[InputItem]:
    return [InputItem("image_urls", n, "image", f"shot{n}.png") for n in range(count)]


# ------------------------------------------------------------------ media's check
def test_media_a_name_beyond_the_inputs_is_an_error() -> None:
    assert reference_check("@Image1 hands @Image2 and @Image3 a cup", "r2v", images(2)) == (
        ["the prompt names @Image3, but 2 reference images were given (@Image1-@Image2)"],
        [],
    )
    one_video = [*images(1), InputItem("video_urls", 0, "video", "move.mp4")]
    assert reference_check("@Image1 moves like @Video2", "r2v", one_video)[0] == [
        "the prompt names @Video2, but 1 reference video was given (@Video1)"
    ]


def test_media_unnamed_inputs_are_a_warning_naming_the_files() -> None:
    items = [*images(2), InputItem("audio_urls", 0, "audio", "line.wav")]
    assert reference_check("@image1 smiles", "r2v", items) == (
        [],
        [
            "not named in the prompt: @Image2 (shot1.png), @Audio1 (line.wav); write @Image1, @Video1, "
            "@Audio1 … in the prompt to say how each is used"
        ],
    )


def test_media_names_in_text_to_video_and_image_to_video() -> None:
    assert reference_check("@Image1 waves", "t2v", []) == (
        ["the prompt names @Image1, but no --ref-image was given"],
        [],
    )
    start = InputItem("image_url", None, "image", "cat.png")
    assert reference_check("@Image1 waves", "i2v", [start]) == (
        [],
        [
            "the prompt names @Image1, but image-to-video takes no references (-i/--image is the "
            "start frame); --ref-image is for reference-to-video"
        ],
    )


@pytest.mark.parametrize(
    "prompt", ["mail me@Image1.com", "see x.@Image2", "@Images1", "@Image1x", "@@Image1"]
)
def test_what_is_not_a_reference(prompt: str) -> None:
    assert reference_check(prompt, "t2v", []) == ([], [])
    assert named_in(prompt) == {}


def test_media_everything_named_is_quiet() -> None:
    items = [*images(2), InputItem("audio_urls", 0, "audio", "line.wav")]
    assert reference_check("@Image1 walks into @Image2 saying @Audio1", "r2v", items) == ([], [])


# -------------------------------------------------------------------- the rule itself
def test_the_rule_reports_unused_references_in_the_order_given() -> None:
    found = check_references("@IMAGE2 only", "r2v", ["@Image1", "@Image2", "@Video1"])
    assert found == References(unused=("@Image1", "@Video1"))


def test_an_open_count_reports_no_missing_name_of_that_kind() -> None:
    found = check_references("@Image5 and @Video1", "r2v", ["@Image1"], open_kinds={"Image"})
    assert found.errors == ("the prompt names @Video1, but no --ref-video was given",)


def test_names_are_kept_as_written() -> None:
    assert named_in("@image3 then @Video10") == {("Image", 3): "@image3", ("Video", 10): "@Video10"}


def test_the_coach_says_what_media_says() -> None:
    prompt = "Close-up of @Image1 handing @Image3 a cup in a cafe at dawn, handheld, jazz"
    errors, _ = reference_check(prompt, "r2v", images(2))
    coached = [h.message for h in coach_prompt(prompt, ref_images=["a.png", "b.png"]) if h.level == "error"]
    assert coached == [f"{errors[0][0].upper()}{errors[0][1:]}."]
