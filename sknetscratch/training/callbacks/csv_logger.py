"""``CSVLogger``: a row of a CSV file per epoch."""

from __future__ import annotations

import contextlib
import csv
import os
import shutil

from ..files import check_target, create_temp, replace
from .base import Callback

__all__ = ["CSVLogger"]


class CSVLogger(Callback):
    """Write the logs of each epoch as a row of a CSV file.

    The header is ``epoch`` then the sorted log names; a row per epoch.

    The file is never truncated or damaged, and no finished epoch's row is
    lost: the path is checked when training starts (a directory, a FIFO or a
    device is refused with :class:`~sknetscratch.training.files.NotARegularFileError`
    before any epoch runs, and left as it is); at the end of the first epoch
    a temporary file in the same folder gets the old log (with
    ``append=True``), the header and the first row, and is renamed onto the
    path; each later row is appended to that file with one write and flushed.
    Until the first epoch ends an existing file is untouched; if training
    then fails, the rows of every finished epoch are on disk. A fit that
    finishes no epoch writes nothing.

    Parameters
    ----------
    filename : str or os.PathLike
    separator : str, default=","
    append : bool, default=False
        Append to an existing file (without repeating its header); the old
        rows are copied into the new file, never rewritten in place.

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
        self._keys = self._target = None
        self._published = False

    def on_train_begin(self, logs=None):
        self._published = False
        # before any work: refuse a directory, a FIFO, a device, a missing folder
        self._target = check_target(self.filename, "the log")
        self._keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._keys is None:
            self._keys = sorted(logs)
        row = [epoch, *(logs.get(k, "NA") for k in self._keys)]
        if not self._published:
            self._publish(row)
            return
        # the log is in place: each later row is appended and the file closed,
        # so that a fit that fails keeps the rows of its finished epochs
        with open(self._target, "a", newline="", encoding="utf-8") as fh:
            csv.writer(fh, delimiter=self.sep).writerow(row)

    def _publish(self, row) -> None:
        """The first row: old log (append) + header + row into a temporary
        file, renamed onto the target (later rows are appended to it)."""
        target = self._target or check_target(self.filename, "the log")
        fd, tmp = create_temp(target)
        fh = None
        try:
            fh = open(fd, "w", newline="", encoding="utf-8")  # noqa: SIM115
            writer = csv.writer(fh, delimiter=self.sep)
            has_rows = False
            if self.append and os.path.isfile(target):
                with open(target, "rb") as old:
                    shutil.copyfileobj(old, fh.buffer)
                    has_rows = old.tell() > 0
                    if has_rows:
                        old.seek(-1, os.SEEK_END)
                        if old.read(1) not in (b"\n", b"\r"):  # a torn last line
                            fh.buffer.write(writer.dialect.lineterminator.encode())
            if not has_rows:
                writer.writerow(["epoch", *self._keys])
            writer.writerow(row)
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            replace(tmp, target, self.filename, "the log")
        except BaseException:
            with contextlib.suppress(OSError):
                fh.close() if fh is not None else os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._target, self._published = target, True
