"""The commands behind ``sknetscratch``: train, predict, evaluate, summary, demo.

Each ``cmd_*`` function takes the :class:`argparse.Namespace` that
:mod:`sknetscratch.cli` parsed, prints its report on stdout and returns the exit
status; a problem with the data or a model file raises :class:`DataError`
(which :func:`sknetscratch.cli.main` reports in one or two lines, exit code 1).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np

from ..io.csv import (
    DataError,
    Table,
    looks_like_classes,
    parse_labels,
    read_csv,
    write_csv,
)
from .demo import scaled_network

PROG = "sknetscratch"
PLOT_HINT = 'pip install "sknetscratch[plot]"'


# ------------------------------------------------------------------ small helpers
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


def _curve(name: str, values: Sequence[float], unit: str = "epochs", best=min) -> str:
    """``name (n epochs): first ▇▅▃▂▁ last (min ...)``; ``best`` is min or max."""
    if not values:
        return f"{name}: (none)"
    return (
        f"{name} ({len(values)} {unit}): {values[0]:.4f} {_sparkline(values)} "
        f"{values[-1]:.4f} ({best.__name__} {best(values):.4f})"
    )


def _check_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise DataError(
            f"--plot needs matplotlib, which is not installed: {PLOT_HINT}"
        ) from None


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
    files (inputs and outputs, keyed by how the message names them) are one."""
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


def _load_model(path: str):
    """The fitted pipeline and metadata of a model file written by this command."""
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


def _predict(pipe, X: np.ndarray, model_path: str, proba: bool = False):
    """``pipe.predict(X)`` (or ``predict_proba``); a ValueError is a DataError."""
    try:
        return pipe.predict_proba(X) if proba else pipe.predict(X)
    except ValueError as exc:
        raise DataError(f"{model_path}: cannot predict ({exc}).") from None


def _features_of(table: Table, meta: dict, model_path: str) -> np.ndarray:
    """The model's feature columns of ``table``, in the model's order."""
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


def _target_numbers(table: Table, target: str) -> np.ndarray:
    return table.numbers([target])[:, 0]


# ------------------------------------------------------------------------- train
def cmd_train(args: argparse.Namespace) -> int:
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
        y = _target_numbers(table, args.target)
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
    print(f"Model: StandardScaler + {type(pipe[-1]).__name__}({_describe(pipe[-1])})")

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
    print("  " + _curve("loss", net.loss_curve_, _unit(net)))
    if net.validation_scores_ is not None:
        print(
            "  "
            + _curve(
                f"validation {metric}", net.validation_scores_, _unit(net), best=max
            )
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


def _unit(net) -> str:
    return "iterations" if net.solver == "lbfgs" else "epochs"


def _describe(est) -> str:
    """The estimator's parameters that differ from the defaults."""
    defaults = type(est)().get_params()
    return ", ".join(
        f"{k}={v!r}" for k, v in est.get_params().items() if defaults[k] != v
    )


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
    ax_loss.set(xlabel=_unit(net), ylabel="training loss", title="Loss curve")
    ax_loss.legend()
    if net.validation_scores_ is not None:
        ax_val.plot(_epochs(net.validation_scores_), net.validation_scores_, color="C1")
        ax_val.set(
            xlabel=_unit(net),
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


# -------------------------------------------------------- predict / evaluate / summary
def cmd_predict(args: argparse.Namespace) -> int:
    check_paths(
        {"the model file": args.model, "the data file": args.data}, {"--out": args.out}
    )
    pipe, meta = _load_model(args.model)
    if args.proba and meta["task"] != "classify":
        raise DataError(
            f"--proba needs a classification model; {args.model} is a regression model."
        )
    table = read_csv(args.data)
    X = _features_of(table, meta, args.model)
    pred = _predict(pipe, X, args.model)
    columns = [meta["target"]]
    rows = [[_cell(p)] for p in pred]
    if args.proba:
        proba = _predict(pipe, X, args.model, proba=True)
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
    from sklearn.metrics import accuracy_score, confusion_matrix, r2_score

    pipe, meta = _load_model(args.model)
    target = args.target or meta["target"]
    if target in meta["features"]:
        raise DataError(
            f"--target {target}: a feature column of the model {args.model}; "
            f"the model predicts {meta['target']!r}."
        )
    table = read_csv(args.data)
    table.index(target)
    X = _features_of(table, meta, args.model)
    pred = _predict(pipe, X, args.model)
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
        y_true = _target_numbers(table, target)
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


def cmd_summary(args: argparse.Namespace) -> int:
    pipe, meta = _load_model(args.model)
    net = pipe[-1]
    features = meta["features"]
    print(f"Model file: {args.model}")
    print(f"Task: {meta['task']}; target column {meta['target']!r}")
    shown = ", ".join(features[:12]) + ("" if len(features) <= 12 else ", ...")
    print(f"Feature columns ({len(features)}): {shown}")
    if meta.get("data"):
        print(f"Trained on: {meta['data']} ({meta.get('rows', '?')} rows)")
    steps = " -> ".join(f"{name} ({type(est).__name__})" for name, est in pipe.steps)
    print(f"Pipeline: {steps}")
    print(f"Network: {type(net).__name__}({_describe(net)})")
    if hasattr(net, "model_"):
        net.summary()
        print(_curve("Training loss", net.loss_curve_, _unit(net)))
        if meta["task"] == "classify":
            print("Classes: " + ", ".join(str(c) for c in net.classes_))
    scores = meta.get("cv_scores") or []
    if scores:
        print(
            f"Cross-validation {meta.get('cv_metric', 'score')}: "
            f"{np.mean(scores):.4f} +/- {np.std(scores):.4f} over {len(scores)} folds"
        )
    return 0


# -------------------------------------------------------------------------- demo
def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    check_paths({}, {"--out": args.out, "--data-csv": args.data_csv})
    run_demo(args.out, args.folds, args.max_iter, args.seed, args.data_csv)
    return 0
