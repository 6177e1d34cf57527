"""The per-fit RandomState of the estimators (``sknetscratch.estimators._seeding``): the
draws of ``check_random_state(random_state)``, without a new generator per fit."""

import numpy as np
import pytest

from sknetscratch.estimators._seeding import give_back, take_random_state


def test_an_int_seed_draws_what_a_new_random_state_draws():
    for seed in (0, 7, np.int64(123), 2**32 - 1):
        rs = take_random_state(seed)
        expected = np.random.RandomState(seed)
        np.testing.assert_array_equal(rs.permutation(50), expected.permutation(50))
        np.testing.assert_array_equal(rs.uniform(size=20), expected.uniform(size=20))
        give_back(rs)


def test_a_generator_given_back_is_reseeded_when_taken_again():
    rs = take_random_state(3)
    rs.uniform(size=1000)  # moved far from its seed's state
    give_back(rs)
    again = take_random_state(3)
    np.testing.assert_array_equal(
        again.uniform(size=5), np.random.RandomState(3).uniform(size=5)
    )
    give_back(again)


# both fits stop after a few epochs on purpose
@pytest.mark.filterwarnings(
    "ignore:Stochastic Optimizer:sklearn.exceptions.ConvergenceWarning"
)
def test_a_fit_inside_a_fit_does_not_change_the_outer_draws():
    """A callback that fits another estimator during an epoch: the outer fit
    draws (shuffles) exactly what it draws alone."""
    from sklearn.datasets import load_iris

    from sknetscratch import Callback, ScratchMLPClassifier

    X, y = load_iris(return_X_y=True)

    class FitAnother(Callback):
        def on_epoch_end(self, epoch, logs=None):
            ScratchMLPClassifier((3,), max_iter=2, random_state=1).fit(X, y)

    params = dict(hidden_layer_sizes=(4,), max_iter=4, random_state=0)
    alone = ScratchMLPClassifier(**params).fit(X, y)
    nested = ScratchMLPClassifier(callbacks=[FitAnother()], **params).fit(X, y)
    np.testing.assert_array_equal(nested.model_.params, alone.model_.params)


def test_none_draws_from_numpys_global_random_state():
    np.random.seed(3)  # noqa: NPY002 (None means the global RandomState)
    ours = take_random_state(None).uniform(size=4)
    np.random.seed(3)  # noqa: NPY002
    np.testing.assert_array_equal(ours, np.random.uniform(size=4))  # noqa: NPY002


def test_a_caller_random_state_is_used_as_given_and_never_reseeded():
    mine = np.random.RandomState(0)
    drawn = take_random_state(mine).uniform(size=3)
    give_back(mine)
    np.testing.assert_array_equal(drawn, np.random.RandomState(0).uniform(size=3))
    rs = take_random_state(5)  # the next int seed: its own state, not mine's
    np.testing.assert_array_equal(
        rs.uniform(size=3), np.random.RandomState(5).uniform(size=3)
    )
    give_back(rs)
    reference = np.random.RandomState(0)
    reference.uniform(size=3)
    np.testing.assert_array_equal(mine.uniform(size=2), reference.uniform(size=2))
