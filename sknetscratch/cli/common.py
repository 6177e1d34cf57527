"""What the commands share: the program's name, checks of the file arguments,
files written whole or not at all, progress lines, reading a model file written
by ``train``, the model's columns of a table, and the one-line curves of the
reports.

A problem with the data or a model file raises :class:`~sknetscratch.io.csv.DataError`,
which :func:`sknetscratch.cli.main` reports in one or two lines (exit status 1).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
import tempfile
import time
from collections.abc import Sequence

import numpy as np

from ..io.csv import DataError
from ..training.callbacks.base import Callback

__all__ = [
    "PLOT_HINT",
    "PROG",
    "EpochProgress",
    "Interrupted",
    "Progress",
    "atomic_output",
    "check_paths",
    "curve",
    "describe",
    "features_of",
    "file_digest",
    "load_model",
    "network_of",
    "predictions",
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


class Interrupted(BaseException):
    """Ctrl-C (SIGINT) or SIGTERM: the whole command stops (exit status 130).

    Not a :class:`KeyboardInterrupt`, which the training loops catch to stop
    only the fit they are in.
    """


# ---------------------------------------------------------------- progress
class Progress:
    """Progress lines on stderr for steps that take more than a few seconds.

    Parameters
    ----------
    quiet : bool
        Print nothing.
    after : float, default=2.0
        Seconds into a step before its first line, and between lines.
    """

    def __init__(self, quiet: bool, after: float = 2.0):
        self.quiet = quiet
        self.after = after
        self.start = self.last = time.monotonic()

    def begin(self) -> None:
        """A new step starts now."""
        self.start = self.last = time.monotonic()

    def due(self) -> bool:
        now = time.monotonic()
        if self.quiet or now - self.start < self.after or now - self.last < self.after:
            return False
        self.last = now
        return True

    def say(self, text: str) -> None:
        """Print ``text`` now (unless quiet)."""
        if not self.quiet:
            print(f"{PROG}: {text}", file=sys.stderr, flush=True)


class EpochProgress(Callback):
    """A network's callback: ``epoch e of E, loss L, ETA`` when training is slow."""

    def __init__(self, progress: Progress, epochs: int, what: str = "training"):
        super().__init__()
        self.progress, self.epochs, self.what = progress, epochs, what

    def on_train_begin(self, logs=None):
        self.progress.begin()
        self.t0 = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        if self.progress.due():
            done = epoch + 1
            spent = time.monotonic() - self.t0
            eta = spent / done * (self.epochs - done)
            loss = (logs or {}).get("loss", float("nan"))
            self.progress.say(
                f"{self.what}: epoch {done} of at most {self.epochs}, loss {loss:.4f}, "
                f"{spent:.0f} s so far, ETA {eta:.0f} s"
            )


# ------------------------------------------------------------------- files
def _check_output(path: str, option: str) -> None:
    """Fail before any work if ``path`` cannot be written: it exists and is not
    a regular file, or its folder is missing or refuses a new file."""
    folder = os.path.dirname(path) or "."
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise DataError(f"{option} {path}: {exc.strerror or exc}.") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise DataError(f"{option} {path}: is a directory; give a file name.")
    if mode is not None and not stat.S_ISREG(mode):
        raise DataError(
            f"{option} {path}: exists and is not a regular file (a device, a FIFO or "
            "a socket); it will not be replaced. Give another file name."
        )
    if not os.path.isdir(folder):
        raise DataError(f"{option} {path}: the folder {folder} does not exist.")
    try:  # the only sure test: make (and remove) a file there
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".sknetscratch-", suffix=".tmp")
    except OSError as exc:
        raise DataError(
            f"{option} {path}: cannot write in the folder {folder} "
            f"({exc.strerror or exc})."
        ) from None
    os.close(fd)
    os.unlink(probe)


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
        If an output exists and is not a regular file, if its folder is missing
        or cannot be written, or if two of the files are one (also through links).
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


@contextlib.contextmanager
def atomic_output(path: str, option: str, text: bool = True):
    """Write ``path`` whole or not at all: yield a temporary file in its folder
    (an open text stream, or its path when ``text`` is False), renamed onto
    ``path`` when the block ends normally and removed otherwise.

    Parameters
    ----------
    path : str
        The file to write.
    option : str
        The option that named it, for messages.
    text : bool, default=True
        Yield an open text stream (``newline=""``) rather than a path.

    Raises
    ------
    DataError
        If ``path`` has become something other than a regular file, or the
        file cannot be written (a full disk, a size limit).
    """
    _check_output(path, option)
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        try:
            if text:
                with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
                    yield fh
                    fh.flush()
                    os.fsync(fh.fileno())
            else:
                os.close(fd)
                yield tmp
            mode = os.stat(path).st_mode if os.path.lexists(path) else None
            if mode is not None and not stat.S_ISREG(mode):
                raise DataError(f"{option} {path}: is no longer a regular file.")
            os.replace(tmp, path)
        except OSError as exc:
            raise DataError(
                f"{option} {path}: cannot be written ({exc.strerror or exc}); "
                "any earlier file there is unchanged."
            ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def file_digest(path: str) -> str:
    """The SHA-256 of a file, in hex (to recognise the training file)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------- model files
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
