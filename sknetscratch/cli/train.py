"""``sknetscratch train``: read a table with pandas, choose its feature
columns, cross-validate and train a scikit-learn ``Pipeline`` (a
``ColumnTransformer`` of imputed, scaled numbers and imputed, one-hot encoded
text, then the network), report its scores beside a baseline, save it with the
names of its columns, and draw the curves (``--plot``)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

import numpy as np

from ..io.csv import DataError, read_table
from .common import PLOT_HINT, PROG, Interrupted, curve, describe, unit
from .files import check_paths, file_digest
from .models import network_of, numeric_frame
from .pipeline import (
    MIN_FREQUENCY,
    build_pipeline,
    choose_columns,
    fit_pipeline,
    guess_task,
)
from .plot import plot
from .progress import EpochProgress, Progress

__all__ = ["cmd_train"]


def note(text: str) -> None:
    print(f"{PROG}: note: {text}", file=sys.stderr)


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
        plot(args.plot, net, folds, cv_scores, metric)
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
