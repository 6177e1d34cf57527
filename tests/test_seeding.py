"""The per-fit RandomState of the estimators (``sknetscratch.estimators._seeding``): the
draws of ``check_random_state(random_state)``, without a new generator per fit."""

import numpy as np
from sklearn.utils import check_random_state

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


def test_a_fit_inside_a_fit_gets_its_own_generator():
    outer = take_random_state(1)
    first = outer.uniform(size=3)
    inner = take_random_state(2)  # a callback fitting another estimator
    assert inner is not outer
    inner.uniform(size=100)
    give_back(inner)
    reference = np.random.RandomState(1)
    reference.uniform(size=3)
    np.testing.assert_array_equal(outer.uniform(size=4), reference.uniform(size=4))
    np.testing.assert_array_equal(first, np.random.RandomState(1).uniform(size=3))
    give_back(outer)


def test_none_and_instances_go_through_check_random_state():
    assert take_random_state(None) is check_random_state(None)
    mine = np.random.RandomState(0)
    assert take_random_state(mine) is mine
    give_back(mine)  # not kept: the next int seed must not reseed the caller's
    rs = take_random_state(5)
    assert rs is not mine
    give_back(rs)
