"""`import temdenoise`: light, with the public names resolved on first use."""

import subprocess
import sys

import pytest


def test_importing_the_package_is_light():
    code = (
        "import sys, temdenoise; "
        "heavy = {'torch', 'abtem', 'ase', 'dask', 'distributed', 'matplotlib'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_lazy_names_resolve():
    import temdenoise

    assert callable(temdenoise.denoise)
    assert callable(temdenoise.load_model)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        temdenoise.nope  # noqa: B018
