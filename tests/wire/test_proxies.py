"""Every HTTP client the package builds honours HTTP(S)_PROXY and NO_PROXY, as
fal_client's own client does: a whole job (the emulator probe, the CDN token, the upload,
the submit, the status stream or polling, the result, the download; Lumenfall's create,
polling and download) passes through a forward proxy on loopback, and NO_PROXY=127.0.0.1
sends it direct."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from seedance_magic.emulator import Emulator

from helpers.proxy import ForwardProxy
from helpers.shells import CLIP, builtin_shell, cell, run_cell, seedance_shell

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ForwardProxy]:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with ForwardProxy() as forward:
        monkeypatch.setenv("HTTP_PROXY", forward.url)
        yield forward


@pytest.fixture
def picture(tmp_path_factory: pytest.TempPathFactory) -> str:
    from PIL import Image

    path = tmp_path_factory.mktemp("inputs") / "start.png"
    Image.new("RGB", (640, 360), (30, 120, 200)).save(path)
    return str(path)


def _seen_by_the_emulator(emulator: Emulator) -> Counter[tuple[str, str]]:
    return Counter((r.method, r.path) for r in emulator.stats.requests)


def _through_the_proxy(proxy: ForwardProxy, emulator: Emulator) -> Counter[tuple[str, str]]:
    netloc = urlsplit(emulator.url).netloc
    assert {where for _, where, _ in proxy.seen} == {netloc}, proxy.seen
    return Counter((method, urlsplit(path).path) for method, _, path in proxy.seen)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "polling"])
def test_a_fal_job_goes_whole_through_the_proxy(
    emulator: Emulator,
    proxy: ForwardProxy,
    picture: str,
    monkeypatch: pytest.MonkeyPatch,
    stream: bool,
) -> None:
    with seedance_shell(emulator, monkeypatch) as ip:
        ip.run_line_magic("config", f"Seedance.use_stream = {stream}")
        ran = run_cell(ip, cell(f"{CLIP} --seed 4 -i {picture} --wait --out job", "the picture moves"))
        ran.ok()
        assert ip.user_ns["job"].result.path.exists()
    emulated = _seen_by_the_emulator(emulator)
    proxied = _through_the_proxy(proxy, emulator)
    kinds = Counter(r.kind for r in emulator.stats.requests)
    assert kinds["submit"] == 1 and kinds["storage"] == 1 and kinds["upload"] == 1
    assert kinds["result"] == 1 and kinds["download"] >= 1
    assert kinds["stream" if stream else "status"] >= 1
    assert emulated and not emulated - proxied, "every request the emulator saw came through the proxy"
    assert proxied[("GET", "/_emulator/info")] >= 1, "the emulator probe too"


def test_a_lumenfall_job_goes_whole_through_the_proxy(
    emulator: Emulator, proxy: ForwardProxy, picture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEEDANCE_LUMENFALL_BASE_URL", emulator.lumenfall_url)
    with seedance_shell(emulator, monkeypatch) as ip:
        line = f"--provider lumenfall -r 480p -d 4 --seed 4 -i {picture} --wait --out job"
        run_cell(ip, cell(line, "the picture moves")).ok()
        assert ip.user_ns["job"].result.path.exists()
    emulated = _seen_by_the_emulator(emulator)
    kinds = Counter(r.kind for r in emulator.stats.requests)
    assert kinds["submit"] == 1 and kinds["status"] >= 1 and kinds["download"] >= 1
    assert not emulated - _through_the_proxy(proxy, emulator)


def test_no_proxy_sends_it_direct(
    emulator: Emulator, proxy: ForwardProxy, picture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with seedance_shell(emulator, monkeypatch) as ip:
        run_cell(ip, cell(f"{CLIP} --seed 5 -i {picture} --wait", "the picture moves")).ok()
    assert emulator.stats.count("submit") == 1 and emulator.stats.count("download") >= 1
    assert proxy.seen == []


@pytest.mark.parametrize("provider", ["fal", "lumenfall"])
def test_the_built_in_emulator_is_reached_direct_behind_a_proxy(
    proxy: ForwardProxy, picture: str, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    """With no key the built-in emulator serves the cell; it listens on this machine's
    loopback, which no proxy can reach for it, so its requests never go through one,
    whatever NO_PROXY says (a proxy elsewhere would answer for its own loopback)."""
    monkeypatch.setenv("SEEDANCE_EMULATOR", '{"queue_seconds": 0.1, "run_seconds": 0.2}')
    with builtin_shell() as ip:
        line = f"--provider {provider} -r 480p -d 4 --seed 4 -i {picture} --wait --out job"
        run_cell(ip, cell(line, "the picture moves")).ok()
        result = ip.user_ns["job"].result
        assert result.emulated and result.path.exists()
    assert proxy.seen == []
