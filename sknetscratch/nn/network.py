r"""``Network``: a stack of layers, its flat parameters, its forward and backward pass.

Forward pass, layer by layer: :math:`A^{(0)} = X`, :math:`A^{(l)} = f_l(A^{(l-1)}
W_l + b_l)`. In training the output layer stops at its pre-activation
:math:`Z^{(L)}` (the loss is computed from the logits, see :mod:`.losses`), the
loss hands back :math:`\delta^{(L)} = \partial L / \partial Z^{(L)}`, and
:meth:`Network.backward` propagates it through the layers (see :mod:`.layers`).

All trainable parameters live in one flat vector (``params``), layer by layer in
storage order (``W`` then ``b``), and all gradients in another (``grads``); each
layer's arrays are views into them (:mod:`.parameters`), so an optimizer step
is a few vector operations. The trainer (compile, loss, fit) is
:class:`sknetscratch.Model`, which extends this class.

Inference (:meth:`Network.predict`, :meth:`Network.predict_logits`,
:meth:`Network.predict_until`) reads the weights and writes only arrays of its
own call: one network can serve any number of threads.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ..backend import device, namespace, to_namespace
from . import parameters
from .initializers import check_rng
from .inputs import input_dim_of, prepare
from .layers import Layer
from .parameters import FlatParameters
from .summary import print_summary
from .workspace import Workspace

__all__ = ["INFERENCE_BLOCK_ROWS", "Network"]

#: Rows per block in :meth:`Network.predict` (about 2 MiB of float64
#: activations per 256 units): small enough for the CPU cache, large enough for
#: fast GEMMs.
INFERENCE_BLOCK_ROWS = 1024


class Network(FlatParameters):
    """A stack of layers with one flat vector of parameters.

    ``copy.copy(network)`` is a deep copy: a shallow one would share the layers
    while owning a new flat parameter vector.

    Parameters
    ----------
    layers : list of Layer, default=None
        Layers to :meth:`add` in order.
    input_dim : int, default=None
        Number of input features; if None it is taken from the data at
        :meth:`build` (or ``fit``).
    name : str, default="sequential"
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
        self.dtype: str | None = None
        self._params = self._grads = None
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
            For a name already taken, or a network already built.
        """
        if not isinstance(layer, Layer):
            raise TypeError(
                "Only instances of sknetscratch.nn.layers.Layer can be added to a "
                f"Model. Received: {layer!r} (of type {type(layer).__name__})"
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

    # ------------------------------------------------------------------ building
    @property
    def built(self) -> bool:
        return self._params is not None

    def layer_dims(self, input_dim: int) -> list[int]:
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
    ):
        """Create all weights for ``input_shape`` input features.

        Parameters
        ----------
        input_shape : int or tuple (None, n_features), default=None
            Number of input features (Keras' input shape is accepted); None
            uses ``input_dim``.
        random_state : None, int, numpy.random.Generator or numpy.random.RandomState
            Source of the initial weights. A Generator or RandomState is used as
            given: each layer draws its kernel, then its bias, in layer order.
        dtype : dtype, default=np.float64
            Of every parameter (float32 trains in float32).

        Returns
        -------
        self
        """
        if input_shape is None:
            input_shape = self.input_dim
        if input_shape is None:
            raise ValueError("build() needs input_dim (or Model(input_dim=...)).")
        if not self.layers:
            raise ValueError("The model has no layers; add layers before building.")
        rng = check_rng(random_state)
        dtype = np.dtype(dtype)
        dims = self.layer_dims(input_dim_of(input_shape))
        shapes = [lay.param_shapes(d) for lay, d in zip(self.layers, dims)]
        self._params, self._grads, self._slices, views = parameters.allocate(
            shapes, dtype
        )
        for lay, d, (p, g) in zip(self.layers, dims, views):
            lay.build(d, rng, dtype, params=p, grads=g)
        self.input_dim, self.dtype = dims[0], dtype.name
        return self

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
        return self.layer_dims(self.input_dim)

    # ------------------------------------------------------------------ maths
    def prepare(self, X, y=None, sample_weight=None):
        """``X`` cast to the network's dtype with its features checked, ``y``
        made 2-D, ``sample_weight`` 1-D (see :func:`.inputs.prepare`)."""
        xp = dev = None
        if self.built:  # the data goes where the weights are
            xp, dev = self.namespace, self.device
        return prepare(
            X,
            y,
            sample_weight,
            dtype=self.dtype,
            input_dim=self.input_dim,
            xp=xp,
            device=dev,
        )

    def workspace(self) -> Workspace:
        """A new training workspace for this built network (one per fit)."""
        self._check_built()
        return Workspace(self)

    def forward(self, X, *, training=False, rng=None, sample_weight=None) -> np.ndarray:
        """Output activations of prepared ``X`` (a new array; nothing is kept).

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            In the network's dtype (see :meth:`prepare`).
        training : bool, default=False
            Training mode (dropout active, batch normalisation on the batch's
            statistics, updating its moving statistics).
        rng : numpy.random.Generator, default=None
            For the layers' randomness in training (dropout masks).
        sample_weight : ndarray of shape (n_samples,), default=None
            Weights of the rows in training (batch normalisation's statistics).

        Returns
        -------
        A : ndarray of shape (n_samples, n_outputs)
        """
        z = self.forward_logits(
            X, training=training, rng=rng, sample_weight=sample_weight
        )
        return self.layers[-1].activation.forward(z, out=z)

    def forward_logits(
        self, X, *, training=False, rng=None, sample_weight=None, workspace=None
    ) -> np.ndarray:
        r"""The output layer's pre-activation :math:`Z^{(L)}` of prepared ``X``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            In the network's dtype (see :meth:`prepare`).
        training : bool, default=False
            Training mode: dropout active, batch normalisation on the batch's
            statistics (updating its moving statistics).
        rng : numpy.random.Generator, default=None
            For the layers' randomness in training (dropout masks).
        sample_weight : ndarray of shape (n_samples,), default=None
            Weights of the rows in training (batch normalisation's statistics).
        workspace : Workspace, default=None
            Where the layers keep what :meth:`backward` needs; None for a pass
            that no backward pass follows.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_outputs)
        """
        caches = (
            workspace.caches if workspace is not None else [None] * len(self.layers)
        )
        for layer, cache in zip(self.layers[:-1], caches):
            X = layer.forward(
                X, training=training, rng=rng, sample_weight=sample_weight, cache=cache
            )
        return self.layers[-1].forward_linear(X, caches[-1])

    def backward(self, delta: np.ndarray, workspace: Workspace) -> None:
        r"""Backpropagate :math:`\delta^{(L)} = \partial L/\partial Z^{(L)}`.

        Fills ``grads`` from the caches of the forward pass that filled
        ``workspace``. The output layer takes ``delta`` as its pre-activation
        gradient; the first layer skips its input gradient.

        Parameters
        ----------
        delta : ndarray of shape (n_samples, n_outputs)
        workspace : Workspace
        """
        caches = workspace.caches
        grad = self.layers[-1].backward_linear(
            delta, caches[-1], need_input_grad=len(self.layers) > 1
        )
        for i in range(len(self.layers) - 2, -1, -1):
            grad = self.layers[i].backward(grad, caches[i], need_input_grad=i > 0)

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
        xp_in, dev_in = namespace(X), device(X)
        X, _, _ = self.prepare(X)
        h = X
        for layer in self.layers[:stop]:
            h = layer(h)
        if h is X:  # (dropout alone returns its input)
            h = namespace(h).asarray(h, copy=True)
        return to_namespace(h, xp_in, dev_in)  # back where X came from

    def _infer(self, X, logits):
        """Inference, :data:`INFERENCE_BLOCK_ROWS` rows at a time.

        Every row is computed on its own, so blocks of rows give what one pass
        over all rows gives (up to the last bits BLAS rounds differently for
        another number of rows); but a block's activations stay in the CPU cache
        from one layer to the next instead of going through memory: on 50,000
        rows, 1.05-1.2x faster (``benchmarks/bench_kernels.py``).
        """
        self._check_built()
        xp_in, dev_in = namespace(X), device(X)
        X, _, _ = self.prepare(X)
        if hasattr(X, "tocsr"):
            X = X.tocsr()  # sparse input: row slices need CSR
        xp = namespace(X)
        last = self.layers[-1].activation
        if xp is not np:  # one pass: a device's kernels want large blocks
            z = self.forward_logits(X)
            return to_namespace(z if logits else last.forward(z), xp_in, dev_in)
        n, rows, out = X.shape[0], INFERENCE_BLOCK_ROWS, None
        for start in range(0, max(n, 1), rows):
            z = self.forward_logits(X[start : start + rows])
            h = z if logits else last.forward(z, out=z)
            if out is None:
                out = np.empty((n, h.shape[1]), h.dtype)
            out[start : start + rows] = h
        return to_namespace(out, xp_in, dev_in)

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
        return (
            f"{type(self).__name__}(name={self.name!r}, input_dim={self.input_dim!r}, "
            f"layers=[{layers}])"
        )
