"""The package's import graph, built from every import statement wherever it sits (inside
functions and under TYPE_CHECKING too): it has no cycle, and each third-party library
is imported only in its layer. import-linter (`lint-imports`) checks the layer order
itself; this test needs nothing but the source."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import seedance_magic

PACKAGE = Path(seedance_magic.__file__).parent
NAME = PACKAGE.name


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in PACKAGE.rglob("*.py")}


def _imports(module: str, path: Path) -> Iterator[str]:
    """Every module an import statement of `module` names (ours resolved to the module,
    third-party ones as written)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield full if full in MODULES else base


def _ours(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


GRAPH = {
    module: {found for name in _imports(module, path) if (found := _ours(name)) and found != module}
    for module, path in MODULES.items()
}
EXTERNAL = {
    module: {name.split(".")[0] for name in _imports(module, path) if not name.startswith(NAME)}
    for module, path in MODULES.items()
}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_every_kind_of_import() -> None:
    assert len(MODULES) > 80
    # a lazy import inside a function, one under TYPE_CHECKING, a relative one, `from . import x`
    assert "seedance_magic.notebook.magic" in GRAPH["seedance_magic"]  # lazily, in load_ipython_extension
    assert "seedance_magic.engine.job" in GRAPH["seedance_magic"]  # under TYPE_CHECKING
    assert "seedance_magic.spec.wire_fal" in GRAPH["seedance_magic.spec.providers"]  # from . import x


def test_there_is_no_import_cycle() -> None:
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_one() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _in(module: str, *folders: str) -> bool:
    return any(module == f"{NAME}.{f}" or module.startswith(f"{NAME}.{f}.") for f in folders)


@pytest.mark.parametrize(
    ("library", "allowed"),
    [
        ("ipywidgets", ("ui",)),
        ("IPython", ("ui", "notebook")),
        ("fal_client", ("engine.backends",)),
        ("httpx", ("engine.backends",)),
        ("httpx_sse", ("engine.backends",)),
        ("av", ("media", "emulator")),
        ("numpy", ("media", "emulator")),
        ("PIL", ("media", "emulator")),
        ("traitlets", ("notebook",)),
    ],
)
def test_each_library_is_imported_only_in_its_layer(library: str, allowed: tuple[str, ...]) -> None:
    outside = sorted(m for m, names in EXTERNAL.items() if library in names and not _in(m, *allowed))
    assert outside == [], f"{library} imported outside {allowed}: {outside}"


def test_the_engine_never_reaches_the_screen_or_the_user_layers() -> None:
    for module, imported in GRAPH.items():
        if _in(module, "engine"):
            above = sorted(m for m in imported if _in(m, "ui", "notebook", "app", "api"))
            assert above == [], f"{module} imports {above}"


def test_the_emulator_imports_only_spec_and_errors_of_the_package() -> None:
    for module, imported in GRAPH.items():
        if _in(module, "emulator"):
            others = sorted(m for m in imported if not _in(m, "emulator", "spec", "errors"))
            assert others == [], f"{module} imports {others}"
