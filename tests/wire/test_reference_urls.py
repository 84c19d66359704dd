"""Reference videos given as URLs count their seconds: their header is read over the
network (a clip served by the emulator's /files/ on 127.0.0.1) and priced like a local
file; one that cannot be read is priced at the 15 s limit, and `%seedance price`, the dry
run and the budget say so in the same words. Costs are at Seedance's real frame sizes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from IPython.core.interactiveshell import InteractiveShell

from seedance_magic.emulator import Emulator
from seedance_magic.media.video import probe
from seedance_magic.spec.cost import UNMEASURED_NOTE, estimate_cost
from seedance_magic.spec.endpoints import find_endpoint

from helpers.files import mp4
from helpers.proxy import ForwardProxy
from helpers.shells import CLIP, cell, only_record, run_cell, seedance_shell

R2V_FAST = "bytedance/seedance-2.0/fast/reference-to-video"
KEY = {"Authorization": "Key test:secret"}
GONE = "http://127.0.0.1:9/nothing-listens-here.mp4"


@pytest.fixture
def ip(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    with seedance_shell(emulator, monkeypatch) as shell:
        yield shell


@pytest.fixture
def clip_url(emulator: Emulator, tmp_path: Path) -> str:
    """A 3 s 640x640 MP4 uploaded to the emulator's storage, served at this URL."""
    data = mp4(tmp_path / "ref.mp4", seconds=3.0).read_bytes()
    token = httpx.post(f"{emulator.url}/storage/auth/token", json={}, headers=KEY).json()
    answer = httpx.post(
        f"{emulator.url}/files/upload",
        content=data,
        headers={
            "Authorization": f"Bearer {token['token']}",
            "Content-Type": "video/mp4",
            "X-Fal-File-Name": "ref.mp4",
        },
    )
    url: str = answer.json()["access_url"]
    return url


def _priced(seconds: float, resolution: str = "480p", duration: str = "4") -> float:
    endpoint = find_endpoint(R2V_FAST)
    assert endpoint is not None
    estimate = estimate_cost(
        endpoint, resolution=resolution, duration=duration, input_video_seconds=seconds, has_video_inputs=True
    )
    return estimate.high


def test_price_counts_a_url_video_s_seconds(ip: InteractiveShell, clip_url: str) -> None:
    shown = repr(run_cell(ip, f"%seedance price --fast -r 480p -d 4 --ref-video {clip_url}").value)
    assert f"est. ${_priced(3.0):.2f}" in shown and UNMEASURED_NOTE not in shown
    assert _priced(3.0) > _priced(0.0)


def test_a_url_that_cannot_be_read_is_priced_at_the_limit_everywhere_alike(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    worst = f"${_priced(15.0):.2f}"
    price = repr(run_cell(ip, f"%seedance price --fast -r 480p -d 4 --ref-video {GONE}").value)
    assert f"est. {worst} ({UNMEASURED_NOTE})" in price
    dry = run_cell(ip, cell(f"{CLIP} --ref-video {GONE} --dry-run", "@Video1 in the rain"))
    dry.ok()
    assert f"estimate: {worst} ({UNMEASURED_NOTE})" in dry.everything
    ip.run_line_magic("config", "Seedance.max_usd_per_run = 0.5")
    line = run_cell(ip, cell(f"{CLIP} --ref-video {GONE} --wait", "@Video1 in the rain")).one_clear_line()
    assert f"estimated at {worst} ({UNMEASURED_NOTE})" in line
    assert emulator.stats.count("submit") == 0


def test_a_run_with_a_url_video_records_its_seconds_in_the_cost(
    ip: InteractiveShell, emulator: Emulator, clip_url: str
) -> None:
    run_cell(ip, cell(f"{CLIP} --ref-video {clip_url} --seed 3 --wait --out job", "@Video1 in the rain")).ok()
    result = ip.user_ns["job"].result
    assert result.cost_usd == pytest.approx(_priced(3.0), abs=1e-4)
    assert only_record().cost_usd == pytest.approx(_priced(3.0), abs=1e-4)


def test_a_square_720p_clip_is_960x960_and_its_recorded_cost_matches(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    run_cell(ip, cell("--fast -d 4 -a 1:1 --seed 2 --wait --out job", "a square lighthouse")).ok()
    result = ip.user_ns["job"].result
    assert result.path is not None and (probe(result.path).width, probe(result.path).height) == (960, 960)
    expected = 0.2419 * 4 * 960 * 960 / (1280 * 720)
    assert result.cost_usd == pytest.approx(expected, abs=1e-4) and (result.width, result.height) == (
        960,
        960,
    )
    assert only_record().cost_usd == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("-d 15 -a 1:1", "est. $4.55"),
        ("--fast -d 10 -a 21:9", "est. $2.43"),
        ("--fast -r 480p -d 8 -a 3:4", "est. $0.88"),
    ],
)
def test_price_shows_the_cost_at_the_real_frame_size(ip: InteractiveShell, line: str, shown: str) -> None:
    assert shown in repr(run_cell(ip, f"%seedance price {line}").value)


def test_a_url_video_is_read_through_the_proxy_the_environment_names(
    ip: InteractiveShell, clip_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY in capitals (what fal-client's httpx reads too, and FFmpeg alone does not)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        shown = repr(run_cell(ip, f"%seedance price --fast -r 480p -d 4 --ref-video {clip_url}").value)
        assert f"est. ${_priced(3.0):.2f}" in shown
        assert any(urlsplit(path).path == urlsplit(clip_url).path for _, _, path in proxy.seen), proxy.seen
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        before = len(proxy.seen)
        shown = repr(run_cell(ip, f"%seedance price --fast -r 480p -d 4 --ref-video {clip_url}").value)
        assert f"est. ${_priced(3.0):.2f}" in shown and len(proxy.seen) == before, "NO_PROXY: direct"
