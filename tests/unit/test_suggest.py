"""The unknown-option hint names the option the user most likely meant, by its name."""

from __future__ import annotations

import pytest

from seedance_magic.errors import InvalidRequest
from seedance_magic.spec.keywords import request_from_options
from seedance_magic.spec.parse import parse_cell


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("--durration 4", "--duration"),  # a slip of the keys
        ("--DURATION 4", "--duration"),  # another case
        ("-D 4", "-d"),
        ("--aspect_ratio 16:9", "--aspect-ratio"),  # _ for -
        ("--ratio 16:9", "--aspect-ratio"),  # a part of its name
        ("--end-user alice", "--end-user-id"),
        ("--res 480p", "--resolution"),  # its beginning
        ("--nocache", "--no-cache"),
        ("--audio-off", "--no-audio"),  # another name for it
        ("--generate-audio", "--audio"),
        ("--quality 720p", "--resolution"),
        ("--count 3", "-n"),
        ("--user alice", "--end-user-id"),
        ("--tier fast", "--fast or --standard"),
    ],
)
def test_the_hint_names_the_nearest_option(typed: str, meant: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_cell(typed, "a kite")
    flag = typed.split(maxsplit=1)[0]
    assert str(caught.value) == f"unknown option {flag} (did you mean {meant}?)"


def test_no_hint_when_nothing_is_near() -> None:
    with pytest.raises(InvalidRequest, match=r"^unknown option --negative$"):
        parse_cell("--negative blurry", "a kite")


def test_the_prompt_is_not_an_option() -> None:
    with pytest.raises(InvalidRequest, match="the prompt goes in the cell body"):
        parse_cell("--prompt kite", "a kite")


def test_keywords_of_generate_too() -> None:
    with pytest.raises(InvalidRequest, match=r"unknown option 'ratio' \(did you mean aspect_ratio\?\)"):
        request_from_options("a kite", ratio="16:9")
