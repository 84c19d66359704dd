"""The compare view's markup: synced controls found by stable classes, unique ids,
muted videos that never start by themselves, inline handlers only, escaping."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from typing import Any

import pytest

from seedance_magic.app import compare as app_compare
from seedance_magic.engine.job import State
from seedance_magic.errors import InvalidRequest
from seedance_magic.render import compare as render_compare
from seedance_magic.ui.compare import CompareView

from helpers.widgets import EVIL, FakeJob, comms, result, snapshot

pytestmark = pytest.mark.usefixtures(comms.__name__)


class Elements(HTMLParser):
    """Every start tag with its attributes (entities decoded, as a browser reads them)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def with_class(self, name: str) -> list[dict[str, str | None]]:
        return [a for _, a in self.tags if name in (a.get("class") or "").split()]

    def videos(self) -> list[dict[str, str | None]]:
        return [a for tag, a in self.tags if tag == "video"]


def three() -> list[Any]:
    return [
        result(seed=1, request_id="r1"),
        result(seed=2, request_id="r2", arguments={"prompt": EVIL, "duration": "8", "aspect_ratio": "16:9"}),
        result(seed=3, request_id="r3", duration_s=4.0, emulated=True),
    ]


def test_the_controls_and_videos_carry_the_stable_hooks() -> None:
    page = Elements(render_compare.compare_html(three(), uid="abc"))
    (root,) = page.with_class("sd-compare")
    (play,) = page.with_class("sd-compare-play")
    (seek,) = page.with_class("sd-compare-seek")
    (clock,) = page.with_class("sd-compare-time")
    assert root["id"] == "sd-compare-abc"
    assert {"mathjax_ignore", "tex2jax_ignore"} <= set((root["class"] or "").split())  # prices stay text
    assert play["onclick"] and seek["oninput"] and seek["type"] == "range"
    videos = page.videos()
    assert len(videos) == 3
    for video in videos:
        assert "data-sd-sync" in video and "muted" in video and "playsinline" in video
        assert "autoplay" not in video and "loop" not in video and "controls" not in video
    leads = [v for v in videos if "data-sd-lead" in v]
    assert len(leads) == 1 and leads[0]["id"] == "sd-compare-abc-v0"  # 6 s is the longest
    assert leads[0]["ontimeupdate"] and leads[0]["onended"]
    assert clock["id"] == "sd-compare-abc-time"


def test_ids_are_unique_within_and_across_views() -> None:
    first = Elements(render_compare.compare_html(three()))
    second = Elements(render_compare.compare_html(three()))
    ids = [a["id"] for _, a in first.tags + second.tags if a.get("id")]
    assert len(ids) == len(set(ids)) == 2 * (1 + 3 + 3)


def test_no_script_element_and_everything_escaped() -> None:
    html = render_compare.compare_html(three())
    assert "<script" not in html.lower() and "<img" not in html
    assert "&lt;script&gt;" in html
    labels = render_compare.labels(three())
    assert labels[0] == "seed 1 · A hummingbird at a neon flower · 6 s"
    assert labels[1].startswith("seed 2 · <script>alert(1)</script>") and labels[1].endswith("· 8 s")
    for _, attributes in Elements(html).tags:
        for name in attributes:
            assert name in {
                "id",
                "class",
                "style",
                "type",
                "src",
                "width",
                "height",
                "min",
                "max",
                "step",
                "value",
                "aria-label",
                "aria-pressed",
                "title",
                "data-sd-sync",
                "data-sd-lead",
                "muted",
                "playsinline",
                "preload",
                "onclick",
                "oninput",
                "ontimeupdate",
                "onloadedmetadata",
                "onended",
            }, name


def test_captions_show_the_seed_and_what_differs() -> None:
    same = [result(seed=1), result(seed=2)]
    assert render_compare.labels(same) == ["seed 1", "seed 2"]
    tiers = [result(seed=1), result(seed=1, endpoint="bytedance/seedance-2.0/text-to-video")]
    assert render_compare.labels(tiers) == ["seed 1 · fast", "seed 1 · standard"]


def test_the_time_readout_starts_at_the_longest_duration() -> None:
    page = render_compare.compare_html([result(duration_s=4.0), result(duration_s=6.5)], uid="t")
    assert "0:00.0 / 0:06.5</span>" in page
    leads = [v["id"] for v in Elements(page).videos() if "data-sd-lead" in v]
    assert leads == ["sd-compare-t-v1"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node checks the handlers' syntax")
def test_the_inline_handlers_are_valid_javascript() -> None:
    page = Elements(render_compare.compare_html(three()))
    handlers = [v for _, a in page.tags for k, v in a.items() if k.startswith("on") and v]
    assert len(handlers) == 5
    script = "for (const code of JSON.parse(process.argv[1])) new Function(code);"
    subprocess.run(["node", "-e", script, json.dumps(handlers)], check=True, timeout=30)


def test_the_view_is_an_output_with_the_html_and_shows_as_static_text_and_html() -> None:
    """In a layout (the studio) it is a widget; displayed on its own it has no widget
    view, which a saved notebook could not show again."""
    view = app_compare.compare_view(*three(), embed=False)
    (output,) = view.output.outputs
    assert output["data"]["text/html"] == view.html and output["output_type"] == "display_data"
    text = repr(view)
    assert text.splitlines()[0] == "compare 3 videos (side by side in sync in a notebook) · EMULATOR"
    assert text.splitlines()[1].startswith("  1. seed 1 · A hummingbird")
    assert all(line.count("seed ") == 1 for line in text.splitlines()[1:]), text  # said once
    bundle = view._repr_mimebundle_()
    assert bundle == {"text/plain": text, "text/html": view.html}  # no poster: the videos are not on disk


def test_the_package_function_still_compares_once_the_module_is_loaded() -> None:
    import seedance_magic

    assert isinstance(seedance_magic.compare(*three()), CompareView)
    assert isinstance(seedance_magic.compare(*three()), CompareView)  # the second call too


def test_a_running_job_is_waited_for() -> None:
    """Run All: compare(job) in the cell after the job's own gets its video, not an error."""
    running = FakeJob(snapshot(State.RUNNING))
    running.result = None  # type: ignore[attr-defined]
    running.done = False  # type: ignore[attr-defined]

    def wait() -> object:
        running.result = result(seed=8)  # type: ignore[attr-defined]
        running.done = True  # type: ignore[attr-defined]
        return running.result  # type: ignore[attr-defined]

    running.wait = wait  # type: ignore[attr-defined]
    assert [r.seed for r in app_compare.results_of([running, result(seed=6)])] == [8, 6]


def test_jobs_and_their_problems() -> None:
    done = FakeJob(snapshot(State.COMPLETED, result=result(seed=5)))
    done.result = done.snapshot.result  # type: ignore[attr-defined]
    failed = FakeJob(snapshot(State.FAILED))
    failed.result = None  # type: ignore[attr-defined]
    failed.done = True  # type: ignore[attr-defined]
    assert [r.seed for r in app_compare.results_of([done, result(seed=6)])] == [5, 6]
    with pytest.raises(InvalidRequest, match="compare: a job failed without a video; compare the others"):
        app_compare.compare_view(done, failed)
    with pytest.raises(InvalidRequest, match="two or more videos, not 1"):
        app_compare.compare_view(result())
    with pytest.raises(InvalidRequest, match="not a str"):
        app_compare.compare_view(result(), "clip.mp4")
