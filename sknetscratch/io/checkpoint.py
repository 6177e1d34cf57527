"""``ModelCheckpoint`` that writes the model to a file (the core's keeps it in memory)."""

from __future__ import annotations

import os
import string

import numpy as np

from ..training.callbacks import ModelCheckpoint as _InMemoryCheckpoint
from ..training.files import check_target
from .persistence import save

__all__ = ["ModelCheckpoint"]

_MODES = ("auto", "min", "max")


def _template_fields(pattern: str) -> set[str]:
    """The names of the ``str.format`` fields of ``pattern`` (``loss`` for
    ``{loss:.2f}`` or ``{loss[0]}``), nested ones in format specs included.

    Raises
    ------
    ValueError
        If ``pattern`` is not a valid format string, or has a positional field
        (``{}``, ``{0}``): only names can be filled.
    """
    names = set()
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise ValueError(
            f"ModelCheckpoint: filepath {pattern!r} is not a valid str.format pattern ({exc}); "
            "write a literal brace as '{{' or '}}'."
        ) from None
    for _, name, spec, _ in parsed:
        if name is None:
            continue
        root = name.split(".", 1)[0].split("[", 1)[0]
        if not root or root.isdigit():
            raise ValueError(
                f"ModelCheckpoint: filepath {pattern!r} has the positional field {{{name}}}; its "
                "fields are filled by name: {epoch} and the keys of the epoch logs, "
                "such as {loss} or {val_loss}."
            )
        names.add(root)
        if spec:
            names |= _template_fields(spec)
    return names


class ModelCheckpoint(_InMemoryCheckpoint):
    """Keep the model of the best epoch (or of every epoch), in memory or on disk.

    Parameters
    ----------
    filepath : str, os.PathLike or None, default=None
        None keeps the weights in memory (``best_weights``, ``best_epoch``).
        A path writes the whole model there with :func:`sknetscratch.save` (the
        safe format, written atomically); it may hold ``str.format`` fields
        filled with ``epoch`` (from 1) and the logs, e.g.
        ``"model-{epoch:02d}-{val_loss:.2f}.npz"``. A field that the logs lack
        is a ValueError at the end of the first epoch, before any file is
        written. A path that exists and is not a regular file (a directory, a
        FIFO, a device) is refused with
        :class:`~sknetscratch.training.files.NotARegularFileError`, when
        training starts for a path without fields, else before writing; it is
        never replaced.
    monitor : str, default="val_loss"
        The key of the epoch logs that ``save_best_only`` compares.
    save_best_only : bool, default=False
        Save only when ``monitor`` improves; otherwise after every epoch.
    mode : {'auto', 'min', 'max'}, default='auto'
        Whether ``monitor`` improves when it decreases (``'min'``) or increases
        (``'max'``); ``'auto'`` maximises accuracy-like names (``acc``, ``auc``)
        and minimises the rest.

    Attributes
    ----------
    best : float or None
        Best value of ``monitor`` seen.
    best_epoch : int or None
        The epoch last saved (0-based).
    best_weights : list of ndarray or None
        In memory (``filepath=None``): the weights last saved, as
        :meth:`Model.get_weights` returns them.

    Raises
    ------
    TypeError
        If ``filepath`` is not None, a str or an os.PathLike of str, if
        ``monitor`` is not a str, or ``save_best_only`` not a bool.
    ValueError
        If ``mode`` is not one of the three, or ``filepath`` is not a valid
        ``str.format`` pattern with named fields only.

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
        if filepath is not None and not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(
                "ModelCheckpoint: filepath must be None, a str or an os.PathLike; "
                f"got {type(filepath).__name__} {filepath!r}."
            )
        pattern = None if filepath is None else os.fspath(filepath)
        if isinstance(pattern, bytes):
            raise TypeError(
                f"ModelCheckpoint: filepath must be a path of str, not of bytes; "
                f"got {filepath!r}."
            )
        if not isinstance(monitor, str):
            raise TypeError(
                f"ModelCheckpoint: monitor must be a str (a key of the epoch logs); "
                f"got {type(monitor).__name__} {monitor!r}."
            )
        if not isinstance(save_best_only, (bool, np.bool_)):
            raise TypeError(
                "ModelCheckpoint: save_best_only must be a bool; got "
                f"{type(save_best_only).__name__} {save_best_only!r}."
            )
        if not isinstance(mode, str) or mode not in _MODES:
            raise ValueError(
                f"ModelCheckpoint: mode must be 'auto', 'min' or 'max'; got {mode!r}."
            )
        if pattern is not None:
            _template_fields(pattern)  # a malformed pattern fails now
        super().__init__(
            monitor=monitor, save_best_only=bool(save_best_only), mode=mode
        )
        self.filepath = filepath

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.filepath is None:
            return
        pattern = os.fspath(self.filepath)
        # before any epoch: a literal path (or the folder of a pattern, when it
        # has no fields) that is a directory, a FIFO, a device, or whose folder
        # is missing or read-only is refused now, not after an epoch's work
        if not _template_fields(pattern):
            check_target(pattern.format(), "the checkpoint")
        else:
            folder = os.path.dirname(pattern)
            if not _template_fields(folder):
                check_target(
                    os.path.join(folder.format() or ".", "checkpoint"), "the checkpoint"
                )

    def on_epoch_end(self, epoch, logs=None):
        if self.filepath is not None:  # every epoch: it may not save this one
            self._check_fields(logs or {})
        super().on_epoch_end(epoch, logs)

    def _check_fields(self, logs: dict) -> None:
        """Every field of ``filepath`` is ``epoch`` or a key of ``logs``."""
        fields = _template_fields(os.fspath(self.filepath))
        missing = sorted(fields - {"epoch"} - set(logs))
        if missing:
            raise ValueError(
                f"ModelCheckpoint: filepath {os.fspath(self.filepath)!r} has the "
                f"field(s) {', '.join('{' + m + '}' for m in missing)}, which the "
                f"epoch logs lack. Available: {{epoch}} and the log keys "
                f"{', '.join(sorted(logs)) or '(none)'}."
            )

    def _save(self, epoch: int, logs: dict) -> None:
        if self.filepath is None:
            super()._save(epoch, logs)
            return
        pattern = os.fspath(self.filepath)
        try:
            path = pattern.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, AttributeError, TypeError, ValueError) as exc:
            raise ValueError(
                f"ModelCheckpoint: cannot fill filepath {pattern!r} with epoch "
                f"{epoch + 1} and the logs {logs!r} ({type(exc).__name__}: {exc})."
            ) from None
        save(self.model, path)
