"""``sknetscratch predict`` and ``sknetscratch evaluate``: a model written by
``train`` applied to the rows of a CSV file, its predictions written out or
scored against the true target."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ..io.csv import DataError, parse_labels, read_csv, write_csv
from .common import check_paths, features_of, load_model, predictions, target_numbers

__all__ = ["cmd_evaluate", "cmd_predict"]


def cmd_predict(args: argparse.Namespace) -> int:
    """Run ``sknetscratch predict`` (see ``sknetscratch predict --help``).

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
        For a problem with the model file, the data or the output file.
    """
    check_paths(
        {"the model file": args.model, "the data file": args.data}, {"--out": args.out}
    )
    pipe, meta = load_model(args.model)
    if args.proba and meta["task"] != "classify":
        raise DataError(
            f"--proba needs a classification model; {args.model} is a regression model."
        )
    table = read_csv(args.data)
    X = features_of(table, meta, args.model)
    pred = predictions(pipe, X, args.model)
    columns = [meta["target"]]
    rows = [[_cell(p)] for p in pred]
    if args.proba:
        proba = predictions(pipe, X, args.model, proba=True)
        columns += [f"proba_{c}" for c in pipe.classes_]
        rows = [row + [repr(float(p)) for p in ps] for row, ps in zip(rows, proba)]
    write_csv(args.out, columns, rows, stream=sys.stdout)
    if args.out:
        print(f"Wrote {len(rows)} predictions to {args.out}")
    return 0


def _cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Run ``sknetscratch evaluate`` (see ``sknetscratch evaluate --help``).

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
        For a problem with the model file, the data or the output file.
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, r2_score

    pipe, meta = load_model(args.model)
    target = args.target or meta["target"]
    if target in meta["features"]:
        raise DataError(
            f"--target {target}: a feature column of the model {args.model}; "
            f"the model predicts {meta['target']!r}."
        )
    table = read_csv(args.data)
    table.index(target)
    X = features_of(table, meta, args.model)
    pred = predictions(pipe, X, args.model)
    print(f"{args.data}: {len(table)} rows, target {target!r}")
    if meta["task"] == "classify":
        # compare as text: labels read from a CSV are ints or strings
        y_true = parse_labels(table.text(target)).astype(str)
        y_pred = pred.astype(str)
        labels = [str(c) for c in pipe.classes_]
        labels += sorted(set(y_true) - set(labels))
        print(f"Accuracy: {accuracy_score(y_true, y_pred):.4f}")
        cm = confusion_matrix(y_true, y_pred, labels=labels)
        width = max(8, *(len(s) for s in labels), len(str(cm.max())))
        print("Confusion matrix (rows: true, columns: predicted):")
        print(" " * width + " " + " ".join(f"{s:>{width}}" for s in labels))
        for label, row in zip(labels, cm):
            print(f"{label:>{width}} " + " ".join(f"{n:>{width}}" for n in row))
    else:
        y_true = target_numbers(table, target)
        residual = y_true - pred
        print(f"R2: {r2_score(y_true, pred):.4f}")
        print(
            f"MAE: {np.mean(np.abs(residual)):.4g}   RMSE: {np.sqrt(np.mean(residual**2)):.4g}"
        )
        q = np.quantile(residual, [0, 0.25, 0.5, 0.75, 1])
        print(
            "Residuals (true - predicted): "
            + "  ".join(
                f"{k} {v:.4g}"
                for k, v in zip(("min", "25%", "median", "75%", "max"), q)
            )
        )
    return 0
