"""``EarlyStopping`` (Keras 3's rule) and ``TerminateOnNaN``."""

from __future__ import annotations

import math
import sys

from .base import Callback
from .monitor import better, monitored

__all__ = ["EarlyStopping", "TerminateOnNaN"]


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
        self._better = better(monitor, mode, min_delta)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None

    def on_epoch_end(self, epoch, logs=None):
        current = monitored(logs, self.monitor, "Early stopping")
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
