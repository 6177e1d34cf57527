"""``ModelCheckpoint`` that writes the model to a file (the core's keeps it in memory)."""

from __future__ import annotations

import os

from ..training.callbacks import ModelCheckpoint as _InMemoryCheckpoint
from .persistence import save

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(_InMemoryCheckpoint):
    """Keep the model of the best epoch (or of every epoch), in memory or on disk.

    Parameters
    ----------
    filepath : str, os.PathLike or None, default=None
        None keeps the weights in memory (``best_weights``, ``best_epoch``).
        A path writes the whole model there with :func:`sknetscratch.save` (the
        safe format, written atomically); it may hold ``str.format`` fields
        filled with ``epoch`` (from 1) and the logs, e.g.
        ``"model-{epoch:02d}-{val_loss:.2f}.npz"``.
    monitor : str, default="val_loss"
    save_best_only : bool, default=False
        Save only when ``monitor`` improves; otherwise after every epoch.
    mode : {'auto', 'min', 'max'}, default='auto'

    Attributes
    ----------
    best : float or None
        Best value of ``monitor`` seen.
    best_epoch : int or None
        The epoch last saved (0-based).
    best_weights : list of ndarray or None
        In memory (``filepath=None``): the weights last saved, as
        :meth:`Model.get_weights` returns them.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, Model, ModelCheckpoint
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> model = Model([DenseBlock(1, "sigmoid")]).compile("adam")
    >>> ckpt = ModelCheckpoint(monitor="loss", save_best_only=True)
    >>> _ = model.fit(X, y, epochs=5, random_state=0, callbacks=[ckpt])
    >>> ckpt.best_epoch, len(ckpt.best_weights)
    (4, 2)
    """

    def __init__(
        self,
        filepath: str | os.PathLike | None = None,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
    ):
        super().__init__(monitor=monitor, save_best_only=save_best_only, mode=mode)
        self.filepath = filepath

    def _save(self, epoch: int, logs: dict) -> None:
        if self.filepath is None:
            super()._save(epoch, logs)
            return
        save(self.model, os.fspath(self.filepath).format(epoch=epoch + 1, **logs))
