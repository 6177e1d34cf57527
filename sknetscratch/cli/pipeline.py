"""The model ``train`` fits: the task guessed from the target, the feature
columns chosen by what they hold (numeric, text, or left out with a reason),
the scikit-learn ``Pipeline`` of a ``ColumnTransformer`` and the network, and
its fit in less memory than ``Pipeline.fit``."""

from __future__ import annotations

import re
import warnings

import numpy as np

__all__ = [
    "MAX_CLASSES",
    "MIN_FREQUENCY",
    "build_pipeline",
    "choose_columns",
    "fit_pipeline",
    "guess_task",
]

#: Most distinct whole numbers for a numeric target to be taken as classes.
MAX_CLASSES = 20
#: Categories seen in fewer rows are grouped as one "infrequent" category.
MIN_FREQUENCY = 5
_INDEX_NAME = re.compile(r"^(Unnamed: \d+|index|level_\d+)$")


def guess_task(texts) -> tuple[str, str]:
    """``("classify" | "regress", why)`` for the target's strings (no missing)."""
    import pandas as pd

    values = pd.to_numeric(texts, errors="coerce")
    distinct = texts.nunique()
    if np.isnan(values).any():
        return "classify", f"its values are not all numbers ({distinct} distinct)"
    whole = bool(np.all(np.mod(values, 1) == 0))
    if whole and distinct <= MAX_CLASSES and 2 * distinct <= len(texts):
        return "classify", (
            f"its values are {distinct} distinct whole numbers (at most {MAX_CLASSES}, "
            "each in 2 rows on average, are taken as classes)"
        )
    kind = "whole numbers" if whole else "numbers"
    return "regress", f"its values are {kind} with {distinct} distinct values"


def _looks_like_dates(values) -> bool:
    import pandas as pd

    sample = values.iloc[:: max(1, len(values) // 50)][:50].astype(str)
    if not sample.str.contains(r"\d", regex=True).all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
        except (ValueError, TypeError):
            return False
    return bool(parsed.notna().all())


def choose_columns(frame, target: str, dropped: list[str]):
    """Split the columns into numeric and text features and those left out.

    Returns
    -------
    numeric, text : list of str
    left_out : list of (str, str)
        Each column not used and why.
    """
    numeric, text, left_out = [], [], []
    n = len(frame)
    for name in frame.columns:
        if name == target:
            continue
        if name in dropped:
            left_out.append((name, "--drop"))
            continue
        col = frame[name]
        present = col.dropna()
        distinct = present.nunique()
        if present.empty:
            left_out.append((name, "no values"))
        elif distinct == 1 and n > 1:
            left_out.append((name, "a single value"))
        elif col.dtype.kind in "iufb":
            if _INDEX_NAME.match(name) or (
                col.dtype.kind in "iu"
                and distinct == n
                and n > 2
                and int(col.max()) - int(col.min()) == n - 1
            ):
                left_out.append((name, "a row number (an index column)"))
            else:
                numeric.append(name)
        elif distinct == len(present) and len(present) > 2:
            left_out.append((name, "unique per row (an identifier)"))
        elif _looks_like_dates(present):
            left_out.append((name, "dates"))
        elif distinct > 50 and distinct > len(present) / 2:
            left_out.append(
                (name, f"free text or identifiers ({distinct} distinct in {n} rows)")
            )
        else:
            text.append(name)
    return numeric, text, left_out


def build_pipeline(task: str, numeric, text, **params):
    """``Pipeline([("columns", ColumnTransformer), ("net", network)])``; for
    regression the network is wrapped in a ``TransformedTargetRegressor`` that
    standardises the target."""
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from ..estimators.classifier import ScratchMLPClassifier
    from ..estimators.regressor import ScratchMLPRegressor

    parts = []
    if numeric:
        steps = [
            ("impute", SimpleImputer(strategy="median")),
            ("scale", StandardScaler()),
        ]
        parts.append(("numeric", Pipeline(steps), list(numeric)))
    if text:
        steps = [
            ("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
            (
                "onehot",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    min_frequency=MIN_FREQUENCY,
                    sparse_output=False,
                ),
            ),
        ]
        parts.append(("text", Pipeline(steps), list(text)))
    columns = ColumnTransformer(parts, sparse_threshold=0)
    if task == "classify":
        net = ScratchMLPClassifier(**params)
    else:
        net = TransformedTargetRegressor(
            regressor=ScratchMLPRegressor(**params), transformer=StandardScaler()
        )
    return Pipeline([("columns", columns), ("net", net)])


def _median(values: np.ndarray) -> float:
    """The median of one column's present values (NaN for none)."""
    return float(np.median(values)) if values.size else np.nan


def fit_pipeline(pipe, X, y) -> np.ndarray:
    """Fit a pipeline of :func:`build_pipeline` step by step, in less memory
    than ``pipe.fit(X, y)``; return the table the network was trained on.

    Two copies of the whole table are cut. scikit-learn's ``median`` strategy
    sorts a masked copy of every numeric column at once (with its sort order,
    about four times the table); the same medians are computed here one column
    at a time (a callable strategy), and the fitted imputer is then named
    ``"median"`` again, so that the saved model is the plain
    ``SimpleImputer(strategy="median")``. And the ``ColumnTransformer``'s
    output of numeric columns alone is column-major, as pandas gives it, while
    the network gathers its shuffled batches by rows (from a column-major
    array NumPy makes a row-major copy of the whole table for every batch): it
    is made row-major once, here.

    Parameters
    ----------
    pipe : sklearn.pipeline.Pipeline
        Unfitted, as :func:`build_pipeline` makes it; fitted in place.
    X : pandas.DataFrame
        The feature columns.
    y : ndarray of shape (n_rows,)

    Returns
    -------
    ndarray of shape (n_rows, n_outputs)
        The ``ColumnTransformer``'s output (row-major), which ``pipe[-1]`` was
        fitted on.
    """
    columns, net = pipe[0], pipe[-1]
    numeric = {name: est for name, est, _ in columns.transformers}.get("numeric")
    if numeric is not None:
        numeric.set_params(impute__strategy=_median)
    try:
        Xt = columns.fit_transform(X)
    finally:
        if numeric is not None:
            numeric.set_params(impute__strategy="median")
    if "numeric" in columns.named_transformers_:
        columns.named_transformers_["numeric"].set_params(impute__strategy="median")
    Xt = np.ascontiguousarray(Xt)
    net.fit(Xt, y)
    return Xt
