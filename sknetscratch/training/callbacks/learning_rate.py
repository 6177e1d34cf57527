"""Callbacks that set the learning rate: ``ReduceLROnPlateau`` and
``LearningRateScheduler`` (Keras 3's rules)."""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable

import numpy as np

from .base import Callback
from .monitor import better, monitored

__all__ = ["LearningRateScheduler", "ReduceLROnPlateau"]


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
        self._better = better(monitor, mode, min_delta)

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        current = monitored(logs, self.monitor, "Learning rate reduction")
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
        schedule object with ``__call__(epoch)``). A rate that is not a finite
        number >= 0 is a ValueError naming the schedule and the epoch, raised
        before that epoch trains.

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
        number = isinstance(lr, numbers.Real) and not isinstance(lr, (bool, np.bool_))
        if not number or not (math.isfinite(lr) and lr >= 0):
            raise ValueError(
                f"LearningRateScheduler: the output of the schedule {self.schedule!r} "
                f"must be a finite, non-negative float; got {lr!r} for epoch {epoch} "
                "(before it trains)."
            )
        opt.learning_rate = float(lr)
