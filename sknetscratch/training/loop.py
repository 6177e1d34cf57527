"""The training loop behind :meth:`Model.fit`: epochs of mini-batches, the
callbacks, Ctrl-C between two steps, and rollback when training diverges.

One epoch: when shuffling, the previous epoch's sample order is shuffled with
one ``rng.permutation(n_samples)`` (the only draw from the shuffling stream; the
order starts as ``arange(n_samples)`` in each call, as scikit-learn's MLP
shuffles its ``sample_idx``), then ``model.train_step`` runs on consecutive
slices of that order, ``batch_size`` rows each (the last one shorter).

Features that are off cost nothing per batch: validation (``validation_split``,
``validation_data``) and the compiled metrics are computed once per epoch, on
the validation data only; ``class_weight`` becomes sample weights once, before
the first epoch.
"""

from __future__ import annotations

import math
import numbers
import signal
import threading
import time
import warnings

import numpy as np

from ..backend import (
    all_finite,
    astype,
    device,
    namespace,
    supports_float64,
    to_host,
    to_namespace,
    xsum,
)
from ..nn.initializers import check_rng
from .callbacks import History, ProgbarLogger, check_callbacks
from .state import restore, snapshot

__all__ = ["TrainingDivergedError", "check_class_weight", "fit"]


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
    and sparse matrices are indexed as usual. A dense ``X`` is made row-major
    once: gathering rows of a column-major array (a DataFrame's values, say)
    copies the whole array for every batch.
    """

    def __init__(self, X, y, batch_size):
        self.xp = namespace(X)
        if self.xp is not np:  # xp.take into new arrays, on X's device
            self.X, self.y, self.Xbuf = X, y, None
            return
        dense = isinstance(X, np.ndarray)
        if dense:
            X = np.ascontiguousarray(X)
        self.X, self.y = X, np.ascontiguousarray(y)
        self.Xbuf = np.empty((batch_size, X.shape[1]), X.dtype) if dense else None
        self.ybuf = np.empty((batch_size, y.shape[1]), y.dtype)

    def order(self, order):
        """A sample order (NumPy integers) as the indices :meth:`__call__` takes:
        on X's device outside NumPy (moved once per epoch)."""
        if order is None or self.xp is np:
            return order
        return to_namespace(order, self.xp, device(self.X))

    def rows(self, a, idx):
        """Rows ``idx`` (a slice, or indices from :meth:`order`) of ``a``."""
        if a is None or isinstance(idx, slice):
            return None if a is None else a[idx, ...]
        return a[idx] if self.xp is np else self.xp.take(a, idx, axis=0)

    def __call__(self, idx):
        if isinstance(idx, slice):
            return self.X[idx, ...], self.y[idx, ...]
        if self.xp is not np:
            return self.rows(self.X, idx), self.rows(self.y, idx)
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


def check_class_weight(class_weight) -> None:
    """Raise unless ``class_weight`` is None or a dict of class indices (ints
    >= 0) to finite weights >= 0; checked before training starts."""
    if class_weight is None:
        return
    if not isinstance(class_weight, dict):
        raise TypeError(
            "class_weight must be a dict {class_index: weight}; got "
            f"{type(class_weight).__name__}."
        )
    for k, w in class_weight.items():
        if isinstance(k, (bool, np.bool_)) or not (
            isinstance(k, (int, np.integer)) and k >= 0
        ):
            raise ValueError(
                f"class_weight keys must be class indices >= 0; got {k!r}."
            )
        number = isinstance(w, numbers.Real) and not isinstance(w, (bool, np.bool_))
        if not number or not (math.isfinite(w) and w >= 0):
            raise ValueError(
                f"class_weight[{k!r}] must be a finite number >= 0; got {w!r}."
            )


def _class_weights(y, class_weight: dict, sample_weight):
    """``sample_weight`` (or ones) times ``class_weight[class]`` per row; the class
    is the 0/1 target of a single output, or the argmax of one-hot targets.
    Classes missing from the dict weigh 1 (Keras' rule); a key that is no class
    of the targets (above 1 for a single 0/1 output, at least the number of
    one-hot columns otherwise) is refused."""
    check_class_weight(class_weight)
    if y.shape[1] == 1:
        labels = y[:, 0]
        if not np.array_equal(labels, np.round(labels)):
            raise ValueError(
                "class_weight needs integer class targets (0/1 or one-hot); "
                "got non-integer targets."
            )
        labels = labels.astype(np.int64)
        if labels.size and labels.min() < 0:
            raise ValueError(
                "class_weight needs class targets >= 0; got negative ones."
            )
        n_classes = max(2, int(labels.max(initial=0)) + 1)
    else:
        labels = np.argmax(y, axis=1)
        n_classes = y.shape[1]
    unknown = sorted(int(k) for k in class_weight if k >= n_classes)
    if unknown:
        raise ValueError(
            f"class_weight has the class index(es) {unknown}, but the targets have "
            f"classes 0 to {n_classes - 1} only."
        )
    table = np.ones(n_classes)
    for k, w in class_weight.items():
        table[k] = w
    weights = table[labels].astype(y.dtype if y.dtype.kind == "f" else np.float64)
    return weights if sample_weight is None else sample_weight * weights


def _split(X, y, sw, validation_split: float):
    """Keras' rule: the last ``validation_split`` of the rows, before shuffling,
    are the validation data."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(
            f"validation_split must be in [0, 1); got {validation_split!r}."
        )
    n = X.shape[0]
    at = int(math.ceil(n * (1.0 - validation_split)))
    if at == n or at == 0:
        raise ValueError(
            f"validation_split={validation_split} leaves no rows for "
            f"{'validation' if at == n else 'training'} out of {n}."
        )
    part = lambda a, s: None if a is None else a[s, ...]  # noqa: E731
    train, val = slice(0, at), slice(at, n)
    return (
        (part(X, train), part(y, train), part(sw, train)),
        (part(X, val), part(y, val), part(sw, val)),
    )


def _learning_rate(optimizer, epoch) -> float:
    """The optimizer's rate for this epoch (after the callbacks set it), checked
    before the epoch trains."""
    rate = optimizer.learning_rate
    number = isinstance(rate, numbers.Real) and not isinstance(rate, (bool, np.bool_))
    if not number or not (math.isfinite(rate) and rate >= 0):
        raise ValueError(
            f"The optimizer's learning_rate is {rate!r} at the start of epoch "
            f"{epoch + 1}; it must be a finite number >= 0 (set by the optimizer, "
            "a schedule or a callback). Nothing was trained in this epoch."
        )
    return float(rate)


def _verbosity(verbose) -> int:
    if verbose == "auto":
        return 1
    if isinstance(verbose, (bool, int, np.integer)) and 0 <= verbose <= 2:
        return int(verbose)
    raise ValueError(f"verbose must be 0, 1, 2 or 'auto'; got {verbose!r}.")


def fit(
    model,
    X,
    y,
    *,
    batch_size,
    epochs,
    verbose=0,
    callbacks=None,
    validation_split=0.0,
    validation_data=None,
    shuffle=True,
    class_weight=None,
    sample_weight=None,
    initial_epoch=0,
    random_state=None,
    restore_on_divergence=True,
) -> History:
    """:meth:`Model.fit` (documented there)."""
    if model.loss is None or model.optimizer is None:
        raise ValueError(
            "You must call compile(optimizer, loss) with an optimizer before fit()."
        )
    verbose = _verbosity(verbose)
    callbacks = check_callbacks(callbacks)  # before any work
    check_class_weight(class_weight)
    rng = check_rng(random_state)
    xp, dev = namespace(X), device(X)
    if not model.built:
        if xp is np:
            X0 = X if hasattr(X, "dtype") else np.asarray(X)
            dtype = X0.dtype if X0.dtype in (np.float32, np.float64) else np.float64
        else:  # float64 unless X is float32 or the device has no float64
            X0 = X
            wide = X.dtype != xp.float32 and supports_float64(xp, dev)
            dtype = np.float64 if wide else np.float32
        # built on the host (NumPy draws the initial weights), then moved
        model.build(np.shape(X0)[1] if model.input_dim is None else None, rng, dtype)
    if model.namespace is not xp or model.device != dev:
        model.move_to(xp, dev)  # the model follows X
    X, y, sample_weight = model.prepare(X, y, sample_weight)
    if validation_split and validation_data is None:
        (X, y, sample_weight), validation_data = _split(
            X, y, sample_weight, validation_split
        )
    if class_weight is not None:  # on the host: a table look-up, once
        weights = _class_weights(to_host(y), class_weight, to_host(sample_weight))
        if not weights.sum() > 0:
            raise ValueError(
                "class_weight (times sample_weight) gives every training row the "
                "weight 0; nothing would be learned."
            )
        sample_weight = astype(xp, to_namespace(weights, xp, dev), X.dtype)
    if validation_data is not None:
        validation_data = model.prepare(*validation_data)
    layer_rng = _layer_rng(rng) if any(lay.uses_rng for lay in model.layers) else None
    batch_size = max(1, min(int(batch_size), X.shape[0]))
    progbar = [ProgbarLogger()] if verbose and not any(
        isinstance(cb, ProgbarLogger) for cb in callbacks
    ) else []  # fmt: skip
    # Keras' rule: a History among the callbacks records this fit (appending to
    # what it holds); otherwise a new one, last, so that it sees every change
    history = next((cb for cb in callbacks if isinstance(cb, History)), None)
    if history is None:
        history = History()
        callbacks.append(history)
    cbs = [*progbar, *callbacks]
    params = {
        "epochs": epochs,
        "steps": -(-X.shape[0] // batch_size),
        "verbose": verbose,
    }
    for cb in cbs:
        cb.set_model(model)
        cb.set_params(params)
    model.stop_training = False
    for cb in cbs:
        cb.on_train_begin({})
    gather = _RowGather(X, y, batch_size)
    workspace = model.workspace()  # this fit's training memory, dropped at the end
    order = np.arange(X.shape[0])
    with _SigintFlag() as sigint:
        for epoch in range(initial_epoch, epochs):
            for cb in cbs:
                cb.on_epoch_begin(epoch, {})
            learning_rate = _learning_rate(model.optimizer, epoch)
            start = time.perf_counter()
            backup = snapshot(model) if restore_on_divergence else None
            if shuffle:  # reshuffle the last epoch's order, as scikit-learn's MLP
                order = order[rng.permutation(X.shape[0])]
            # None: slices in data order
            batches = gather.order(order) if shuffle else None
            logs = _run_epoch(
                model, gather, sample_weight, batch_size, batches, layer_rng, cbs,
                sigint, epoch, backup, workspace,
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
                values = model.evaluate(*validation_data, return_dict=True)
                logs.update({f"val_{k}": v for k, v in values.items()})
            logs["learning_rate"] = learning_rate
            logs["seconds"] = time.perf_counter() - start
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
    for cb in cbs:
        cb.on_train_end({})
    return history


def _run_epoch(
    model, gather, sw, batch_size, order, rng, cbs, sigint, epoch, backup, workspace
) -> dict:
    """One pass over the data; returns the epoch's logs."""
    n = gather.X.shape[0]
    total, weight = 0.0, 0.0
    for b, start in enumerate(range(0, n, batch_size)):
        stop = min(start + batch_size, n)  # (the Array API: no stop past the end)
        idx = slice(start, stop) if order is None else order[start:stop]
        swb = gather.rows(sw, idx)
        if swb is not None and not float(xsum(gather.xp, swb)) > 0:
            continue  # a batch of zero weight contributes nothing: no step
        Xb, yb = gather(idx)
        for cb in cbs:
            cb.on_train_batch_begin(b, {})
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = model.train_step(Xb, yb, swb, rng, workspace)
        if not math.isfinite(loss):
            for cb in cbs:  # TerminateOnNaN stops training instead of an error
                cb.on_train_batch_end(b, {"loss": loss})
            if not model.stop_training:
                _diverged(
                    model,
                    backup,
                    f"epoch {epoch + 1}, batch {b + 1}: the loss is {loss}",
                )
            if backup is not None:
                restore(model, backup)
            return {"loss": loss}
        # epoch loss = sum_b loss_b n_b / sum_b n_b (n_b rows), as scikit-learn's
        total += loss * Xb.shape[0]
        weight += Xb.shape[0]
        for cb in cbs:
            cb.on_train_batch_end(b, {"loss": loss})
        if sigint.requested:
            break
    # a finite loss is computed before the step: the last step can still
    # have produced non-finite weights
    if not all_finite(model.params):
        _diverged(model, backup, f"epoch {epoch + 1}: the weights became non-finite")
    return {"loss": total / weight if weight > 0 else 0.0}


def _diverged(model, backup, where):
    """Restore the start-of-epoch weights and optimizer state, then raise."""
    if backup is not None:
        restore(model, backup)
    raise TrainingDivergedError(
        f"Training diverged at {where}. Scale the input features (for example "
        "with StandardScaler) or lower the learning rate."
        + (" The weights were restored to the start of this epoch." if backup else "")
    )
