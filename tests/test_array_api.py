"""The Array API (issue 26): the estimators and the core Model on arrays of
array-api-strict (CPU and its simulated ``device1``) and, where it is
installed, PyTorch on the CPU, with the same code as NumPy.

* scikit-learn's own array API checks (``check_estimator`` yields them for an
  estimator whose ``array_api_support`` tag is True): every namespace and
  device, mixed-namespace inputs and the same-namespace errors; those for a
  missing library or device skip;
* a float64 fit on array-api-strict equals the NumPy fit with the same
  ``random_state`` to 1e-10 (in fact bit for bit: the same NumPy underneath),
  its outputs in the input's namespace and on its device; float32 stays
  float32 on ``device1``;
* the same on PyTorch CPU tensors, where PyTorch is installed (to rounding:
  PyTorch's own kernels).

scikit-learn's dispatch needs ``SCIPY_ARRAY_API=1``: set here for these tests
only (scikit-learn reads it when dispatch is turned on; the SciPy code the
estimators call, L-BFGS, runs on the host either way).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import (
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import estimator_checks_generator

from sknetscratch import (
    BatchNormalization,
    DenseBlock,
    Dropout,
    Model,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
)
from sknetscratch.backend import namespace, to_host

xps = pytest.importorskip("array_api_strict")
DEVICE1 = xps.Device("device1")


@pytest.fixture(autouse=True)
def _scipy_array_api(monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # (tests/conftest.py sets it too)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# -- scikit-learn's array API checks -------------------------------------------
CHECKED = [
    ScratchMLPClassifier((8,), max_iter=5, random_state=0),
    ScratchMLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
    ScratchMLPClassifier((8,), solver="lbfgs", max_iter=5, random_state=0),
    ScratchMLPRegressor(
        hidden_layer_sizes=(8,), batch_norm=True, dropout=0.1, max_iter=5
    ),
]


def _array_api_checks():
    for estimator in CHECKED:
        for est, check in estimator_checks_generator(estimator, legacy=True):
            name = getattr(check, "func", check).__name__
            if "array_api" in name:
                keywords = getattr(check, "keywords", {})
                label = "-".join(str(v) for v in keywords.values())
                # (tests/conftest.py skips PyTorch devices missing here)
                yield pytest.param(est, check, id=f"{est!r}-{name}-{label}")


def test_the_tags_declare_array_api_support():
    for est in CHECKED:
        assert est.__sklearn_tags__().array_api_support


@pytest.mark.parametrize("estimator, check", list(_array_api_checks()))
def test_sklearn_array_api_checks(estimator, check):
    check(estimator)


# -- the same fit as NumPy ----------------------------------------------------------
def _data(kind):
    if kind == "binary":
        return make_classification(80, 6, random_state=1)
    if kind == "multiclass":
        return make_classification(80, 6, n_informative=4, n_classes=3, random_state=0)
    if kind == "multilabel":
        return make_multilabel_classification(80, 6, random_state=0)
    X, y = make_regression(
        80, 6, n_targets=2 if kind == "multioutput" else 1, random_state=0
    )
    return X / 10, y / 100


CASES = [
    ("binary", "adam", {}),
    ("multiclass", "sgd", {}),
    ("multilabel", "lbfgs", {}),
    ("multiclass", "adam", {"batch_norm": True}),
    ("binary", "sgd", {"dropout": 0.2, "early_stopping": True}),
    ("single", "lbfgs", {}),
    ("multioutput", "adam", {"batch_norm": True, "dropout": 0.1}),
    ("single", "sgd", {"alpha": 0.1, "l1": 0.01}),
]


def _estimator(kind, solver, params):
    est = (
        ScratchMLPRegressor
        if kind in ("single", "multioutput")
        else ScratchMLPClassifier
    )
    return est(
        hidden_layer_sizes=(8,), solver=solver, max_iter=8, random_state=0, **params
    )


def _outputs(est, X):
    if isinstance(est, ScratchMLPRegressor):
        return {"predict": est.predict(X)}
    return {
        "predict_proba": est.predict_proba(X),
        "predict_log_proba": est.predict_log_proba(X),
        "predict": est.predict(X),
    }


@pytest.mark.parametrize("kind, solver, params", CASES)
def test_a_float64_fit_on_array_api_strict_is_the_numpy_fit(kind, solver, params):
    X, y = _data(kind)
    reference = _estimator(kind, solver, params).fit(X, y)
    expected = _outputs(reference, X)
    X_xp, y_xp = xps.asarray(X, device=DEVICE1), xps.asarray(y, device=DEVICE1)
    with config_context(array_api_dispatch=True):
        est = _estimator(kind, solver, params).fit(X_xp, y_xp)
        got = _outputs(est, X_xp)
        assert namespace(est.coefs_[0]) is xps
        assert est.coefs_[0].device == DEVICE1
    for method, value in got.items():
        assert namespace(value) is xps, method
        assert value.device == DEVICE1, method
        np.testing.assert_allclose(to_host(value), expected[method], rtol=0, atol=1e-10)
    assert est.loss_curve_ == pytest.approx(reference.loss_curve_, abs=1e-10)


@pytest.mark.parametrize("kind, solver", [("multiclass", "adam"), ("single", "sgd")])
def test_float32_stays_float32_on_device1(kind, solver):
    X, y = _data(kind)
    X32 = X.astype(np.float32)
    reference = _estimator(kind, solver, {}).fit(X32, y)
    expected = (
        reference.predict(X32) if kind == "single" else reference.predict_proba(X32)
    )
    X_xp = xps.asarray(X32, device=DEVICE1)
    with config_context(array_api_dispatch=True):
        est = _estimator(kind, solver, {}).fit(X_xp, xps.asarray(y, device=DEVICE1))
        out = est.predict(X_xp) if kind == "single" else est.predict_proba(X_xp)
    assert est.coefs_[0].dtype == xps.float32
    assert out.dtype == xps.float32 and out.device == DEVICE1
    # the NumPy float32 fit, to float32 rounding
    np.testing.assert_allclose(to_host(out), expected, rtol=0, atol=1e-5)


def test_predict_refuses_another_namespace_and_works_without_dispatch():
    X, y = _data("binary")
    X_xp = xps.asarray(X, device=DEVICE1)
    with config_context(array_api_dispatch=True):
        est = _estimator("binary", "adam", {}).fit(X_xp, xps.asarray(y, device=DEVICE1))
        with pytest.raises(ValueError, match="must use the same namespace"):
            est.predict_proba(X)
        with pytest.raises(ValueError, match="Devices used during fit"):
            est.predict(xps.asarray(X))
        expected = to_host(est.predict_proba(X_xp))
    # without dispatch, NumPy input gives NumPy output, as before
    proba = est.predict_proba(X)
    assert isinstance(proba, np.ndarray)
    np.testing.assert_allclose(proba, expected, atol=1e-12)


def test_move_estimator_to_moves_the_network():
    array_api = pytest.importorskip("sklearn.utils._array_api")
    X, y = _data("multiclass")
    est = _estimator("multiclass", "adam", {}).fit(X, y)
    expected = est.predict_proba(X)
    with config_context(array_api_dispatch=True):
        moved = array_api.move_estimator_to(est, xps, DEVICE1)
        X_xp = xps.asarray(X, device=DEVICE1)
        proba = moved.predict_proba(X_xp)
        labels = moved.predict(X_xp)
        assert moved.model_.namespace is xps and moved.model_.device == DEVICE1
        back = array_api.move_estimator_to(moved, np, "cpu")
        np.testing.assert_allclose(back.predict_proba(X), expected, atol=1e-12)
        # the original keeps its own network, on the host
        assert est.model_.namespace is np and moved.model_ is not est.model_
        np.testing.assert_array_equal(est.predict_proba(X), expected)
    assert proba.device == DEVICE1
    np.testing.assert_allclose(to_host(proba), expected, atol=1e-12)
    np.testing.assert_array_equal(to_host(labels), est.predict(X))


def test_without_dispatch_torch_style_input_is_numpy():
    # array-api-strict refuses np.asarray, as scikit-learn's checks note;
    # without dispatch, the estimators see NumPy arrays only (today's behaviour)
    X, y = _data("binary")
    est = _estimator("binary", "adam", {}).fit(X, y)
    assert isinstance(est.coefs_[0], np.ndarray)


def test_the_core_model_on_array_api_strict():
    X, y = _data("multiclass")
    Y = np.eye(3)[y]

    def model():
        layers = [DenseBlock(8, "relu"), BatchNormalization(), Dropout(0.2)]
        return Model([*layers, DenseBlock(3, "softmax")]).compile("adam", alpha=1e-3)

    reference = model()
    expected = reference.fit(
        X, Y, epochs=3, batch_size=16, random_state=0, validation_split=0.2
    )
    m = model()
    X_xp = xps.asarray(X, device=DEVICE1)
    history = m.fit(
        X_xp,
        xps.asarray(Y, device=DEVICE1),
        epochs=3,
        batch_size=16,
        random_state=0,
        validation_split=0.2,
    )
    assert m.namespace is xps and m.device == DEVICE1
    out = m.predict(X_xp)
    assert namespace(out) is xps and out.device == DEVICE1
    np.testing.assert_allclose(to_host(out), reference.predict(X), atol=1e-10)
    assert history.history["val_loss"] == pytest.approx(
        expected.history["val_loss"], abs=1e-10
    )
    # a NumPy input to a model on a device: the answer comes back as NumPy
    np.testing.assert_allclose(m.predict(X), reference.predict(X), atol=1e-10)
    m.move_to(np)
    assert isinstance(m.params, np.ndarray)
    np.testing.assert_allclose(m.predict(X), reference.predict(X), atol=1e-10)


# -- PyTorch, where installed ---------------------------------------------------------
@pytest.mark.parametrize("kind, solver, params", CASES)
def test_a_float64_fit_on_torch_cpu_is_the_numpy_fit(kind, solver, params):
    torch = pytest.importorskip("torch")
    X, y = _data(kind)
    reference = _estimator(kind, solver, params).fit(X, y)
    expected = _outputs(reference, X)
    X_t, y_t = torch.asarray(X), torch.asarray(y)
    with config_context(array_api_dispatch=True):
        est = _estimator(kind, solver, params).fit(X_t, y_t)
        got = _outputs(est, X_t)
    for method, value in got.items():
        assert isinstance(value, torch.Tensor), method
        assert value.device.type == "cpu", method
        if method != "predict" or isinstance(est, ScratchMLPRegressor):  # not labels
            assert value.dtype == torch.float64, method
        np.testing.assert_allclose(value.numpy(), expected[method], rtol=0, atol=1e-10)


# -- files and ONNX from a device ------------------------------------------------------
def _fitted_on_device1():
    X, y = _data("multiclass")
    X_xp = xps.asarray(X, device=DEVICE1)
    with config_context(array_api_dispatch=True):
        est = _estimator("multiclass", "adam", {"batch_norm": True})
        est.fit(X_xp, xps.asarray(y, device=DEVICE1))
        expected = to_host(est.predict_proba(X_xp))
    return est, X, expected


def test_save_and_load_a_network_fitted_on_device1(tmp_path):
    from sknetscratch import load, save

    est, X, expected = _fitted_on_device1()
    save(est, tmp_path / "clf.skn")
    assert est.model_.device == DEVICE1  # saved from a host copy: left as it was
    loaded = load(tmp_path / "clf.skn")
    assert isinstance(loaded.coefs_[0], np.ndarray)
    np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-12)
    # the core Model too
    model = est.model_
    save(model, tmp_path / "model.skn")
    np.testing.assert_allclose(
        load(tmp_path / "model.skn").predict(X), to_host(model.predict(X)), atol=1e-12
    )


def test_to_onnx_of_a_network_fitted_on_device1():
    pytest.importorskip("onnxruntime")
    import onnxruntime as ort

    from sknetscratch import to_onnx

    est, X, expected = _fitted_on_device1()
    onx = to_onnx(est)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    _, proba = session.run(None, {"X": X})
    np.testing.assert_allclose(proba, expected, rtol=1e-9, atol=1e-9)
    assert est.model_.device == DEVICE1


def test_summary_and_hidden_representation_on_device1():
    est, X, _ = _fitted_on_device1()
    lines = []
    est.summary(print_fn=lines.append)
    assert "Total params" in lines[0]
    X_xp = xps.asarray(X, device=DEVICE1)
    with config_context(array_api_dispatch=True):
        H = est.hidden_representation(X_xp)
    assert H.device == DEVICE1 and tuple(H.shape) == (X.shape[0], 8)


def test_a_failed_fit_on_another_namespace_restores_the_network_where_it_was():
    X, y = _data("binary")
    est = _estimator("binary", "adam", {}).set_params(warm_start=True).fit(X, y)
    before = est.predict_proba(X)
    bad = X.copy()
    bad[0, 0] = np.nan
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="NaN"):
            est.fit(xps.asarray(bad, device=DEVICE1), xps.asarray(y, device=DEVICE1))
    assert isinstance(est.coefs_[0], np.ndarray) and est.model_.namespace is np
    np.testing.assert_array_equal(est.predict_proba(X), before)


def test_partial_fit_on_device1_continues_there():
    X, y = _data("multiclass")
    X_xp, y_xp = xps.asarray(X, device=DEVICE1), xps.asarray(y, device=DEVICE1)
    reference = _estimator("multiclass", "sgd", {})
    for _ in range(2):
        reference.partial_fit(X, y, classes=np.unique(y))
    est = _estimator("multiclass", "sgd", {})
    with config_context(array_api_dispatch=True):
        for _ in range(2):
            est.partial_fit(X_xp, y_xp, classes=np.unique(y))
        proba = est.predict_proba(X_xp)
    assert proba.device == DEVICE1
    np.testing.assert_allclose(to_host(proba), reference.predict_proba(X), atol=1e-10)


def test_the_core_model_on_torch_cpu():
    torch = pytest.importorskip("torch")
    X, y = _data("multiclass")
    Y = np.eye(3)[y]

    def model():
        layers = [DenseBlock(8, "gelu"), BatchNormalization(), Dropout(0.2)]
        return Model([*layers, DenseBlock(3, "softmax")]).compile("rmsprop", alpha=1e-3)

    reference = model()
    reference.fit(X, Y, epochs=2, batch_size=16, random_state=0)
    m = model()
    m.fit(torch.asarray(X), torch.asarray(Y), epochs=2, batch_size=16, random_state=0)
    out = m.predict(torch.asarray(X))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), reference.predict(X), atol=1e-10)


def test_save_a_pipeline_whose_network_is_on_device1(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknetscratch import load, save

    est, X, _ = _fitted_on_device1()
    pipe = make_pipeline(StandardScaler().fit(X), est)
    save(pipe, tmp_path / "pipe.skn")
    loaded = load(tmp_path / "pipe.skn")
    Xs = StandardScaler().fit_transform(X)
    with config_context(array_api_dispatch=True):
        expected = to_host(est.predict_proba(xps.asarray(Xs, device=DEVICE1)))
    np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-12)
