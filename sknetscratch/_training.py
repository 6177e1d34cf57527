"""The training loop behind :meth:`Model.fit`: epochs of mini-batches, the
callbacks, Ctrl-C between two steps, and rollback when training diverges.

One epoch: when shuffling, the previous epoch's sample order is shuffled with
one ``rng.permutation(n_samples)`` (the only draw from the shuffling stream; the
order starts as ``arange(n_samples)`` in each call, as scikit-learn's MLP
shuffles its ``sample_idx``), then ``model.train_step`` runs on consecutive
slices of that order, ``batch_size`` rows each (the last one shorter).
"""

from __future__ import annotations

import math
import signal
import threading
import warnings

import numpy as np

from .callbacks import History, ProgbarLogger
from .initializers import check_rng

__all__ = ["TrainingDivergedError", "fit"]


class TrainingDivergedError(ValueError, FloatingPointError):
    """Raised when the loss or the weights become non-finite during training.

    A :class:`ValueError` (and a :class:`FloatingPointError`), so code that
    catches scikit-learn's ``ValueError`` for a diverged solver catches it.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, Model, SGD, TrainingDivergedError
    >>> X = np.array([[1e200], [-1e200]]); y = np.array([1.0, 0.0])
    >>> model = Model([DenseBlock(1, "linear")]).compile(SGD(1.0), "squared_error")
    >>> try:
    ...     model.fit(X, y, epochs=2, random_state=0)
    ... except TrainingDivergedError as exc:
    ...     print(isinstance(exc, ValueError), "diverged" in str(exc))
    True True
    """


class _SigintFlag:
    """While active, Ctrl-C (SIGINT) sets ``requested`` instead of raising.

    The training loop checks the flag after each batch, so an interrupt stops
    training between two complete optimizer steps. Outside the main thread
    signal handlers cannot be installed, and Ctrl-C behaves as usual.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handler)
            except ValueError:  # pragma: no cover - e.g. embedded interpreters
                self._previous = None
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


class _RowGather:
    """``X[idx], y[idx]`` for a batch, written into reused buffers.

    A shuffled batch is a copy either way; ``np.take(..., out=)`` makes it
    without allocating a new array per batch (``mode="clip"``, because with the
    default ``"raise"`` NumPy writes through a temporary buffer; the indices
    come from a permutation, so none is out of range). Slices (no shuffling)
    and sparse matrices are indexed as usual.
    """

    def __init__(self, X, y, batch_size):
        dense = isinstance(X, np.ndarray)
        self.X, self.y = X, y
        self.Xbuf = np.empty((batch_size, X.shape[1]), X.dtype) if dense else None
        self.ybuf = np.empty((batch_size, y.shape[1]), y.dtype)

    def __call__(self, idx):
        if isinstance(idx, slice):
            return self.X[idx], self.y[idx]
        m = len(idx)
        yb = np.take(self.y, idx, axis=0, out=self.ybuf[:m], mode="clip")
        if self.Xbuf is None:
            return self.X[idx], yb
        return np.take(self.X, idx, axis=0, out=self.Xbuf[:m], mode="clip"), yb


def _layer_rng(rng):
    """A generator for the layers' own randomness (dropout masks), seeded by one
    draw from ``rng``: scikit-learn's MLP has no such randomness, so this stream
    is made only for models that need it."""
    if isinstance(rng, np.random.RandomState):
        return np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(rng.integers(np.iinfo(np.int64).max))


def fit(
    model,
    X,
    y,
    *,
    batch_size,
    epochs,
    validation_data,
    shuffle,
    random_state,
    verbose,
    callbacks,
    sample_weight,
    restore_on_divergence,
) -> History:
    """:meth:`Model.fit` (documented there)."""
    if model.loss is None or model.optimizer is None:
        raise ValueError(
            "You must call compile(optimizer, loss) with an optimizer before fit()."
        )
    rng = check_rng(random_state)
    if not model.built:
        X0 = X if hasattr(X, "dtype") else np.asarray(X)
        dtype = X0.dtype if X0.dtype in (np.float32, np.float64) else np.float64
        model.build(np.shape(X0)[1] if model.input_dim is None else None, rng, dtype)
    X, y, sample_weight = model._prepare(X, y, sample_weight)
    layer_rng = _layer_rng(rng) if any(lay.uses_rng for lay in model.layers) else None
    batch_size = max(1, min(int(batch_size), X.shape[0]))
    history = History()
    cbs = [history, *(callbacks or [])]
    if verbose:
        cbs.append(ProgbarLogger(epochs))
    for cb in cbs:
        cb.set_model(model)
    model.stop_training = False
    for cb in cbs:
        cb.on_train_begin({})
    gather = _RowGather(X, y, batch_size)
    order = np.arange(X.shape[0])
    with _SigintFlag() as sigint:
        for epoch in range(epochs):
            for cb in cbs:
                cb.on_epoch_begin(epoch, {})
            backup = model._snapshot() if restore_on_divergence else None
            if shuffle:  # reshuffle the last epoch's order, as scikit-learn's MLP
                order = order[rng.permutation(X.shape[0])]
            batches = order if shuffle else None  # None: slices in data order
            logs = _run_epoch(
                model, gather, sample_weight, batch_size, batches, layer_rng, cbs,
                sigint, epoch, backup,
            )  # fmt: skip
            if sigint.requested:
                history.interrupted = True
                warnings.warn(
                    f"Training interrupted by the user (Ctrl-C) during epoch {epoch + 1}; "
                    "the model keeps the weights of the last completed step.",
                    UserWarning,
                    stacklevel=3,
                )
                break
            if validation_data is not None:
                logs["val_loss"] = model.evaluate(*validation_data)
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
    for cb in cbs:
        cb.on_train_end({})
    model.clear_cache()
    return history


def _run_epoch(
    model, gather, sw, batch_size, order, rng, cbs, sigint, epoch, backup
) -> dict:
    """One pass over the data; returns the epoch's logs."""
    n = gather.X.shape[0]
    total, weight = 0.0, 0.0
    for b, start in enumerate(range(0, n, batch_size)):
        stop = start + batch_size
        idx = slice(start, stop) if order is None else order[start:stop]
        swb = None if sw is None else sw[idx]
        if swb is not None and not swb.sum() > 0:
            continue  # a batch of zero weight contributes nothing: no step
        Xb, yb = gather(idx)
        for cb in cbs:
            cb.on_train_batch_begin(b, {})
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = model.train_step(Xb, yb, swb, rng)
        if not math.isfinite(loss):
            _diverged(
                model, backup, f"epoch {epoch + 1}, batch {b + 1}: the loss is {loss}"
            )
        # epoch loss = sum_b loss_b n_b / sum_b n_b (n_b rows), as scikit-learn's
        total += loss * Xb.shape[0]
        weight += Xb.shape[0]
        for cb in cbs:
            cb.on_train_batch_end(b, {"loss": loss})
        if sigint.requested:
            break
    # a finite loss is computed before the step: the last step can still
    # have produced non-finite weights
    if not np.isfinite(model.params).all():
        _diverged(model, backup, f"epoch {epoch + 1}: the weights became non-finite")
    return {"loss": total / weight if weight > 0 else 0.0}


def _diverged(model, backup, where):
    """Restore the start-of-epoch weights and optimizer state, then raise."""
    if backup is not None:
        model._restore(backup)
    raise TrainingDivergedError(
        f"Training diverged at {where}. Scale the input features (for example "
        "with StandardScaler) or lower the learning rate."
        + (" The weights were restored to the start of this epoch." if backup else "")
    )
