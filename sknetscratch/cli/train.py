"""``sknetscratch train``: read a table with pandas, choose its feature
columns, cross-validate and train a scikit-learn ``Pipeline`` (a
``ColumnTransformer`` of imputed, scaled numbers and imputed, one-hot encoded
text, then the network), report its scores beside a baseline, save it with the
names of its columns, and draw the curves (``--plot``)."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
import warnings

import numpy as np

from ..io.csv import DataError, read_table
from .common import (
    PLOT_HINT,
    PROG,
    EpochProgress,
    Interrupted,
    Progress,
    atomic_output,
    check_paths,
    curve,
    describe,
    file_digest,
    network_of,
    numeric_frame,
    unit,
)

__all__ = ["build_pipeline", "choose_columns", "cmd_train", "guess_task"]

#: Most distinct whole numbers for a numeric target to be taken as classes.
MAX_CLASSES = 20
#: Categories seen in fewer rows are grouped as one "infrequent" category.
MIN_FREQUENCY = 5
_INDEX_NAME = re.compile(r"^(Unnamed: \d+|index|level_\d+)$")


def note(text: str) -> None:
    print(f"{PROG}: note: {text}", file=sys.stderr)


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


def _set_callbacks(pipe, callbacks) -> None:
    last = pipe[-1]
    for net in (
        last,
        getattr(last, "regressor", None),
        getattr(last, "regressor_", None),
    ):
        if net is not None and "callbacks" in net.get_params(deep=False):
            net.set_params(callbacks=callbacks)


def _shown(names, limit=30) -> str:
    names = list(names)
    more = "" if len(names) <= limit else f", ... ({len(names)} in all)"
    return ", ".join(names[:limit]) + more


def cmd_train(args: argparse.Namespace) -> int:
    """Run ``sknetscratch train`` (see ``sknetscratch train --help``).

    Parameters
    ----------
    args : argparse.Namespace
        As the parser makes it.

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    DataError
        For a problem with the data, the options or the output files.
    """
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import KFold, StratifiedKFold

    from ..io.persistence import save_pipeline

    check_paths({"the data file": args.data}, {"--out": args.out, "--plot": args.plot})
    if args.plot:
        _check_matplotlib()
    progress = Progress(args.quiet)
    size = os.path.getsize(args.data) if os.path.isfile(args.data) else 0
    t0 = time.monotonic()
    if size > 20e6:
        progress.say(f"reading {args.data} ({size / 1e6:.0f} MB) ...")
    frame = read_table(args.data, text_columns=[args.target], note=note)
    if size > 20e6:
        progress.say(
            f"read {len(frame)} rows x {frame.shape[1]} columns in "
            f"{time.monotonic() - t0:.1f} s"
        )
    for column in [args.target, *(c for c in (args.drop or "").split(",") if c)]:
        if column not in frame.columns:
            shown = ", ".join(repr(c) for c in list(frame.columns)[:20])
            more = "" if frame.shape[1] <= 20 else f", ... ({frame.shape[1]} in all)"
            raise DataError(
                f"{args.data}: no column {column!r}; its columns are {shown}{more}."
            )
    dropped = [c for c in (args.drop or "").split(",") if c]
    rows_read = len(frame)
    labelled = frame[args.target].notna()
    if not labelled.all():
        frame = frame[labelled]
        note(f"left out {rows_read - len(frame)} rows with no value in {args.target!r}")
    if len(frame) < 2:
        raise DataError(f"{args.data}: fewer than 2 rows with a target value.")
    texts = frame[args.target].astype(str)
    numeric, text, left_out = choose_columns(frame, args.target, dropped)
    if not numeric and not text:
        raise DataError(
            f"{args.data}: no usable feature columns besides the target "
            f"{args.target!r} (left out: "
            + "; ".join(f"{c} ({why})" for c, why in left_out)
            + ")."
        )
    guessed, why = guess_task(texts)
    task = args.task or guessed
    how = f"--task {task}" if args.task else f"guessed: {why}; set --task to override"
    if task == "classify":
        y = texts.to_numpy(dtype=object)
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise DataError(
                f"{args.data}: column {args.target!r} has only one class "
                f"({classes[0]!r}); classification needs at least two."
            )
        detail = f"{len(classes)} classes: " + ", ".join(str(c) for c in classes[:10])
        detail += "" if len(classes) <= 10 else ", ..."
    else:
        import pandas as pd

        values = pd.to_numeric(texts, errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            raise DataError(
                f"{args.data}: column {args.target!r} holds {texts.iloc[int(np.flatnonzero(bad)[0])]!r}, "
                "not a finite number; regression needs numbers (or use --task classify)."
            )
        y = values
        detail = f"target from {y.min():.4g} to {y.max():.4g}"
    features = numeric + text
    X = numeric_frame(frame[features], set(text), args.data)
    del frame
    print(
        f"{args.data}: {len(X)} rows, target {args.target!r}, "
        f"{len(features)} feature columns"
    )
    if numeric:
        print(f"  numeric (imputed with the median, scaled): {_shown(numeric)}")
    if text:
        print(
            f"  text (one-hot, categories under {MIN_FREQUENCY} rows grouped): {_shown(text)}"
        )
    if left_out:
        print("  left out: " + "; ".join(f"{c} ({w})" for c, w in left_out))
    print(f"Task: {task} ({how}); {detail}")

    params = dict(
        hidden_layer_sizes=args.hidden,
        activation=args.activation,
        solver=args.solver,
        alpha=args.alpha,
        learning_rate_init=args.learning_rate_init,
        max_iter=args.max_iter,
        early_stopping=args.early_stopping,
        random_state=args.seed,
    )
    if args.batch_size is not None:
        params["batch_size"] = args.batch_size
    pipe = build_pipeline(task, numeric, text, **params)
    net = network_of(pipe)
    target_note = " (target standardised)" if task == "regress" else ""
    print(f"Model: columns + {type(net).__name__}({describe(net)}){target_note}")

    metric = "accuracy" if task == "classify" else "R2"
    score = accuracy_score if task == "classify" else r2_score
    cv_scores: list[float] = []
    baseline_scores: list[float] = []
    folds = []
    if args.cv:
        smallest = int(counts.min()) if task == "classify" else len(y)
        if args.cv > smallest:
            what = "the smallest class has" if task == "classify" else "the data has"
            raise DataError(
                f"--cv {args.cv}: {what} only {smallest} rows; use a smaller --cv "
                "(or --cv 0 to skip cross-validation)."
            )
        cv = (StratifiedKFold if task == "classify" else KFold)(
            args.cv, shuffle=True, random_state=args.seed
        )
        print(f"{args.cv}-fold cross-validation ({metric}, shuffled folds):")
        for k, (train, test) in enumerate(cv.split(X, y), 1):
            model = clone(pipe)
            what = f"fold {k} of {args.cv}"
            _set_callbacks(model, [EpochProgress(progress, args.max_iter, what)])
            t = time.monotonic()
            try:
                fit_pipeline(model, X.iloc[train], y[train])
                _stop_if_interrupted(model)
                pred = model.predict(X.iloc[test])
            except ValueError as exc:
                raise DataError(f"cross-validation failed: {exc}") from None
            cv_scores.append(float(score(y[test], pred)))
            baseline_scores.append(_baseline(task, y[train], y[test], score))
            folds.append(network_of(model))
            print(
                f"  fold {k:>2}: {cv_scores[-1]:.4f}  ({time.monotonic() - t:.2f} s)",
                flush=True,
            )
        print(
            f"  mean {np.mean(cv_scores):.4f} +/- {np.std(cv_scores):.4f}   "
            f"baseline ({_baseline_name(task)}): {np.mean(baseline_scores):.4f}"
        )
        if np.mean(cv_scores) <= np.mean(baseline_scores):
            print(
                f"{PROG}: warning: the model does not beat the baseline "
                f"({_baseline_name(task)}); its predictions are not useful.",
                file=sys.stderr,
            )

    _set_callbacks(pipe, [EpochProgress(progress, args.max_iter)])
    rows = len(X)
    try:
        Xt = fit_pipeline(pipe, X, y)
    except ValueError as exc:
        raise DataError(f"training failed: {exc}") from None
    del X  # the network's table is all that is needed from here on
    _stop_if_interrupted(pipe)
    _set_callbacks(pipe, None)
    net = network_of(pipe)
    print(f"Trained on all {rows} rows:")
    print("  " + curve("loss", net.loss_curve_, unit(net)))
    if net.validation_scores_ is not None:
        print(
            "  "
            + curve(f"validation {metric}", net.validation_scores_, unit(net), best=max)
        )
        print(f"  best validation {metric}: {net.best_validation_score_:.4f}")
    if not args.cv:
        base = _baseline(task, y, y, score)
        print(
            f"  training {metric}: {score(y, pipe[-1].predict(Xt)):.4f}   "
            f"baseline ({_baseline_name(task)}): {base:.4f}   (use --cv for an "
            "estimate on new rows)"
        )
    if task == "classify":
        majority = str(classes[int(np.argmax(counts))])
    metadata = {
        "features": features,
        "text_features": text,
        "left_out": [c for c, _ in left_out],
        "target": args.target,
        "task": task,
        "data": os.path.basename(args.data),
        "data_sha256": file_digest(args.data),
        "rows": rows,
        "cv_metric": metric,
        "cv_scores": cv_scores,
        "baseline_scores": baseline_scores,
        "majority_class": majority if task == "classify" else None,
        "target_mean": float(np.mean(y)) if task == "regress" else None,
    }
    try:
        save_pipeline(pipe, args.out, metadata)
    except OSError as exc:
        raise DataError(
            f"--out {args.out}: cannot be written ({exc.strerror or exc}); any "
            "earlier file there is unchanged."
        ) from None
    print(f"Saved the model to {args.out}")
    if args.plot:
        _plot(args.plot, net, folds, cv_scores, metric)
        print(f"Saved the plot to {args.plot}")
    return 0


def _stop_if_interrupted(pipe) -> None:
    """A fit that Ctrl-C ended early (the training loop catches it to keep the
    weights) stops the whole command: nothing is reported or saved."""
    if getattr(network_of(pipe), "interrupted_", False):
        raise Interrupted(signal.SIGINT)


def _baseline_name(task: str) -> str:
    return "always the commonest class" if task == "classify" else "always the mean"


def _baseline(task, y_train, y_test, score) -> float:
    """The score of the majority class / mean of ``y_train`` on ``y_test``."""
    if task == "classify":
        values, counts = np.unique(y_train, return_counts=True)
        guess = np.full(len(y_test), values[int(np.argmax(counts))], dtype=object)
        return float(score(y_test, guess))
    return float(score(y_test, np.full(len(y_test), float(np.mean(y_train)))))


def _check_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise DataError(
            f"--plot needs matplotlib, which is not installed: {PLOT_HINT}"
        ) from None


def _epochs(values) -> np.ndarray:
    return np.arange(1, len(values) + 1)


def _plot(path: str, net, folds, cv_scores, metric) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(10, 4))
    for i, fold in enumerate(folds):
        ax_loss.plot(
            _epochs(fold.loss_curve_),
            fold.loss_curve_,
            color="0.7",
            lw=1,
            label="CV folds" if i == 0 else None,
        )
    ax_loss.plot(
        _epochs(net.loss_curve_), net.loss_curve_, color="C0", lw=2, label="all rows"
    )
    ax_loss.set(xlabel=unit(net), ylabel="training loss", title="Loss curve")
    ax_loss.legend()
    if net.validation_scores_ is not None:
        ax_val.plot(_epochs(net.validation_scores_), net.validation_scores_, color="C1")
        ax_val.set(
            xlabel=unit(net),
            ylabel=f"validation {metric}",
            title="Validation score (early stopping)",
        )
    elif cv_scores:
        ax_val.bar(np.arange(1, len(cv_scores) + 1), cv_scores, color="C1")
        ax_val.axhline(np.mean(cv_scores), color="k", lw=1, ls="--", label="mean")
        ax_val.set(xlabel="fold", ylabel=metric, title="Cross-validation scores")
        ax_val.legend()
    else:
        ax_val.text(
            0.5, 0.5, "no validation\n(use --cv or --early-stopping)", ha="center"
        )
        ax_val.set_axis_off()
    fig.tight_layout()
    try:
        with atomic_output(path, "--plot", text=False) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
