"""What the commands share: the program's name, checks of the file arguments,
reading a model file written by ``train``, the model's columns of a table, and
the one-line curves of the reports.

A problem with the data or a model file raises :class:`~sknetscratch.io.csv.DataError`,
which :func:`sknetscratch.cli.main` reports in one or two lines (exit status 1).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import numpy as np

from ..io.csv import DataError, Table

__all__ = [
    "PLOT_HINT",
    "PROG",
    "check_paths",
    "curve",
    "describe",
    "features_of",
    "load_model",
    "predictions",
    "target_numbers",
    "unit",
]

#: The command's name, in its messages.
PROG = "sknetscratch"
#: How to install what ``--plot`` needs.
PLOT_HINT = 'pip install "sknetscratch[plot]"'


# ------------------------------------------------------------------ reports
def _sparkline(values: Sequence[float], width: int = 48) -> str:
    """A one-line text curve: each character is the mean of a run of values."""
    v = np.asarray(values, dtype=np.float64)
    if v.size > width:
        v = np.array([part.mean() for part in np.array_split(v, width)])
    levels = "▁▂▃▄▅▆▇█"
    lo, hi = float(v.min()), float(v.max())
    if not hi > lo:
        return levels[0] * v.size
    idx = np.rint((v - lo) / (hi - lo) * (len(levels) - 1)).astype(int)
    return "".join(levels[i] for i in idx)


def curve(name: str, values: Sequence[float], unit: str = "epochs", best=min) -> str:
    """``name (n epochs): first ▇▅▃▂▁ last (min ...)``: a curve on one line.

    Parameters
    ----------
    name : str
        What the values are.
    values : sequence of float
        The curve (a loss or a score per epoch).
    unit : str, default="epochs"
        What the values are counted in.
    best : {min, max}, default=min
        The function that picks the best value.

    Returns
    -------
    str

    Examples
    --------
    >>> curve("loss", [0.9, 0.5, 0.4])
    'loss (3 epochs): 0.9000 █▂▁ 0.4000 (min 0.4000)'
    """
    if not values:
        return f"{name}: (none)"
    return (
        f"{name} ({len(values)} {unit}): {values[0]:.4f} {_sparkline(values)} "
        f"{values[-1]:.4f} ({best.__name__} {best(values):.4f})"
    )


def unit(net) -> str:
    """What the network's curves count: ``"iterations"`` (lbfgs) or ``"epochs"``.

    Parameters
    ----------
    net : ScratchMLPClassifier or ScratchMLPRegressor

    Returns
    -------
    str
    """
    return "iterations" if net.solver == "lbfgs" else "epochs"


def describe(est) -> str:
    """The estimator's parameters that differ from the defaults, as ``k=v, ...``.

    Parameters
    ----------
    est : estimator
        Its class must build with no arguments.

    Returns
    -------
    str
    """
    defaults = type(est)().get_params()
    return ", ".join(
        f"{k}={v!r}" for k, v in est.get_params().items() if defaults[k] != v
    )


# ------------------------------------------------------------------- files
def _check_output(path: str, option: str) -> None:
    """Fail before any work if ``path`` cannot be written: its folder is missing."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise DataError(f"{option} {path}: is a directory; give a file name.")
    if not os.path.isdir(folder):
        raise DataError(f"{option} {path}: the folder {folder} does not exist.")


def _same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (through links and ``..`` too)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links; False if either is missing
    except OSError:
        return False


def check_paths(inputs: dict[str, str], outputs: dict[str, str | None]) -> None:
    """Fail before any work if an output cannot be written, or if two of the
    files (inputs and outputs, keyed by how the message names them) are one.

    Parameters
    ----------
    inputs : dict of str to str
        The files read, keyed by how a message names them (``"the data file"``).
    outputs : dict of str to str or None
        The files written, keyed by their option (``"--out"``); None is none.

    Raises
    ------
    DataError
        If an output's folder is missing or it is a folder, or if two of the
        files are one (also through links).
    """
    outputs = {what: path for what, path in outputs.items() if path is not None}
    for option, path in outputs.items():
        _check_output(path, option)
    named = [(f"{what} {path}", path) for what, path in inputs.items()]
    named += [(f"{option} {path}", path) for option, path in outputs.items()]
    for i, (what, path) in enumerate(named):
        for other, other_path in named[:i]:
            if _same_file(path, other_path):
                raise DataError(
                    f"{what}: the same file as {other}; "
                    "give every output a file of its own."
                )


# ------------------------------------------------------------- model files
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
    net = pipe[-1]
    problem = None
    if len(set(features)) != len(features):
        twice = sorted({f for f in features if features.count(f) > 1})
        problem = f"it names the feature column(s) {', '.join(twice)} twice"
    elif len(features) != pipe.n_features_in_:
        problem = (
            f"it names {len(features)} feature columns, but the pipeline takes "
            f"{pipe.n_features_in_}"
        )
    elif target in features:
        problem = f"its target column {target!r} is also one of its features"
    elif (task == "classify") != is_classifier(net):
        problem = f"it says task {task!r}, but holds a {type(net).__name__}"
    elif getattr(net, "n_outputs_", 1) != 1 and (
        task == "regress" or net.out_activation_ == "logistic"
    ):
        problem = "its network has several outputs (one target column is supported)"
    if problem:
        raise DataError(f"{path}: an inconsistent model file: {problem}.")
    return pipe, meta


def predictions(pipe, X: np.ndarray, model_path: str, proba: bool = False):
    """``pipe.predict(X)`` (or ``predict_proba``); a ValueError is a DataError.

    Parameters
    ----------
    pipe : sklearn.pipeline.Pipeline
        As :func:`load_model` returns it.
    X : ndarray of shape (n_rows, n_features)
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


def features_of(table: Table, meta: dict, model_path: str) -> np.ndarray:
    """The model's feature columns of ``table``, in the model's order.

    Columns the model does not use are noted on stderr and left out.

    Parameters
    ----------
    table : Table
        The CSV file read.
    meta : dict
        The model's metadata, as :func:`load_model` returns it.
    model_path : str
        The model file, for the message.

    Returns
    -------
    ndarray of shape (n_rows, n_features)

    Raises
    ------
    DataError
        If the table lacks one of the model's columns, or one is not numeric.
    """
    features = meta["features"]
    missing = [f for f in features if f not in table.columns]
    if missing:
        shown = ", ".join(repr(f) for f in missing[:5])
        more = "" if len(missing) <= 5 else f" and {len(missing) - 5} more"
        raise DataError(
            f"{table.path}: the model {model_path} was trained on other columns; "
            f"this file lacks {shown}{more}.\n"
            f"The model needs: {', '.join(features)}."
        )
    extra = [c for c in table.columns if c not in features and c != meta["target"]]
    if extra:
        print(
            f"{PROG}: note: ignoring columns the model does not use: "
            + ", ".join(extra),
            file=sys.stderr,
        )
    return table.numbers(features)


def target_numbers(table: Table, target: str) -> np.ndarray:
    """The column ``target`` of ``table`` as numbers (a DataError if one is not).

    Parameters
    ----------
    table : Table
    target : str
        A column's name.

    Returns
    -------
    ndarray of shape (n_rows,)
    """
    return table.numbers([target])[:, 0]
