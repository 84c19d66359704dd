"""The player as static HTML (render/player.py): the video with its poster, the sound
button, where the file is and the download link, the facts, the reproduce cell, and
escaping of everything from the user."""

from __future__ import annotations

import base64
import json
import subprocess
from html import unescape
from pathlib import Path

import pytest

from seedance_magic.render import player

from helpers.markup import Markup, assert_inert
from helpers.widgets import EVIL, result

PNG = "data:image/png;base64,iVBORw0KGgo="
JPEG = "data:image/jpeg;base64,/9j/4AAQ"


# ---------------------------------------------------------------------------- player
def test_player_has_a_quiet_video_with_a_relative_src() -> None:
    page = player.result_html(result())
    markup = assert_inert(page)
    (video,) = markup.tags("video")
    assert video["src"] == "seedance_outputs/a%20b.mp4"
    assert {"controls", "muted", "playsinline"} <= set(video)
    assert "autoplay" not in video and "loop" not in video
    assert (video["preload"], video["width"], video["height"]) == ("metadata", "1280", "720")
    assert "max-width:100%" in str(video["style"])
    assert "autoplay" not in page


def test_player_shows_seed_facts_and_the_cell_to_copy() -> None:
    markup = assert_inert(player.result_html(result()))
    text = markup.all_text()
    for fact in ("42", "6.0 s 1280x720 · with audio", "$1.45", "req-1234", "Seedance 2.0 fast text-to-video"):
        assert fact in text
    ((_, button), (_, follow)) = markup.with_class("seedance-copy")
    cell = "%%seedance --fast -d 6 -a 16:9 --seed 42\nA hummingbird at a neon flower"
    assert button["data-copy"] == cell
    assert "navigator.clipboard.writeText(b.dataset.copy)" in str(button["onclick"])
    assert cell in text  # the <pre>, for copying by hand
    assert "EMULATOR" not in text
    # "continue this clip": a cell that starts the next shot from this clip's last frame
    assert follow["data-label"] == "continue this clip"
    assert str(follow["data-copy"]).startswith(
        "%%seedance --fast -d 6 -a 16:9 --continue req-1234 --stitch\n"
    )


@pytest.mark.parametrize(
    ("changes", "cost", "badge"),
    [
        ({}, "$1.45", False),
        ({"cached": True}, "$0 (cached)", False),
        ({"emulated": True}, "emulator: $0 charged, fal would charge $1.45", True),
    ],
)
def test_player_cost_and_badge(changes: dict[str, object], cost: str, badge: bool) -> None:
    page = player.result_html(result(**changes))
    assert f'<span class="seedance-cost">{cost}</span>' in page
    assert ("EMULATOR</span>" in page) is badge


def test_player_escapes_everything_from_the_user() -> None:
    r = result(
        arguments={"prompt": EVIL},
        path=Path(f"out/{EVIL}.mp4"),
        request_id=EVIL,
        inputs=({"kind": "image", "name": EVIL, "thumbnail": PNG}, {"kind": "audio", "name": EVIL}),
    )
    page = player.result_html(r)
    markup = assert_inert(page)
    assert "<script>" not in page and "<img src=x" not in page
    assert EVIL in markup.all_text()
    ((_, button),) = markup.with_class("seedance-copy")
    assert EVIL in str(button["data-copy"])
    (video,) = markup.tags("video")
    assert EVIL in str(video["aria-label"])
    assert unescape(str(video["src"])).startswith("out/%3Cscript%3E")


def test_player_thumbnails_only_safe_images() -> None:
    inputs = (
        {"kind": "image", "name": "cat.png", "thumbnail": PNG},
        {"kind": "image", "name": "bad.png", "thumbnail": "javascript:alert(1)"},
        {"kind": "audio", "name": "voice.mp3"},
    )
    markup = assert_inert(player.result_html(result(inputs=inputs)))
    assert [img["src"] for img in markup.tags("img")] == [PNG]
    text = markup.all_text()
    assert "bad.png" in text and "♪ voice.mp3" in text
    assert player.input_thumbnails_html(()) == ""


def test_player_src_without_a_file_or_given() -> None:
    (video,) = Markup(player.result_html(result(path=None))).tags("video")
    assert video["src"] == "https://v3.fal.media/files/x/video.mp4"
    (video,) = Markup(player.result_html(result(), src="elsewhere.mp4", poster=PNG)).tags("video")
    assert (video["src"], video["poster"]) == ("elsewhere.mp4", PNG)


def test_player_embeds_the_file(tmp_path: Path) -> None:
    (tmp_path / "seedance_outputs").mkdir()
    (tmp_path / "seedance_outputs" / "a b.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (video,) = Markup(player.result_html(result(), embed=True)).tags("video")
    assert video["src"] == "data:video/mp4;base64," + base64.b64encode(b"\x00\x00\x00\x18ftypmp42").decode()


def test_player_of_an_endpoint_outside_the_table_uses_the_stored_cell() -> None:
    page = player.result_html(result(endpoint="someone/else", reproduce="%%seedance --seed 1\nold"))
    ((_, button),) = assert_inert(page).with_class("seedance-copy")
    assert button["data-copy"] == "%%seedance --seed 1\nold"
    assert "seedance-copy" not in player.result_html(result(endpoint="someone/else"))


# ------------------------------------------------------------------ what it says it does
@pytest.mark.parametrize(("has_audio", "shown"), [(True, True), (None, True), (False, False)])
def test_the_player_says_it_starts_muted_and_unmutes(has_audio: bool | None, shown: bool) -> None:
    markup = assert_inert(player.result_html(result(has_audio=has_audio)))
    (video,) = markup.tags("video")
    assert "muted" in video and "autoplay" not in video
    buttons = markup.with_class("seedance-sound")
    assert bool(buttons) is shown
    if shown:
        ((_, button),) = buttons
        assert button["aria-pressed"] == "false"
        assert player.SOUND_OFF in markup.all_text() and "unmute" in player.SOUND_OFF
        assert "muted" in str(button["title"])
        assert "v.muted=!v.muted" in str(button["onclick"])
        assert player.SOUND_ON in str(video["onvolumechange"])  # the label follows the player


def test_the_players_own_handlers_are_valid_javascript() -> None:
    markup = Markup(player.result_html(result()))
    handlers = [v for _, a in markup.elements for k, v in a.items() if k.startswith("on") and v]
    assert len(handlers) == 4  # copy, continue this clip, unmute, and the label that follows the player
    script = "for (const code of JSON.parse(process.argv[1])) new Function(code);"
    subprocess.run(["node", "-e", script, json.dumps(handlers)], check=True, timeout=30)


def test_a_visible_link_downloads_the_mp4_and_the_file_is_named() -> None:
    markup = assert_inert(player.result_html(result()))
    ((tag, link),) = markup.with_class("seedance-download")
    assert (tag, link["href"], link["download"]) == ("a", "seedance_outputs/a%20b.mp4", "a b.mp4")
    assert "download the MP4" in markup.all_text()
    assert "video file: seedance_outputs/a b.mp4" in markup.all_text()
    (video,) = markup.tags("video")
    assert video["src"] == link["href"]


def test_an_embedded_video_is_not_copied_again_for_its_link() -> None:
    data = "data:video/mp4;base64," + base64.b64encode(b"\x00" * 300).decode()
    page = player.result_html(result(), src=data)
    assert page.count(data) == 1
    ((tag, _),) = Markup(page).with_class("seedance-download")
    assert tag == "span" and "menu" in Markup(page).all_text()


def test_the_poster_is_the_videos_and_the_file_is_named_where_video_is_dropped() -> None:
    markup = assert_inert(player.result_html(result(), poster=JPEG))
    (video,) = markup.tags("video")
    assert video["poster"] == JPEG
    assert "The video: seedance_outputs/a b.mp4" in markup.all_text()  # the <video>'s fallback


def test_the_reproduce_cell_is_text_to_select_beside_its_copy_button() -> None:
    markup = assert_inert(player.result_html(result()))
    cell = "%%seedance --fast -d 6 -a 16:9 --seed 42\nA hummingbird at a neon flower"
    ((_, pre),) = markup.with_class("seedance-reproduce")
    assert "user-select:all" in str(pre["style"])
    text = markup.all_text()
    assert cell in text and "or click the cell to select it" in text
