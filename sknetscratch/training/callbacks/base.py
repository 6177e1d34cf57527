"""``Callback``, the base with no-op hooks, and ``History``, the record of a fit."""

from __future__ import annotations

__all__ = ["HOOKS", "Callback", "History", "check_callbacks"]

#: The methods the training loop calls on every callback: a callback is an
#: object with all of them (a :class:`Callback` subclass, or any object that
#: has them).
HOOKS = (
    "set_model",
    "set_params",
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
)


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


def check_callbacks(callbacks, name: str = "callbacks") -> list:
    """``callbacks`` as a list, every item checked to be a callback.

    Parameters
    ----------
    callbacks : list or tuple of Callback, or None
        Each item a :class:`Callback` (or an object with every method of
        :data:`HOOKS`).
    name : str, default="callbacks"
        The parameter's name, for the message.

    Returns
    -------
    list
        The callbacks (empty for None).

    Raises
    ------
    TypeError
        If ``callbacks`` is not a list, a tuple or None, or an item is not a
        callback (a function, None, ...); the message names the item.

    Examples
    --------
    >>> from sknetscratch.training.callbacks import History, check_callbacks
    >>> len(check_callbacks([History()]))
    1
    >>> check_callbacks([print])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: callbacks[0] must be a Callback ...
    """
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            f"{name} must be a list of Callback objects or None; got "
            f"{type(callbacks).__name__} {callbacks!r}."
        )
    for i, cb in enumerate(callbacks):
        if isinstance(cb, type):
            raise TypeError(
                f"{name}[{i}] must be a Callback object; got the class "
                f"{cb.__name__}: pass an instance, {cb.__name__}(...)."
            )
        if isinstance(cb, Callback):  # (its hooks are not looked up here)
            continue
        missing = [h for h in HOOKS if not callable(getattr(cb, h, None))]
        if missing:
            hint = (
                " To run a function each epoch, subclass Callback and call it "
                "from on_epoch_end (or use LearningRateScheduler for a rate)."
                if callable(cb)
                else ""
            )
            raise TypeError(
                f"{name}[{i}] must be a Callback (sknetscratch.Callback or an "
                f"object with its methods); got {type(cb).__name__} {cb!r}, which "
                f"lacks {', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}."
                + hint
            )
    return list(callbacks)
