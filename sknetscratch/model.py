r"""``Model``: a Keras-like sequential container with one training loop.

Forward pass, layer by layer: :math:`A^{(0)} = X`, :math:`A^{(l)} = f_l(A^{(l-1)} W_l + b_l)`.
The loss is computed from the output layer's pre-activation :math:`Z^{(L)}`
(fused with its activation, see :mod:`.losses`), which hands back
:math:`\delta^{(L)} = \partial L / \partial Z^{(L)}`; the layers then propagate it
backwards (see :mod:`.layers`). With an L2 penalty

.. math:: L = \frac{\sum_i w_i \ell_i}{\sum_i w_i} + \frac{\alpha}{2 \sum_i w_i} \sum_l \lVert W_l \rVert_F^2

(scikit-learn's convention: the penalty is divided by the batch's weight sum),
each kernel gradient gains :math:`\alpha W_l / \sum_i w_i`.

All parameters live in one flat vector (``model.params``) and all gradients in
another (``model.grads``); each layer's arrays are views into them, so an
optimizer step is a few vector operations and L-BFGS can work on the vector.
"""

from __future__ import annotations

import copy
import math
import signal
import threading
import warnings
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .callbacks import Callback, History, ProgbarLogger
from .layers import Layer
from .losses import Loss, get_loss
from .optimizers import Optimizer, add_l2_gradient, get_optimizer

__all__ = ["Model", "TrainingDivergedError"]


class TrainingDivergedError(ValueError, FloatingPointError):
    """Raised when the loss or the weights become non-finite during training."""


def _as_rng(random_state):
    """A Generator or RandomState is used as given; anything else seeds a Generator."""
    if isinstance(random_state, (np.random.Generator, np.random.RandomState)):
        return random_state
    return np.random.default_rng(random_state)


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
    without allocating a new array per batch. Slices (no shuffling) and sparse
    matrices are indexed as usual.
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


#: Rows per block in :meth:`Model.predict` (about 2 MiB of float64 activations
#: per 256 units): small enough for the CPU cache, large enough for fast GEMMs.
INFERENCE_BLOCK_ROWS = 1024


def _overrides(callback: Callback, hook: str) -> bool:
    """Whether ``callback`` implements ``hook`` (the base class's does nothing)."""
    implementation = getattr(type(callback), hook, None)
    return (
        implementation is None  # not a Callback subclass (a mock, say): call it
        or implementation is not getattr(Callback, hook)
        or hook in getattr(callback, "__dict__", {})
    )


def _readable_size(n_bytes: float) -> str:
    """Keras' ``readable_memory_size``: 57348 -> '56.00 KB'."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes < 1024 or unit == "TB":
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024


class Model:
    """A stack of layers trained by mini-batch gradient descent.

    Parameters
    ----------
    layers : list of Layer, default=None
        Layers to :meth:`add` in order.
    input_dim : int, default=None
        Number of input features; if None it is taken from the data at
        :meth:`build` / :meth:`fit`.
    name : str, default="sequential"

    Examples
    --------
    >>> from sknetscratch import Model, DenseBlock
    >>> model = Model(input_dim=30)
    >>> model.add(DenseBlock(128, "relu"))
    >>> model.add(DenseBlock(1, "sigmoid"))
    >>> model.compile(loss="binary_crossentropy", optimizer="adam")  # doctest: +ELLIPSIS
    Model(...)
    """

    def __init__(
        self,
        layers: list[Layer] | None = None,
        input_dim: int | None = None,
        name: str = "sequential",
    ):
        self.name = name
        self.input_dim = input_dim
        self.layers: list[Layer] = []
        self.loss: Loss | None = None
        self.optimizer: Optimizer | None = None
        self.alpha = 0.0
        self.dtype: str | None = None
        self.stop_training = False
        self._params = None
        self._grads = None
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------------ building
    def add(self, layer: Layer) -> None:
        """Append a layer. Raises TypeError for anything that is not a Layer."""
        if not isinstance(layer, Layer):
            raise TypeError(
                "Only instances of sknetscratch.layers.Layer can be added to a Model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if self.built:
            raise ValueError(
                "Cannot add a layer to a model whose weights are already built; "
                "create a new Model."
            )
        if layer.name is None:
            taken = {lay.name for lay in self.layers}
            base, k = layer.kind, 0
            layer.name = base
            while layer.name in taken:
                k += 1
                layer.name = f"{base}_{k}"
        self.layers.append(layer)
        if self.loss is not None:  # compiled already: the new last layer must fit
            try:
                self._check_output_layer()
            except ValueError:
                self.layers.pop()
                raise

    def compile(
        self,
        loss: str | Loss = "binary_crossentropy",
        optimizer: str | Optimizer | None = "adam",
        alpha: float = 0.0,
    ) -> Model:
        """Set the loss, the optimizer and the L2 penalty ``alpha``.

        Parameters
        ----------
        loss : str or Loss
            A name from :data:`sknetscratch.losses.LOSSES`. The last layer's
            activation must be the loss's ``link`` (e.g. ``'sigmoid'`` for
            ``'binary_crossentropy'``): the loss is computed from its logits.
        optimizer : str, Optimizer or None, default="adam"
            None compiles for :meth:`loss_and_gradient` only (no :meth:`fit`).
        alpha : float, default=0.0
            L2 penalty on the kernels, divided by the batch's weight sum.
        """
        self.loss = get_loss(loss)
        # optimizer=None: gradients only (e.g. for L-BFGS driving ``params``)
        self.optimizer = None if optimizer is None else get_optimizer(optimizer)
        if not (np.isscalar(alpha) and alpha >= 0):
            raise ValueError(f"alpha must be a non-negative number; got {alpha!r}.")
        self.alpha = float(alpha)
        self._check_output_layer()
        return self

    def _check_output_layer(self):
        if not self.layers:
            raise ValueError("The model has no layers; add layers before compiling.")
        out = self.layers[-1]
        act = getattr(out, "activation", None)
        if self.loss is not None and (act is None or act.name != self.loss.link):
            raise ValueError(
                f"Loss {self.loss.name!r} is computed from the logits of a "
                f"{self.loss.link!r} output layer, but the last layer {out.name!r} "
                f"has activation {getattr(act, 'name', None)!r}. Use "
                f"DenseBlock(units, activation={self.loss.link!r}) as the last layer."
            )

    @property
    def built(self) -> bool:
        return self._params is not None

    def _dims(self, input_dim):
        dims = [input_dim]
        for layer in self.layers:
            dims.append(layer.output_dim(dims[-1]))
        return dims

    def build(
        self,
        input_dim: int | None = None,
        random_state: int | np.random.Generator | None = None,
        dtype: DTypeLike = np.float64,
    ) -> Model:
        """Create all weights (one flat vector) for ``input_dim`` input features."""
        input_dim = input_dim if input_dim is not None else self.input_dim
        if input_dim is None:
            raise ValueError("build() needs input_dim (or Model(input_dim=...)).")
        if not self.layers:
            raise ValueError("The model has no layers; add layers before building.")
        rng = _as_rng(random_state)
        dtype = np.dtype(dtype)
        dims = self._dims(int(input_dim))
        shapes = [lay.param_shapes(d) for lay, d in zip(self.layers, dims)]
        self._allocate(shapes, dtype)
        for lay, d, p, g in zip(self.layers, dims, *self._views(shapes)):
            lay.build(d, rng, dtype, params=p, grads=g)
        self.input_dim, self.dtype = int(input_dim), dtype.name
        return self

    def _allocate(self, shapes, dtype):
        total = sum(int(np.prod(s)) for layer in shapes for s in layer.values())
        self._params = np.zeros(total, dtype=dtype)
        self._grads = np.zeros(total, dtype=dtype)

    def _views(self, shapes):
        """Per layer, dicts of views into the flat parameter and gradient vectors.

        Layout: every penalised kernel first (so the L2 term is one dot product
        over ``params[:n_regularized]``), then all other parameters.
        """
        params = [{} for _ in shapes]
        grads = [{} for _ in shapes]
        self._slices = {}  # (layer index, param name) -> slice of the flat vectors
        start = 0
        for penalised in (True, False):
            for i, (lay, layer_shapes) in enumerate(zip(self.layers, shapes)):
                for k, s in layer_shapes.items():
                    if (k in lay.regularized) != penalised:
                        continue
                    stop = start + int(np.prod(s))
                    params[i][k] = self._params[start:stop].reshape(s)
                    grads[i][k] = self._grads[start:stop].reshape(s)
                    self._slices[i, k] = slice(start, stop)
                    start = stop
            if penalised:
                self._n_regularized = start
        # keep each layer's storage order (W before b)
        params = [{k: p[k] for k in s} for p, s in zip(params, shapes)]
        grads = [{k: g[k] for k in s} for g, s in zip(grads, shapes)]
        return params, grads

    def _link(self):
        """Re-create the flat vectors from the layers' arrays (after unpickling)."""
        shapes = [{k: v.shape for k, v in lay.params.items()} for lay in self.layers]
        self._allocate(shapes, np.dtype(self.dtype))
        for lay, p, g in zip(self.layers, *self._views(shapes)):
            for k in p:
                p[k][...] = lay.params[k]
            lay.params, lay.grads = p, g

    def __copy__(self):
        # A shallow copy would share the layers while owning a new flat vector.
        return copy.deepcopy(self)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_params"] = state["_grads"] = None  # views are re-linked on load
        state.pop("_scratch", None)
        state["_built"] = self._params is not None
        return state

    def __setstate__(self, state):
        built = state.pop("_built", False)
        self.__dict__.update(state)
        if built:
            self._link()

    @property
    def params(self) -> np.ndarray:
        """All trainable parameters as one flat vector (layers hold views of it)."""
        self._check_built()
        return self._params

    @property
    def grads(self) -> np.ndarray:
        """Gradients of the last :meth:`loss_and_gradient`, same layout as ``params``."""
        self._check_built()
        return self._grads

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter array, layer by layer (Keras order: W, b)."""
        self._check_built()
        return [p.copy() for lay in self.layers for p in lay.params.values()]

    def set_weights(self, weights: list[ArrayLike]) -> None:
        """Set every parameter array from a list shaped like :meth:`get_weights`."""
        targets = [p for lay in self.layers for p in lay.params.values()]
        if len(weights) != len(targets):
            raise ValueError(f"Expected {len(targets)} arrays; got {len(weights)}.")
        for t, w in zip(targets, weights):
            w = np.asarray(w)
            if w.shape != t.shape:
                raise ValueError(f"Weight shape {w.shape} does not match {t.shape}.")
            t[...] = w

    def _check_built(self):
        if not self.built:
            raise ValueError(
                "This model has not been built yet: call build(input_dim) or fit()."
            )

    def _check_compiled(self):
        if self.loss is None or self.optimizer is None:
            raise ValueError("You must call compile(loss, optimizer) before fit().")

    # ------------------------------------------------------------------ maths
    def forward(self, X, *, training: bool = False, rng=None) -> np.ndarray:
        """Forward pass through every layer, caching what backward needs.

        Returns a new array (the layers compute into reusable buffers).
        """
        return self._forward(X, training=training, rng=rng, activate_output=True).copy()

    def _forward(self, X, *, training, rng, activate_output):
        """Forward pass into the layers' reusable buffers (the training path)."""
        for layer in self.layers[:-1]:
            X = layer._forward(X, training=training, rng=rng)
        return self.layers[-1]._forward(
            X, training=training, rng=rng, activate=activate_output
        )

    def backward(self, delta: np.ndarray) -> None:
        """Backpropagate ``delta = dL/dZ`` of the output layer through all layers.

        Fills ``self.grads``. The first layer skips its input gradient.
        """
        grad = self.layers[-1].backward(
            delta, need_input_grad=len(self.layers) > 1, pre_activation=True
        )[0]
        for i in range(len(self.layers) - 2, -1, -1):
            # grad is the layer above's own dL/dX buffer: safe to overwrite
            grad, _ = self.layers[i].backward(
                grad, need_input_grad=i > 0, overwrite_grad=True
            )

    def _penalty(self, sw_sum: float) -> float:
        r""":math:`\alpha \sum_l \lVert W_l\rVert^2 / (2 \sum_i w_i)`; the kernels lead ``params``."""
        if self.alpha == 0:
            return 0.0
        kernels = self._params[: self._n_regularized]
        return 0.5 * self.alpha * float(np.dot(kernels, kernels)) / sw_sum

    def _add_penalty_gradient(self, sw_sum: float) -> None:
        r""":math:`\partial L / \partial W_l \mathrel{+}= \alpha W_l / \sum_i w_i`, all kernels at once."""
        add_l2_gradient(
            self._params,
            self._grads,
            self._scratch_like_params(),
            self.alpha / sw_sum,
            self._n_regularized,
        )

    def _scratch_like_params(self) -> np.ndarray:
        """One work vector shaped like ``params``, shared by the L2 and optimizer steps."""
        scratch = getattr(self, "_scratch", None)
        if scratch is None or scratch.shape != self._params.shape:
            scratch = self._scratch = np.empty_like(self._params)
        return scratch

    def loss_and_gradient(self, X, y, sample_weight=None, *, training=True, rng=None):
        """Loss of a batch (penalty included); the gradient is left in ``grads``.

        ``y`` must be 2-D, ``(n_samples, n_outputs)``, in the model's dtype.
        """
        loss, sw_sum = self._data_loss_and_gradient(X, y, sample_weight, training, rng)
        if self.alpha:
            self._add_penalty_gradient(sw_sum)
        return loss

    def _data_loss_and_gradient(self, X, y, sample_weight, training, rng):
        """Loss (penalty included) and the data term's gradient; returns ``sum(w)`` too."""
        sw_sum = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        if not sw_sum > 0:
            raise ValueError("The sample weights of this batch sum to zero.")
        # logits of the output layer: its activation is fused into the loss
        z = self._forward(X, training=training, rng=rng, activate_output=False)
        loss, delta = self.loss.value_and_gradient(y, z, sample_weight)
        self.backward(delta)  # delta = dL/dz = (y_hat - y) w / sum(w)
        return loss + self._penalty(sw_sum), sw_sum

    def train_step(self, X, y, sample_weight=None, rng=None) -> float:
        """One optimizer step on one batch; returns the batch loss.

        The same as :meth:`loss_and_gradient` then ``optimizer.update``, except
        that the optimizer adds the penalty's gradient block by block, in cache.
        """
        args = (self._params, self._grads, self._scratch_like_params())
        if (
            type(self).loss_and_gradient is not Model.loss_and_gradient
            or type(self.optimizer).update is not Optimizer.update
        ):  # a subclass changed one of the two steps: run them as written
            loss = self.loss_and_gradient(X, y, sample_weight, training=True, rng=rng)
            self.optimizer.update(*args)
            return loss
        loss, sw_sum = self._data_loss_and_gradient(X, y, sample_weight, True, rng)
        self.optimizer.update(*args, l2=self.alpha / sw_sum, n_l2=self._n_regularized)
        return loss

    # ------------------------------------------------------------------ data
    def _prepare(self, X, y=None, sample_weight=None):
        """Cast to the model's dtype; make y 2-D; check shapes."""
        dtype = np.dtype(self.dtype) if self.dtype else None
        if not hasattr(X, "shape") or isinstance(X, np.matrix):
            X = np.asarray(X)
        if isinstance(X, np.ndarray):
            if X.dtype.kind != "f" or (dtype is not None and X.dtype != dtype):
                X = X.astype(dtype or np.float64)
        elif dtype is not None and X.dtype != dtype:  # scipy sparse
            X = X.astype(dtype)
        if X.ndim != 2:
            raise ValueError(
                f"Expected 2D input X of shape (n_samples, n_features); got {X.shape}."
            )
        if self.input_dim is not None and X.shape[1] != self.input_dim:
            raise ValueError(
                f"X has {X.shape[1]} features, but the model expects {self.input_dim}."
            )
        if y is not None:
            y = np.asarray(y)
            if y.dtype == bool:
                y = y.view(np.uint8)
            if y.dtype != np.uint8:  # uint8 0/1 codes stay compact; the rest: X's dtype
                y = y.astype(X.dtype, copy=False)
            if y.ndim == 1:
                y = y.reshape(-1, 1)
            if y.shape[0] != X.shape[0]:
                raise ValueError(
                    f"X and y have different numbers of samples: {X.shape[0]} and {y.shape[0]}."
                )
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=X.dtype).reshape(-1)
            if sample_weight.shape[0] != X.shape[0]:
                raise ValueError("sample_weight must have one weight per sample.")
        return X, y, sample_weight

    # ------------------------------------------------------------------ training
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        batch_size: int = 32,
        epochs: int = 1,
        validation_data: tuple | None = None,
        shuffle: bool = True,
        random_state: int | np.random.Generator | None = None,
        verbose: int = 0,
        callbacks: list[Callback] | None = None,
        sample_weight: ArrayLike | None = None,
        restore_on_divergence: bool = True,
    ) -> History:
        """Train by mini-batch gradient descent; the one training loop.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets in the loss's encoding (0/1, one-hot, or real values).
        batch_size : int, default=32
            Clipped to ``n_samples``.
        epochs : int, default=1
        validation_data : tuple (X_val, y_val) or (X_val, y_val, sw_val), default=None
            Evaluated after each epoch into ``logs['val_loss']``.
        shuffle : bool, default=True
            Reshuffle the samples before each epoch.
        random_state : int, numpy.random.Generator or None
            Seeds initialisation (if the model is not built), shuffling and dropout.
        verbose : int, default=0
            1 prints one line per epoch.
        callbacks : list of Callback, default=None
        sample_weight : array-like of shape (n_samples,), default=None
        restore_on_divergence : bool, default=True
            Keep a copy of the weights and optimizer state at the start of each
            epoch, restored if training diverges. A caller that keeps its own
            copy (the estimators do) can turn it off to save the memory.

        Returns
        -------
        history : History
            ``history.history['loss']`` is the weighted mean batch loss of each
            epoch (not the last batch's); ``history.interrupted`` tells Ctrl-C.

        Raises
        ------
        TrainingDivergedError
            If a batch loss is not finite; the weights and optimizer state are
            restored to the start of that epoch.
        """
        self._check_compiled()
        rng = _as_rng(random_state)
        if not self.built:
            X0 = X if hasattr(X, "dtype") else np.asarray(X)
            dtype = X0.dtype if X0.dtype in (np.float32, np.float64) else np.float64
            self.build(np.shape(X0)[1] if self.input_dim is None else None, rng, dtype)
        X, y, sample_weight = self._prepare(X, y, sample_weight)
        n = X.shape[0]
        batch_size = max(1, min(int(batch_size), n))
        history = History()
        cbs = [history, *(callbacks or [])]
        if verbose:
            cbs.append(ProgbarLogger(epochs))
        for cb in cbs:
            cb.set_model(self)
        self.stop_training = False
        for cb in cbs:
            cb.on_train_begin({})
        gather = _RowGather(X, y, batch_size)
        order = np.arange(n)
        with _SigintFlag() as sigint:
            for epoch in range(epochs):
                for cb in cbs:
                    cb.on_epoch_begin(epoch, {})
                backup = self._snapshot() if restore_on_divergence else None
                if shuffle:  # reshuffle the last epoch's order, as scikit-learn's MLP
                    order = order[rng.permutation(n)]
                logs = self._run_epoch(
                    gather,
                    order,
                    sample_weight,
                    batch_size,
                    shuffle,
                    rng,
                    cbs,
                    sigint,
                    epoch,
                    backup,
                )
                if sigint.requested:
                    history.interrupted = True
                    warnings.warn(
                        f"Training interrupted by the user (Ctrl-C) during epoch {epoch + 1}; "
                        "the model keeps the weights of the last completed step.",
                        UserWarning,
                        stacklevel=2,
                    )
                    break
                if validation_data is not None:
                    logs["val_loss"] = self.evaluate(*validation_data)
                for cb in cbs:
                    cb.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        for cb in cbs:
            cb.on_train_end({})
        self.clear_cache()
        return history

    def clear_cache(self, buffers: bool = False) -> None:
        """Drop the layers' forward caches (which reference the last batch).

        ``buffers=True`` also frees the reusable per-batch scratch arrays.
        """
        for layer in self.layers:
            layer._cache = {}
            if buffers:
                layer._buffers = {}

    def _run_epoch(
        self, gather, order, sw, batch_size, shuffle, rng, cbs, sigint, epoch, backup
    ):
        n = gather.X.shape[0]
        total, weight = 0.0, 0.0
        # as Keras: only callbacks that implement the batch hooks are called per batch
        batch_begin = [cb for cb in cbs if _overrides(cb, "on_train_batch_begin")]
        batch_end = [cb for cb in cbs if _overrides(cb, "on_train_batch_end")]
        for b, start in enumerate(range(0, n, batch_size)):
            idx = (
                order[start : start + batch_size]
                if shuffle
                else slice(start, start + batch_size)
            )
            swb = None if sw is None else sw[idx]
            if swb is not None and not swb.sum() > 0:
                continue  # a batch of zero weight contributes nothing: no step
            Xb, yb = gather(idx)
            for cb in batch_begin:
                cb.on_train_batch_begin(b, {})
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss = self.train_step(Xb, yb, swb, rng)
            if not math.isfinite(loss):
                self._diverged(
                    backup, f"epoch {epoch + 1}, batch {b + 1}: the loss is {loss}"
                )
            # epoch loss = sum_b loss_b n_b / sum_b n_b (n_b rows), as scikit-learn's
            wb = Xb.shape[0]
            total += loss * wb
            weight += wb
            for cb in batch_end:
                cb.on_train_batch_end(b, {"loss": loss})
            if sigint.requested:
                break
        # a finite loss is computed before the step: the last step can still
        # have produced non-finite weights
        if not np.isfinite(self._params).all():
            self._diverged(backup, f"epoch {epoch + 1}: the weights became non-finite")
        return {"loss": total / weight if weight > 0 else 0.0}

    def _snapshot(self):
        """What training changes: the weights, the optimizer (with its state), alpha."""
        return self._params.copy(), copy.deepcopy(self.optimizer), self.alpha

    def _restore(self, snapshot) -> None:
        """Undo training back to a :meth:`_snapshot`."""
        params, optimizer, alpha = snapshot
        self._params[...] = params
        self.optimizer, self.alpha = optimizer, alpha

    def _diverged(self, backup, where):
        """Restore the start-of-epoch weights and optimizer state, then raise."""
        if backup is not None:
            self._restore(backup)
        raise TrainingDivergedError(
            f"Training diverged at {where}. Scale the input features (for example "
            "with StandardScaler) or lower the learning rate."
            + (
                " The weights were restored to the start of this epoch."
                if backup
                else ""
            )
        )

    # ------------------------------------------------------------------ inference
    def predict(self, X: ArrayLike) -> np.ndarray:
        """Output activations (probabilities for sigmoid/softmax outputs)."""
        return self._infer(X, activate_output=True)

    def predict_logits(self, X: ArrayLike) -> np.ndarray:
        """Pre-activation of the output layer, :math:`Z^{(L)}`."""
        return self._infer(X, activate_output=False)

    def _infer(self, X, activate_output):
        """Inference, :data:`INFERENCE_BLOCK_ROWS` rows at a time.

        Every row is computed on its own, so blocks of rows give what one pass
        over all rows gives (up to the last bits BLAS rounds differently for
        another number of rows, as for a single row); but a block's activations
        stay in the CPU cache from one layer to the next instead of going
        through memory: on 50,000 rows, 1.05-1.2x faster
        (``benchmarks/bench_kernels.py``).
        """
        self._check_built()
        X, _, _ = self._prepare(X)
        if hasattr(X, "tocsr"):
            X = X.tocsr()  # sparse input: row slices need CSR
        n, rows = X.shape[0], INFERENCE_BLOCK_ROWS
        if n <= rows:
            return self._infer_block(X, activate_output)
        out = None
        for start in range(0, n, rows):
            h = self._infer_block(X[start : start + rows], activate_output)
            if out is None:
                out = np.empty((n, h.shape[1]), h.dtype)
            out[start : start + rows] = h
        return out

    def _infer_block(self, h, activate_output):
        for layer in self.layers[:-1]:
            h = layer.infer(h)
        last = self.layers[-1]
        return last.infer(h) if activate_output else last.pre_activation(h)

    def evaluate(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> float:
        """Loss (penalty included) of the model in inference mode."""
        if self.loss is None:
            raise ValueError("You must call compile(loss, ...) before evaluate().")
        X, y, sample_weight = self._prepare(X, y, sample_weight)
        z = self.predict_logits(X)
        sw_sum = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        return self.loss(y, z, sample_weight) + self._penalty(sw_sum)

    # ------------------------------------------------------------------ display
    def count_params(self) -> int:
        if self.input_dim is None:
            raise ValueError(
                "The number of parameters is unknown until input_dim is known."
            )
        dims = self._dims(self.input_dim)
        return sum(lay.count_params(d) for lay, d in zip(self.layers, dims))

    def summary(self, print_fn: Callable[[str], object] | None = None) -> None:
        """Print a Keras 3 style table: ``Layer (type) | Output Shape | Param #``."""
        widths = (33, 24, 15)
        rows = []
        dims = self._dims(self.input_dim) if self.input_dim is not None else None
        for i, lay in enumerate(self.layers):
            if dims is None:
                shape, count = "?", "0 (unbuilt)"
            else:
                shape, count = (
                    f"(None, {dims[i + 1]})",
                    f"{lay.count_params(dims[i]):,}",
                )
            rows.append((f"{lay.name} ({type(lay).__name__})", shape, count))

        def line(left, mid, right, fill):
            return left + mid.join(fill * w for w in widths) + right

        def row(cells, bar):
            a, b, c = cells
            return (
                bar
                + bar.join(
                    (
                        f" {a:<{widths[0] - 2}} ",
                        f" {b:<{widths[1] - 2}} ",
                        f" {c:>{widths[2] - 2}} ",
                    )
                )
                + bar
            )

        out = [f'Model: "{self.name}"', line("┏", "┳", "┓", "━")]
        out.append(row(("Layer (type)", "Output Shape", "Param #"), "┃"))
        out.append(line("┡", "╇", "┩", "━"))
        for k, r in enumerate(rows):
            out.append(row(r, "│"))
            if k < len(rows) - 1:
                out.append(line("├", "┼", "┤", "─"))
        out.append(line("└", "┴", "┘", "─"))
        itemsize = np.dtype(self.dtype or np.float64).itemsize
        total = self.count_params() if dims is not None else 0
        out.append(f" Total params: {total:,} ({_readable_size(total * itemsize)})")
        out.append(f" Trainable params: {total:,} ({_readable_size(total * itemsize)})")
        out.append(f" Non-trainable params: 0 ({_readable_size(0)})")
        (print_fn or print)("\n".join(out))

    def __repr__(self) -> str:
        layers = ", ".join(repr(lay) for lay in self.layers)
        return f"Model(name={self.name!r}, input_dim={self.input_dim!r}, layers=[{layers}])"
