"""The house: small rooms, and imports that only go down the floors (docs/architecture.md)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "temdenoise"

FLOORS = {
    "cli": 5,
    "workflows": 4,
    "train": 3,
    "infer": 2,
    "evaluate": 2,
    "noise": 1,
    "simulate": 1,
    "config": 0,
    "figures": 0,
    "io": 0,
    "models": 0,
    "pretrained": 0,
}
"""A package imports only packages on lower floors (docs/architecture.md draws them)."""


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "temdenoise" and len(parts) > 1 and parts[1] in FLOORS:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_imports_only_go_down(package):
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for other in _imports(path) - {package}:
            mine, theirs = FLOORS[package], FLOORS[other]
            assert theirs < mine, (
                f"{path.relative_to(PACKAGE)} imports temdenoise.{other} (floor {theirs}) from "
                f"floor {mine}"
            )


def test_no_room_over_400_lines():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert not long


def test_every_module_says_what_lives_there():
    for path in PACKAGE.rglob("*.py"):
        doc = ast.get_docstring(ast.parse(path.read_text()))
        assert doc, f"{path.relative_to(PACKAGE)} has no docstring"
