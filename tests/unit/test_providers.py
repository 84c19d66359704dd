"""Providers as data and pure functions: which one a request goes to, what the Lumenfall
gateway is sent for the magic's arguments and what it refuses, the dry-run code, the
cache key; and a check that the backend interface is all the rest of the package knows
of a provider."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import seedance_magic
from seedance_magic.engine.backends.base import Backend
from seedance_magic.settings import choose
from seedance_magic.spec import endpoints as ep
from seedance_magic.spec import providers
from seedance_magic.spec import wire_lumenfall as wire
from seedance_magic.spec.plan import PendingUpload, cache_key

PACKAGE = Path(seedance_magic.__file__).parent


# ------------------------------------------------------------------ choosing one
@pytest.mark.parametrize(
    ("keys", "explicit", "configured", "chosen"),
    [
        ({}, None, "auto", "fal"),  # no key at all: fal's API, on the emulator
        ({"FAL_KEY": "k"}, None, "auto", "fal"),
        ({"LUMENFALL_API_KEY": "k"}, None, "auto", "lumenfall"),
        ({"FAL_KEY": "k", "LUMENFALL_API_KEY": "k"}, None, "auto", "fal"),  # the default stays fal
        ({"FAL_KEY": "k"}, None, "lumenfall", "lumenfall"),
        ({"LUMENFALL_API_KEY": "k"}, None, "fal", "fal"),
        ({"LUMENFALL_API_KEY": "k"}, "fal", "auto", "fal"),  # --provider wins
        ({}, "lumenfall", "fal", "lumenfall"),
    ],
)
def test_the_provider_a_request_goes_to(
    monkeypatch: pytest.MonkeyPatch, keys: dict[str, str], explicit: str | None, configured: str, chosen: str
) -> None:
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    assert choose(explicit, configured).name == chosen


def test_seedance_provider_from_the_environment_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from seedance_magic.errors import InvalidRequest
    from seedance_magic.settings import from_environment

    monkeypatch.setenv("SEEDANCE_PROVIDER", "Lumenfall")
    assert from_environment().provider == "lumenfall"
    monkeypatch.setenv("SEEDANCE_PROVIDER", "replicate")
    with pytest.raises(InvalidRequest, match="SEEDANCE_PROVIDER must be one of auto, fal, lumenfall"):
        from_environment()


# ------------------------------------------------------------- the gateway's body
T2V = "bytedance/seedance-2.0/text-to-video"
I2V = "bytedance/seedance-2.0/image-to-video"
R2V = "bytedance/seedance-2.0/reference-to-video"
BASE = {"prompt": "p", "resolution": "480p", "duration": "6", "aspect_ratio": "16:9", "generate_audio": False}


@pytest.mark.parametrize(
    ("endpoint", "extra", "expected"),
    [
        (T2V, {"seed": 4}, {"seed": 4, "size": "864x496"}),
        (
            T2V,
            {"duration": "auto", "aspect_ratio": "auto"},
            {"duration": None, "aspect_ratio": "auto", "resolution": "0.5K"},
        ),
        (T2V, {"resolution": "720p", "aspect_ratio": "21:9"}, {"size": "1470x630"}),
        (T2V, {"resolution": "1080p", "aspect_ratio": "1:1"}, {"size": "1440x1440"}),
        (T2V, {"resolution": "720p", "aspect_ratio": "auto"}, {"aspect_ratio": "auto", "resolution": "1K"}),
        (T2V, {"end_user_id": "u1"}, {"end_user_id": "u1"}),
        (I2V, {"image_url": "https://x/a.png"}, {"input_reference": {"image_url": "https://x/a.png"}}),
        (
            I2V,
            {"image_url": "https://x/a.png", "end_image_url": "https://x/b.png"},
            {"input_reference": {"image_url": "https://x/a.png"}, "end_image": "https://x/b.png"},
        ),
        (
            R2V,
            {"image_urls": ["i1", "i2"], "video_urls": ["v1"], "audio_urls": ["a1"]},
            {
                "input_reference": [{"image_url": "i1"}, {"image_url": "i2"}],
                "input_video": "v1",
                "audio_urls": ["a1"],
            },
        ),
    ],
)
def test_the_body_the_gateway_is_sent(endpoint: str, extra: dict[str, Any], expected: dict[str, Any]) -> None:
    """Shape and scale as the gateway documents them: `size` (fal's own frame size) for a
    fixed ratio, aspect_ratio "auto" with a scale tier otherwise; input_reference objects."""
    sent = wire.body(endpoint, {**BASE, **extra})
    assert sent["model"] == "seedance-2.0" and sent["prompt"] == "p" and sent["generate_audio"] is False
    want = {"duration": 6, **expected}
    for key, value in want.items():
        assert sent.get(key) == value, key
    shape = {k for k in ("size", "aspect_ratio", "resolution") if k in sent}
    assert shape in ({"size"}, {"aspect_ratio", "resolution"}), sent
    assert not set(sent) & {"image_url", "image_urls", "video_urls", "end_image_url", "idempotency_key"}


@pytest.mark.parametrize(
    ("endpoint", "extra", "refused"),
    [
        (T2V, {}, []),
        ("bytedance/seedance-2.0/fast/text-to-video", {}, ["the fast tier"]),
        (R2V, {"image_urls": ["i1"]}, ["a single reference image alone"]),
        (R2V, {"image_urls": ["i1"], "audio_urls": ["a"]}, []),
        (R2V, {"image_urls": ["i1", "i2"]}, []),
        (R2V, {"video_urls": ["v1", "v2"]}, ["2 reference videos"]),
        (
            "bytedance/seedance-2.0/fast/reference-to-video",
            {"video_urls": ["v1", "v2"]},
            ["the fast tier", "2 reference videos"],
        ),
    ],
)
def test_what_the_gateway_refuses(endpoint: str, extra: dict[str, Any], refused: list[str]) -> None:
    found = ep.find_endpoint(endpoint)
    assert found is not None
    problems = wire.refusals(found, {**BASE, **extra})
    assert len(problems) == len(refused)
    for problem, fragment in zip(problems, refused, strict=True):
        assert problem.startswith(fragment)


def test_the_gateway_gets_a_seed_it_can_be_asked_for_again() -> None:
    assert wire.complete({**BASE, "seed": 9})["seed"] == 9
    seeds = {wire.complete(BASE)["seed"] for _ in range(20)}
    assert len(seeds) > 1 and all(0 <= s <= ep.MAX_SEED for s in seeds)
    assert "seed" not in BASE  # the caller's arguments are left alone


def test_the_dry_run_code_for_lumenfall_is_python_that_reads_the_key_from_the_environment() -> None:
    arguments = {**BASE, "seed": 3, "image_url": PendingUpload("<upload: cat.png>", "cat.png")}
    code = providers.get("lumenfall").code(I2V, arguments)
    compile(code, "<dry-run>", "exec")
    assert 'os.environ["LUMENFALL_API_KEY"]' in code
    assert '"input_reference": {"image_url": data_uri("cat.png")}' in code
    assert '"https://api.lumenfall.ai/v1"' in code and "/videos" in code
    fal = providers.get("fal").code(I2V, arguments)
    assert "fal_client.upload_file" in fal and "LUMENFALL" not in fal


def test_the_cache_key_names_the_provider_and_fal_keys_stay_as_they_were() -> None:
    digests: dict[str, str] = {}
    fal = cache_key(T2V, {**BASE, "seed": 1}, digests)
    assert cache_key(T2V, {**BASE, "seed": 1}, digests, "fal") == fal
    # The key a journal written before there were providers holds for this request:
    assert fal == "250843bc2a46b614785f81d243c08a9ccfd5a68679eb3549a642d8a39e83bc1c"
    assert cache_key(T2V, {**BASE, "seed": 1}, digests, "lumenfall") != fal


# ---------------------------------------------------------------- the interface
PROVIDER_MODULES = {
    "seedance_magic.engine.backends.fal",
    "seedance_magic.engine.backends.fal_wire",
    "seedance_magic.engine.backends.lumenfall_wire",
    "seedance_magic.engine.backends.proxies",
    "seedance_magic.engine.backends.lumenfall",
    "seedance_magic.engine.backends.download",
    "seedance_magic.engine.backends.routing",
    "seedance_magic.engine.backends.failures",
}
CLIENT_LIBRARIES = {"fal_client", "httpx", "httpx_sse"}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, relative imports made absolute."""
    module = "seedance_magic." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_the_backend_interface_is_all_the_magic_engine_store_and_ui_know_of_a_provider() -> None:
    outside = [p for p in PACKAGE.rglob("*.py") if "backends" not in p.parts and "emulator" not in p.parts]
    assert len(outside) > 30
    for path in outside:
        imported = _imports(path)
        reached = {m for m in imported if m.split(".")[0] in CLIENT_LIBRARIES}
        reached |= {m for m in imported if any(m == p or m.startswith(p + ".") for p in PROVIDER_MODULES)}
        assert not reached, f"{path.relative_to(PACKAGE)} reaches into a provider: {sorted(reached)}"
    # Backends are made in one place, from the provider table; both kinds meet the Protocol.
    from seedance_magic.engine.backends.fal import FalBackend
    from seedance_magic.engine.backends.lumenfall import LumenfallBackend
    from seedance_magic.settings import Target

    members = {name for name in dir(Backend) if not name.startswith("_")} | {"aclose"}
    made = [
        FalBackend(Target(None, key="k")),
        LumenfallBackend(Target("http://127.0.0.1:9/v1", provider="lumenfall")),
    ]
    for backend in made:
        assert members <= set(dir(backend)), backend
    # one place makes them, by the provider's name
    from seedance_magic.engine.backends import make_backend

    assert isinstance(make_backend(Target(None, key="k")), FalBackend)
    assert isinstance(make_backend(Target("http://127.0.0.1:9/v1", provider="lumenfall")), LumenfallBackend)


def test_the_engine_calls_only_what_the_backend_interface_declares() -> None:
    declared = {name for name in dir(Backend) if not name.startswith("_")}
    for name in (
        "engine/job.py",
        "engine/following.py",
        "engine/fetching.py",
        "engine/group.py",
        "media/upload.py",
        "app/cells.py",
        "app/grids.py",
    ):
        tree = ast.parse((PACKAGE / name).read_text())
        used = {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, (ast.Attribute, ast.Name))
            and (
                getattr(node.value, "attr", None) == "backend" or getattr(node.value, "id", None) == "backend"
            )
        }
        assert used <= declared, (name, used - declared)


def test_a_comparison_of_the_same_cell_at_both_providers_says_which_is_which() -> None:
    from dataclasses import replace

    from seedance_magic.model import Result
    from seedance_magic.render.compare import labels

    at_fal = Result(T2V, {**BASE, "seed": 1}, "r1", 1, "https://x/v.mp4", None, 1.0, emulated=True)
    at_lumenfall = replace(at_fal, request_id="r2", provider="lumenfall")
    assert labels([at_fal, at_lumenfall]) == ["seed 1 · via fal", "seed 1 · via Lumenfall"]
    assert labels([at_fal, replace(at_fal, seed=2)]) == ["seed 1", "seed 2"]


def test_a_dotenv_file_supplies_each_provider_key_the_environment_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from seedance_magic.settings import load_dotenv_credentials

    (tmp_path / ".env").write_text("FAL_KEY=fal-from-file\nLUMENFALL_API_KEY=lf-from-file\nOTHER_THING=x\n")
    monkeypatch.setenv("FAL_KEY", "fal-from-env")
    monkeypatch.setenv("LUMENFALL_API_KEY", "")  # unset, and restored after the test
    monkeypatch.delenv("OTHER_THING", raising=False)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    assert load_dotenv_credentials(notebooks) == ["LUMENFALL_API_KEY"]
    assert os.environ["FAL_KEY"] == "fal-from-env" and os.environ["LUMENFALL_API_KEY"] == "lf-from-file"
    assert "OTHER_THING" not in os.environ
    assert choose(None).name == "fal"  # both keys now: the default stays fal


@pytest.mark.parametrize(
    ("code", "body", "error", "text"),
    [
        (
            400,
            {"error": {"message": "bad size", "code": "invalid_parameter"}},
            "Rejected",
            "rejected the arguments",
        ),
        (
            401,
            {"error": {"message": "no", "type": "authentication_error"}},
            "AuthenticationFailed",
            "credentials",
        ),
        (402, {"error": {"message": "out of credit"}}, "Rejected", "payment required: out of credit"),
        (404, {"error": {"message": "Video 'x' not found"}}, "Rejected", "answered 404"),
        (429, {"error": {"message": "slow down"}}, "RateLimited", "rate limiting (429)"),
        (503, "<html>bad gateway</html>", "Unavailable", "answered 503 while submitting"),
    ],
)
def test_the_gateway_errors_in_the_error_tree(code: int, body: Any, error: str, text: str) -> None:
    import httpx

    from seedance_magic import errors
    from seedance_magic.engine.backends.lumenfall import translate_response

    response = httpx.Response(code, json=body) if isinstance(body, dict) else httpx.Response(code, text=body)
    translated = translate_response(response, request_id=None, doing="submitting")
    assert type(translated) is getattr(errors, error) and translated.status_code == code
    assert text in str(translated) and "Lumenfall" in str(translated) and "<html>" not in str(translated)
