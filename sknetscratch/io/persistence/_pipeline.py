"""Pipelines in the safe format: ``StandardScaler`` steps, then one estimator.

A scikit-learn :class:`~sklearn.pipeline.Pipeline` such as
``Pipeline([("scale", StandardScaler()), ("net", ScratchMLPClassifier())])`` is
saved as a document of content type ``"pipeline"``::

    {"type": "pipeline",
     "params": {"verbose": false},
     "steps": [{"name": "scale", "class": "StandardScaler",
                "params": {...}, "attributes": {...}},
               {"name": "net", "estimator": {<an estimator's content>}}],
     "metadata": {"target": "y", ...}}

The last step is one of the allow-listed estimators, encoded exactly as a
stand-alone estimator; every step before it is a ``StandardScaler`` with its
three parameters (``copy``, ``with_mean``, ``with_std``) and only the fitted
attributes ``mean_``, ``var_``, ``scale_``, ``n_samples_seen_``,
``n_features_in_`` and ``feature_names_in_``, each checked for type, shape and
finiteness on load. ``memory`` and ``transform_input`` must be None.

``metadata`` is an optional flat JSON object of plain values (str, finite
numbers, bool, None, or lists of str and numbers) kept beside the pipeline, for
example the column names that the command line trained on; see
:func:`save_pipeline` and :func:`load_pipeline`.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._decode import _Decoder, _get
from ._encode import _document, _Encoder
from ._format import _ESTIMATORS, _Refused

__all__ = ["load_pipeline", "save_pipeline"]

_SCALER_PARAMS = frozenset(["copy", "with_mean", "with_std"])
_SCALER_ATTRIBUTES = frozenset(
    [
        "mean_",
        "var_",
        "scale_",
        "n_samples_seen_",
        "n_features_in_",
        "feature_names_in_",
    ]
)
_PIPELINE_PARAMS = frozenset(["steps", "memory", "transform_input", "verbose"])

Metadata = dict[str, Any]


# ---------------------------------------------------------------------- saving
def _check_metadata(metadata: Any, where: str, error: type[Exception]) -> Metadata:
    """A flat dict of plain JSON values (or lists of str and numbers)."""

    def plain(v: Any) -> bool:
        if v is None or type(v) in (bool, str, int):
            return True
        return type(v) is float and math.isfinite(v)

    if not isinstance(metadata, dict):
        raise error(f"{where} must be a dict; got {type(metadata).__name__}")
    for key, val in metadata.items():
        if not isinstance(key, str):
            raise error(f"{where} keys must be str; got {key!r}")
        ok = plain(val) or (
            type(val) is list
            and all(plain(v) and v is not None and type(v) is not bool for v in val)
        )
        if not ok:
            raise error(
                f"{where}[{key!r}] must be None, a bool, a str, a finite number or a "
                f"list of str and numbers; got {val!r}"
            )
    return dict(metadata)


def _encode_scaler(enc: _Encoder, scaler: StandardScaler, where: str) -> dict:
    params = scaler.get_params(deep=False)
    if set(params) != _SCALER_PARAMS or not all(
        type(v) is bool for v in params.values()
    ):
        raise TypeError(
            f"Cannot save {where}: StandardScaler parameters must be the bools "
            f"{sorted(_SCALER_PARAMS)}; got {params!r}."
        )
    attributes = {k: v for k, v in vars(scaler).items() if k not in params}
    extra = sorted(set(attributes) - _SCALER_ATTRIBUTES)
    if extra:
        raise TypeError(
            f"Cannot save {where}: it has attributes {extra} that the file format "
            "does not know; they would be lost."
        )
    return {
        "class": "StandardScaler",
        "params": {
            k: enc.value(v, f"{where} parameter {k!r}") for k, v in params.items()
        },
        "attributes": {
            k: enc.value(v, f"{where} attribute {k!r}") for k, v in attributes.items()
        },
    }


def _encode_pipeline(pipe: Pipeline, metadata: Metadata | None = None) -> tuple:
    """``(document, arrays)`` of a pipeline; the ``save`` hook calls this."""

    if type(pipe) is not Pipeline:
        raise TypeError(
            f"Cannot save a {type(pipe).__name__}: only sklearn.pipeline.Pipeline "
            "itself can be saved."
        )
    params = pipe.get_params(deep=False)
    if (set(params) | set(vars(pipe))) - _PIPELINE_PARAMS:
        raise TypeError(
            "Cannot save the Pipeline: it has parameters or attributes "
            f"{sorted(set(params) | set(vars(pipe)))} beyond {sorted(_PIPELINE_PARAMS)}."
        )
    if params.get("memory") is not None or params.get("transform_input") is not None:
        raise TypeError(
            "Cannot save the Pipeline: memory and transform_input must be None."
        )
    steps = params["steps"]
    if not isinstance(steps, list) or not steps:
        raise TypeError("Cannot save the Pipeline: it has no steps.")
    enc = _Encoder()
    docs = []
    for i, step in enumerate(steps):
        name, est = step
        where = f"Pipeline step {i} ({name!r})"
        if not isinstance(name, str):
            raise TypeError(f"Cannot save {where}: step names must be str.")
        last = i == len(steps) - 1
        if last and type(est) in _ESTIMATORS.values():
            docs.append({"name": name, "estimator": enc.estimator(est)})
        elif not last and type(est) is StandardScaler:
            docs.append({"name": name, **_encode_scaler(enc, est, where)})
        else:
            raise TypeError(
                f"Cannot save {where}: a saved Pipeline is StandardScaler steps "
                f"followed by one of {sorted(_ESTIMATORS)}; got {type(est).__name__}."
            )
    content = {
        "type": "pipeline",
        "params": {"verbose": enc.value(bool(params["verbose"]), "Pipeline verbose")},
        "steps": docs,
        "metadata": (
            {} if metadata is None else _check_metadata(metadata, "metadata", TypeError)
        ),
    }
    return _document(content), enc.arrays


def save_pipeline(
    pipe: Pipeline,
    path: str | os.PathLike[str],
    metadata: Metadata | None = None,
) -> None:
    """Save a Pipeline (StandardScaler steps, then an estimator) and its metadata.

    ``sknetscratch.save(pipe, path)`` is ``save_pipeline(pipe, path)``.

    Parameters
    ----------
    pipe : sklearn.pipeline.Pipeline
        StandardScaler steps followed by a ScratchMLPClassifier or
        ScratchMLPRegressor, fitted or not.
    path : str or os.PathLike
        Destination file, written atomically.
    metadata : dict, default=None
        Flat dict of plain values (str, finite numbers, bool, None, lists of str
        and numbers) stored beside the pipeline.

    Raises
    ------
    TypeError
        If a step, parameter, attribute or metadata value cannot be saved.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknetscratch import ScratchMLPRegressor
    >>> from sknetscratch.io.persistence import load_pipeline, save_pipeline
    >>> net = ScratchMLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs")
    >>> pipe = Pipeline([("scale", StandardScaler()), ("net", net)])
    >>> pipe = pipe.fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
    >>> path = os.path.join(tempfile.mkdtemp(), "pipe.npz")
    >>> save_pipeline(pipe, path, metadata={"target": "y", "features": ["x"]})
    >>> loaded, metadata = load_pipeline(path)
    >>> metadata["features"], bool(loaded.predict([[1.5]]) == pipe.predict([[1.5]]))
    (['x'], True)
    """
    from . import _write_document

    _write_document(*_encode_pipeline(pipe, metadata), path, "the Pipeline")


# ---------------------------------------------------------------------- loading
def _float_vector(
    value: Any, n: int, where: str, required: bool, positive: bool = False
) -> None:
    if value is None and not required:
        return
    if not (
        isinstance(value, np.ndarray)
        and value.dtype.kind == "f"
        and value.shape == (n,)
        and np.isfinite(value).all()
    ):
        shape = f"a finite float array of shape ({n},)"
        raise _Refused(f"{where} must be {'None or ' * (not required)}{shape}")
    if positive and not (value > 0).all():
        raise _Refused(f"{where} must be positive")


def _decode_scaler(decoder: _Decoder, doc: dict, where: str) -> StandardScaler:
    params = {}
    for key, val in _get(doc, "params", dict, where).items():
        if key not in _SCALER_PARAMS:
            raise _Refused(f"{where}: unknown StandardScaler parameter {key!r}")
        params[key] = decoder.value(val, f"{where} parameter {key!r}", nested=False)
        if type(params[key]) is not bool:
            raise _Refused(f"{where}: StandardScaler {key!r} must be a bool")
    scaler = StandardScaler(**params)
    attributes = {}
    for key, val in _get(doc, "attributes", dict, where).items():
        if key not in _SCALER_ATTRIBUTES:
            raise _Refused(f"{where}: StandardScaler attribute {key!r} is not allowed")
        attributes[key] = decoder.value(val, f"{where} attribute {key!r}")
    if attributes:  # fitted: check every attribute against n_features_in_
        n = attributes.get("n_features_in_")
        if type(n) is not int or n < 1:
            raise _Refused(f"{where}: n_features_in_ must be a positive int")
        for key in ("mean_", "var_", "scale_"):
            if key not in attributes:
                raise _Refused(f"{where}: a fitted StandardScaler needs {key}")
        # as StandardScaler.fit sets them: mean_ is None only when neither
        # centring nor scaling, var_ and scale_ only when not scaling
        with_mean, with_std = scaler.with_mean, scaler.with_std
        _float_vector(attributes["mean_"], n, f"{where}: mean_", with_mean or with_std)
        _float_vector(attributes["var_"], n, f"{where}: var_", with_std)
        _float_vector(
            attributes["scale_"], n, f"{where}: scale_", with_std, positive=True
        )
        seen = np.asarray(attributes.get("n_samples_seen_"))  # a scalar or per column
        if not (
            seen.dtype.kind in "iuf"
            and seen.shape in ((), (n,))
            and np.isfinite(seen).all()
            and (seen >= 0).all()
        ):
            raise _Refused(f"{where}: n_samples_seen_ must be a count")
        names = attributes.get("feature_names_in_")
        if names is not None and not (
            isinstance(names, np.ndarray)
            and names.dtype == object
            and names.shape == (n,)
        ):
            raise _Refused(f"{where}: feature_names_in_ must be {n} strings")
        for key, val in attributes.items():
            setattr(scaler, key, val)
    return scaler


def _decode_pipeline(decoder: _Decoder, content: dict) -> tuple[Pipeline, Metadata]:
    """Rebuild the pipeline and its metadata; the ``load`` hook calls this."""
    params = _get(content, "params", dict, "the pipeline")
    if set(params) - {"verbose"}:
        raise _Refused(f"unknown Pipeline parameters {sorted(set(params))}")
    verbose = decoder.value(
        _get(params, "verbose", dict, "the pipeline"), "Pipeline verbose", nested=False
    )
    if type(verbose) is not bool:
        raise _Refused("Pipeline verbose must be a bool")
    step_docs = _get(content, "steps", list, "the pipeline")
    if not step_docs:
        raise _Refused("the pipeline has no steps")
    steps = []
    for i, step in enumerate(step_docs):
        where = f"pipeline step {i}"
        name = _get(step, "name", str, where)
        if i == len(step_docs) - 1:
            est = decoder.estimator(_get(step, "estimator", dict, where))
        elif step.get("class") == "StandardScaler":
            est = _decode_scaler(decoder, step, f"{where} ({name!r})")
        else:
            raise _Refused(
                f"{where}: only StandardScaler may come before the estimator"
            )
        steps.append((name, est))
    if len({name for name, _ in steps}) != len(steps):
        raise _Refused("pipeline step names must be unique")
    widths = [getattr(est, "n_features_in_", None) for _, est in steps]
    if None in widths and any(w is not None for w in widths):
        raise _Refused("the pipeline's steps must be all fitted or all unfitted")
    for i in range(1, len(steps)):  # each step takes what the one before gives
        if widths[i] != widths[i - 1]:
            raise _Refused(
                f"pipeline step {i} ({steps[i][0]!r}) takes {widths[i]} features, "
                f"but step {i - 1} ({steps[i - 1][0]!r}) gives {widths[i - 1]}"
            )
    metadata = _check_metadata(content.get("metadata", {}), "metadata", _Refused)
    return Pipeline(steps, verbose=verbose), metadata


def load_pipeline(path: str | os.PathLike[str]) -> tuple[Pipeline, Metadata]:
    """Load a Pipeline written by :func:`save_pipeline`, and its metadata.

    The checks are those of :func:`sknetscratch.load` (which returns the same
    pipeline without the metadata).

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_pipeline` or ``sknetscratch.save``.

    Returns
    -------
    pipe : sklearn.pipeline.Pipeline
    metadata : dict
        The metadata saved with it (empty if none).

    Raises
    ------
    ValueError
        If the file is refused by :func:`sknetscratch.load`, or holds something
        other than a pipeline. The message names the file.
    FileNotFoundError
        If ``path`` does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknetscratch import ScratchMLPClassifier
    >>> from sknetscratch.io.persistence import load_pipeline, save_pipeline
    >>> pipe = make_pipeline(StandardScaler(), ScratchMLPClassifier((2,)))
    >>> path = os.path.join(tempfile.mkdtemp(), "unfitted.npz")
    >>> save_pipeline(pipe, path, {"note": "not trained yet"})
    >>> loaded, metadata = load_pipeline(path)
    >>> [name for name, _ in loaded.steps], metadata
    (['standardscaler', 'scratchmlpclassifier'], {'note': 'not trained yet'})
    """
    from . import _load_document

    def decode(decoder, content):
        kind = content.get("type")
        if kind != "pipeline":
            what = {"estimator": "a single estimator", "model": "a core Model"}
            raise _Refused(f"it holds {what.get(kind, repr(kind))}, not a pipeline")
        return _decode_pipeline(decoder, content)

    return _load_document(path, decode)
