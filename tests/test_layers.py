"""The layers hold: every import runs downwards, mapping -> adapters -> facade (docs/decisions/0012).

`mapping/` (the model, the contract's tables, key formats, pure mappings) imports nothing of
`adapters/` or `facade/`; `adapters/` (the public adapter API and the bundled adapters) imports
nothing of `facade/`. So an adapter package built on `adapters.api` never drags the service in.
Every import counts: at the top, inside functions, under `TYPE_CHECKING`, relative or absolute.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("mapping", "adapters", "facade")
"""Lowest first: a module may import its own layer and the ones before it."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target


def upward_imports(layer: str) -> list[str]:
    rank = LAYERS.index(layer)
    found = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for line, target in imported_modules(path):
            top = target.partition(".")[0]
            if top in LAYERS and LAYERS.index(top) > rank:
                found.append(f"{path.relative_to(ROOT)}:{line} ({module_name(path)}) imports {target}")
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_no_import_runs_upwards(layer):
    assert (ROOT / layer).is_dir() and any((ROOT / layer).rglob("*.py")), f"{layer}/ holds no modules"
    upwards = upward_imports(layer)
    assert not upwards, f"{layer}/ imports from a layer above it:\n" + "\n".join(upwards)


def test_the_walk_sees_every_kind_of_import(tmp_path, monkeypatch):
    """A module with each kind of upward import is caught, each on its own line."""
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    package = tmp_path / "mapping" / "sub"
    package.mkdir(parents=True)
    (tmp_path / "mapping" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "bad.py").write_text(
        "from __future__ import annotations\n"
        "import adapters.protocol\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from facade.identity import KeySpace\n"
        "def later():\n"
        "    from ...facade import config\n"
        "from . import sibling\n"
        "from mapping import ki\n"
    )
    assert upward_imports("mapping") == [
        "mapping/sub/bad.py:2 (mapping.sub.bad) imports adapters.protocol",
        "mapping/sub/bad.py:5 (mapping.sub.bad) imports facade.identity",
        "mapping/sub/bad.py:7 (mapping.sub.bad) imports facade",
    ]


def test_the_product_imports_nothing_from_tests():
    """The conformance kit ships in the package: it, like every product module, stands without tests/."""
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for layer in LAYERS
        for path in sorted((ROOT / layer).rglob("*.py"))
        for line, target in imported_modules(path)
        if target.partition(".")[0] == "tests"
    ]
    assert not found, "\n".join(found)


EXAMPLE = ROOT / "examples" / "balie"


@pytest.mark.parametrize(
    ("folder", "allowed"),
    [("src", ("adapters.api", "balie_adapter")), ("tests", ("facade.conformance", "balie_app"))],
)
def test_the_example_package_uses_only_the_public_api_and_the_kit(folder, allowed):
    """The adapter imports `adapters.api` only; its tests the kit only (never the façade's tests/)."""
    product = ("mapping", "adapters", "facade", "tests", "balie_adapter", "balie_app")
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in sorted((EXAMPLE / folder).rglob("*.py"))
        for line, target in _absolute_imports(path)
        if target.partition(".")[0] in product and not target.startswith(allowed)
    ]
    assert not found, "\n".join(found)


def _absolute_imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, ("." * node.level) + (node.module or "")
