from temdenoise.simulate.materials import (
    FCC_LATTICE_CONSTANTS,
    FLUORITE_LATTICE_CONSTANTS,
    THERMAL_SIGMAS,
)


def test_every_element_of_a_specimen_has_a_thermal_displacement():
    cations = [support.removesuffix("O2") for support in FLUORITE_LATTICE_CONSTANTS]
    for element in [*FCC_LATTICE_CONSTANTS, *cations, "O"]:
        assert THERMAL_SIGMAS[element] > 0
