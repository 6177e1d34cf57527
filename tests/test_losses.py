"""Losses: computed from logits, reference formulas, weights, gradients."""

import warnings

import numpy as np
import pytest
from sklearn.metrics import mean_poisson_deviance

from sknetscratch.nn.activations import ACTIVATIONS, get_activation
from sknetscratch.nn.losses import (
    LOSSES,
    AbsoluteError,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Huber,
    Loss,
    Poisson,
    Quantile,
    SquaredError,
    get_loss,
)

#: Every registered loss with its default parameters, and the losses with
#: parameters at other values (test ids).
CASES = {name: cls() for name, cls in LOSSES.items()} | {
    "huber(delta=0.3)": Huber(delta=0.3),
    "quantile(quantile=0.9)": Quantile(quantile=0.9),
    "quantile(quantile=0.05)": Quantile(quantile=0.05),
}
ALL = sorted(CASES)
#: Losses with a kink where z = y: their test data keeps |z - y| >= 0.1.
KINKED = ("absolute_error", "huber", "quantile")


def _case(key, seed=0, n=6, k=3, dtype=np.float64):
    name = CASES[key].name
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=1.5, size=(n, k))
    if name == "binary_crossentropy":
        y = rng.integers(0, 2, size=(n, k)).astype(float)
    elif name == "categorical_crossentropy":
        y = np.eye(k)[rng.integers(0, k, size=n)]
    elif name == "poisson":
        y = rng.poisson(2.0, size=(n, k)).astype(float)
        y[0, 0] = 0.0  # exercise 0 log 0
    elif name == "squared_error":
        y = rng.normal(size=(n, k))
    elif name in KINKED:  # residuals z - y of both signs, away from the kink at 0
        y = z - rng.choice([-1.0, 1.0], size=(n, k)) * rng.uniform(0.1, 3.0, (n, k))
    else:
        raise AssertionError(f"no test case for the new loss {name!r}")
    return y.astype(dtype), z.astype(dtype)


def _reference(key, y, z):
    """Per-sample losses from the textbook formula on probabilities/means."""
    loss = CASES[key]
    name = loss.name
    if name == "binary_crossentropy":
        p = 1 / (1 + np.exp(-z))
        return -(y * np.log(p) + (1 - y) * np.log(1 - p)).sum(axis=1)
    if name == "categorical_crossentropy":
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return -(y * np.log(p)).sum(axis=1)
    if name == "poisson":
        mu = np.exp(z)
        with np.errstate(divide="ignore", invalid="ignore"):
            ylog = np.where(y > 0, y * np.log(y / mu), 0.0)
        return (ylog - (y - mu)).sum(axis=1)  # half deviance
    if name == "squared_error":
        return 0.5 * ((y - z) ** 2).sum(axis=1)
    if name == "absolute_error":
        return np.abs(y - z).sum(axis=1)
    if name == "huber":
        d, a = loss.delta, np.abs(y - z)
        return np.where(a <= d, a**2 / 2, d * a - d**2 / 2).sum(axis=1)
    if name == "quantile":
        q, u = loss.quantile, y - z
        return np.maximum(q * u, (q - 1) * u).sum(axis=1)  # the pinball loss
    raise AssertionError(name)


def _reference_delta(key, y, z, w):
    """dL/dz of the kinked losses: w_i / sum(w) times d loss_i / d z."""
    loss = CASES[key]
    name, r = loss.name, z - y
    if name == "absolute_error":
        psi = np.sign(r)
    elif name == "huber":
        psi = np.where(np.abs(r) <= loss.delta, r, loss.delta * np.sign(r))
    else:
        psi = (z > y).astype(float) - loss.quantile
    return (w / w.sum())[:, None] * psi


@pytest.mark.parametrize("name", ALL)
def test_matches_reference_formula(name):
    loss = CASES[name]
    y, z = _case(name)
    expected = _reference(name, y, z)
    np.testing.assert_allclose(loss.per_sample(y, z), expected, rtol=1e-12)
    np.testing.assert_allclose(loss(y, z), expected.mean(), rtol=1e-12)
    assert isinstance(loss(y, z), float)


def test_poisson_is_half_sklearn_deviance():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(20, 1))
    y = rng.poisson(3.0, size=(20, 1)).astype(float)
    expected = 0.5 * mean_poisson_deviance(y[:, 0], np.exp(z[:, 0]))
    np.testing.assert_allclose(Poisson()(y, z), expected, rtol=1e-12)


def test_squared_error_is_half_sum_over_outputs():
    y = np.array([[1.0, 2.0], [0.0, 0.0]])
    z = np.array([[2.0, 4.0], [1.0, -1.0]])
    # sample 0: 0.5 * (1 + 4) = 2.5, sample 1: 0.5 * (1 + 1) = 1.0
    assert SquaredError()(y, z) == pytest.approx(1.75, rel=1e-15)


@pytest.mark.parametrize("big", [1e4, 1e30, 1e300])
def test_binary_crossentropy_huge_logits(big):
    # sigmoid(z) is exactly 0 or 1 here: a loss on probabilities would give log(0)
    z = np.array([[big], [-big], [big], [-big]])
    y = np.array([[1.0], [0.0], [0.0], [1.0]])
    loss = BinaryCrossentropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        per = loss.per_sample(y, z)
        g = loss.gradient(y, z)
    np.testing.assert_array_equal(per, [0.0, 0.0, big, big])
    np.testing.assert_array_equal(g, np.array([[0.0], [0.0], [1.0], [-1.0]]) / 4)


@pytest.mark.parametrize("big", [1e4, 1e30, 1e300])
def test_categorical_crossentropy_huge_logits(big):
    z = np.array([[big, 0.0, -big], [big, 0.0, -big]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    loss = CategoricalCrossentropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        per = loss.per_sample(y, z)
        g = loss.gradient(y, z)
    np.testing.assert_allclose(per, [0.0, 2 * big], rtol=1e-15)
    np.testing.assert_allclose(g, [[0.0, 0.0, 0.0], [0.5, 0.0, -0.5]], atol=1e-300)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("big", [100.0, 1e4])
def test_poisson_huge_logits_finite(dtype, big):
    z = np.array([[big], [-big]], dtype=dtype)
    y = np.array([[1.0], [0.0]], dtype=dtype)
    loss = Poisson()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        value = loss(y, z)
        g = loss.gradient(y, z)
    assert np.isfinite(value)
    assert np.all(np.isfinite(g)) and g.dtype == dtype


@pytest.mark.parametrize("name", ALL)
def test_integer_weights_equal_repeated_rows(name):
    loss = CASES[name]
    y, z = _case(name, seed=2, n=5)
    w = np.array([1, 3, 0, 2, 1])
    rows = np.repeat(np.arange(5), w)
    np.testing.assert_allclose(
        loss(y, z, w.astype(float)), loss(y[rows], z[rows]), rtol=1e-13
    )
    # the gradient of a weighted row is the sum of the gradients of its copies
    g_w = loss.gradient(y, z, w.astype(float))
    g_rep = loss.gradient(y[rows], z[rows])
    summed = np.zeros_like(g_w)
    np.add.at(summed, rows, g_rep)
    np.testing.assert_allclose(g_w, summed, rtol=1e-13, atol=1e-16)
    assert np.all(g_w[2] == 0)  # zero weight: no gradient


@pytest.mark.parametrize("name", ALL)
def test_weights_are_scale_invariant_and_ones_are_unweighted(name):
    loss = CASES[name]
    y, z = _case(name, seed=3)
    w = np.random.default_rng(3).uniform(0.1, 2.0, size=len(y))
    np.testing.assert_allclose(loss(y, z, w), loss(y, z, 7.0 * w), rtol=1e-13)
    np.testing.assert_allclose(loss(y, z, np.ones(len(y))), loss(y, z), rtol=1e-14)
    manual = np.sum(w * _reference(name, y, z)) / w.sum()
    np.testing.assert_allclose(loss(y, z, w), manual, rtol=1e-12)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_finite_differences(name, weighted):
    loss = CASES[name]
    y, z = _case(name, seed=4, n=5, k=3)
    w = np.random.default_rng(4).uniform(0.2, 3.0, size=5) if weighted else None
    g = loss.gradient(y, z, w)
    assert g.shape == z.shape
    h = 1e-6
    fd = np.empty_like(z)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            e = np.zeros_like(z)
            e[i, j] = h
            fd[i, j] = (loss(y, z + e, w) - loss(y, z - e, w)) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ALL)
def test_link_is_a_registered_activation_and_output_matches(name):
    loss = CASES[name]
    assert loss.link in ACTIVATIONS
    _, z = _case(name, seed=5)
    np.testing.assert_allclose(
        loss.output(z), get_activation(loss.link).forward(z), rtol=1e-14
    )


@pytest.mark.parametrize("name", ALL)
def test_gradient_does_not_modify_inputs_and_keeps_dtype(name):
    loss = CASES[name]
    y, z = _case(name, seed=6, dtype=np.float32)
    y0, z0 = y.copy(), z.copy()
    g = loss.gradient(y, z, np.ones(len(y), dtype=np.float32))
    assert g.dtype == np.float32
    assert loss.gradient(y, z).dtype == np.float32
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(z, z0)


def test_get_loss():
    for name, cls in LOSSES.items():
        assert type(get_loss(name)) is cls
        assert get_loss(name).name == name
    inst = Poisson()
    assert get_loss(inst) is inst
    assert isinstance(inst, Loss)
    with pytest.raises(ValueError, match="Unknown loss 'hinge'") as exc:
        get_loss("hinge")
    for name in LOSSES:
        assert repr(name) in str(exc.value)
    with pytest.raises(ValueError, match="Unknown loss"):
        get_loss(None)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", ALL)
def test_value_and_gradient_is_value_and_gradient(name, weighted, dtype):
    """The fused computation the training loop uses equals the two separate ones."""
    loss = CASES[name]
    y, z = _case(name, seed=3, n=9, k=4, dtype=dtype)
    z[0] = [40.0, -40.0, 700.0 if dtype == np.float64 else 80.0, 0.0]  # far tails
    if name == "poisson":
        z[0] = [3.0, -40.0, 10.0, 0.0]
    sw = np.linspace(0.5, 2.0, 9).astype(dtype) if weighted else None
    z_before = z.copy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, delta = loss.value_and_gradient(y, z, sw)
    np.testing.assert_array_equal(z, z_before)
    assert isinstance(value, float) and delta.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(value, loss(y, z, sw), rtol=rtol)
    np.testing.assert_allclose(delta, loss.gradient(y, z, sw), rtol=rtol, atol=1e-15)


@pytest.mark.parametrize("cls", [BinaryCrossentropy, CategoricalCrossentropy])
def test_value_and_gradient_uses_a_subclass_gradient(cls):
    class Doubled(cls):
        def gradient(self, y, z, sample_weight=None):
            return 2 * super().gradient(y, z, sample_weight)

    name = cls.name
    y, z = _case(name, seed=4)
    value, delta = Doubled().value_and_gradient(y, z)
    np.testing.assert_allclose(delta, 2 * cls().gradient(y, z))
    assert value == pytest.approx(cls()(y, z))


@pytest.mark.parametrize("name", ALL)
def test_value_and_gradient_accepts_integer_logits(name):
    loss = CASES[name]
    y, z = _case(name, seed=5)
    zi = np.round(z).astype(int)
    value, delta = loss.value_and_gradient(y, zi)
    np.testing.assert_allclose(value, loss(y, zi.astype(float)))
    np.testing.assert_allclose(delta, loss.gradient(y, zi.astype(float)))


def test_poisson_on_integer_counts_is_computed_in_the_logits_dtype():
    """Regression: log of uint8 counts is float16 in NumPy (2.48 instead of 2.70)."""
    y = np.array([[3], [200], [7]], dtype=np.uint8)
    z = np.log(np.array([[2.0], [190.0], [9.0]]))
    expected = Poisson()(y.astype(np.float64), z)
    assert Poisson()(y, z) == pytest.approx(expected, rel=1e-12)
    assert Poisson().value_and_gradient(y, z)[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_config_round_trips_through_the_constructor(name):
    loss = CASES[name]
    copy = type(loss)(**loss.get_config())
    assert copy == loss and copy is not loss
    y, z = _case(name, seed=6)
    assert copy(y, z) == loss(y, z)


# -- the regression losses with a kink: absolute_error, huber, quantile ----------


@pytest.mark.parametrize("key", [k for k in ALL if CASES[k].name in KINKED])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kinked_loss_delta_matches_formula(key, dtype):
    loss = CASES[key]
    y, z = _case(key, seed=7, n=8, k=2, dtype=dtype)
    w = np.random.default_rng(7).uniform(0.1, 3.0, size=8)
    w[3] = 0.0
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(
        loss.gradient(y, z, w.astype(dtype)), _reference_delta(key, y, z, w), rtol=rtol
    )
    np.testing.assert_allclose(
        loss.gradient(y, z), _reference_delta(key, y, z, np.ones(8)), rtol=rtol
    )
    expected = np.dot(w, _reference(key, y, z)) / w.sum()
    np.testing.assert_allclose(loss(y, z, w.astype(dtype)), expected, rtol=rtol)


def test_kinked_losses_by_hand():
    y = np.array([[0.0], [0.0], [0.0]])
    z = np.array([[0.5], [-3.0], [0.0]])
    # |r|: 0.5, 3, 0; Huber(1): 0.125, 1 * (3 - 0.5) = 2.5, 0
    assert AbsoluteError()(y, z) == pytest.approx(3.5 / 3, rel=1e-15)
    np.testing.assert_allclose(AbsoluteError().gradient(y, z) * 3, [[1], [-1], [0]])
    assert Huber(1.0)(y, z) == pytest.approx(2.625 / 3, rel=1e-15)
    np.testing.assert_array_equal(Huber(1.0).gradient(y, z) * 3, [[0.5], [-1.0], [0.0]])
    # pinball of q = 0.9: under-predicting costs 0.9 per unit, over-predicting 0.1
    assert Quantile(0.9)(y, z) == pytest.approx((0.1 * 0.5 + 0.9 * 3) / 3, rel=1e-15)
    np.testing.assert_allclose(
        Quantile(0.9).gradient(y, z) * 3, [[0.1], [-0.9], [-0.9]], rtol=1e-15
    )


def test_huber_limits_and_quantile_median():
    y, z = _case("huber", seed=8, n=20, k=2)
    # a threshold above every residual: half squared error; a tiny one: delta * |r|
    assert Huber(100.0)(y, z) == pytest.approx(SquaredError()(y, z), rel=1e-14)
    np.testing.assert_allclose(
        Huber(100.0).gradient(y, z), SquaredError().gradient(y, z), rtol=1e-14
    )
    assert Huber(1e-9)(y, z) == pytest.approx(1e-9 * AbsoluteError()(y, z), rel=1e-8)
    # the median quantile is half the absolute error
    assert Quantile(0.5)(y, z) == pytest.approx(0.5 * AbsoluteError()(y, z), rel=1e-14)
    np.testing.assert_allclose(
        Quantile(0.5).gradient(y, z), 0.5 * AbsoluteError().gradient(y, z), rtol=1e-14
    )


def test_huber_is_continuous_at_the_threshold():
    y = np.zeros((2, 1))
    z = np.array([[2.0 - 1e-12], [2.0 + 1e-12]])
    per = Huber(delta=2.0).per_sample(y, z)
    assert per[0] == pytest.approx(2.0, rel=1e-11)  # 0.5 * 2^2 = 2 * (2 - 1)
    assert per[1] == pytest.approx(2.0, rel=1e-11)


def test_the_pinball_minimiser_is_the_quantile():
    """A constant prediction minimising the quantile loss is the q-quantile."""
    y = np.random.default_rng(9).exponential(size=(1001, 1))
    grid = np.linspace(0, 5, 5001)
    for q in (0.1, 0.5, 0.9):
        values = [Quantile(q)(y, np.full_like(y, c)) for c in grid]
        best = grid[int(np.argmin(values))]
        assert best == pytest.approx(np.quantile(y, q), abs=2e-3)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Huber(delta=0.0), r"delta must be a real number in \(0, inf\); got 0"),
        (lambda: Huber(delta=-1), "delta must be"),
        (lambda: Huber(delta=np.inf), "delta must be"),
        (lambda: Huber(delta="1"), "delta must be"),
        (lambda: Huber(delta=True), "delta must be"),
        (lambda: Quantile(quantile=0), r"quantile must be a real number in \(0, 1\)"),
        (lambda: Quantile(quantile=1.0), "quantile must be"),
        (lambda: Quantile(quantile=np.nan), "quantile must be"),
        (lambda: Quantile(quantile=None), "quantile must be"),
    ],
)
def test_invalid_parameters_are_refused_by_name(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_equality_hash_and_repr_follow_the_parameters():
    assert Huber(1.0) != Huber(2.0) and Huber(2.0) == Huber(2)
    assert Quantile(0.9) != Quantile(0.1) and Quantile(0.9) == Quantile(0.9)
    assert Huber() == Huber(delta=1.0) and Quantile() == Quantile(quantile=0.5)
    assert AbsoluteError() == AbsoluteError() and AbsoluteError() != Quantile()
    assert len({Huber(1.0), Huber(1.0), Huber(2.0), Quantile(0.5)}) == 3
    assert repr(Huber(2.5)) == "Huber(delta=2.5)"
    assert repr(Quantile(0.9)) == "Quantile(quantile=0.9)"
    assert repr(AbsoluteError()) == "AbsoluteError()"
    # parameters are stored as plain floats, so configs are plain JSON values
    assert type(Huber(np.float32(2.0)).get_config()["delta"]) is float
    assert Huber(3).get_config() == {"delta": 3.0}
