"""Activations: reference values, derivatives, extreme inputs, dtypes, lookup."""

import math
import warnings

import numpy as np
import pytest

from sknetscratch.nn.activations import (
    ACTIVATIONS,
    ELU,
    ActivationFunction,
    LeakyReLU,
    Linear,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    get_activation,
)

ALL = sorted(ACTIVATIONS)
_C = math.sqrt(2 / math.pi)


def _ref_sigmoid(z):
    return np.array([[1 / (1 + math.exp(-v)) for v in row] for row in z])


def _ref_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# Reference formulas written independently of the package, for moderate inputs.
REFERENCE = {
    "Linear": lambda z: z,
    "ReLU": lambda z: np.where(z > 0, z, 0.0),
    "LeakyReLU": lambda z: np.where(z > 0, z, 0.01 * z),
    "ELU": lambda z: np.where(z > 0, z, np.exp(z) - 1),
    "Sigmoid": _ref_sigmoid,
    "Tanh": lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
    "Softplus": lambda z: np.log(1 + np.exp(z)),
    "GELU": lambda z: 0.5 * z * (1 + np.tanh(_C * (z + 0.044715 * z**3))),
    "SiLU": lambda z: z * _ref_sigmoid(z),
    "Exp": np.exp,
    "Softmax": _ref_softmax,
}


def _z(seed=0, shape=(6, 4), scale=2.0):
    z = np.random.default_rng(seed).normal(scale=scale, size=shape)
    z[np.abs(z) < 1e-3] = 0.5  # keep finite differences away from kinks
    return z


@pytest.fixture
def no_runtime_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@pytest.mark.parametrize("name", ALL)
def test_forward_matches_reference(name):
    act = get_activation(name)
    assert type(act).__name__ in REFERENCE, f"add a reference formula for {name!r}"
    z = _z()
    np.testing.assert_allclose(
        act.forward(z), REFERENCE[type(act).__name__](z), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_array_equal(act(z), act.forward(z))


def test_specific_values():
    np.testing.assert_allclose(
        Sigmoid().forward(np.array([[0.0, np.log(3.0)]])), [[0.5, 0.75]]
    )
    np.testing.assert_allclose(
        ReLU().forward(np.array([[-2.0, 0.0, 3.0]])), [[0, 0, 3]]
    )
    np.testing.assert_allclose(
        LeakyReLU(0.2).forward(np.array([[-2.0, 3.0]])), [[-0.4, 3.0]]
    )
    np.testing.assert_allclose(
        ELU(2.0).forward(np.array([[-np.log(2.0), 1.0]])), [[-1.0, 1.0]]
    )
    np.testing.assert_allclose(
        Softmax().forward(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]]
    )


@pytest.mark.parametrize("name", ALL)
def test_derivative_matches_finite_differences(name):
    act = get_activation(name)
    z = _z(1)
    h = 1e-6
    if isinstance(act, Softmax):
        # full Jacobian: backward must be the Jacobian-vector product
        g = np.random.default_rng(2).normal(size=z.shape)
        expected = np.empty_like(z)
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                e = np.zeros_like(z)
                e[i, j] = h
                fd = (act.forward(z + e) - act.forward(z - e)) / (2 * h)
                expected[i, j] = np.sum(g * fd)
        got = act.backward(z, act.forward(z), g)
    else:
        expected = (act.forward(z + h) - act.forward(z - h)) / (2 * h)
        got = act.derivative(z, act.forward(z))
        g = np.random.default_rng(2).normal(size=z.shape)
        np.testing.assert_allclose(
            act.backward(z, act.forward(z), g), g * got, rtol=1e-12, atol=1e-15
        )
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_linear_derivative_is_ones_not_z():
    z = _z(3)
    lin = Linear()
    d = lin.derivative(z, lin.forward(z))
    np.testing.assert_array_equal(d, np.ones_like(z))
    g = _z(4)
    np.testing.assert_array_equal(lin.backward(z, z, g), g)


EXTREME = ["sigmoid", "softplus", "elu", "exp", "softmax", "silu", "gelu", "tanh"]


def _extreme_cases():
    for dtype in (np.float32, np.float64):
        yield pytest.param(dtype, 1e4, id=f"{np.dtype(dtype).name}-1e4")
    yield pytest.param(np.float64, 1e300, id="float64-1e300")


# expected limits f(+big), f(-big)
LIMITS = {
    "sigmoid": (lambda b: 1.0, lambda b: 0.0),
    "softplus": (lambda b: b, lambda b: 0.0),
    "elu": (lambda b: b, lambda b: -1.0),
    "silu": (lambda b: b, lambda b: 0.0),
    "gelu": (lambda b: b, lambda b: 0.0),
    "tanh": (lambda b: 1.0, lambda b: -1.0),
}


@pytest.mark.parametrize("name", EXTREME)
@pytest.mark.parametrize(("dtype", "big"), list(_extreme_cases()))
def test_extreme_inputs_finite_without_warning(name, dtype, big, no_runtime_warning):
    act = get_activation(name)
    z = np.array([[big, 0.5, -big], [-big, big, 1.0]], dtype=dtype)
    a = act.forward(z)
    d = act.derivative(z, a)
    b = act.backward(z, a, np.ones_like(z))
    for arr in (a, d, b):
        assert np.all(np.isfinite(arr)), (name, arr)
    big_t = dtype(big)
    if name in LIMITS:
        hi, lo = LIMITS[name]
        np.testing.assert_allclose(a[0, 0], hi(big_t), rtol=1e-6)
        np.testing.assert_allclose(a[0, 2], lo(big_t), rtol=1e-6, atol=1e-30)
    elif name == "exp":
        assert a[0, 0] > 1e30 and a[0, 2] == 0.0
    elif name == "softmax":
        np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-6)
        np.testing.assert_allclose(a[0], [1.0, 0.0, 0.0], atol=1e-30)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(name, dtype):
    act = get_activation(name)
    z = _z(5).astype(dtype)
    a = act.forward(z)
    assert a.dtype == dtype
    assert act.derivative(z, a).dtype == dtype
    assert act.backward(z, a, np.ones_like(z)).dtype == dtype


def test_get_activation_names_none_and_instances():
    assert isinstance(get_activation("identity"), Linear)
    assert isinstance(get_activation("logistic"), Sigmoid)
    assert isinstance(get_activation("swish"), SiLU)
    assert isinstance(get_activation(None), Linear)
    inst = LeakyReLU(0.3)
    assert get_activation(inst) is inst
    for name, cls in ACTIVATIONS.items():
        act = get_activation(name)
        assert type(act) is cls and isinstance(act, ActivationFunction)


def test_get_activation_unknown_name_lists_options():
    with pytest.raises(ValueError, match="Unknown activation 'relux'") as exc:
        get_activation("relux")
    for name in ACTIVATIONS:
        assert repr(name) in str(exc.value)


@pytest.mark.parametrize("bad", [3, 1.5, Sigmoid, ["relu"]])
def test_get_activation_wrong_type(bad):
    with pytest.raises(TypeError, match="activation must be"):
        get_activation(bad)


def test_equality_and_repr():
    assert LeakyReLU(0.1) == LeakyReLU(0.1)
    assert LeakyReLU(0.1) != LeakyReLU(0.2)
    assert hash(ELU(1.0)) == hash(ELU(1.0))
    assert repr(LeakyReLU(0.1)) == "LeakyReLU(negative_slope=0.1)"


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_integer_input_is_not_truncated(name):
    act = get_activation(name)
    z = np.array([[-2, 0, 3]])
    np.testing.assert_allclose(act.forward(z), act.forward(z.astype(np.float64)))


@pytest.mark.parametrize("name", ALL)
def test_forward_into_out_and_backward_into_out(name):
    act = get_activation(name)
    z = _z(6)
    a = act.forward(z)
    out = np.empty_like(z)
    assert act.forward(z, out=out) is out
    np.testing.assert_array_equal(out, a)
    g = _z(7)
    expected = act.backward(z, a, g)
    out = np.empty_like(z)
    assert act.backward(z, a, g, out=out) is out
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("name", ALL)
def test_derivative_from_output_means_what_it_says(name):
    """A flagged activation's derivative and backward need only ``a`` (z=None),
    and the forward may write over its input."""
    act = get_activation(name)
    z = _z(8)
    a = act.forward(z)
    g = _z(9)
    if not act.derivative_from_output:
        return
    np.testing.assert_array_equal(act.derivative(None, a), act.derivative(z, a))
    np.testing.assert_array_equal(act.backward(None, a, g), act.backward(z, a, g))
    zz = z.copy()
    np.testing.assert_array_equal(act.forward(zz, out=zz), a)


def test_a_wrongly_set_derivative_from_output_fails_loudly():
    """The trap of the old ``inplace`` flag: a derivative that needs z must not
    be silently evaluated at a."""
    from sknetscratch.nn.activations import Softplus

    class FastSoftplus(Softplus):
        derivative_from_output = True

    from sknetscratch import DenseBlock

    layer = DenseBlock(3, FastSoftplus()).build(2, rng=0)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(TypeError):
        layer.backward(np.ones((4, 3)))


def test_relu_is_exactly_maximum():
    relu = get_activation("relu")
    z = np.array([[-np.inf, np.inf, -1.0, 2.0, np.nan, -0.0]])
    np.testing.assert_array_equal(relu.forward(z), np.maximum(z, 0))


@pytest.mark.parametrize(
    "act", [get_activation(n) for n in ALL] + [LeakyReLU(0.2), ELU(alpha=0.5)]
)
def test_every_activation_round_trips_through_its_config(act):
    clone = type(act)(**act.get_config())
    assert clone == act and repr(clone) == repr(act)
    if isinstance(act, LeakyReLU):
        assert act.get_config() == {"negative_slope": act.negative_slope}
