from temdenoise.simulate.materials import (
    FCC_LATTICE_CONSTANTS,
    FLUORITE_LATTICE_CONSTANTS,
    THERMAL_SIGMAS,
)


def test_every_element_of_a_specimen_has_a_thermal_displacement():
    cations = [support.removesuffix("O2") for support in FLUORITE_LATTICE_CONSTANTS]
    for element in [*FCC_LATTICE_CONSTANTS, *cations, "O"]:
        assert THERMAL_SIGMAS[element] > 0


def test_the_configurable_materials_are_the_ones_with_lattice_constants():
    from temdenoise.config.specimen import ELEMENTS, SUPPORTS

    assert set(ELEMENTS) == set(FCC_LATTICE_CONSTANTS)
    assert set(SUPPORTS) == set(FLUORITE_LATTICE_CONSTANTS)
