"""The public API as a type checker sees it: mypy (strict) on a user's script finds the
names of `import seedance_magic as sd` with their real types, not Any, and flags a
misspelt or mistyped option."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """\
    import seedance_magic as sd

    job = sd.generate("a kite", fast=True, duration=6, seed=1, image="cat.png")
    reveal_type(job)
    result = job.wait()
    reveal_type(result)
    reveal_type(result.path)
    reveal_type(sd.history(5))
    reveal_type(sd.history(5).to_pandas())
    reveal_type(sd.studio())
    reveal_type(sd.compare(result, result))
    reveal_type(sd.coach("a cat"))
    reveal_type(sd.export(sd.history(), "class.html"))
    group: sd.JobGroup
    reveal_type(group.wait())
    sd.generate("a kite", fast="yes")
    sd.generate("a kite", durration=6)
    """
)

REVEALED = [
    "seedance_magic.engine.job.Job",
    "seedance_magic.model.Result",
    "pathlib.Path | None",
    "seedance_magic.model.Results",
    "Any",  # a pandas DataFrame: pandas is optional
    "seedance_magic.app.studio.Studio",
    "seedance_magic.ui.compare.CompareView",
    "list[seedance_magic.spec.hints.Hint]",
    "pathlib.Path",
    "seedance_magic.model.Results",
]


@pytest.mark.slow
def test_mypy_sees_the_public_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    (tmp_path / "mypy.ini").write_text("[mypy]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MYPYPATH", str(ROOT))  # this tree's package, not an installed one
    out, err, _ = mypy_api.run(
        ["--strict", "--config-file", "mypy.ini", "--cache-dir", str(tmp_path / "cache"), "script.py"]
    )
    assert not err, err
    revealed = [
        line.split('Revealed type is "', 1)[1].rstrip('"') for line in out.splitlines() if "Revealed" in line
    ]
    assert revealed == REVEALED, out
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 2, out
    assert 'Argument "fast" to "generate" has incompatible type "str"; expected "bool"' in errors[0]
    assert 'Unexpected keyword argument "durration" for "generate"; did you mean "duration"?' in errors[1]
