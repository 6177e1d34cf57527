"""Model files written by ``train``: reading one (checked against its
metadata), the network inside its pipeline, predictions, and the model's
feature columns of a table, typed as the model was trained.

A problem raises :class:`~sknetscratch.io.csv.DataError` (exit status 1).
"""

from __future__ import annotations

import os

import numpy as np

from ..io.csv import DataError

__all__ = ["features_of", "load_model", "network_of", "numeric_frame", "predictions"]


def network_of(pipe):
    """The fitted network of a pipeline (inside a TransformedTargetRegressor too)."""
    last = pipe[-1]
    return getattr(last, "regressor_", getattr(last, "regressor", last))


def load_model(path: str):
    """The fitted pipeline and metadata of a model file written by ``train``.

    Parameters
    ----------
    path : str
        The model file.

    Returns
    -------
    pipe : sklearn.pipeline.Pipeline
        Fitted.
    meta : dict
        With its ``features`` (a list of str), ``target`` (a str) and ``task``
        (``"classify"`` or ``"regress"``), checked against the pipeline.

    Raises
    ------
    DataError
        If the file is missing, refused, not written by ``train``, not fitted or
        inconsistent with its metadata.
    """
    from sklearn.base import is_classifier
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    from ..io.persistence import load_pipeline

    if not os.path.exists(path):
        raise DataError(f"{path}: no such model file.")
    if os.path.isdir(path):
        raise DataError(f"{path}: is a directory, not a model file.")
    try:
        pipe, meta = load_pipeline(path)
    except ValueError as exc:  # "Refusing to load 'path': reason."
        reason = str(exc).removeprefix(f"Refusing to load {path!r}: ")
        raise DataError(f"{path}: {reason}") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    features, target, task = (meta.get(k) for k in ("features", "target", "task"))
    if not (
        isinstance(features, list)
        and all(isinstance(f, str) for f in features)
        and isinstance(target, str)
        and task in ("classify", "regress")
    ):
        raise DataError(
            f"{path}: a saved pipeline, but not one written by `sknetscratch train` "
            "(it does not record its feature and target columns)."
        )
    try:
        check_is_fitted(pipe)
    except NotFittedError:
        raise DataError(f"{path}: the saved pipeline is not fitted.") from None
    net = network_of(pipe)
    text = meta.get("text_features", [])
    problem = None
    if len(set(features)) != len(features):
        twice = sorted({f for f in features if features.count(f) > 1})
        problem = f"it names the feature column(s) {', '.join(twice)} twice"
    elif len(features) != pipe.n_features_in_:
        problem = (
            f"it names {len(features)} feature columns, but the pipeline takes "
            f"{pipe.n_features_in_}"
        )
    elif not (isinstance(text, list) and set(text) <= set(features)):
        problem = "its text columns are not among its features"
    elif target in features:
        problem = f"its target column {target!r} is also one of its features"
    elif (task == "classify") != is_classifier(pipe[-1]):
        problem = f"it says task {task!r}, but holds a {type(pipe[-1]).__name__}"
    elif getattr(net, "n_outputs_", 1) != 1 and (
        task == "regress" or net.out_activation_ == "logistic"
    ):
        problem = "its network has several outputs (one target column is supported)"
    if problem:
        raise DataError(f"{path}: an inconsistent model file: {problem}.")
    return pipe, meta


def predictions(pipe, X, model_path: str, proba: bool = False):
    """``pipe.predict(X)`` (or ``predict_proba``); a ValueError is a DataError.

    Parameters
    ----------
    pipe : sklearn.pipeline.Pipeline
        As :func:`load_model` returns it.
    X : DataFrame or ndarray of shape (n_rows, n_features)
    model_path : str
        The model file, for the message.
    proba : bool, default=False
        Predict the class probabilities.

    Returns
    -------
    ndarray
    """
    try:
        return pipe.predict_proba(X) if proba else pipe.predict(X)
    except ValueError as exc:
        raise DataError(f"{model_path}: cannot predict ({exc}).") from None


def features_of(frame, meta: dict, path: str, model_path: str, note=None):
    """The model's feature columns of ``frame`` (any order in the file), typed
    as the model was trained: text columns as strings, the others as numbers.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table read.
    meta : dict
        The model's metadata, as :func:`load_model` returns it.
    path : str
        The data file, for messages.
    model_path : str
        The model file, for messages.
    note : callable, default=None
        Called with a note about the columns the model does not use.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataError
        If the table lacks one of the model's columns, or a numeric one holds text.
    """
    features = meta["features"]
    columns = set(frame.columns)
    missing = [f for f in features if f not in columns]
    if missing:
        shown = ", ".join(repr(f) for f in missing[:5])
        more = "" if len(missing) <= 5 else f" and {len(missing) - 5} more"
        raise DataError(
            f"{path}: the model {model_path} was trained on other columns; "
            f"this file lacks {shown}{more}.\n"
            f"The model needs: {', '.join(features)}."
        )
    wanted = set(features) | {meta["target"]}
    extra = [c for c in frame.columns if c not in wanted]
    if extra and note is not None:
        note("ignoring columns the model does not use: " + ", ".join(map(str, extra)))
    return numeric_frame(frame[features], set(meta.get("text_features", [])), path)


def numeric_frame(frame, text: set, path: str):
    """``frame`` with the ``text`` columns as Python strings (NaN when missing)
    and every other column as float64, checked.

    Raises
    ------
    DataError
        If a numeric column holds a value that is not a number, or one too large
        to compute with (beyond 1e150 in magnitude).
    """
    import pandas as pd

    out = {}
    for name in frame.columns:
        col = frame[name]
        if name in text:
            out[name] = col.astype(object).where(col.notna(), np.nan)
            continue
        if col.dtype.kind not in "iufb":
            values = pd.to_numeric(col, errors="coerce")
            bad = values.isna() & col.notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{path}, data row {row + 1}, column {name!r}: {col.iloc[row]!r} "
                    "is not a number (the model read this column as numbers)."
                )
            col = values
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        big = np.abs(values) > 1e150
        if big.any():
            row = int(np.flatnonzero(big)[0])
            raise DataError(
                f"{path}, data row {row + 1}, column {name!r}: {float(values[row])!r} is too "
                "large in magnitude (at most 1e150)."
            )
        out[name] = values
    return pd.DataFrame(out, index=frame.index, copy=False)
