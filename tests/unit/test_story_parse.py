"""Reading a story (spec/story_parse.py) and what a story is (spec/story.py): the shots
between `---` lines, their own options over the cell's, the refusals in one line, the
seeds, the estimate, the identity, and the cells that make a story again or carry a
clip on. Plain functions, no kernel."""

from __future__ import annotations

from typing import Any

import pytest

from seedance_magic.errors import InvalidRequest
from seedance_magic.spec import plan as planning
from seedance_magic.spec.parse import parse_cell
from seedance_magic.spec.request import Defaults
from seedance_magic.spec.story import continue_cell, film_name, story_cell, story_id
from seedance_magic.spec.story_parse import parse_story, split_shots, story_from_options

LINE = "--story --fast -r 480p -d 4 --seed 5"
BODY = "A paper boat is folded\n---\nIt is set in a gutter\n--- -d 5\nIt drifts away"


def shots_of(line: str, body: str) -> list[tuple[str, str, int | None]]:
    story = parse_story(line, body)
    return [(s.prompt, s.duration, s.seed) for s in story.shots]


# ----------------------------------------------------------------------- separators
def test_the_three_shot_example() -> None:
    story = parse_story(LINE, BODY)
    assert [(s.prompt, s.duration, s.seed) for s in story.shots] == [
        ("A paper boat is folded", "4", 5),
        ("It is set in a gutter", "4", 6),
        ("It drifts away", "5", 7),
    ]
    assert {(s.tier, s.resolution, s.mode) for s in story.shots} == {("fast", "480p", "t2v")}
    assert story.base.story and story.seeded and len(story) == 3


@pytest.mark.parametrize(
    ("body", "prompts"),
    [
        ("one shot", ["one shot"]),
        ("a\n---\nb", ["a", "b"]),
        ("---\na\n---\nb", ["a", "b"]),  # a separator before any text introduces shot 1
        ("a\n  ---  \nb", ["a", "b"]),  # spaces around it
        ("a\nline two\n---\nb\n\nmore", ["a\nline two", "b\n\nmore"]),
        ("a\n----\nb", ["a\n----\nb"]),  # four dashes are text
        ("a\n---b\nc", ["a\n---b\nc"]),  # so is a word glued to them
        ("a --- b", ["a --- b"]),  # and dashes inside a line
    ],
)
def test_separators(body: str, prompts: list[str]) -> None:
    assert [p for p, _, _ in shots_of("--story", body)] == prompts


def test_split_shots_keeps_each_shot_s_options_and_line() -> None:
    shots = split_shots("a\n--- -d 6 --no-audio\nb")
    assert [(s.options, s.text, s.line) for s in shots] == [("", "a", 1), ("-d 6 --no-audio", "b", 2)]


# ------------------------------------------------------------------ per-shot options
def test_a_shot_s_own_options_override_the_cell_s() -> None:
    story = parse_story(
        "--story --standard -d 4 --audio", "a\n--- -d 6 --no-audio\nb\n--- --fast\nc\n--- --audio\nd"
    )
    assert [(s.tier, s.duration, s.generate_audio) for s in story.shots] == [
        ("standard", "4", True),
        ("standard", "6", False),
        ("fast", "4", True),
        ("standard", "4", True),
    ]


def test_each_shot_may_have_its_seed_when_the_cell_has_none() -> None:
    story = parse_story("--story", "--- --seed 9\na\n---\nb\n--- -s 3\nc")
    assert [s.seed for s in story.shots] == [9, None, 3]
    assert not story.seeded


def test_variables_in_shots_and_their_options() -> None:
    names = {"who": "A fox", "long": 8}
    story = parse_story("--story", "{{who}} waves\n--- -d {{long}}\n{{who}} leaves", namespace=names)
    assert [(s.prompt, s.duration) for s in story.shots] == [("A fox waves", "auto"), ("A fox leaves", "8")]


def test_the_cell_s_image_starts_the_first_shot() -> None:
    picture = b"\x89PNG..."
    story = parse_story("--story -i {{p}}", "a\n---\nb", namespace={"p": picture})
    assert story.shots[0].mode == "i2v" and story.shots[0].image is picture
    assert story.runs_as(1).mode == "i2v"  # every later shot starts from a frame


# ------------------------------------------------------------------------ refusals
@pytest.mark.parametrize(
    ("line", "body", "fragments"),
    [
        (LINE, "a\n--- -a 9:16\nb", ["shot 2", "-a/--aspect-ratio", "one aspect ratio and resolution"]),
        (LINE, "a\n--- -r 720p\nb", ["shot 2", "-r/--resolution", "on the %%seedance line"]),
        (LINE, "a\n--- --seed 3\nb", ["shot 2", "--seed is given on the %%seedance line", "5+k-1"]),
        ("--story", "a\n--- --seeds 1-3\nb", ["shot 2", "--seeds makes a grid"]),
        ("--story", "a\n--- -o clip\nb", ["shot 2", "-o/--out applies to the whole story"]),
        ("--story", "a\n--- -i x.png\nb", ["shot 2", "-i/--image applies to the whole story"]),
        ("--story", "a\n--- --wait\nb", ["shot 2", "--wait applies to the whole story"]),
        ("--story", "a\n--- -d 99\nb", ["shot 2", "-d/--duration: '99' is not allowed"]),
        ("--story", "a\n--- --bogus\nb", ["shot 2 (its --- line)", "unknown option --bogus"]),
        ("--story", "a\n---\n\n---\nc", ["shot 2 is empty", "--- alone"]),
        ("--story", "a\n---\n", ["shot 2 is empty"]),
        ("--story", "---\n---\na", ["shot 1 is empty"]),
        ("--story --seeds 1-3", "a\n---\nb", ["--story makes one film", "--seeds makes a grid"]),
        ("--story -n 2", "a", ["--story makes one film", "-n makes a grid"]),
        ("--story --sweep duration=4,8", "a", ["--sweep makes a grid"]),
        ("--story --ref-image r.png", "a", ["--story takes no --ref-image", "last frame"]),
        ("--story -i a.png --end-image b.png", "a", ["--story takes no --end-image"]),
        ("--story --fast -r 1080p", "a", ["-r/--resolution", "fast tier"]),
        (f"--story --seed {2**32 - 2}", "a\n---\nb\n---\nc", ["-s/--seed", "too high for 3 shots"]),
        ("--story", "\n---\n".join("x" * 21), ["21 shots", "at most 20"]),
    ],
)
def test_refusals_are_one_line(line: str, body: str, fragments: list[str]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_story(line, body)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        ("--stitch", ["--stitch joins a continued clip", "--continue NAME_OR_REQUEST_ID"]),
        ("--continue clip -i a.png", ["--continue contradicts -i/--image", "last frame"]),
        ("--continue clip --ref-image a.png", ["--continue contradicts --ref-image"]),
        ("--continue clip --mode t2v", ["--continue contradicts --mode"]),
        ("--continue 'not an id'", ["--continue: 'not an id' is not allowed", "request id"]),
        ("--continue clip --stitch --seeds 1,2", ["--stitch makes one film", "--seeds makes a grid"]),
        ("--continue", ["--continue: needs a value"]),
    ],
)
def test_continue_and_stitch_refusals(line: str, fragments: list[str]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_cell(line, "what happens next")
    for fragment in fragments:
        assert fragment in str(caught.value), str(caught.value)


def test_continue_options_parse() -> None:
    request = parse_cell("--continue clip --stitch --fast -d 6", "the kite lands")
    assert (request.continue_from, request.stitch, request.mode, request.duration) == (
        "clip",
        True,
        "t2v",
        "6",
    )
    assert parse_cell("--continue 764cabcf-13a2-4a5b", "x").continue_from == "764cabcf-13a2-4a5b"
    assert parse_cell("--continue clip --seeds 1,2", "x").seeds == (1, 2)  # continuations side by side


# ---------------------------------------------------------------- money and identity
def test_the_estimate_prices_later_shots_as_image_to_video() -> None:
    story = parse_story(LINE, BODY)
    each = story.estimates()
    assert [e.high for e in each] == [
        planning.estimate(story.shots[0]).high,
        planning.estimate(story.runs_as(1)).high,
        planning.estimate(story.runs_as(2)).high,
    ]
    total = story.estimate()
    assert total.high == pytest.approx(sum(e.high for e in each)) and total.high > 1.0
    assert "3 shots" in total.note
    assert story.estimate(skip=[0, 1]).high == pytest.approx(each[2].high)


def test_the_identity_follows_what_makes_the_shots() -> None:
    story = parse_story(LINE, BODY)
    same = story_id(parse_story(LINE + " -o film --wait", BODY), provider="fal")
    assert story_id(story, provider="fal") == same  # run options change nothing made
    assert story_id(story, provider="fal").startswith("story-")
    others = {
        story_id(parse_story(LINE.replace("5", "6"), BODY), provider="fal"),
        story_id(parse_story(LINE, BODY.replace("-d 5", "-d 6")), provider="fal"),
        story_id(story, provider="lumenfall"),
        story_id(story, provider="fal", start="digest-of-a-start-image"),
    }
    assert same not in others and len(others) == 4


# ------------------------------------------------------------------------- texts
@pytest.mark.parametrize(
    ("line", "body"),
    [
        (LINE, BODY),
        ("--story --standard -a 9:16 --no-audio", "a {{x}}\n--- --audio -d 6\nb\n--- --fast\nc"),
    ],
)
def test_the_story_cell_makes_the_same_story(line: str, body: str) -> None:
    story = parse_story(line, body, namespace={"x": 1})
    cell = story_cell(story)
    options, _, text = cell.partition("\n")
    again = parse_story(options.removeprefix("%%seedance "), text)
    assert again.shots == tuple(s for s in story.shots)


def test_the_story_cell_fixes_the_seeds_it_was_made_with() -> None:
    story = parse_story("--story", "a\n---\nb\n---\nc")
    assert story_cell(story, [7, 8, 9]).splitlines()[0] == "%%seedance --story --seed 7"
    cell = story_cell(story, [7, 3, 11])
    assert cell.splitlines() == [
        "%%seedance --story",
        "--- --seed 7",
        "a",
        "--- --seed 3",
        "b",
        "--- --seed 11",
        "c",
    ]
    options, _, text = cell.partition("\n")
    assert [s.seed for s in parse_story(options.removeprefix("%%seedance "), text).shots] == [7, 3, 11]


def test_the_story_cell_names_the_clip_it_continues() -> None:
    story = parse_story("--story --continue boat --stitch", "a\n---\nb")
    assert story_cell(story).splitlines()[0] == "%%seedance --story --continue boat"


def test_the_continue_cell_carries_the_clip_s_options_and_parses() -> None:
    arguments = {
        "prompt": "x",
        "resolution": "480p",
        "duration": "4",
        "generate_audio": False,
        "image_url": "u",
    }
    cell = continue_cell("bytedance/seedance-2.0/fast/image-to-video", arguments, "764cabcf-13a2", "fal")
    options, _, prompt = cell.partition("\n")
    assert options == "%%seedance --fast -r 480p -d 4 --no-audio --continue 764cabcf-13a2 --stitch"
    request = parse_cell(options.removeprefix("%%seedance "), prompt)
    assert (request.continue_from, request.stitch, request.resolution) == ("764cabcf-13a2", True, "480p")
    with pytest.raises(ValueError):
        continue_cell("bytedance/seedance-2.0/fast/image-to-video", arguments, "<script>")


def test_the_film_s_name_is_the_story_s() -> None:
    assert (
        film_name("story-3a9c41d2aaaa", "A paper boat, folded!") == "story_a-paper-boat-folded_3a9c41d2.mp4"
    )
    assert film_name("story-3a9c41d2aaaa-0f0f0f0f", "x", 2, 3) == "story_x_0f0f0f0f_2of3.mp4"


# ----------------------------------------------------------------------- Python
def test_python_shots_are_the_cell_s() -> None:
    story = story_from_options(
        ["A paper boat is folded", "It is set in a gutter", {"prompt": "It drifts away", "duration": 5}],
        Defaults(),
        fast=True,
        resolution="480p",
        duration=4,
        seed=5,
    )
    assert story.shots == parse_story(LINE, BODY).shots
    assert story.base.story


@pytest.mark.parametrize(
    ("shots", "options", "fragments"),
    [
        ("one string", {}, ["a list of shots"]),
        ([], {}, ["a list of shots"]),
        (["a", {"duration": 6}], {}, ["shot 2 has no prompt"]),
        (
            ["a", {"prompt": "b", "aspect_ratio": "9:16"}],
            {},
            ["shot 2", "'aspect_ratio' applies to the whole story"],
        ),
        (["a", {"prompt": "b", "seed": 2}], {"seed": 1}, ["shot 2", "seed is given for the whole story"]),
        (["a", {"prompt": "b", "duration": 99}], {}, ["shot 2", "-d/--duration"]),
        (["a", "b"], {"ref_images": ["r.png"]}, ["a story takes no ref_images"]),
    ],
)
def test_python_refusals(shots: Any, options: dict[str, Any], fragments: list[str]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        story_from_options(shots, Defaults(), **options)
    for fragment in fragments:
        assert fragment in str(caught.value), str(caught.value)
