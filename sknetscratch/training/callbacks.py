"""Keras-style callbacks: objects with no-op hooks that ``Model.fit`` calls.

A callback may read ``self.model`` and stop training by setting
``self.model.stop_training = True``. ``logs`` is a dict of floats for the
current epoch: ``loss``, with validation data ``val_loss`` and ``val_<metric>``
for each compiled metric, then ``learning_rate`` (the optimizer's rate during
the epoch) and ``seconds`` (the epoch's wall time). ``self.params`` holds
``epochs``, ``steps`` (batches per epoch) and ``verbose``.

The built-in callbacks follow Keras 3 (``keras/src/callbacks/``): the same
names, arguments and rules, per epoch.
"""

from __future__ import annotations

import csv
import inspect
import math
import os
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np

from . import progbar as _progbar

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]


class Callback:
    """Base class: every hook does nothing.

    Subclass it and override the hooks you need; ``self.model`` is the model
    being trained, and ``self.model.stop_training = True`` ends training after
    the current epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import Callback, DenseBlock, Model
    >>> class StopBelow(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         if logs["loss"] < 0.5:
    ...             self.model.stop_training = True
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> model = Model([DenseBlock(1, "sigmoid")]).compile("sgd")
    >>> history = model.fit(X, y, epochs=500, random_state=0, callbacks=[StopBelow()])
    >>> len(history.history["loss"]) < 500 and history.history["loss"][-1] < 0.5
    True
    """

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None: ...

    def on_train_end(self, logs: dict | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None: ...


class History(Callback):
    """Records the logs of every epoch; ``Model.fit`` returns it.

    Attributes
    ----------
    epoch : list of int
        Epoch indices of this ``fit`` call (0-based).
    history : dict of str -> list of float
        One list per logged quantity, e.g. ``history["loss"]``.
    interrupted : bool
        True if training was stopped by Ctrl-C (SIGINT).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, Model
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> model = Model([DenseBlock(1, "sigmoid")]).compile("adam")
    >>> history = model.fit(X, y, epochs=3, random_state=0)
    >>> history.epoch, sorted(history.history)
    ([0, 1, 2], ['learning_rate', 'loss', 'seconds'])
    """

    def __init__(self):
        super().__init__()
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}
        self.interrupted = False

    def on_train_begin(self, logs=None):
        # a History passed to several fits keeps appending to ``history``
        self.epoch, self.interrupted = [], False

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def set_model(self, model) -> None:
        # History is returned to the user; keep no reference to the model.
        self.model = None


def _better(monitor: str, mode: str, min_delta: float) -> Callable:
    """``better(current, best)``: ``current`` improves on ``best`` by more than
    ``min_delta``. ``mode='auto'`` maximises accuracy-like names (``acc``,
    ``auc``) and minimises the rest, as Keras."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max'; got {mode!r}.")
    if mode == "auto":
        mode = "max" if any(s in monitor for s in ("acc", "auc")) else "min"
    delta = abs(float(min_delta))
    if mode == "min":
        return lambda current, best: best is None or current < best - delta
    return lambda current, best: best is None or current > best + delta


def _monitored(logs: dict | None, monitor: str, who: str) -> float | None:
    """``logs[monitor]``, or None with a warning naming the keys there are."""
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(
            f"{who} is conditioned on metric {monitor!r}, which is not available. "
            f"Available metrics are: {', '.join(logs or {})}.",
            UserWarning,
            stacklevel=3,
        )
    return value


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has stopped improving (Keras 3's rule).

    After each epoch from ``start_from_epoch`` on, ``wait`` counts the epochs
    since the best one; training stops when ``wait >= patience``. An epoch is
    better when it improves on the best by more than ``min_delta``.

    Parameters
    ----------
    monitor : str, default="val_loss"
        A key of the epoch logs.
    min_delta : float, default=0.0
        Smallest change that counts as an improvement.
    patience : int, default=0
        Epochs without improvement after which training stops.
    mode : {'auto', 'min', 'max'}, default='auto'
        'auto': maximise accuracy-like names, minimise the rest.
    restore_best_weights : bool, default=False
        At the end of training, set the weights of the best epoch.
    start_from_epoch : int, default=0
        Epochs of warm-up before monitoring starts.

    Attributes
    ----------
    best : float or None
    best_epoch : int
    best_weights : list of ndarray or None
        Kept only with ``restore_best_weights``.
    stopped_epoch : int
        The epoch that stopped training (0 if none did).
    wait : int

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, EarlyStopping, Model
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> model = Model([DenseBlock(1, "sigmoid")]).compile("adam")
    >>> stop = EarlyStopping(monitor="loss", min_delta=1.0, patience=2)
    >>> len(model.fit(X, y, epochs=50, random_state=0, callbacks=[stop]).epoch)
    3
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ):
        super().__init__()
        self.monitor, self.min_delta, self.patience = monitor, min_delta, patience
        self.mode, self.restore_best_weights = mode, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._better = _better(monitor, mode, min_delta)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(logs, self.monitor, "Early stopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._better(current, self.best):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    After ``patience`` epochs without an improvement larger than ``min_delta``
    the rate becomes ``max(lr * factor, min_lr)`` (``model.optimizer.learning_rate``);
    then ``cooldown`` epochs pass before counting again (Keras 3's rule).

    Parameters
    ----------
    monitor : str, default="val_loss"
    factor : float, default=0.1
        In (0, 1).
    patience : int, default=10
    mode : {'auto', 'min', 'max'}, default='auto'
    min_delta : float, default=1e-4
    cooldown : int, default=0
    min_lr : float, default=0.0

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import SGD, DenseBlock, Model, ReduceLROnPlateau
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> model = Model([DenseBlock(1, "sigmoid")]).compile(SGD(0.1))
    >>> cb = ReduceLROnPlateau("loss", factor=0.5, patience=1, min_delta=1.0)
    >>> model.fit(X, y, epochs=4, random_state=0, callbacks=[cb]).history["learning_rate"]
    [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ):
        super().__init__()
        if not 0 < factor < 1:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0 or <= 0; got {factor!r}."
            )
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.mode, self.min_delta = mode, min_delta
        self.cooldown, self.min_lr = cooldown, min_lr
        self._better = _better(monitor, mode, min_delta)

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(logs, self.monitor, "Learning rate reduction")
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._better(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                opt = self.model.optimizer
                if opt.learning_rate > self.min_lr:
                    opt.learning_rate = max(
                        opt.learning_rate * self.factor, self.min_lr
                    )
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Set the learning rate before each epoch from ``schedule``.

    Parameters
    ----------
    schedule : callable
        ``schedule(epoch, lr) -> new_lr`` (``epoch`` from 0, ``lr`` the current
        rate), or a callable of the epoch alone, ``schedule(epoch) -> lr`` (a
        schedule object with ``__call__(epoch)``).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import SGD, DenseBlock, LearningRateScheduler, Model
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> model = Model([DenseBlock(1, "sigmoid")]).compile(SGD(0.1))
    >>> cb = LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch else lr)
    >>> model.fit(X, y, epochs=3, random_state=0, callbacks=[cb]).history["learning_rate"]
    [0.1, 0.05, 0.025]
    """

    def __init__(self, schedule: Callable):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"schedule must be callable; got {schedule!r}.")
        self.schedule = schedule

    def _takes_lr(self) -> bool:
        try:
            params = inspect.signature(self.schedule).parameters.values()
        except (TypeError, ValueError):  # pragma: no cover - builtins
            return True
        positional = [
            p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)

    def on_epoch_begin(self, epoch, logs=None):
        opt = self.model.optimizer
        if self._takes_lr():
            lr = self.schedule(epoch, float(opt.learning_rate))
        else:
            lr = self.schedule(epoch)
        if not (isinstance(lr, (int, float, np.floating, np.integer)) and lr >= 0):
            raise ValueError(
                "The output of the schedule must be a non-negative float; "
                f"got {lr!r} for epoch {epoch}."
            )
        opt.learning_rate = float(lr)


class ModelCheckpoint(Callback):
    """Keep the weights of the best epoch (or of the last one), in memory.

    :class:`sknetscratch.ModelCheckpoint` (in :mod:`sknetscratch.io.checkpoint`)
    extends it with ``filepath``, to write the whole model to a file instead.

    Parameters
    ----------
    monitor : str, default="val_loss"
    save_best_only : bool, default=False
        Keep only the weights of the epochs where ``monitor`` improves;
        otherwise those of every epoch (the last one stays).
    mode : {'auto', 'min', 'max'}, default='auto'

    Attributes
    ----------
    best : float or None
        Best value of ``monitor`` seen.
    best_epoch : int or None
        The epoch last saved (0-based).
    best_weights : list of ndarray or None
        The weights last saved, as :meth:`Model.get_weights` returns them.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, Model
    >>> from sknetscratch.training.callbacks import ModelCheckpoint
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> model = Model([DenseBlock(1, "sigmoid")]).compile("adam")
    >>> ckpt = ModelCheckpoint(monitor="loss", save_best_only=True)
    >>> _ = model.fit(X, y, epochs=5, random_state=0, callbacks=[ckpt])
    >>> ckpt.best_epoch, len(ckpt.best_weights)
    (4, 2)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
    ):
        super().__init__()
        self.monitor = monitor
        self.save_best_only, self.mode = save_best_only, mode
        self._better = _better(monitor, mode, 0.0)
        self.best = self.best_epoch = self.best_weights = None

    def on_train_begin(self, logs=None):
        self.best = self.best_epoch = self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        if self.save_best_only:
            current = _monitored(logs, self.monitor, "ModelCheckpoint")
            if current is None or not self._better(current, self.best):
                return
            self.best = current
        self.best_epoch = epoch
        self._save(epoch, logs or {})

    def _save(self, epoch: int, logs: dict) -> None:
        """Keep this epoch's weights (a subclass may write them elsewhere)."""
        self.best_weights = self.model.get_weights()


class CSVLogger(Callback):
    """Write the logs of each epoch as a row of a CSV file.

    The header is ``epoch`` then the sorted log names; a row per epoch.

    Parameters
    ----------
    filename : str or os.PathLike
    separator : str, default=","
    append : bool, default=False
        Append to an existing file (without repeating its header).

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sknetscratch import CSVLogger, DenseBlock, Model
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> model = Model([DenseBlock(1, "sigmoid")]).compile("adam")
    >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
    >>> _ = model.fit(X, y, epochs=2, random_state=0, callbacks=[CSVLogger(path)])
    >>> open(path).readline().strip()
    'epoch,learning_rate,loss,seconds'
    """

    def __init__(
        self, filename: str | os.PathLike, separator: str = ",", append: bool = False
    ):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self._file = self._writer = self._keys = None

    def on_train_begin(self, logs=None):
        has_rows = (
            self.append
            and os.path.exists(self.filename)
            and os.path.getsize(self.filename) > 0
        )
        self._header = not has_rows
        self._file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self._writer, self._keys = csv.writer(self._file, delimiter=self.sep), None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._keys is None:
            self._keys = sorted(logs)
            if self._header:
                self._writer.writerow(["epoch", *self._keys])
        self._writer.writerow([epoch, *(logs.get(k, "NA") for k in self._keys)])
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = self._writer = None


class TerminateOnNaN(Callback):
    """Stop training when a batch loss is NaN or infinite.

    Without it a non-finite loss raises :class:`TrainingDivergedError`; with
    it training ends after that epoch (whose logged loss is non-finite), the
    weights restored to the start of the epoch when ``Model.fit`` keeps a copy
    (``restore_on_divergence=True``, the default).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import SGD, DenseBlock, Model, TerminateOnNaN
    >>> X = np.array([[1e200], [-1e200]]); y = np.array([1.0, 0.0])
    >>> model = Model([DenseBlock(1, "linear")]).compile(SGD(1.0), "squared_error")
    >>> h = model.fit(X, y, epochs=5, random_state=0, callbacks=[TerminateOnNaN()])
    Batch 0: Invalid loss, terminating training
    >>> len(h.epoch), bool(np.isfinite(model.params).all())
    (1, True)
    """

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training", file=sys.stdout)
            self.model.stop_training = True


class ProgbarLogger(Callback):
    """Keras 3's progress display, written to ``sys.stdout`` (looked up when written).

    ``verbose=1``: ``Epoch 3/20`` (when there is more than one epoch), then
    ``12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: 0.1234 - val_loss: 0.1456``;
    on a terminal the line is redrawn in place (``\\r``) during the epoch, in
    Keras' colours; otherwise (a pipe, a log file) it is written once per epoch
    as a plain line. ``verbose=2``: one line per epoch,
    ``Epoch 3/20 - 12/12 - 0s - 3ms/step - loss: ...``. ``learning_rate`` and
    ``seconds`` are not shown.

    Parameters
    ----------
    verbose : {1, 2} or None, default=None
        None: ``Model.fit``'s ``verbose`` (1 if that is 0).
    interval : float, default=0.05
        Least seconds between two redraws on a terminal.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, Model, ProgbarLogger
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> model = Model([DenseBlock(1, "sigmoid")]).compile("adam")
    >>> _ = model.fit(X, y, epochs=1, random_state=0, callbacks=[ProgbarLogger(2)])
    ... # doctest: +ELLIPSIS
    Epoch 1/1 - 1/1 - 0s - ...step - loss: ...
    """

    _HIDDEN = ("learning_rate", "seconds")

    def __init__(self, verbose: int | None = None, interval: float = 0.05):
        super().__init__()
        self.verbose, self.interval = verbose, interval

    def _write(self, text: str) -> None:
        stream = sys.stdout
        stream.write(text)
        stream.flush()

    def on_train_begin(self, logs=None):
        v = self.verbose if self.verbose is not None else self.params.get("verbose")
        self._mode = 2 if v == 2 else 1
        self._epochs = self.params.get("epochs", 1)
        self._steps = self.params.get("steps", 0)
        isatty = getattr(sys.stdout, "isatty", None)
        self._dynamic = bool(isatty and isatty())

    def on_epoch_begin(self, epoch, logs=None):
        self._start = self._last = time.perf_counter()
        self._first = None
        self._seen, self._sum, self._width = 0, 0.0, 0
        if self._mode == 1 and self._epochs > 1:
            self._write(f"Epoch {epoch + 1}/{self._epochs}\n")

    def _per_step(self, now):
        if self._first is not None and self._seen > 1:
            return (now - self._first) / (self._seen - 1)  # Keras skips step 1
        return (now - self._start) / max(self._seen, 1)

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        now = time.perf_counter()
        if self._seen == 1:
            self._first = now
        if not (self._dynamic and self._mode == 1):
            return
        self._sum += (logs or {}).get("loss", 0.0)
        if now - self._last < self.interval:
            return
        self._last = now
        per_step = self._per_step(now)
        eta = per_step * (self._steps - self._seen)
        shown = {"loss": self._sum / self._seen} if logs and "loss" in logs else {}
        line, width = _progbar.bar_line(
            self._seen, self._steps, eta, per_step, shown, final=False, color=True
        )
        self._write("\r" + line + " " * max(self._width - width, 0))
        self._width = width

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        shown = {k: v for k, v in (logs or {}).items() if k not in self._HIDDEN}
        per_step, seconds = self._per_step(now), now - self._start
        if self._mode == 2:
            self._write(
                _progbar.epoch_line(
                    epoch, self._epochs, self._steps, seconds, per_step, shown
                )
                + "\n"
            )
            return
        line, width = _progbar.bar_line(
            self._steps, self._steps, seconds, per_step, shown, final=True,
            color=self._dynamic,
        )  # fmt: skip
        if self._dynamic:
            line = "\r" + line + " " * max(self._width - width, 0)
        self._write(line + "\n")
