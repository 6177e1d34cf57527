"""The ``sknetscratch`` command: the blog post's demo, and train / predict /
evaluate / summary on CSV files, without writing Python.

``sknetscratch`` (or ``python -m sknetscratch``) with no arguments runs
``sknetscratch demo``. Tables are read with pandas. Every model ``train`` writes
is a ``Pipeline([("columns", ColumnTransformer(...)), ("net", network)])``
(numbers imputed and scaled, text one-hot encoded; for regression the network
is inside a ``TransformedTargetRegressor`` that standardises the target) saved
in the safe format (:mod:`sknetscratch.io.persistence`, no pickle) together with
the names of the feature columns, the target column and the task, so that
``predict`` and ``evaluate`` can apply it to a new file.

Exit codes: 0 on success, 2 for a usage error (reported by :mod:`argparse`), 1
for a problem with the data or the model file, reported on stderr in one or two
lines that name it, 130 when stopped by Ctrl-C (SIGINT) or SIGTERM, in which
case nothing is written and earlier outputs are left as they were.

This module is the argument parser, whose values are checked by
:mod:`.arguments`; the commands are in :mod:`.train`, :mod:`.predict`
(``predict`` and ``evaluate``), :mod:`.summary` and :mod:`.demo`, which share
:mod:`.common`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import warnings
from collections.abc import Sequence

from ..io.csv import DataError
from . import arguments
from .common import PLOT_HINT, PROG, Interrupted
from .demo import cmd_demo
from .predict import cmd_evaluate, cmd_predict
from .summary import cmd_summary
from .train import cmd_train

__all__ = ["main"]


@contextlib.contextmanager
def _short_warnings():
    """Show each warning once, as one ``warning: ...`` line on stderr."""
    seen = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = str(message).strip().splitlines()[0]
        if text not in seen:
            seen.add(text)
            print(f"{PROG}: warning: {text}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        yield


@contextlib.contextmanager
def _signals():
    """SIGINT and SIGTERM stop the whole command (:class:`Interrupted`); a file
    size limit (SIGXFSZ) makes a write fail with an error instead of killing the
    process. The handlers are restored afterwards."""

    def stop(signum, frame):
        raise Interrupted(signum)

    saved = {}
    wanted = {signal.SIGINT: stop, signal.SIGTERM: stop}
    if hasattr(signal, "SIGXFSZ"):
        wanted[signal.SIGXFSZ] = signal.SIG_IGN
    try:
        for sig, handler in wanted.items():
            saved[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread: leave the handlers alone
        pass
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _build_parser() -> argparse.ArgumentParser:
    from .._version import __version__
    from ..nn.activations import ACTIVATIONS

    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "A from-scratch NumPy neural network as a scikit-learn estimator. With no "
            "command, runs the demo."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="the blog post's experiment, side by side with scikit-learn (default)",
        description=(
            "Train the blog post's 30-128-64-32-1 network on scikit-learn's "
            "breast-cancer data, report hold-out accuracy, cross-validate it side by "
            "side with scikit-learn's MLPClassifier, and save the model."
        ),
    )
    demo.add_argument(
        "--out",
        metavar="MODEL",
        default="sknetscratch-demo.npz",
        help="model file to write (default: %(default)s)",
    )
    demo.add_argument(
        "--folds",
        metavar="K",
        type=arguments.demo_folds,
        default=10,
        help="cross-validation folds (default: %(default)s)",
    )
    demo.add_argument(
        "--max-iter",
        metavar="N",
        type=arguments.positive_int,
        default=200,
        help="training epochs at most (default: %(default)s)",
    )
    demo.add_argument(
        "--seed",
        metavar="N",
        type=arguments.seed,
        default=0,
        help="random_state of both models (default: %(default)s)",
    )
    demo.add_argument(
        "--data-csv",
        metavar="FILE.csv",
        help="also write the breast-cancer data as a CSV file",
    )
    demo.set_defaults(func=cmd_demo)

    train = sub.add_parser(
        "train",
        help="train a network on a CSV file and save it",
        description=(
            "Train a network on a table with a header row (CSV, ;- or tab-separated, "
            "maybe gzipped): numeric columns are imputed and scaled, text columns "
            "one-hot encoded, identifier-like columns (unique per row, dates, free "
            "text) left out and listed. Prints shuffled cross-validation scores "
            "beside a baseline and the training curve, and saves the whole pipeline "
            "in the safe format."
        ),
    )
    train.add_argument("data", metavar="DATA.csv")
    train.add_argument(
        "--quiet", action="store_true", help="no progress lines on stderr"
    )
    train.add_argument(
        "--target", required=True, metavar="COLUMN", help="the column to predict"
    )
    train.add_argument(
        "--drop",
        metavar="COLUMN,...",
        help="columns to leave out, besides those left out automatically",
    )
    train.add_argument(
        "--task",
        choices=["classify", "regress"],
        help="default: classify if the target is not numeric or has at most 20 "
        "distinct whole numbers; the guess is explained",
    )
    train.add_argument(
        "--hidden",
        type=arguments.hidden_sizes,
        default=(100,),
        metavar="N,N,...",
        help="hidden layer sizes (default: 100)",
    )
    train.add_argument(
        "--activation",
        default="relu",
        choices=sorted(ACTIVATIONS),
        metavar="NAME",
        help="hidden activation: %(choices)s (default: %(default)s)",
    )
    train.add_argument(
        "--solver",
        default="adam",
        choices=["adam", "sgd", "lbfgs"],
        help="(default: %(default)s)",
    )
    train.add_argument(
        "--alpha",
        metavar="A",
        type=arguments.non_negative_float,
        default=1e-4,
        help="L2 penalty (default: %(default)s)",
    )
    train.add_argument(
        "--learning-rate-init",
        metavar="LR",
        type=arguments.positive_float,
        default=1e-3,
        help="(default: %(default)s)",
    )
    train.add_argument(
        "--batch-size",
        metavar="N",
        type=arguments.positive_int,
        help="(default: min(200, rows))",
    )
    train.add_argument(
        "--max-iter",
        metavar="N",
        type=arguments.positive_int,
        default=200,
        help="epochs at most (default: %(default)s)",
    )
    train.add_argument(
        "--early-stopping",
        action="store_true",
        help="hold out 10%% and stop when its score stops improving",
    )
    train.add_argument(
        "--seed",
        metavar="N",
        type=arguments.seed,
        default=0,
        help="random_state (default: %(default)s)",
    )
    train.add_argument(
        "--cv",
        type=arguments.cv_folds,
        default=5,
        metavar="K",
        help="cross-validation folds, 0 for none (default: %(default)s)",
    )
    train.add_argument(
        "--out", required=True, metavar="MODEL", help="model file to write"
    )
    train.add_argument(
        "--plot",
        metavar="FILE.png",
        type=arguments.png,
        help=f"draw the loss and validation curves (needs {PLOT_HINT})",
    )
    train.set_defaults(func=cmd_train)

    predict = sub.add_parser(
        "predict",
        help="predict with a saved model",
        description="Predict the target of each row of a CSV file with a model written by `train`.",
    )
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument("data", metavar="DATA.csv")
    predict.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    predict.add_argument(
        "--out",
        metavar="PRED.csv",
        help="write the predictions here (default: standard output)",
    )
    predict.add_argument(
        "--proba", action="store_true", help="add the probability of each class"
    )
    predict.set_defaults(func=cmd_predict)

    evaluate = sub.add_parser(
        "evaluate",
        help="score a saved model on labelled data",
        description=(
            "Accuracy and confusion matrix (classification) or R2 and residuals "
            "(regression), beside the baseline of always predicting the commonest "
            "class or the mean."
        ),
    )
    evaluate.add_argument("model", metavar="MODEL")
    evaluate.add_argument("data", metavar="DATA.csv")
    evaluate.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    evaluate.add_argument(
        "--target",
        metavar="COLUMN",
        help="default: the column the model was trained on",
    )
    evaluate.set_defaults(func=cmd_evaluate)

    summary = sub.add_parser(
        "summary",
        help="describe a saved model",
        description="Print what a model file holds: columns, pipeline, network table, training.",
    )
    summary.add_argument("model", metavar="MODEL")
    summary.set_defaults(func=cmd_summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sknetscratch`` command.

    Parameters
    ----------
    argv : sequence of str, default=None
        The arguments (``sys.argv[1:]`` when None); none runs the demo.

    Returns
    -------
    status : int
        0 on success, 1 for a data or model error (reported on stderr).
        Usage errors exit with status 2 (:mod:`argparse`).

    Examples
    --------
    >>> main(["summary", "no-such-model.npz"])
    1
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):  # the tables are not ASCII
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")
    args = _build_parser().parse_args(argv or ["demo"])
    try:
        with _short_warnings(), _signals():
            return args.func(args)
    except (Interrupted, KeyboardInterrupt):
        print(
            f"{PROG}: interrupted; nothing was written, earlier files are unchanged.",
            file=sys.stderr,
        )
        return 130
    except MemoryError:
        print(
            f"{PROG}: error: out of memory; try a smaller file (or more memory).",
            file=sys.stderr,
        )
        return 1
    except DataError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # ``sknetscratch predict ... | head``
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # a full disk, a file that cannot be replaced, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{PROG}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
