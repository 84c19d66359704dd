"""Static HTML (render/html.py): the status, the dry run, escaping, the video element and
its src. The player is tests/unit/test_player_html.py."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from seedance_magic.engine.job import Snapshot, State
from seedance_magic.render import dry_run, html, style
from seedance_magic.spec.cost import CostEstimate

from helpers.markup import Markup, assert_inert
from helpers.widgets import EVIL, NOW, result, snapshot


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


def test_the_video_element_names_its_file_where_it_is_dropped() -> None:
    page = html.video_html("out/a.mp4", poster="data:image/jpeg;base64,AAAA", where=f"out/{EVIL}.mp4")
    markup = assert_inert(page)
    (video,) = markup.tags("video")
    assert video["poster"] == "data:image/jpeg;base64,AAAA"
    assert markup.all_text() == f"The video: out/{EVIL}.mp4"


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
