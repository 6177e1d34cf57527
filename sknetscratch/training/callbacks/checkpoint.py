"""``ModelCheckpoint`` in memory (``sknetscratch.ModelCheckpoint`` adds files)."""

from __future__ import annotations

from .base import Callback
from .monitor import better, monitored

__all__ = ["ModelCheckpoint"]


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
        self._better = better(monitor, mode, 0.0)
        self.best = self.best_epoch = self.best_weights = None

    def on_train_begin(self, logs=None):
        self.best = self.best_epoch = self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        if self.save_best_only:
            current = monitored(logs, self.monitor, "ModelCheckpoint")
            if current is None or not self._better(current, self.best):
                return
            self.best = current
        self.best_epoch = epoch
        self._save(epoch, logs or {})

    def _save(self, epoch: int, logs: dict) -> None:
        """Keep this epoch's weights (a subclass may write them elsewhere)."""
        self.best_weights = self.model.get_weights()
