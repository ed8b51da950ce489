"""Real instrument files shipped by packages installed (--no-deps) by scripts/test.sh."""

import importlib.util
from pathlib import Path

import pytest


def package_root(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{name} is not installed (scripts/test.sh installs it for its real files)")
    return Path(next(iter(spec.submodule_search_locations)))


@pytest.fixture(scope="session")
def etspy_data() -> Path:
    return package_root("etspy") / "tests" / "test_data"


@pytest.fixture(scope="session")
def temul_data() -> Path:
    return package_root("temul") / "example_data" / "experimental"


@pytest.fixture(scope="session")
def holospy_data() -> Path:
    return package_root("holospy") / "data"
