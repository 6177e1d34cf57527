"""Initializers: each distribution's limit or scale, dtypes, randomness sources."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sknetscratch.nn.initializers import INITIALIZERS, check_rng, get_initializer

SHAPE, FAN_IN, FAN_OUT = (400, 300), 400, 300


def _draw(name, rng=0, dtype=np.float64, shape=SHAPE):
    return get_initializer(name)(shape, FAN_IN, FAN_OUT, check_rng(rng), dtype)


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("glorot_uniform", np.sqrt(6 / (FAN_IN + FAN_OUT))),
        ("he_uniform", np.sqrt(6 / FAN_IN)),
        ("sklearn", np.sqrt(6 / (FAN_IN + FAN_OUT))),
        ("sklearn_logistic", np.sqrt(2 / (FAN_IN + FAN_OUT))),
    ],
)
def test_uniform_initializers_fill_their_interval(name, limit):
    w = _draw(name)
    assert w.shape == SHAPE and np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit  # 120,000 draws reach the edges
    assert abs(w.mean()) < 0.01 * limit
    np.testing.assert_allclose(w.var(), limit**2 / 3, rtol=0.02)  # U(-l, l)


@pytest.mark.parametrize(
    ("name", "std"),
    [
        ("glorot_normal", np.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("he_normal", np.sqrt(2 / FAN_IN)),
    ],
)
def test_normal_initializers_have_their_scale(name, std):
    w = _draw(name)
    np.testing.assert_allclose(w.std(), std, rtol=0.02)
    assert abs(w.mean()) < 0.02 * std


def test_zeros():
    np.testing.assert_array_equal(_draw("zeros"), np.zeros(SHAPE))


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_and_determinism(name, dtype):
    a, b = _draw(name, 5, dtype, (7, 3)), _draw(name, 5, dtype, (7, 3))
    assert a.dtype == dtype and a.shape == (7, 3)
    np.testing.assert_array_equal(a, b)
    if name != "zeros":
        assert not np.array_equal(a, _draw(name, 6, dtype, (7, 3)))


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_random_state_and_generator_both_work(name):
    w = _draw(name, np.random.RandomState(0), shape=(4, 2))
    assert w.shape == (4, 2) and np.all(np.isfinite(w))


def test_sklearn_scheme_draws_as_sklearns_mlp():
    """With scikit-learn's RandomState, kernel then bias per layer, the draws
    equal MLPClassifier's initial coefficients."""
    X = np.random.default_rng(0).normal(size=(20, 4))
    y = X[:, 0]
    # a step of 1e-300 leaves every coefficient at its initial value
    sk = MLPRegressor(
        hidden_layer_sizes=(3,), solver="sgd", learning_rate_init=1e-300, max_iter=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.set_params(random_state=0).fit(X, y)
    rng = np.random.RandomState(0)
    for W_sk, b_sk, (n_in, n_out) in zip(sk.coefs_, sk.intercepts_, [(4, 3), (3, 1)]):
        init = get_initializer("sklearn")
        np.testing.assert_array_equal(init((n_in, n_out), n_in, n_out, rng), W_sk)
        np.testing.assert_array_equal(init((n_out,), n_in, n_out, rng), b_sk)


def test_check_rng():
    g = np.random.default_rng(1)
    rs = np.random.RandomState(1)
    assert check_rng(g) is g and check_rng(rs) is rs  # used as given
    assert isinstance(check_rng(None), np.random.Generator)
    np.testing.assert_array_equal(
        check_rng(3).random(2), np.random.default_rng(3).random(2)
    )
    with pytest.raises(TypeError, match="random_state must be"):
        check_rng("0")


def test_unknown_initializer():
    with pytest.raises(ValueError, match="Unknown initializer 'orthogonal'"):
        get_initializer("orthogonal")
