from temdenoise.config import SimulateConfig
from temdenoise.simulate.plan import plan
from tests.simulate.conftest import TINY


def test_plan_is_deterministic_and_test_images_do_not_depend_on_the_training_count():
    config = SimulateConfig.build(**TINY)
    a, b = plan(config), plan(config)
    assert [t.record() for t in a] == [t.record() for t in b]
    more = plan(SimulateConfig.build(**(TINY | {"n_train": 5})))
    assert more[5].record() == a[3].record()  # the same test image
    assert more[0].record() == a[0].record()
    other = plan(SimulateConfig.build(**(TINY | {"seed": 8})))
    assert other[0].record() != a[0].record()
