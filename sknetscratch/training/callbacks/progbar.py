"""``ProgbarLogger``, and the text of Keras 3's progress bar
(``keras/src/utils/progbar.py``).

``verbose=1`` on a terminal, updated in place with ``\\r``::

    12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: 0.1234 - val_loss: 0.1456

(the step count in bold, the done part of the bar green, the rest grey, as
Keras draws it); the same line without colour codes when the output is not a
terminal. The formatting functions are pure functions of numbers;
:class:`ProgbarLogger` decides when to write them.
"""

from __future__ import annotations

import math
import sys
import time

from .base import Callback

BAR_WIDTH = 20
_BOLD, _GREEN, _GREY, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def format_value(value: float) -> str:
    """Keras' number format: 4 decimals, or scientific notation below 1e-3."""
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def format_logs(logs: dict) -> str:
    """`` - loss: 0.1234 - val_loss: 0.1456`` for every entry of ``logs``."""
    return "".join(f" - {k}: {format_value(v)}" for k, v in logs.items())


def format_time_per_step(seconds: float) -> str:
    """``3ms/step``: seconds, milliseconds or microseconds, as Keras rounds them."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def format_eta(seconds: float) -> str:
    """Time left: ``7s``, ``2:05`` or ``1:02:05``."""
    if seconds > 3600:
        return (
            f"{seconds // 3600:.0f}:{(seconds % 3600) // 60:02.0f}:{seconds % 60:02.0f}"
        )
    if seconds > 60:
        return f"{seconds // 60:.0f}:{seconds % 60:02.0f}"
    return f"{seconds:.0f}s"


def bar_line(
    current: int,
    target: int,
    seconds: float,
    per_step: float,
    logs: dict,
    *,
    final: bool,
    color: bool,
) -> tuple[str, int]:
    """One line of the bar and its printed width (without the colour codes).

    Parameters
    ----------
    current, target : int
        Steps done and steps per epoch.
    seconds : float
        Elapsed seconds when ``final``, else the estimated seconds left.
    per_step : float
        Seconds per step.
    logs : dict of str -> float
    final : bool
        The epoch's last line (elapsed time instead of the time left).
    color : bool
        Keras' ANSI colours (on a terminal).
    """
    digits = int(math.log10(max(target, 1))) + 1
    count = f"{current:{digits}d}/{target}"
    done = int(BAR_WIDTH * current / max(target, 1))
    when = f"{seconds:.0f}s" if final else format_eta(seconds)
    tail = f" {format_time_per_step(per_step)}{format_logs(logs)}"
    if color:
        bar = f"{_BOLD}{count}{_RESET} "
        if done:
            bar += f"{_GREEN}{'━' * done}{_RESET}"
        bar += f"{_GREY}{'━' * (BAR_WIDTH - done)}{_RESET} {_BOLD}{when}{_RESET}"
    else:
        bar = f"{count} {'━' * done}{'.' * (BAR_WIDTH - done)} {when}"
    width = len(count) + 1 + BAR_WIDTH + 1 + len(when) + len(tail)
    return bar + tail, width


def epoch_line(
    epoch: int, epochs: int, steps: int, seconds: float, per_step: float, logs: dict
) -> str:
    """``verbose=2``: one line per epoch,
    ``Epoch 3/20 - 12/12 - 0s - 3ms/step - loss: 0.1234`` (Keras' two lines,
    ``Epoch 3/20`` and ``12/12 - 0s - ...``, joined)."""
    return (
        f"Epoch {epoch + 1}/{epochs} - {steps}/{steps} - {seconds:.0f}s - "
        f"{format_time_per_step(per_step)}{format_logs(logs)}"
    )


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
        line, width = bar_line(
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
                epoch_line(epoch, self._epochs, self._steps, seconds, per_step, shown)
                + "\n"
            )
            return
        line, width = bar_line(
            self._steps, self._steps, seconds, per_step, shown, final=True,
            color=self._dynamic,
        )  # fmt: skip
        if self._dynamic:
            line = "\r" + line + " " * max(self._width - width, 0)
        self._write(line + "\n")
