import numpy as np

from temdenoise.figures.images import image_montage, plain_image

from .conftest import assert_not_blank


def test_image_montage_writes_one_figure_pixel_per_image_pixel(tmp_path):
    from matplotlib import image as mpimg

    rng = np.random.default_rng(0)
    images = rng.poisson(2.0, (5, 48, 64)).astype(np.float32)
    path = image_montage(images, tmp_path / "sub" / "m.png", pixel_size=0.5, columns=3,
                         titles=[f"frame {i}" for i in range(5)], title="montage")  # fmt: skip
    assert_not_blank(path)
    rows, columns = mpimg.imread(path).shape[:2]
    assert columns >= 3 * 64
    assert rows >= 2 * 48


def test_plain_image_keeps_the_image_size_and_the_given_limits(tmp_path):
    from matplotlib import image as mpimg

    image = np.tile(np.linspace(-1.0, 3.0, 20), (10, 1))
    path = plain_image(image, tmp_path / "p.png", limits=(0.0, 2.0))
    pixels = mpimg.imread(path)[..., 0]
    assert pixels.shape == (10, 20)
    assert pixels[0, 0] == pixels[0, 4] == 0.0  # below the range: black
    assert pixels[0, -1] == 1.0  # above it: white
