"""Pipelines (StandardScaler steps + an estimator) in the safe format."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor, load, save
from sknetscratch.io.persistence import load_pipeline, save_pipeline
from sknetscratch.io.persistence._format import META_KEY


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1.0, 10.0, 100.0] + [0.0, 5.0, -50.0]
    return X, (X[:, 0] + X[:, 1] / 10 > 0.5).astype(int)


def _pipe(net=None, **scaler):
    net = net or ScratchMLPClassifier((4,), max_iter=5, random_state=0)
    return Pipeline([("scale", StandardScaler(**scaler)), ("net", net)])


def _fit(pipe, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return pipe.fit(X, y)


def _rewrite(path, mutate):
    """Rewrite a saved file with a modified JSON document."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    doc = json.loads(arrays.pop(META_KEY).tobytes())
    mutate(doc["content"])
    arrays[META_KEY] = np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _scaler_doc(content):
    return content["steps"][0]


@pytest.mark.parametrize(
    "net, scaler",
    [
        (ScratchMLPClassifier((4,), max_iter=5, random_state=0), {}),
        (
            ScratchMLPRegressor(
                hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5, random_state=0
            ),
            {},
        ),
        (ScratchMLPClassifier((4,), max_iter=5, random_state=0), {"with_mean": False}),
        (
            ScratchMLPClassifier((4,), max_iter=5, random_state=0),
            {"with_mean": False, "with_std": False},
        ),
    ],
)
def test_fitted_pipeline_roundtrip(net, scaler, tmp_path):
    X, y = _data()
    target = y if isinstance(net, ScratchMLPClassifier) else X[:, 0]
    pipe = _fit(_pipe(net, **scaler), X, target)
    path = tmp_path / "pipe.npz"
    save(pipe, path)
    loaded = load(path)
    assert type(loaded) is Pipeline
    assert [name for name, _ in loaded.steps] == ["scale", "net"]
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    a, b = pipe[0], loaded[0]
    assert a.get_params() == b.get_params()
    for key in ("mean_", "var_", "scale_", "n_samples_seen_", "n_features_in_"):
        va, vb = getattr(a, key), getattr(b, key)
        assert type(va) is type(vb), key
        np.testing.assert_array_equal(np.asarray(va), np.asarray(vb))


def test_unfitted_pipeline_roundtrip_then_fits(tmp_path):
    path = tmp_path / "pipe.npz"
    save(_pipe(), path)
    loaded = load(path)
    assert not hasattr(loaded[0], "mean_")
    X, y = _data()
    fitted = _fit(_pipe(), X, y)
    np.testing.assert_array_equal(
        _fit(loaded, X, y).predict_proba(X), fitted.predict_proba(X)
    )


def test_feature_names_roundtrip(tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = _data()
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    pipe = _fit(_pipe(), df, y)
    path = tmp_path / "pipe.npz"
    save(pipe, path)
    loaded = load(path)
    assert list(loaded.feature_names_in_) == ["a", "b", "c"]
    np.testing.assert_array_equal(loaded.predict(df), pipe.predict(df))


def test_metadata_roundtrip(tmp_path):
    X, y = _data()
    meta = {"features": ["a", "b", "c"], "target": "y", "rows": 40, "cv": [0.5, 1.0]}
    path = tmp_path / "pipe.npz"
    save_pipeline(_fit(_pipe(), X, y), path, meta)
    pipe, loaded_meta = load_pipeline(path)
    assert loaded_meta == meta
    assert type(load(path)) is Pipeline  # plain load drops the metadata


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda: Pipeline([("mm", MinMaxScaler()), ("net", ScratchMLPClassifier())]),
            "transformer steps .* followed by",
        ),
        (
            lambda: Pipeline(
                [("net", ScratchMLPClassifier()), ("s", StandardScaler())]
            ),
            "transformer steps .* followed by",
        ),
        (
            lambda: Pipeline(
                [("s", StandardScaler()), ("net", ScratchMLPClassifier())],
                memory="cache",
            ),
            "memory and transform_input must be None",
        ),
    ],
)
def test_save_refuses_other_pipelines(make, match, tmp_path):
    with pytest.raises(TypeError, match=match):
        save(make(), tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_save_refuses_unknown_scaler_attribute(tmp_path):
    X, y = _data()
    pipe = _fit(_pipe(), X, y)
    pipe[0].extra_ = 1
    with pytest.raises(TypeError, match=r"attributes \['extra_'\]"):
        save(pipe, tmp_path / "x.npz")


@pytest.mark.parametrize(
    "meta", [{"a": {"nested": 1}}, {"a": [["x"]]}, {1: "x"}, {"a": float("nan")}]
)
def test_save_refuses_bad_metadata(meta, tmp_path):
    X, y = _data()
    with pytest.raises(TypeError, match="metadata"):
        save_pipeline(_fit(_pipe(), X, y), tmp_path / "x.npz", meta)


def _set_attr(name, value_doc):
    return lambda c: _scaler_doc(c)["attributes"].__setitem__(name, value_doc)


@pytest.mark.parametrize(
    "mutate, match",
    [
        (_set_attr("__class__", {"type": "str", "value": "x"}), "is not allowed"),
        (_set_attr("copy_", {"type": "bool", "value": True}), "is not allowed"),
        (
            lambda c: _scaler_doc(c)["params"].__setitem__(
                "with_mean", {"type": "str", "value": "yes"}
            ),
            "must be a bool",
        ),
        (
            lambda c: _scaler_doc(c)["params"].__setitem__(
                "bogus", {"type": "bool", "value": True}
            ),
            "unknown StandardScaler parameter",
        ),
        (_set_attr("n_features_in_", {"type": "int", "value": 2}), "mean_ must be"),
        (_set_attr("n_samples_seen_", {"type": "str", "value": "3"}), "a count"),
        (
            lambda c: _scaler_doc(c).__setitem__("class", "MinMaxScaler"),
            "only Standard",
        ),
        (lambda c: c["steps"][0].__setitem__("name", "net"), "names must be unique"),
        (lambda c: c["params"].__setitem__("memory", {"type": "none"}), "unknown Pip"),
        (lambda c: c.__setitem__("metadata", {"a": {"b": 1}}), r"metadata\['a'\]"),
        (lambda c: c.__setitem__("steps", []), "no steps"),
    ],
)
def test_load_refuses_tampered_pipelines(mutate, match, tmp_path):
    X, y = _data()
    path = tmp_path / "pipe.npz"
    save(_fit(_pipe(), X, y), path)
    _rewrite(path, mutate)
    with pytest.raises(ValueError, match=f"Refusing to load .*{match}"):
        load(path)


def test_load_refuses_nonpositive_scale(tmp_path):
    X, y = _data()
    path = tmp_path / "pipe.npz"
    pipe = _fit(_pipe(), X, y)
    pipe[0].scale_ = -pipe[0].scale_
    save(pipe, path)
    with pytest.raises(ValueError, match="scale_ must be positive"):
        load(path)


def test_load_pipeline_refuses_an_estimator_file(tmp_path):
    X, y = _data()
    path = tmp_path / "est.npz"
    save(_fit(_pipe(), X, y)[-1], path)
    with pytest.raises(ValueError, match="holds a single estimator, not a pipeline"):
        load_pipeline(path)


def test_pipeline_functions_are_public_in_persistence():
    import sknetscratch.io.persistence as persistence
    from sknetscratch.io.persistence import _pipeline

    assert {"save_pipeline", "load_pipeline"} <= set(persistence.__all__)
    assert persistence.save_pipeline is _pipeline.save_pipeline
    assert persistence.load_pipeline is _pipeline.load_pipeline


def _scaler_set(name, value):
    def change(pipe):
        setattr(pipe[0], name, value)

    return change


@pytest.mark.parametrize(
    "change, scaler, match",
    [
        (_scaler_set("scale_", None), {}, r"scale_ must be a finite float array"),
        (_scaler_set("var_", None), {}, r"var_ must be a finite float array"),
        (_scaler_set("mean_", None), {}, r"mean_ must be a finite float array"),
        (
            _scaler_set("mean_", None),
            {"with_mean": False},
            r"mean_ must be a finite float array",
        ),
        (
            lambda pipe: pipe[0].fit(np.ones((3, 2))),
            {},
            r"step 1 \('net'\) takes 3 features, but step 0 \('scale'\) gives 2",
        ),
        (
            lambda pipe: pipe.steps.__setitem__(0, ("scale", StandardScaler())),
            {},
            "all fitted or all unfitted",
        ),
    ],
)
def test_load_refuses_inconsistent_pipelines(change, scaler, match, tmp_path):
    X, y = _data()
    pipe = _fit(_pipe(**scaler), X, y)
    change(pipe)
    path = tmp_path / "pipe.npz"
    save_pipeline(pipe, path, {"target": "y"})
    with pytest.raises(ValueError, match=f"Refusing to load .*{match}"):
        load_pipeline(path)
    with pytest.raises(ValueError, match=match):
        load(path)


def test_scale_may_be_none_without_scaling(tmp_path):
    X, y = _data()
    pipe = _fit(_pipe(with_std=False), X, y)
    assert pipe[0].scale_ is None and pipe[0].var_ is None
    path = tmp_path / "pipe.npz"
    save(pipe, path)
    np.testing.assert_array_equal(load(path).predict(X), pipe.predict(X))
