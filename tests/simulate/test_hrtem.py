import math

import numpy as np
import pytest

from temdenoise.simulate.hrtem import fast_fft_size, fourier_resample, simulation_grid

CEO2 = 5.411
# CeO2 plane spacings seen down [1-10]: {111}, {002}, {220}, {113}, {222}, {004}
CEO2_ZONE = [CEO2 / math.sqrt(h) for h in (3, 4, 8, 11, 12, 16)]


def test_fast_fft_sizes():
    assert [fast_fft_size(n) for n in (1, 11, 13, 97, 1001)] == [1, 12, 14, 98, 1008]


@pytest.mark.parametrize("shape", [(48, 40), (97, 130), (64, 64)])
def test_fourier_resample_keeps_mean_and_band_limited_signals(shape):
    rows, cols = np.mgrid[0:64, 0:64] / 64
    image = 2 + np.cos(2 * np.pi * (3 * rows + 5 * cols)) + 0.5 * np.sin(2 * np.pi * 7 * cols)
    out = fourier_resample(image, shape)
    r, c = np.mgrid[0 : shape[0], 0 : shape[1]] / np.array(shape)[:, None, None]
    expected = 2 + np.cos(2 * np.pi * (3 * r + 5 * c)) + 0.5 * np.sin(2 * np.pi * 7 * c)
    np.testing.assert_allclose(out, expected, atol=1e-10)


def test_simulation_grid_covers_the_margin_at_the_sampling():
    box, gpts = simulation_grid((100, 60), pixel_size=0.25, margin=8, sampling=0.1)
    assert box == (29.0, 19.0)
    assert gpts[0] >= 290
    assert gpts[1] >= 190
    assert box[0] / gpts[0] <= 0.1
    assert box[1] / gpts[1] <= 0.1


@pytest.mark.sim
class TestMultislice:
    shape = (96, 96)
    pixel_size = 0.3
    margin = 16

    def image(self, scene, **kwargs):
        from temdenoise.simulate.hrtem import abtem_settings, simulate_image
        from temdenoise.simulate.specimen import build_scene

        p, m = self.pixel_size, self.margin
        box, _ = simulation_grid(self.shape, pixel_size=p, margin=m, sampling=0.1)
        window = (m * p, m * p, self.shape[0] * p, self.shape[1] * p)
        atoms = build_scene(scene, box=box, window=window)
        optics = {
            "dose": 0.45,
            "defocus": -60.0,
            "cs": -1e5,
            "focal_spread": 30.0,
            "angular_spread": 0.2,
            "focal_spread_samples": 3,
        } | kwargs
        with abtem_settings(2):
            return simulate_image(atoms, shape=self.shape, pixel_size=p, margin=m, **optics)

    def support(self, **kwargs):
        from temdenoise.simulate.scene import SceneParameters

        values = {"kind": "support", "shape": "", "diameter": 0.0, "truncation": 0.0}
        return SceneParameters(**(values | kwargs))

    def test_vacuum_mean_equals_the_dose(self):
        vacuum = self.image(self.support(kind="vacuum", support_thickness=0.0), dose=0.45)
        assert vacuum.dtype == np.float32
        assert vacuum.shape == self.shape
        assert vacuum.mean() == pytest.approx(0.45, rel=1e-3)
        # the vacuum part of an image with a specimen too
        half = self.image(self.support(interface_row=0.6), dose=3.0)
        assert half[:30].mean() == pytest.approx(3.0, rel=0.01)
        assert half[70:].std() > 10 * half[:20].std()  # the support is at the bottom

    def test_same_seed_same_image(self):
        self.shape = (48, 48)
        scene = self.support(interface_row=0.5)
        a = self.image(scene, frozen_phonons=2, seed=5)
        b = self.image(scene, frozen_phonons=2, seed=5)
        c = self.image(scene, frozen_phonons=2, seed=6)
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
        assert np.corrcoef(a.ravel(), c.ravel())[0, 1] > 0.9

    @pytest.mark.parametrize("pixel_size", [0.2, 0.3])
    def test_strongest_lattice_peak_is_a_ceo2_spacing(self, pixel_size):
        self.pixel_size = pixel_size
        image = self.image(self.support(interface_row=0.0, support_thickness=30.0))
        spacing = _strongest_spacing(image, pixel_size, shortest=1.2, longest=6.0)
        assert min(abs(spacing / d - 1) for d in CEO2_ZONE) < 0.03
        low_order = _strongest_spacing(image, pixel_size, shortest=2.4, longest=4.0)
        assert min(abs(low_order / d - 1) for d in CEO2_ZONE[:2]) < 0.03

    def test_defocus_changes_the_image_and_the_grid_must_match(self):
        scene = self.support(interface_row=0.3)
        a = self.image(scene, defocus=-20.0)
        b = self.image(scene, defocus=-120.0)
        assert np.abs(a - b).mean() > 0.05 * a.mean()
        from temdenoise.simulate.hrtem import simulate_image
        from temdenoise.simulate.specimen import build_scene

        atoms = build_scene(scene, box=(10.0, 10.0), window=(0.0, 0.0, 10.0, 10.0))
        with pytest.raises(ValueError, match="does not match the simulated box"):
            simulate_image(
                atoms,
                shape=self.shape,
                pixel_size=0.3,
                margin=4,
                dose=1.0,
                defocus=0.0,
                cs=0.0,
                focal_spread=0.0,
                angular_spread=0.0,
            )


def _strongest_spacing(image, pixel_size, *, shortest, longest):
    """Spacing (A) of the strongest Fourier peak between two spacings (windowed, 8x padded)."""
    rows, cols = image.shape
    window = np.hanning(rows)[:, None] * np.hanning(cols)[None]
    pad = 8 * max(rows, cols)
    spectrum = np.abs(np.fft.fft2((image - image.mean()) * window, s=(pad, pad)))
    freq = np.fft.fftfreq(pad, pixel_size)
    k = np.hypot(freq[:, None], freq[None])
    spectrum[(k < 1 / longest) | (k > 1 / shortest)] = 0
    peak = np.unravel_index(np.argmax(spectrum), spectrum.shape)
    return 1 / k[peak]
