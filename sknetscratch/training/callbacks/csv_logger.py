"""``CSVLogger``: a row of a CSV file per epoch."""

from __future__ import annotations

import csv
import os

from .base import Callback

__all__ = ["CSVLogger"]


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
    >>> with open(path) as f:
    ...     f.readline().strip()
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
