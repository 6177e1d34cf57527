"""``sknetscratch train``: cross-validate and train ``Pipeline(StandardScaler,
network)`` on a CSV file, report its curves, save it with the names of its
columns, and draw the curves (``--plot``)."""

from __future__ import annotations

import argparse
import os

import numpy as np

from ..io.csv import DataError, looks_like_classes, parse_labels, read_csv
from .common import PLOT_HINT, check_paths, curve, describe, target_numbers, unit
from .demo import scaled_network

__all__ = ["cmd_train"]


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
    from sklearn.model_selection import KFold, StratifiedKFold, cross_validate

    from ..io.persistence import save_pipeline

    check_paths({"the data file": args.data}, {"--out": args.out, "--plot": args.plot})
    if args.plot:
        _check_matplotlib()
    table = read_csv(args.data)
    table.index(args.target)
    dropped = [c for c in (args.drop or "").split(",") if c]
    for column in dropped:
        table.index(column)  # a misspelt name is an error, not silently kept
    features = [c for c in table.columns if c != args.target and c not in dropped]
    if not features:
        raise DataError(
            f"{args.data}: no feature columns besides the target {args.target!r}."
        )
    try:
        X = table.numbers(features)
    except DataError as exc:
        raise DataError(
            f"{exc}\nEvery feature must be numeric; leave a column out with --drop NAME."
        ) from None
    texts = table.text(args.target)
    task = args.task
    if task is None:
        task = "classify" if looks_like_classes(texts) else "regress"
        how = "auto-detected; set --task to override"
    else:
        how = "--task"
    if task == "classify":
        y = parse_labels(texts)
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise DataError(
                f"{args.data}: column {args.target!r} has only one class "
                f"({classes[0]!r}); classification needs at least two."
            )
        detail = f"{len(classes)} classes: " + ", ".join(str(c) for c in classes[:10])
        detail += "" if len(classes) <= 10 else ", ..."
    else:
        y = target_numbers(table, args.target)
        detail = f"target from {y.min():.4g} to {y.max():.4g}"
    print(
        f"{args.data}: {len(table)} rows, {len(features)} feature columns, "
        f"target {args.target!r}"
    )
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
    pipe = scaled_network(task, **params)
    print(f"Model: StandardScaler + {type(pipe[-1]).__name__}({describe(pipe[-1])})")

    metric = "accuracy" if task == "classify" else "R2"
    cv_scores: list[float] = []
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
        try:
            result = cross_validate(
                pipe, X, y, cv=cv, return_estimator=True, error_score="raise"
            )
        except ValueError as exc:
            raise DataError(f"cross-validation failed: {exc}") from None
        cv_scores = [float(s) for s in result["test_score"]]
        folds = [est[-1] for est in result["estimator"]]
        print(f"{args.cv}-fold cross-validation ({metric}):")
        for i, (score, t) in enumerate(zip(cv_scores, result["fit_time"]), 1):
            print(f"  fold {i:>2}: {score:.4f}  ({t:.2f} s)")
        print(f"  mean {np.mean(cv_scores):.4f} +/- {np.std(cv_scores):.4f}")

    try:
        pipe.fit(X, y)
    except ValueError as exc:
        raise DataError(f"training failed: {exc}") from None
    net = pipe[-1]
    print(f"Trained on all {len(table)} rows:")
    print("  " + curve("loss", net.loss_curve_, unit(net)))
    if net.validation_scores_ is not None:
        print(
            "  "
            + curve(f"validation {metric}", net.validation_scores_, unit(net), best=max)
        )
        print(f"  best validation {metric}: {net.best_validation_score_:.4f}")
    metadata = {
        "features": features,
        "target": args.target,
        "task": task,
        "data": os.path.basename(args.data),
        "rows": len(table),
        "cv_metric": metric,
        "cv_scores": cv_scores,
    }
    save_pipeline(pipe, args.out, metadata)
    print(f"Saved the model to {args.out}")
    if args.plot:
        _plot(args.plot, net, folds, cv_scores, metric)
        print(f"Saved the plot to {args.plot}")
    return 0


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
        fig.savefig(path, format="png")
    except OSError as exc:
        raise DataError(f"{path}: cannot be written ({exc.strerror or exc}).") from None
    finally:
        plt.close(fig)
