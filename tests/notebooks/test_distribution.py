"""The distributions, built as a release would be (`python -m build`): the wheel carries
the license, the type marker and the `seedance-emulator` command and no tests; the
source distribution carries the tests with their helpers, the notebooks, the benchmarks
and the scripts, and its own tests pass when run from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEFT_OUT = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.egg-info",
    "build",
    "dist",
    "seedance_outputs",
    "*.executed.ipynb",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
)
NETWORK_TROUBLE = ("No matching distribution", "Could not find a version", "NewConnectionError", "ProxyError")


def run(*command: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 and any(sign in output for sign in NETWORK_TROUBLE):
        pytest.skip(f"cannot reach a package index: {output.strip().splitlines()[-1]}")
    assert done.returncode == 0, f"{' '.join(command[:4])} failed:\n{output[-4000:]}"
    return output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(sdist, wheel, the venv that built them) from a clean copy of the tree."""
    home = tmp_path_factory.mktemp("dist")
    source = home / "source"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)
    tools = home / "tools"
    venv.EnvBuilder(with_pip=True).create(tools)
    python = str(tools / "bin" / "python")
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "build", cwd=home, env=clean)
    run(
        python,
        "-m",
        "build",
        "--sdist",
        "--wheel",
        "--outdir",
        str(home / "out"),
        str(source),
        cwd=home,
        env=clean,
    )
    (sdist,) = (home / "out").glob("seedance_magic-*.tar.gz")
    (wheel,) = (home / "out").glob("seedance_magic-*.whl")
    return sdist, wheel, tools


@pytest.mark.slow
def test_the_wheel(built: tuple[Path, Path, Path]) -> None:
    _, wheel, tools = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(info).decode()
        entry_points = archive.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(names)[:20]
    assert "seedance_magic/py.typed" in names and "seedance_magic/emulator/plain_units/manifest.json" in names
    assert not any(n.startswith(("tests/", "notebooks/", "benchmarks/")) for n in names)
    assert "seedance-emulator = seedance_magic.emulator.__main__:cli" in entry_points
    for line in (
        "License-Expression: MIT",
        "Classifier: Typing :: Typed",
        "Classifier: Framework :: Jupyter",
    ):
        assert line in metadata
    # the command, installed (the emulator's help needs nothing beyond the standard library)
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    pip = (
        str(tools / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--disable-pip-version-check",
    )
    run(*pip, str(wheel), cwd=tools, env=clean)
    usage = run(str(tools / "bin" / "seedance-emulator"), "--help", cwd=tools, env=clean)
    assert usage.startswith("usage: seedance-emulator [-h] [--port PORT]")


@pytest.mark.slow
def test_the_sdist_carries_and_passes_its_own_tests(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    sdist, _, _ = built
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    (tree,) = tmp_path.iterdir()
    for name in (
        "LICENSE",
        "CHANGELOG.md",
        "ARCHITECTURE.md",
        "tests/conftest.py",
        "tests/helpers/kernel.py",
        "notebooks/quickstart.ipynb",
        "scripts/quickstart",
        "scripts/lab-settings/overrides.json",
        "benchmarks/run",
        ".ci/run",
    ):
        assert (tree / name).is_file(), name
    assert not list(tree.rglob("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the sdist's package, not this tree's
    output = run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-m",
        "not slow",
        "tests/unit",
        "tests/notebooks/test_notebooks.py::test_there_are_the_notebooks",
        "tests/notebooks/test_notebooks.py::test_stored_without_outputs",
        cwd=tree,
        env=env,
    )
    assert " passed" in output and " failed" not in output
