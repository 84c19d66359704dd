"""Static HTML (ui/html.py): the player, the status, the dry run, escaping and video src."""

from __future__ import annotations

import base64
import json
import sys
import types
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from seedance_magic.engine.job import Snapshot, State
from seedance_magic.render import dry_run, html, style
from seedance_magic.spec.cost import CostEstimate
from seedance_magic.ui import frontends

from helpers.widgets import EVIL, NOW, result, snapshot

PNG = "data:image/png;base64,iVBORw0KGgo="


class Markup(HTMLParser):
    """The elements, attributes and text of an HTML fragment, as a browser parses it."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]

    def all_text(self) -> str:
        return "".join(self.text)


def assert_inert(source: str) -> Markup:
    """Nothing the user wrote became markup: no script, no foreign image, no handler
    but the copy buttons' own."""
    markup = Markup(source)
    assert not markup.tags("script")
    for tag, attrs in markup.elements:
        handlers = [name for name in attrs if name.startswith("on")]
        assert handlers in ([], ["onclick"]), (tag, attrs)
        if handlers:
            assert tag == "button" and attrs.get("class") == "seedance-copy"
        if tag == "img":
            assert str(attrs["src"]).startswith("data:image/")
    return markup


# ---------------------------------------------------------------------------- player
def test_player_has_a_quiet_video_with_a_relative_src() -> None:
    page = html.result_html(result())
    markup = assert_inert(page)
    (video,) = markup.tags("video")
    assert video["src"] == "seedance_outputs/a%20b.mp4"
    assert {"controls", "muted", "playsinline"} <= set(video)
    assert "autoplay" not in video and "loop" not in video
    assert (video["preload"], video["width"], video["height"]) == ("metadata", "1280", "720")
    assert "max-width:100%" in str(video["style"])
    assert "autoplay" not in page


def test_player_shows_seed_facts_and_the_cell_to_copy() -> None:
    markup = assert_inert(html.result_html(result()))
    text = markup.all_text()
    for fact in ("42", "6.0 s 1280x720 · with audio", "$1.45", "req-1234", "Seedance 2.0 fast text-to-video"):
        assert fact in text
    button, follow = markup.tags("button")
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
    page = html.result_html(result(**changes))
    assert f'<span class="seedance-cost">{cost}</span>' in page
    assert ("EMULATOR</span>" in page) is badge


def test_player_escapes_everything_from_the_user() -> None:
    r = result(
        arguments={"prompt": EVIL},
        path=Path(f"out/{EVIL}.mp4"),
        request_id=EVIL,
        inputs=({"kind": "image", "name": EVIL, "thumbnail": PNG}, {"kind": "audio", "name": EVIL}),
    )
    page = html.result_html(r)
    markup = assert_inert(page)
    assert "<script>" not in page and "<img src=x" not in page
    assert EVIL in markup.all_text()
    (button,) = markup.tags("button")
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
    markup = assert_inert(html.result_html(result(inputs=inputs)))
    assert [img["src"] for img in markup.tags("img")] == [PNG]
    text = markup.all_text()
    assert "bad.png" in text and "♪ voice.mp3" in text
    assert html.input_thumbnails_html(()) == ""


def test_player_src_without_a_file_or_given() -> None:
    (video,) = Markup(html.result_html(result(path=None))).tags("video")
    assert video["src"] == "https://v3.fal.media/files/x/video.mp4"
    (video,) = Markup(html.result_html(result(), src="elsewhere.mp4", poster=PNG)).tags("video")
    assert (video["src"], video["poster"]) == ("elsewhere.mp4", PNG)


def test_player_embeds_the_file(tmp_path: Path) -> None:
    (tmp_path / "seedance_outputs").mkdir()
    (tmp_path / "seedance_outputs" / "a b.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (video,) = Markup(html.result_html(result(), embed=True)).tags("video")
    assert video["src"] == "data:video/mp4;base64," + base64.b64encode(b"\x00\x00\x00\x18ftypmp42").decode()


# ------------------------------------------------------------------------- video src
def test_video_src_is_relative_to_the_cwd_with_forward_slashes_and_quoted(tmp_path: Path) -> None:
    inside = tmp_path / "out" / "my clip#1.mp4"
    assert html.video_src(inside, cwd=tmp_path) == "out/my%20clip%231.mp4"
    assert html.video_src("out/x.mp4", cwd=tmp_path) == "out/x.mp4"
    assert html.video_src(tmp_path.parent / "elsewhere" / "x.mp4", cwd=tmp_path) == "../elsewhere/x.mp4"
    assert html.video_src(inside) == "out/my%20clip%231.mp4"  # the tests run in tmp_path


def test_video_src_embed_reads_the_file_or_falls_back(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video")
    assert (
        html.video_src(clip, embed=True)
        == "data:video/mp4;base64," + base64.b64encode(clip.read_bytes()).decode()
    )
    assert html.video_src("missing.mp4", embed=True) == "missing.mp4"


@pytest.mark.parametrize(
    ("setting", "env", "colab", "expected"),
    [
        (True, {}, False, True),
        (False, {"VSCODE_PID": "1"}, True, False),
        ("auto", {}, False, False),
        ("auto", {"VSCODE_PID": "123"}, False, True),
        ("auto", {"VSCODE_CWD": "/home"}, False, True),
        ("auto", {}, True, True),
        ("Auto", {}, False, False),
        ("yes", {}, False, True),
        ("never", {}, True, False),
    ],
)
def test_should_embed(
    monkeypatch: pytest.MonkeyPatch, setting: str | bool, env: dict[str, str], colab: bool, expected: bool
) -> None:
    for name in ("VSCODE_PID", "VSCODE_CWD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert frontends.should_embed(setting) is expected


def test_should_embed_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="embed must be True, False or 'auto'"):
        frontends.should_embed("sometimes")


# --------------------------------------------------------------------------- status
@pytest.mark.parametrize(
    "snap",
    [
        snapshot(State.PENDING),
        snapshot(State.SUBMITTING, uploads=("cat.png",)),
        snapshot(State.QUEUED, queue_position=2),
        snapshot(State.RUNNING),
        snapshot(State.RUNNING, progress=0.4, emulated=True),
        snapshot(State.DOWNLOADING, downloaded=3_100_000, download_total=4_800_000),
        snapshot(State.COMPLETED, result=result(), finished=130.0),
        snapshot(State.FAILED, error="fal reports the job failed: boom"),
        snapshot(State.CANCELLED, error="cancelled at fal"),
        snapshot(State.UNKNOWN, error="the submit's answer was lost; check the dashboard"),
    ],
    ids=lambda s: f"{s.state.value}{'-emulated' if s.emulated else ''}",
)
def test_status_html_in_every_state(snap: Snapshot) -> None:
    from seedance_magic.render.text import status_text

    page = html.status_html(snap, NOW, prompt="a prompt")
    text = assert_inert(page).all_text()
    assert status_text(snap, NOW) in text
    assert "Seedance 2.0 fast text-to-video" in text and "est. $1.45" in text and "a prompt" in text
    assert ("EMULATOR" in text) is snap.emulated
    colour = style.OUTCOME_COLOURS.get(snap.state.value)
    assert (colour is not None and f"color:{colour}" in page) or snap.state.value not in style.OUTCOME_COLOURS
    assert "Traceback" not in page


def test_status_html_escapes_errors_trouble_and_prompt() -> None:
    for snap in (
        snapshot(State.FAILED, error=EVIL),
        snapshot(State.RUNNING, trouble=EVIL, caption={"seed": EVIL}),
    ):
        markup = assert_inert(html.status_html(snap, NOW, prompt=EVIL))
        assert EVIL in markup.all_text()
    markup = assert_inert(html.logs_html([EVIL, "12:01:03 INFO fine"]))
    assert markup.all_text() == f"{EVIL}\n12:01:03 INFO fine"


def test_trouble_and_badge() -> None:
    assert html.trouble_html(None) == ""
    assert "fal answered 503" in html.trouble_html("fal answered 503; retrying in 4 s")
    assert Markup(html.badge_html()).all_text() == "EMULATOR"


# -------------------------------------------------------------------------- dry run
def test_dry_run_shows_endpoint_arguments_estimate_and_code() -> None:
    arguments = {"prompt": EVIL, "duration": "auto", "image_url": "data:image/png;base64," + "A" * 5000}
    code = f'import fal_client\nfal_client.submit("x", arguments={{"prompt": {EVIL!r}}})'
    page = dry_run.dry_run_html(
        "bytedance/seedance-2.0/fast/text-to-video",
        arguments,
        CostEstimate(0.97, 3.63, "duration auto"),
        code,
    )
    markup = assert_inert(page)
    text = markup.all_text()
    assert "dry run" in text and "nothing was sent" in text
    assert "bytedance/seedance-2.0/fast/text-to-video" in text
    assert "est. $0.97–$3.63 (duration auto)" in text
    assert code in text
    assert json.dumps(EVIL) in text  # the JSON is indented and whole for the prompt
    assert '\n  "duration": "auto"' in text
    assert "A" * 200 not in text and "(5022 characters)" in text
    (button,) = markup.tags("button")
    assert button["data-copy"] == code


def test_player_of_an_endpoint_outside_the_table_uses_the_stored_cell() -> None:
    page = html.result_html(result(endpoint="someone/else", reproduce="%%seedance --seed 1\nold"))
    (button,) = assert_inert(page).tags("button")
    assert button["data-copy"] == "%%seedance --seed 1\nold"
    assert "<button" not in html.result_html(result(endpoint="someone/else"))
