import ast
from pathlib import Path

import numpy as np

from temdenoise.figures import canvas

PACKAGE = Path(canvas.__file__).parent


def test_the_figures_package_imports_nothing_of_temdenoise_but_itself_and_errors():
    for module in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "temdenoise" and len(parts) > 1:
                    assert parts[1] in ("figures", "errors"), f"{module.name} imports {name}"


def test_pyplot_draws_without_a_screen():
    plt = canvas.pyplot()
    assert plt.get_backend().lower() == "agg"


def test_image_panel_and_save_write_a_png_in_a_new_folder(tmp_path):
    from .conftest import assert_not_blank

    plt = canvas.pyplot()
    fig, ax = plt.subplots()
    image = np.add.outer(np.arange(32.0), np.arange(40.0))
    canvas.image_panel(ax, image, "ramp", (0.0, 70.0), pixel_size=0.5)
    target = canvas.save(fig, tmp_path / "new" / "panel.png")
    assert target == tmp_path / "new" / "panel.png"
    assert_not_blank(target)
    assert not plt.get_fignums()  # closed
