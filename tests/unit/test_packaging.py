"""What the package says about itself: its license file, classifiers that match what it
supports, its commands, and a source distribution that carries its own tests. (Building
both distributions is tests/notebooks/test_distribution.py.)"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest's own dependency on 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_license_is_mit_and_shipped() -> None:
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"])  # the expression says it


def test_classifiers_match_what_is_supported() -> None:
    classifiers = set(PROJECT["classifiers"])
    assert {"Framework :: Jupyter", "Framework :: IPython", "Typing :: Typed"} <= classifiers
    lowest = re.fullmatch(r">=3\.(\d+)", PROJECT["requires-python"])
    assert lowest is not None
    versions = sorted(int(c.rsplit(".", 1)[1]) for c in classifiers if re.fullmatch(r".*Python :: 3\.\d+", c))
    assert versions[0] == int(lowest[1]) and versions == list(range(versions[0], versions[-1] + 1))
    assert (ROOT / "seedance_magic" / "py.typed").exists()


def test_the_emulator_command() -> None:
    target = PROJECT["scripts"]["seedance-emulator"]
    module, _, name = target.partition(":")
    assert callable(getattr(importlib.import_module(module), name))


def test_the_source_distribution_carries_its_tests() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text()
    for line in ("graft tests", "graft notebooks", "graft benchmarks", "graft scripts", "include LICENSE"):
        assert line in manifest
    assert "CHANGELOG.md" in manifest and (ROOT / "CHANGELOG.md").read_text().startswith("# Changelog")
