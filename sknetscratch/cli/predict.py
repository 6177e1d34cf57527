"""``sknetscratch predict`` and ``sknetscratch evaluate``: a model written by
``train`` applied to the rows of a table (its columns in any order), its
predictions written out or scored against the true target beside a baseline."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ..io.csv import DataError, read_table, write_csv
from .common import PROG
from .files import atomic_output, check_paths, file_digest
from .models import features_of, load_model, predictions

__all__ = ["cmd_evaluate", "cmd_predict"]


def _note(text: str) -> None:
    print(f"{PROG}: note: {text}", file=sys.stderr)


def _read(path: str, meta: dict, target: str | None = None):
    text = [*meta.get("text_features", []), *([target] if target else [])]
    return read_table(path, text_columns=text, note=_note)


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
    frame = _read(args.data, meta)
    X = features_of(frame, meta, args.data, args.model, note=_note)
    del frame
    pred = predictions(pipe, X, args.model)
    columns = [meta["target"]]
    cells = [[_cell(p)] for p in pred]
    if args.proba:
        proba = predictions(pipe, X, args.model, proba=True)
        columns += [f"proba_{c}" for c in pipe.classes_]
        cells = [row + [repr(float(p)) for p in ps] for row, ps in zip(cells, proba)]
    if args.out:
        with atomic_output(args.out, "--out") as fh:
            write_csv(fh, columns, cells)
        print(f"Wrote {len(cells)} predictions to {args.out}")
    else:
        write_csv(sys.stdout, columns, cells)
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
        For a problem with the model file or the data.
    """
    import pandas as pd
    from sklearn.metrics import accuracy_score, confusion_matrix, r2_score

    pipe, meta = load_model(args.model)
    target = args.target or meta["target"]
    if target in meta["features"]:
        raise DataError(
            f"--target {target}: a feature column of the model {args.model}; "
            f"the model predicts {meta['target']!r}."
        )
    frame = _read(args.data, meta, target)
    if target not in frame.columns:
        shown = ", ".join(repr(c) for c in list(frame.columns)[:20])
        raise DataError(f"{args.data}: no column {target!r}; its columns are {shown}.")
    labelled = frame[target].notna()
    if not labelled.all():
        _note(f"left out {int((~labelled).sum())} rows with no value in {target!r}")
        frame = frame[labelled]
    if not len(frame):
        raise DataError(f"{args.data}: no rows with a value in {target!r}.")
    texts = frame[target].astype(str)
    X = features_of(frame, meta, args.data, args.model, note=_note)
    pred = predictions(pipe, X, args.model)
    print(f"{args.data}: {len(X)} rows, target {target!r}")
    if meta.get("data_sha256") and file_digest(args.data) == meta["data_sha256"]:
        print(
            f"{PROG}: warning: {args.data} is the file the model was trained on; "
            "this score says nothing about new data (see the cross-validation "
            f"scores: sknetscratch summary {args.model}).",
            file=sys.stderr,
        )
    if meta["task"] == "classify":
        # compare as the strings in the files
        y_true = texts.to_numpy(dtype=str)
        y_pred = pred.astype(str)
        labels = [str(c) for c in pipe.classes_]
        labels += sorted(set(y_true) - set(labels))
        accuracy = accuracy_score(y_true, y_pred)
        majority = meta.get("majority_class") or labels[0]
        base = float(np.mean(y_true == majority))
        print(
            f"Accuracy: {accuracy:.4f}   baseline (always {majority!r}, the "
            f"commonest class in training): {base:.4f}"
        )
        beaten = accuracy > base
        cm = confusion_matrix(y_true, y_pred, labels=labels)
        width = max(8, *(len(s) for s in labels), len(str(cm.max())))
        print("Confusion matrix (rows: true, columns: predicted):")
        print(" " * width + " " + " ".join(f"{s:>{width}}" for s in labels))
        for label, row in zip(labels, cm):
            print(f"{label:>{width}} " + " ".join(f"{n:>{width}}" for n in row))
    else:
        y_true = pd.to_numeric(texts, errors="coerce").to_numpy(dtype=np.float64)
        if not np.isfinite(y_true).all():
            row = int(np.flatnonzero(~np.isfinite(y_true))[0])
            raise DataError(
                f"{args.data}: column {target!r} holds {texts.iloc[row]!r}, not a "
                "finite number."
            )
        residual = y_true - pred
        r2 = r2_score(y_true, pred) if len(y_true) > 1 else float("nan")
        mean = meta.get("target_mean")
        mean = float(np.mean(y_true)) if mean is None else mean
        base = r2_score(y_true, np.full(len(y_true), mean)) if len(y_true) > 1 else 0.0
        print(
            f"R2: {r2:.4f}   baseline (always the training mean {mean:.4g}): {base:.4f}"
        )
        beaten = r2 > base
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
    if not beaten:
        print(
            f"{PROG}: warning: the model does not beat the baseline on this file.",
            file=sys.stderr,
        )
    return 0
