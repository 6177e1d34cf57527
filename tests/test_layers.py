"""Layers: DenseBlock shapes and gradients, sparse input, Dropout, pickling."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp

from sknetscratch import (
    SGD,
    Activation,
    BatchNormalization,
    DenseBlock,
    Dropout,
    Layer,
    LayerNormalization,
    Model,
)
from sknetscratch.nn.activations import ELU, LeakyReLU, Sigmoid, Tanh
from sknetscratch.nn.workspace import LayerCache


def _dense(units=4, n_in=3, activation="tanh", use_bias=True, seed=0):
    layer = DenseBlock(units, activation, use_bias=use_bias)
    layer.build(n_in, rng=np.random.default_rng(seed))
    if use_bias:  # non-zero biases so that they matter in the forward pass
        layer.b[...] = np.random.default_rng(seed + 1).normal(size=units)
    return layer


def test_shapes_and_build():
    layer = DenseBlock(5, "relu")
    assert isinstance(layer, Layer) and not layer.built
    assert layer.param_shapes(3) == {"W": (3, 5), "b": (5,)}
    assert layer.count_params(3) == 20 and layer.output_dim(3) == 5
    layer.build(3, rng=0)
    assert layer.built and layer.input_dim == 3
    assert layer.W.shape == (3, 5) and layer.b.shape == (5,)
    assert layer.grads["W"].shape == (3, 5) and layer.grads["b"].shape == (5,)
    assert np.all(layer.b == 0)  # default bias initializer: zeros
    limit = np.sqrt(6 / (3 + 5))  # glorot_uniform
    assert np.all(np.abs(layer.W) <= limit) and np.any(layer.W != 0)


def test_no_bias():
    layer = _dense(use_bias=False)
    assert layer.b is None and set(layer.params) == {"W"}
    assert layer.param_shapes(3) == {"W": (3, 4)} and layer.count_params(3) == 12
    X = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_allclose(layer.forward(X), np.tanh(X @ layer.W), rtol=1e-14)
    cache = LayerCache()
    layer.forward(X, cache=cache)
    layer.backward(np.ones((5, 4)), cache)
    assert set(layer.grads) == {"W"}


def test_forward_is_f_of_xw_plus_b():
    layer = _dense(activation="sigmoid")
    X = np.random.default_rng(2).normal(size=(6, 3))
    Z = np.array(
        [[X[i] @ layer.W[:, k] + layer.b[k] for k in range(4)] for i in range(6)]
    )
    np.testing.assert_allclose(layer.forward_linear(X), Z, rtol=1e-14)
    np.testing.assert_allclose(layer.forward(X), 1 / (1 + np.exp(-Z)), rtol=1e-14)
    np.testing.assert_allclose(layer(X), layer.forward(X), rtol=1e-15)


def test_backward_formulas_against_manual_loops():
    layer = _dense(activation="tanh")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 3))
    G = rng.normal(size=(6, 4))
    cache = LayerCache()
    A = layer.forward(X, cache=cache)
    G_before = G.copy()
    grad_in = layer.backward(G, cache)
    grads = layer.grads
    np.testing.assert_array_equal(G, G_before)  # the incoming gradient is kept
    delta = G * (1 - A**2)  # tanh'
    dW = np.zeros((3, 4))
    db = np.zeros(4)
    for i in range(6):  # accumulate sample by sample
        dW += np.outer(X[i], delta[i])
        db += delta[i]
    np.testing.assert_allclose(grads["W"], dW, rtol=1e-13)
    np.testing.assert_allclose(grads["W"], X.T @ delta, rtol=1e-13)
    # per-unit SUM over the batch (not the mean, not a scalar)
    np.testing.assert_allclose(grads["b"], db, rtol=1e-13)
    assert grads["b"].shape == (4,)
    np.testing.assert_allclose(grad_in, delta @ layer.W.T, rtol=1e-13)


def test_backward_linear_and_no_input_grad():
    layer = _dense(activation="sigmoid")
    rng = np.random.default_rng(4)
    X, delta = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    cache = LayerCache()
    layer.forward_linear(X, cache)
    assert layer.backward_linear(delta, cache, need_input_grad=False) is None
    grads = layer.grads
    np.testing.assert_allclose(grads["W"], X.T @ delta, rtol=1e-13)
    np.testing.assert_allclose(grads["b"], delta.sum(axis=0), rtol=1e-13)


def test_grads_overwritten_not_accumulated():
    layer = _dense()
    rng = np.random.default_rng(5)
    X, G = rng.normal(size=(4, 3)), rng.normal(size=(4, 4))
    cache = LayerCache()
    layer.forward(X, cache=cache)
    layer.backward(G, cache)
    first = {k: v.copy() for k, v in layer.grads.items()}
    layer.forward(X, cache=cache)
    layer.backward(G, cache)
    for k in first:
        np.testing.assert_allclose(layer.grads[k], first[k], rtol=1e-15)


@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csr_array])
def test_sparse_input_same_as_dense(fmt):
    rng = np.random.default_rng(6)
    Xd = rng.normal(size=(8, 5)) * (rng.random((8, 5)) < 0.4)
    Xs = fmt(Xd)
    G = rng.normal(size=(8, 4))
    dense, sparse = _dense(n_in=5), _dense(n_in=5)
    cd, cs = LayerCache(), LayerCache()
    out_d = dense.forward(Xd, cache=cd)
    out_s = sparse.forward(Xs, cache=cs)
    assert isinstance(out_s, np.ndarray)
    np.testing.assert_allclose(out_s, out_d, rtol=1e-14)
    gin_d, gd = dense.backward(G, cd), dense.grads
    gin_s, gs = sparse.backward(G, cs), sparse.grads
    for k in gd:
        np.testing.assert_allclose(gs[k], gd[k], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(np.asarray(gin_s), gin_d, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_input_in_a_model(dtype):
    rng = np.random.default_rng(7)
    Xd = (rng.normal(size=(10, 6)) * (rng.random((10, 6)) < 0.5)).astype(dtype)
    y = rng.integers(0, 2, size=10)

    def make():
        m = Model([DenseBlock(5, "relu"), DenseBlock(1, "sigmoid")])
        m.compile(SGD(0.1), "binary_crossentropy")
        return m.build(6, random_state=0, dtype=dtype)

    md, ms = make(), make()
    Xp, yp, _ = md.prepare(Xd, y)
    Xsp, ysp, _ = ms.prepare(sp.csr_matrix(Xd), y)
    assert sp.issparse(Xsp) and Xsp.dtype == dtype
    ld = md.loss_and_gradient(Xp, yp)
    ls = ms.loss_and_gradient(Xsp, ysp)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    assert ls == pytest.approx(ld, rel=tol)
    np.testing.assert_allclose(ms.grads, md.grads, rtol=tol, atol=tol)
    assert ms.grads.dtype == dtype
    np.testing.assert_allclose(ms.predict(sp.csr_matrix(Xd)), md.predict(Xd), rtol=tol)
    # and training on sparse data follows the dense trajectory
    md.fit(Xd, y, batch_size=4, epochs=2, random_state=1)
    ms.fit(sp.csr_matrix(Xd), y, batch_size=4, epochs=2, random_state=1)
    np.testing.assert_allclose(ms.params, md.params, rtol=tol * 10, atol=tol)


@pytest.mark.parametrize("units", [0, -3])
def test_units_must_be_positive(units):
    with pytest.raises(ValueError, match="units must be a positive int"):
        DenseBlock(units)


@pytest.mark.parametrize("units", [2.5, "3", None, True])
def test_units_must_be_int(units):
    with pytest.raises(TypeError, match="units must be a positive int"):
        DenseBlock(units)


def test_numpy_int_units_and_bad_initializer():
    assert DenseBlock(np.int64(3)).units == 3
    with pytest.raises(ValueError, match="Unknown initializer 'nope'"):
        DenseBlock(3, kernel_initializer="nope")
    with pytest.raises(ValueError, match="Unknown activation"):
        DenseBlock(3, "nope")


def test_config_and_repr():
    layer = DenseBlock(3, "logistic", use_bias=False, name="out")
    assert isinstance(layer.activation, Sigmoid)
    cfg = layer.get_config()
    assert cfg == {
        "units": 3,
        "activation": "sigmoid",
        "use_bias": False,
        "kernel_initializer": "glorot_uniform",
        "bias_initializer": "zeros",
        "name": "out",
    }
    assert repr(layer).startswith("DenseBlock(units=3, activation='sigmoid'")
    act = Tanh()
    assert DenseBlock(2, act).activation is act


# -- Dropout --------------------------------------------------------------------


def test_dropout_identity_at_inference():
    X = np.random.default_rng(8).normal(size=(20, 7))
    layer = Dropout(0.5)
    np.testing.assert_array_equal(layer.forward(X), X)
    np.testing.assert_array_equal(layer.forward(X, training=False, rng=0), X)
    G, cache = np.ones_like(X), LayerCache()
    layer.forward(X, cache=cache)
    np.testing.assert_array_equal(layer.backward(G, cache), G)
    assert layer.param_shapes(7) == {} and layer.output_dim(7) == 7


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_training_scaled_mask(dtype):
    rate = 0.25
    X = np.random.default_rng(9).normal(size=(400, 50)).astype(dtype)
    layer = Dropout(rate)
    cache = LayerCache()
    out = layer.forward(X, training=True, rng=np.random.default_rng(0), cache=cache)
    assert out.dtype == dtype
    kept = out != 0
    np.testing.assert_allclose(out[kept], X[kept] / dtype(1 - rate), rtol=1e-6)
    assert abs(kept.mean() - (1 - rate)) < 0.01  # 20000 draws
    G = np.random.default_rng(10).normal(size=X.shape).astype(dtype)
    gin = layer.backward(G, cache)
    np.testing.assert_allclose(gin[kept], G[kept] / dtype(1 - rate), rtol=1e-6)
    assert np.all(gin[~kept] == 0)
    # the same generator state gives the same mask
    again = Dropout(rate).forward(X, training=True, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(again, out)


def test_dropout_needs_rng_in_training_and_rate_zero_is_identity():
    X = np.ones((3, 4))
    with pytest.raises(ValueError, match="random generator"):
        Dropout(0.5).forward(X, training=True)
    np.testing.assert_array_equal(Dropout(0.0).forward(X, training=True), X)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, True])
def test_dropout_rate_validation(rate):
    with pytest.raises(ValueError, match="Dropout rate must be in"):
        Dropout(rate)


def test_dropout_config():
    assert Dropout(0.3, name="d").get_config() == {"rate": 0.3, "name": "d"}


# -- pickling -------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: _dense(n_in=50),
        lambda: Dropout(0.5),
        lambda: BatchNormalization().build(50),
        lambda: LayerNormalization().build(50),
        lambda: Activation("tanh"),
    ],
)
def test_training_keeps_nothing_in_the_layer(make):
    layer = make()
    X = np.random.default_rng(11).normal(size=(2000, 50))
    small = len(pickle.dumps(layer))
    cache = LayerCache()
    layer.forward(X, training=True, rng=np.random.default_rng(0), cache=cache)
    layer.backward(np.ones((2000, layer.output_dim(50))), cache)
    assert cache  # what backward needed is in the fit's cache...
    blob = pickle.dumps(layer)
    assert len(blob) < small + 1000  # ...not in the layer (X alone is 800 kB)
    clone = pickle.loads(blob)
    assert set(clone.grads) == set(layer.params)
    for k, v in layer.params.items():
        np.testing.assert_array_equal(clone.params[k], v)
        assert clone.grads[k].shape == v.shape and np.all(clone.grads[k] == 0)
    np.testing.assert_array_equal(clone(X), layer(X))


def test_dropout_on_sparse_input_is_elementwise():
    X = np.arange(1.0, 10.0).reshape(
        3, 3
    )  # square: a matrix product would pass silently
    layer = Dropout(0.5)
    dense = layer.forward(X, training=True, rng=np.random.default_rng(0))
    sparse = layer.forward(
        sp.csr_matrix(X), training=True, rng=np.random.default_rng(0)
    )
    np.testing.assert_array_equal(sparse.toarray(), dense)


LAYERS = [
    lambda: DenseBlock(3, "tanh", use_bias=False, kernel_initializer="he_normal"),
    lambda: DenseBlock(4, LeakyReLU(negative_slope=0.2)),
    lambda: DenseBlock(4, ELU(alpha=0.5), name="elu"),
    lambda: DenseBlock(2, name="out", bias_initializer="sklearn"),
    lambda: Dropout(0.3, name="drop"),
    lambda: Activation(LeakyReLU(negative_slope=0.3), name="act"),
    lambda: BatchNormalization(momentum=0.9, center=False, name="bn"),
    lambda: LayerNormalization(epsilon=1e-5, scale=False),
]


@pytest.mark.parametrize("make", LAYERS)
def test_every_layer_round_trips_through_its_config(make):
    layer = make()
    clone = type(layer)(**layer.get_config())
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    assert repr(clone) == repr(layer)
    if isinstance(layer, (DenseBlock, Activation)):
        assert clone.activation == layer.activation  # parameters included
        assert clone.activation is not layer.activation


def test_a_smaller_batch_after_a_larger_one_in_one_cache():
    layer, cache = _dense(units=4, n_in=3), LayerCache()
    rng = np.random.default_rng(12)
    layer.forward(rng.normal(size=(8, 3)), cache=cache)
    small_X = rng.normal(size=(3, 3))
    small = layer.forward(small_X, cache=cache)
    assert small.shape == (3, 4)
    np.testing.assert_allclose(small, np.tanh(small_X @ layer.W + layer.b))


def test_inference_returns_new_arrays_and_keeps_nothing():
    layer = _dense(units=4, n_in=3)
    X = np.random.default_rng(12).normal(size=(8, 3))
    first, second = layer.forward(X), layer.forward(X)
    assert not np.shares_memory(first, second)
    np.testing.assert_array_equal(first, second)
    assert set(vars(layer)) == set(vars(_dense(units=4, n_in=3)))


def test_derivative_from_output_layers_cache_no_z():
    layer = _dense(activation="relu")
    X = np.random.default_rng(13).normal(size=(5, 3))
    cache = LayerCache()
    A = layer.forward(X, cache=cache)
    assert cache["Z"] is None and cache["A"] is A  # A written over Z
    layer, cache = _dense(activation="softplus"), LayerCache()
    A = layer.forward(X, cache=cache)
    np.testing.assert_allclose(cache["Z"], X @ layer.W + layer.b)
