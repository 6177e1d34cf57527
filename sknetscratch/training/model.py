r"""``Model``: a Keras-like stack of layers, its parameters, its loss and its gradient.

Forward pass, layer by layer: :math:`A^{(0)} = X`, :math:`A^{(l)} = f_l(A^{(l-1)} W_l + b_l)`.
The loss is computed from the output layer's pre-activation :math:`Z^{(L)}`
(fused with its activation, see :mod:`.losses`), which hands back
:math:`\delta^{(L)} = \partial L / \partial Z^{(L)}`; the layers then propagate it
backwards (see :mod:`.layers`). With an L2 penalty

.. math:: L = \frac{\sum_i w_i \ell_i}{\sum_i w_i} + \frac{\alpha}{2 \sum_i w_i} \sum_l \lVert W_l \rVert_F^2

(scikit-learn's convention: the penalty is divided by the batch's weight sum),
each kernel gradient gains :math:`\alpha W_l / \sum_i w_i`.

All trainable parameters live in one flat vector (``model.params``), layer by
layer in storage order (``W`` then ``b``), and all gradients in another
(``model.grads``); each layer's arrays are views into them, so an optimizer step
is a few vector operations and L-BFGS can work on the vector. The training
loop is in :mod:`._training` and the summary table in :mod:`.summary`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ..nn import parameters as _flat
from ..nn.initializers import check_rng
from ..nn.inputs import input_dim_of, prepare
from ..nn.layers import Layer
from ..nn.losses import LOSSES, Loss, get_loss
from ..nn.summary import print_summary
from ..optim import Optimizer, get_optimizer
from . import loop as _training
from .callbacks import Callback, History

__all__ = ["Model", "TrainingDivergedError"]

TrainingDivergedError = _training.TrainingDivergedError

#: Rows per block in :meth:`Model.predict` (about 2 MiB of float64 activations
#: per 256 units): small enough for the CPU cache, large enough for fast GEMMs.
INFERENCE_BLOCK_ROWS = 1024


class Model:
    """A stack of layers trained by mini-batch gradient descent.

    ``copy.copy(model)`` is a deep copy: a shallow one would share the layers
    while owning a new flat parameter vector.

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
    >>> model.compile(optimizer="adam", loss="binary_crossentropy")  # doctest: +ELLIPSIS
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
        self.l1 = 0.0
        self.dtype: str | None = None
        self.stop_training = False
        self._params = None
        self._grads = None
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------------ the stack
    def add(self, layer: Layer) -> None:
        """Append a layer (as Keras' ``Sequential.add``).

        Parameters
        ----------
        layer : Layer
            Without a name it gets ``dense``, ``dense_1``, ... (its ``kind``).

        Raises
        ------
        TypeError
            For anything that is not a :class:`~.layers.Layer`.
        ValueError
            For a name already taken, a model already built, or (on a compiled
            model) a last layer whose activation is not the loss's link.
        """
        if not isinstance(layer, Layer):
            raise TypeError(
                "Only instances of sknetscratch.nn.layers.Layer can be added to a Model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if self.built:
            raise ValueError(
                "Cannot add a layer to a model whose weights are already built; "
                "create a new Model."
            )
        taken = {lay.name for lay in self.layers}
        if layer.name is None:
            base, k = layer.kind, 0
            name = base
            while name in taken:
                k += 1
                name = f"{base}_{k}"
            layer.name = name
        elif layer.name in taken:
            raise ValueError(
                "All layers added to a Model must have unique names. Name "
                f"{layer.name!r} is already the name of a layer in this model. "
                "Update the `name` argument to pass a unique name."
            )
        self.layers.append(layer)
        if self.loss is not None:  # compiled already: the new last layer must fit
            try:
                self._check_output_layer()
            except ValueError:
                self.layers.pop()
                raise

    def compile(
        self,
        optimizer: str | Optimizer | None = "adam",
        loss: str | Loss | None = None,
        metrics: list[str] | None = None,
        alpha: float = 0.0,
        l1: float = 0.0,
    ) -> Model:
        """Set the optimizer, the loss, the metrics and the penalties (Keras' order).

        Parameters
        ----------
        optimizer : str, Optimizer or None, default="adam"
            None compiles for :meth:`loss_and_gradient` only (no :meth:`fit`).
        loss : str, Loss or None, default=None
            A name from :data:`sknetscratch.nn.losses.LOSSES`. The last layer's
            activation must be the loss's ``link`` (e.g. ``'sigmoid'`` for
            ``'binary_crossentropy'``): the loss is computed from its logits.
            None takes the loss whose link the last layer's activation is.
        metrics : list of str, default=None
            Names from :data:`sknetscratch.training.loop.METRICS`: ``'accuracy'``
            (threshold 0.5 on sigmoid outputs, the argmax for softmax outputs),
            ``'mse'``, ``'mae'`` and Keras' aliases. :meth:`evaluate` returns
            them after the loss; :meth:`fit` logs them on the validation data as
            ``val_<name>``.
        alpha : float, default=0.0
            L2 penalty on the kernels, divided by the batch's weight sum.
        l1 : float, default=0.0
            L1 penalty on the kernels, divided by the batch's weight sum.

        Returns
        -------
        self : Model
        """
        for name, value in (("alpha", alpha), ("l1", l1)):
            if not (np.isscalar(value) and value >= 0):
                raise ValueError(
                    f"{name} must be a non-negative number; got {value!r}."
                )
        if not self.layers:
            raise ValueError("The model has no layers; add layers before compiling.")
        names = self._check_metrics(metrics)
        self.loss = get_loss(self._implied_loss() if loss is None else loss)
        self.optimizer = None if optimizer is None else get_optimizer(optimizer)
        self.alpha, self.l1 = float(alpha), float(l1)
        if names:
            self.metrics = names
        else:  # the class default: a model without metrics has no such attribute
            self.__dict__.pop("metrics", None)
        self._check_output_layer()
        return self

    #: Names of the compiled metrics (set by :meth:`compile`).
    metrics: list[str] = []
    #: L1 penalty (set by :meth:`compile`); models pickled before it existed
    #: have no instance attribute and train without it.
    l1: float = 0.0

    @staticmethod
    def _check_metrics(metrics) -> list[str]:
        if metrics is None:
            return []
        if isinstance(metrics, str) or not isinstance(metrics, (list, tuple)):
            raise TypeError(
                f"metrics must be a list of metric names; got {metrics!r}. "
                f"Did you mean metrics=[{metrics!r}]?"
            )
        unknown = [m for m in metrics if m not in _training.METRICS]
        if unknown:
            raise ValueError(
                f"Unknown metric(s) {unknown}; known: {sorted(_training.METRICS)}."
            )
        return list(metrics)

    def _implied_loss(self) -> str:
        act = getattr(self.layers[-1], "activation", None)
        names = [
            k for k, cls in LOSSES.items() if cls.link == getattr(act, "name", None)
        ]
        if not names:
            raise ValueError(
                f"No loss is fused with the last layer's activation "
                f"{getattr(act, 'name', None)!r}; pass loss= to compile (one of "
                f"{sorted(LOSSES)})."
            )
        return names[0]

    def _check_output_layer(self):
        out = self.layers[-1]
        act = getattr(out, "activation", None)
        if self.loss is not None and (act is None or act.name != self.loss.link):
            raise ValueError(
                f"Loss {self.loss.name!r} is computed from the logits of a "
                f"{self.loss.link!r} output layer, but the last layer {out.name!r} "
                f"has activation {getattr(act, 'name', None)!r}. Use "
                f"DenseBlock(units, activation={self.loss.link!r}) as the last layer."
            )
        if self.loss is not None and not callable(getattr(out, "forward_linear", None)):
            # e.g. an Activation layer: the right activation, but no logits
            raise ValueError(
                f"Loss {self.loss.name!r} is computed from the logits of the last "
                f"layer, but the last layer {out.name!r} is a {type(out).__name__}, "
                "which computes none. Use "
                f"DenseBlock(units, activation={self.loss.link!r}) as the last layer."
            )

    # ------------------------------------------------------------------ building
    @property
    def built(self) -> bool:
        return self._params is not None

    def _dims(self, input_dim: int) -> list[int]:
        """Input size of every layer, then the output size."""
        dims = [input_dim]
        for layer in self.layers:
            dims.append(layer.output_dim(dims[-1]))
        return dims

    def build(
        self,
        input_shape: int | tuple | None = None,
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
        dtype: DTypeLike = np.float64,
    ) -> Model:
        """Create all weights for ``input_shape`` input features.

        Parameters
        ----------
        input_shape : int or tuple (None, n_features), default=None
            Number of input features (Keras' input shape is accepted); None
            uses ``Model(input_dim=...)``.
        random_state : None, int, numpy.random.Generator or numpy.random.RandomState
            Source of the initial weights. A Generator or RandomState is used as
            given: each layer draws its kernel, then its bias, in layer order.
        dtype : dtype, default=np.float64
            Of every parameter (float32 trains in float32).

        Returns
        -------
        self : Model
        """
        if input_shape is None:
            input_shape = self.input_dim
        if input_shape is None:
            raise ValueError("build() needs input_dim (or Model(input_dim=...)).")
        if not self.layers:
            raise ValueError("The model has no layers; add layers before building.")
        rng = check_rng(random_state)
        dtype = np.dtype(dtype)
        dims = self._dims(input_dim_of(input_shape))
        shapes = [lay.param_shapes(d) for lay, d in zip(self.layers, dims)]
        for lay, d, (p, g) in zip(self.layers, dims, self._allocate(shapes, dtype)):
            lay.build(d, rng, dtype, params=p, grads=g)
        self.input_dim, self.dtype = dims[0], dtype.name
        return self

    def _allocate(self, shapes: list[dict], dtype) -> list[tuple[dict, dict]]:
        """Create the flat vectors (see :mod:`._flat`); return the layers' views.

        Also the work vector shaped like ``params`` (for the penalty and the
        optimizer) and, for each penalised kernel, its ``(W, dW, work)`` views.
        """
        self._params, self._grads, self._slices, views = _flat.allocate(shapes, dtype)
        self._scratch = np.empty_like(self._params)
        self._kernels = [
            (p[k], g[k], self._scratch[self._slices[i, k]].reshape(p[k].shape))
            for i, (lay, (p, g)) in enumerate(zip(self.layers, views))
            for k in lay.regularized
        ]
        return views

    # ------------------------------------------------------------------ parameters
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
        """Set every parameter array from a list shaped like :meth:`get_weights`.

        Parameters
        ----------
        weights : list of array-like
            One array per parameter array, in :meth:`get_weights` order.
        """
        targets = [p for lay in self.layers for p in lay.params.values()]
        if len(weights) != len(targets):
            raise ValueError(f"Expected {len(targets)} arrays; got {len(weights)}.")
        for t, w in zip(targets, weights):
            w = np.asarray(w)
            if w.shape != t.shape:
                raise ValueError(f"Weight shape {w.shape} does not match {t.shape}.")
            t[...] = w

    def count_params(self) -> int:
        """Number of trainable parameters (needs ``input_dim``)."""
        return sum(
            lay.count_params(d) for lay, d in zip(self.layers, self._known_dims())
        )

    def count_non_trainable(self) -> int:
        """Number of non-trainable values (layers' ``state``; needs ``input_dim``)."""
        return sum(
            lay.count_non_trainable(d)
            for lay, d in zip(self.layers, self._known_dims())
        )

    def _known_dims(self):
        if self.input_dim is None:
            raise ValueError(
                "The number of parameters is unknown until input_dim is known."
            )
        return self._dims(self.input_dim)

    def _check_built(self):
        if not self.built:
            raise ValueError(
                "This model has not been built yet: call build(input_dim) or fit()."
            )

    # ------------------------------------------------------------------ copies
    def _link(self):
        """Re-create the flat vectors from the layers' arrays (after unpickling)."""
        shapes = [{k: v.shape for k, v in lay.params.items()} for lay in self.layers]
        for lay, (p, g) in zip(
            self.layers, self._allocate(shapes, np.dtype(self.dtype))
        ):
            for k in p:
                p[k][...] = lay.params[k]
            lay.params, lay.grads = p, g

    def __copy__(self):
        return copy.deepcopy(self)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_params"] = state["_grads"] = None  # views are re-linked on load
        state.pop("_scratch", None)
        state.pop("_kernels", None)
        state.pop("_slices", None)
        state.pop("_n_regularized", None)
        state["_built"] = self._params is not None
        return state

    def __setstate__(self, state):
        built = state.pop("_built", False)
        # pickles made before version 2 of the layout (kernels first) carry their
        # layout: the optimizer's flat state follows it
        state.pop("_n_regularized", None)
        old_slices = state.pop("_slices", None)
        self.__dict__.update(state)
        if built:
            self._link()
            if old_slices and self.optimizer is not None:
                _flat.realign(
                    self.optimizer, old_slices, self._slices, self._params.size
                )

    # ------------------------------------------------------------------ maths
    def forward(
        self, X, *, training: bool = False, rng=None, sample_weight=None
    ) -> np.ndarray:
        """Forward pass through every layer, caching what :meth:`backward` needs.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        training : bool, default=False
            Training mode: dropout active, batch normalisation on the batch's
            statistics (updating its moving statistics).
        rng : numpy.random.Generator, default=None
            For the layers' randomness in training (dropout masks).
        sample_weight : ndarray of shape (n_samples,), default=None
            Weights of the rows in training (batch normalisation's statistics).

        Returns
        -------
        A : ndarray of shape (n_samples, n_outputs)
            A new array: the output activations.
        """
        h = self._hidden(X, training, rng, sample_weight)
        out = self.layers[-1].forward(
            h, training=training, rng=rng, sample_weight=sample_weight
        )
        return out.copy()

    def _hidden(self, X, training, rng, sample_weight=None):
        for layer in self.layers[:-1]:
            X = layer.forward(
                X, training=training, rng=rng, sample_weight=sample_weight
            )
        return X

    def backward(self, delta: np.ndarray) -> None:
        r"""Backpropagate :math:`\delta^{(L)} = \partial L/\partial Z^{(L)}` through all layers.

        Fills ``self.grads`` (without the penalty's gradient). The output layer
        takes ``delta`` as its pre-activation gradient; the first layer skips
        its input gradient.

        Parameters
        ----------
        delta : ndarray of shape (n_samples, n_outputs)
        """
        grad = self.layers[-1].backward_linear(
            delta, need_input_grad=len(self.layers) > 1
        )
        for i in range(len(self.layers) - 2, -1, -1):
            grad = self.layers[i].backward(grad, need_input_grad=i > 0)

    def _penalty(self, sw_sum: float) -> float:
        r""":math:`(\tfrac{\alpha}{2} \sum_l \lVert W_l\rVert^2 + \lambda_1 \sum_l
        \lVert W_l\rVert_1) / \sum_i w_i`."""
        if self.alpha == 0 and self.l1 == 0:
            return 0.0
        l2 = 0.5 * self.alpha * sum(float(np.vdot(W, W)) for W, _, _ in self._kernels)
        l1 = (
            self.l1 * sum(float(np.abs(W).sum()) for W, _, _ in self._kernels)
            if self.l1
            else 0.0
        )
        return (l2 + l1) / sw_sum

    def loss_and_gradient(
        self, X, y, sample_weight=None, *, training: bool = True, rng=None
    ) -> float:
        """Loss of a batch (penalty included); its gradient is left in ``grads``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            In the model's dtype (see ``_prepare``).
        y : ndarray of shape (n_samples, n_outputs)
            2-D targets in the loss's encoding.
        sample_weight : ndarray of shape (n_samples,), default=None
        training : bool, default=True
            Training mode: dropout active, batch normalisation on the batch's
            statistics (updating its moving statistics); False computes the
            inference loss.
        rng : numpy.random.Generator, default=None
            For dropout masks in training.

        Returns
        -------
        loss : float
        """
        sw_sum = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        if not sw_sum > 0:
            raise ValueError("The sample weights of this batch sum to zero.")
        # logits of the output layer: its activation is fused into the loss
        h = self._hidden(X, training, rng, sample_weight)
        z = self.layers[-1].forward_linear(h)
        loss, delta = self.loss.value_and_gradient(y, z, sample_weight)
        self.backward(delta)  # delta = dL/dz = (y_hat - y) w / sum(w)
        if self.alpha or self.l1:
            self._add_penalty_gradient(sw_sum)
        return loss + self._penalty(sw_sum)

    def _add_penalty_gradient(self, sw_sum: float) -> None:
        r""":math:`\partial L/\partial W_l \mathrel{+}= (\alpha W_l + \lambda_1
        \operatorname{sign}(W_l)) / \sum_i w_i` for every kernel (scikit-learn's
        ``alpha * coef`` next to :math:`X^\top\delta`; the L1 term's subgradient is 0
        at 0).

        The product goes through the kernel's part of the work vector (a view
        of it): no temporary array per batch.
        """
        for W, dW, tmp in self._kernels:
            if self.alpha:
                np.multiply(W, self.alpha / sw_sum, out=tmp)
                dW += tmp  # dL/dW += alpha W / sum(w)
            if self.l1:
                np.sign(W, out=tmp)
                tmp *= self.l1 / sw_sum
                dW += tmp  # dL/dW += l1 sign(W) / sum(w)

    def train_step(self, X, y, sample_weight=None, rng=None) -> float:
        """One optimizer step on one batch; returns the batch loss.

        The training loop calls it for every batch: override it to change a
        step (Keras' convention).

        Parameters
        ----------
        X, y, sample_weight : ndarrays
            A batch, as for :meth:`loss_and_gradient`.
        rng : numpy.random.Generator, default=None
            For dropout masks.

        Returns
        -------
        loss : float
        """
        loss = self.loss_and_gradient(X, y, sample_weight, training=True, rng=rng)
        self.optimizer.update(self._params, self._grads, self._scratch)
        return loss

    def _prepare(self, X, y=None, sample_weight=None):
        """Cast to the model's dtype; make y 2-D; check shapes (see :func:`._data.prepare`)."""
        return prepare(X, y, sample_weight, dtype=self.dtype, input_dim=self.input_dim)

    # ------------------------------------------------------------------ training
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        batch_size: int = 32,
        epochs: int = 1,
        verbose: int | str = 0,
        callbacks: list[Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: tuple | None = None,
        shuffle: bool = True,
        class_weight: dict | None = None,
        sample_weight: ArrayLike | None = None,
        initial_epoch: int = 0,
        random_state: int | np.random.Generator | np.random.RandomState | None = None,
        restore_on_divergence: bool = True,
    ) -> History:
        """Train by mini-batch gradient descent (the loop is :func:`._training.fit`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets in the loss's encoding (0/1, one-hot, or real values).
        batch_size : int, default=32
            Clipped to ``n_samples``. Batches are consecutive slices of the
            (shuffled) sample order; the last one may be shorter.
        epochs : int, default=1
            Index of the last epoch (Keras' meaning: with ``initial_epoch``,
            ``epochs - initial_epoch`` epochs run).
        verbose : {0, 1, 2, 'auto'} or bool, default=0
            0 silent; 1 (or 'auto', True) Keras 3's progress bar (redrawn in
            place on a terminal, one plain line per epoch otherwise); 2 one line
            per epoch (see :class:`.callbacks.ProgbarLogger`).
        callbacks : list of Callback, default=None
            Every hook of every callback is called (a
            :class:`~.callbacks.ProgbarLogger` first, then these, then the
            returned :class:`~.callbacks.History`).
        validation_split : float, default=0.0
            Fraction in [0, 1) of the rows held out as validation data: the
            last ones, before shuffling (Keras' rule). Ignored when
            ``validation_data`` is given.
        validation_data : tuple (X_val, y_val) or (X_val, y_val, sw_val), default=None
            Evaluated after each epoch into ``logs['val_loss']`` and
            ``logs['val_<metric>']`` for the compiled metrics.
        shuffle : bool, default=True
            Reshuffle the sample order before each epoch (the previous epoch's
            order, permuted by ``rng.permutation(n_samples)``: the only draw from
            ``random_state`` per epoch, as scikit-learn's MLP).
        class_weight : dict {class_index: weight}, default=None
            Multiplies each training row's sample weight by its class's weight
            (the 0/1 target of a single output, the argmax of one-hot targets;
            unlisted classes weigh 1).
        sample_weight : array-like of shape (n_samples,), default=None
        initial_epoch : int, default=0
            Epoch at which to start (to resume a previous training run).
        random_state : None, int, numpy.random.Generator or numpy.random.RandomState
            Seeds initialisation (if the model is not built) and shuffling; a
            Generator or RandomState is used as given. Dropout masks come from a
            separate generator seeded by one draw from it, made only if a layer
            draws random numbers.
        restore_on_divergence : bool, default=True
            Keep a copy of the weights and optimizer state at the start of each
            epoch, restored if training diverges. A caller that keeps its own
            copy (the estimators do) can turn it off to save the memory.

        Returns
        -------
        history : History
            ``history.history['loss']`` is each epoch's mean batch loss weighted by
            the batches' numbers of rows (scikit-learn's rule; not the last
            batch's); ``'learning_rate'`` the optimizer's rate during each epoch,
            ``'seconds'`` its wall time; ``history.interrupted`` tells Ctrl-C.

        Examples
        --------
        >>> import numpy as np
        >>> from sknetscratch import DenseBlock, Model
        >>> X = np.linspace(-1, 1, 40).reshape(-1, 1); y = (X[:, 0] > 0).astype(int)
        >>> model = Model([DenseBlock(1, "sigmoid")]).compile("adam", metrics=["accuracy"])
        >>> h = model.fit(X, y, epochs=2, validation_split=0.25, random_state=0)
        >>> list(h.history)
        ['loss', 'val_loss', 'val_accuracy', 'learning_rate', 'seconds']

        Raises
        ------
        TrainingDivergedError
            If a batch loss is not finite (or the weights become so); with
            ``restore_on_divergence`` the weights and optimizer state are first
            restored to the start of that epoch.
        """
        return _training.fit(
            self,
            X,
            y,
            batch_size=batch_size,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            validation_data=validation_data,
            shuffle=shuffle,
            class_weight=class_weight,
            sample_weight=sample_weight,
            initial_epoch=initial_epoch,
            random_state=random_state,
            restore_on_divergence=restore_on_divergence,
        )

    def clear_cache(self, buffers: bool = False) -> None:
        """Drop the layers' forward caches (which reference the last batch).

        Parameters
        ----------
        buffers : bool, default=False
            Also free the reusable per-batch scratch arrays.
        """
        for layer in self.layers:
            layer._cache = {}
            if buffers:
                layer._buffers = {}

    # ------------------------------------------------------------------ inference
    def predict(self, X: ArrayLike) -> np.ndarray:
        """Output activations (probabilities for sigmoid/softmax outputs).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        A : ndarray of shape (n_samples, n_outputs)
        """
        return self._infer(X, logits=False)

    def predict_logits(self, X: ArrayLike) -> np.ndarray:
        r"""Pre-activation of the output layer, :math:`Z^{(L)}`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_outputs)
        """
        return self._infer(X, logits=True)

    def predict_until(self, X: ArrayLike, stop: int) -> np.ndarray:
        """Inference output of the first ``stop`` layers, ``layers[:stop]``.

        What a hidden layer computes from ``X``: the features it learned.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        stop : int
            Number of layers to run, from 1 to ``len(layers)``.

        Returns
        -------
        H : ndarray of shape (n_samples, n_units)
        """
        self._check_built()
        if not 1 <= stop <= len(self.layers):
            raise ValueError(
                f"stop must be from 1 to {len(self.layers)} (the number of layers); "
                f"got {stop!r}."
            )
        h, _, _ = self._prepare(X)
        for layer in self.layers[:stop]:
            h = layer(h)
        return h

    def _infer(self, X, logits):
        """Inference, :data:`INFERENCE_BLOCK_ROWS` rows at a time.

        Every row is computed on its own, so blocks of rows give what one pass
        over all rows gives (up to the last bits BLAS rounds differently for
        another number of rows); but a block's activations stay in the CPU cache
        from one layer to the next instead of going through memory: on 50,000
        rows, 1.05-1.2x faster (``benchmarks/bench_kernels.py``).
        """
        self._check_built()
        X, _, _ = self._prepare(X)
        if hasattr(X, "tocsr"):
            X = X.tocsr()  # sparse input: row slices need CSR
        n, rows, last = X.shape[0], INFERENCE_BLOCK_ROWS, self.layers[-1]
        out = None
        for start in range(0, max(n, 1), rows):
            h = self._hidden(X[start : start + rows], False, None)
            h = last.forward_linear(h) if logits else last.forward(h)
            if out is None:
                out = np.empty((n, h.shape[1]), h.dtype)
            out[start : start + rows] = h
        self.clear_cache()
        return out

    def evaluate(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        *,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """Loss (penalty included) and compiled metrics, in inference mode.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
        return_dict : bool, default=False
            Return ``{'loss': ..., <metric>: ...}``.

        Returns
        -------
        loss : float, list of float or dict
            The loss; ``[loss, *metrics]`` when metrics were compiled (Keras'
            rule); a dict with ``return_dict=True``.

        Examples
        --------
        >>> import numpy as np
        >>> from sknetscratch import DenseBlock, Model
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
        >>> model = Model([DenseBlock(1, "sigmoid")]).compile(metrics=["accuracy"])
        >>> _ = model.fit(X, y, epochs=2, random_state=0)
        >>> sorted(model.evaluate(X, y, return_dict=True))
        ['accuracy', 'loss']
        """
        if self.loss is None:
            raise ValueError("You must call compile(loss=...) before evaluate().")
        values = self._evaluate(*self._prepare(X, y, sample_weight))
        if return_dict:
            return values
        if not self.metrics:
            return values["loss"]
        return list(values.values())

    def _evaluate(self, X, y, sample_weight) -> dict[str, float]:
        """``{'loss': ..., <metric>: ...}`` of prepared arrays."""
        z = self.predict_logits(X)
        sw_sum = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        values = {"loss": self.loss(y, z, sample_weight) + self._penalty(sw_sum)}
        if self.metrics:
            p = self.predict(X)
            link = self.loss.link
            for name in self.metrics:
                values[name] = _training.metric_value(name, y, p, sample_weight, link)
        return values

    def _validation_logs(self, X, y, sample_weight=None) -> dict[str, float]:
        """``val_loss`` and ``val_<metric>`` (Keras' log names)."""
        return {f"val_{k}": v for k, v in self._evaluate(X, y, sample_weight).items()}

    # ------------------------------------------------------------------ display
    def summary(self, print_fn: Callable[[str], object] | None = None) -> None:
        """Print a Keras 3 style table (see :func:`.summary.print_summary`).

        Parameters
        ----------
        print_fn : callable, default=None
            Called with the whole table as one string; ``print`` if None.
        """
        print_summary(self, print_fn)

    def __repr__(self) -> str:
        layers = ", ".join(repr(lay) for lay in self.layers)
        return f"Model(name={self.name!r}, input_dim={self.input_dim!r}, layers=[{layers}])"
