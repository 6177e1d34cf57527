r"""Layers: ``Layer`` (the abstract base), ``DenseBlock`` and ``Dropout``.

Arrays are samples-first: a batch ``X`` has shape ``(n_samples, n_in)``. A
``DenseBlock`` computes

.. math:: Z = X W + b,\qquad A = f(Z)

with kernel ``W`` of shape ``(n_in, units)`` and one bias per unit, and its
backward step, given :math:`G = \partial L/\partial A`, is

.. math::
    \delta = G \odot f'(Z),\qquad
    \frac{\partial L}{\partial W} = X^\top \delta,\qquad
    \frac{\partial L}{\partial b} = \sum_{i} \delta_{i\cdot},\qquad
    \frac{\partial L}{\partial X} = \delta W^\top .

Weights are built late (Keras style), once the input size is known. Inside a
:class:`~sknetscratch.model.Model`, every parameter and gradient array is a view
into one flat vector owned by the model; a layer used alone owns its arrays.
Forward caches (inputs, pre-activations, masks) live in ``_cache`` and are never
pickled.
"""

from __future__ import annotations

import abc

import numpy as np

from .activations import ActivationFunction, get_activation
from .initializers import get_initializer

__all__ = ["DenseBlock", "Dropout", "Layer"]


class Layer(abc.ABC):
    """Abstract layer.

    Subclasses declare their trainable parameters with :meth:`param_shapes`,
    initialise them in :meth:`initialize`, and implement :meth:`forward` and
    :meth:`backward`.
    """

    #: Default name prefix in ``summary`` (Keras: ``dense``, ``dense_1``, ...).
    kind = "layer"
    #: Names of parameters that receive the L2 penalty.
    regularized: tuple[str, ...] = ()

    def __init__(self, name: str | None = None):
        self.name = name
        self.input_dim: int | None = None
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._cache: dict = {}
        self._buffers: dict = {}

    # -- shapes ---------------------------------------------------------------
    def output_dim(self, input_dim: int) -> int:
        """Number of output units for ``input_dim`` inputs (default: unchanged)."""
        return input_dim

    def param_shapes(self, input_dim: int) -> dict[str, tuple[int, ...]]:
        """Trainable parameters, name -> shape, in storage order."""
        return {}

    def count_params(self, input_dim: int) -> int:
        return sum(int(np.prod(s)) for s in self.param_shapes(input_dim).values())

    @property
    def built(self) -> bool:
        return self.input_dim is not None

    # -- building ---------------------------------------------------------------
    def build(self, input_dim, rng=None, dtype=np.float64, params=None, grads=None):
        """Create (or adopt the given views of) parameters and gradients.

        Parameters
        ----------
        input_dim : int
            Number of input features.
        rng : numpy.random.Generator, default=None
            Source of randomness for initialisation (``default_rng()`` if None).
        dtype : dtype, default=np.float64
        params, grads : dict of name -> ndarray, default=None
            Storage to use (views into a model's flat vectors); allocated here
            when None.
        """
        shapes = self.param_shapes(input_dim)
        if params is None:
            params = {k: np.empty(s, dtype=dtype) for k, s in shapes.items()}
        if grads is None:
            grads = {k: np.zeros(s, dtype=dtype) for k, s in shapes.items()}
        self.params, self.grads = params, grads
        self.input_dim = int(input_dim)
        self.initialize(
            rng
            if isinstance(rng, np.random.RandomState)
            else np.random.default_rng(rng)
        )
        return self

    def initialize(self, rng: np.random.Generator) -> None:
        """Fill ``self.params`` with initial values."""

    # -- computation --------------------------------------------------------------
    @abc.abstractmethod
    def forward(self, X, *, training: bool = False, rng=None) -> np.ndarray:
        """Compute the layer's output, caching what ``backward`` needs."""

    def _forward(self, X, *, training: bool = False, rng=None, activate: bool = True):
        """The model's training path; may return reused buffers (default: ``forward``).

        ``activate=False`` asks the output layer for its pre-activation only.
        """
        return self.forward(X, training=training, rng=rng)

    @abc.abstractmethod
    def backward(
        self,
        grad: np.ndarray,
        *,
        need_input_grad: bool = True,
        overwrite_grad: bool = False,
    ):
        """Backpropagate ``grad = dL/d(output)``.

        Returns ``(dL/d(input) or None, self.grads)``; the parameter gradients
        are written into ``self.grads``. With ``overwrite_grad=True`` the layer
        may compute in place in ``grad`` (the model's training loop does).
        """

    def _buffer(self, key: str, shape: tuple, dtype, fill=None) -> np.ndarray:
        """A reusable scratch array for the training loop (never pickled).

        Reusing per-batch arrays avoids allocating (and page-faulting) fresh
        memory on every batch; arrays returned by ``forward`` are overwritten by
        the next call. ``fill`` initialises a new array (for constant buffers).
        """
        buffers = self.__dict__.setdefault("_buffers", {})
        k = (key, shape, dtype)  # callers pass np.dtype objects (W.dtype)
        buf = buffers.get(k)
        if buf is None:
            if len(buffers) > 16:  # e.g. many different batch sizes
                buffers.clear()
            buf = buffers[k] = np.empty(shape, dtype=dtype)
            if fill is not None:
                buf.fill(fill)
        return buf

    def infer(self, X) -> np.ndarray:
        """Inference-mode output without caching anything (used by ``predict``)."""
        out = self.forward(X, training=False)
        self._cache = {}
        return out

    def __call__(self, X, *, training: bool = False, rng=None):
        return self.forward(X, training=training, rng=rng)

    # -- persistence ------------------------------------------------------------
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_cache"] = {}  # activations of the last batch: never saved
        state["_buffers"] = {}  # scratch space
        state["grads"] = {}  # gradients are scratch space, re-created on load
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def get_config(self) -> dict:
        """Constructor arguments, as in Keras."""
        return {"name": self.name}

    def __repr__(self) -> str:
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg})"


def _matmul_into(a, b, out):
    """``out[...] = a @ b`` without a temporary when ``a`` is a dense array."""
    if isinstance(a, np.ndarray) and a.dtype == out.dtype:
        np.matmul(a, b, out=out)
    else:  # scipy.sparse input (first layer), or mixed dtypes
        out[...] = a @ b
    return out


class DenseBlock(Layer):
    r"""Fully connected layer :math:`A = f(XW + b)`.

    Parameters
    ----------
    units : int
        Number of output units.
    activation : str, ActivationFunction or None, default=None
        Activation :math:`f`; None is linear. Any name of
        :data:`sknetscratch.activations.ACTIVATIONS`.
    use_bias : bool, default=True
        Whether to add a bias :math:`b` (one per unit).
    kernel_initializer, bias_initializer : str
        Names in :data:`sknetscratch.initializers.INITIALIZERS`.
    name : str, default=None
        Layer name for ``summary``; the model assigns ``dense``, ``dense_1``, ...
    """

    kind = "dense"
    regularized = ("W",)

    def __init__(
        self,
        units: int,
        activation: str | ActivationFunction | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        name: str | None = None,
    ):
        super().__init__(name=name)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)):
            raise TypeError(f"units must be a positive int; got {units!r}.")
        if units < 1:
            raise ValueError(f"units must be a positive int; got {units!r}.")
        self.units = int(units)
        self.activation = get_activation(activation)
        self.use_bias = bool(use_bias)
        get_initializer(kernel_initializer)  # fail early on a bad name
        get_initializer(bias_initializer)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer

    def output_dim(self, input_dim):
        return self.units

    def param_shapes(self, input_dim):
        shapes = {"W": (int(input_dim), self.units)}
        if self.use_bias:
            shapes["b"] = (self.units,)
        return shapes

    def initialize(self, rng):
        n_in, n_out = self.input_dim, self.units
        W = self.params["W"]
        W[...] = get_initializer(self.kernel_initializer)(
            W.shape, n_in, n_out, rng, W.dtype
        )
        if self.use_bias:
            b = self.params["b"]
            b[...] = get_initializer(self.bias_initializer)(
                b.shape, n_in, n_out, rng, b.dtype
            )

    @property
    def W(self) -> np.ndarray:
        """Kernel, shape ``(n_in, units)``."""
        return self.params["W"]

    @property
    def b(self) -> np.ndarray | None:
        """Bias, shape ``(units,)``, or None without bias."""
        return self.params.get("b")

    def pre_activation(self, X) -> np.ndarray:
        """:math:`Z = XW + b` (``X`` may be a scipy sparse matrix)."""
        Z = X @ self.W
        if self.use_bias:
            Z += self.b
        return Z

    def infer(self, X):
        Z = self.pre_activation(X)  # a fresh array: the activation may overwrite it
        return self.activation.forward_into(Z, Z)

    def forward(self, X, *, training=False, rng=None):
        """:math:`A = f(XW + b)` as a new array, caching X, Z, A for ``backward``."""
        return self._forward(X, training=training, rng=rng).copy()

    def _forward(self, X, *, training=False, rng=None, activate=True):
        """Forward pass into reusable buffers, caching X, Z, A for ``backward``.

        ``activate=False`` stops at the logits Z (the model does this for the
        output layer, whose activation is fused into the loss).
        """
        shape, dtype = (X.shape[0], self.units), self.W.dtype
        Z = _matmul_into(X, self.W, self._buffer("Z", shape, dtype))  # Z = X W
        if self.use_bias:
            Z += self.b  # Z = X W + b
        if activate:  # A = f(Z), written over Z when f' needs only A (ReLU, tanh)
            out = Z if self.activation.inplace else self._buffer("A", shape, dtype)
            A = self.activation._forward_into_training(Z, out)
        else:
            A = Z
        self._cache = {"X": X, "Z": Z, "A": A}
        return A

    def backward(
        self, grad, *, need_input_grad=True, overwrite_grad=False, pre_activation=False
    ):
        """Backward step; ``pre_activation=True`` means ``grad`` is already dL/dZ.

        The output layer is called that way: the fused loss gives
        :math:`\\delta^{(L)} = \\hat y - y` directly (see :mod:`.losses`).
        """
        X, Z, A = self._cache["X"], self._cache["Z"], self._cache["A"]
        if pre_activation:
            delta = grad
        elif overwrite_grad:
            delta = self.activation.backward_inplace(Z, A, grad)  # delta = G * f'(Z)
        else:
            delta = self.activation.backward(Z, A, grad)  # delta = G * f'(Z)
        _matmul_into(X.T, delta, self.grads["W"])  # dL/dW = X^T delta
        if self.use_bias:  # dL/db = sum_i delta_i, as the product 1^T delta (BLAS)
            ones = self._buffer("ones", (delta.shape[0],), delta.dtype, fill=1)
            np.matmul(ones, delta, out=self.grads["b"])
        if not need_input_grad:  # the first layer: nothing below needs dL/dX
            return None, self.grads
        dX = self._buffer("dX", (X.shape[0], self.W.shape[0]), delta.dtype)
        return np.matmul(delta, self.W.T, out=dX), self.grads  # dL/dX = delta W^T

    def get_config(self):
        return {
            "units": self.units,
            "activation": self.activation.name,  # parameters: see persistence
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "name": self.name,
        }


class Dropout(Layer):
    r"""Inverted dropout: in training, :math:`A = X \odot M / (1 - r)` with
    :math:`M_{ij} \sim \mathrm{Bernoulli}(1 - r)`; identity at inference.

    The backward step is :math:`\partial L/\partial X = G \odot M / (1 - r)`.
    The mask is drawn from the ``rng`` the model passes in training.
    """

    kind = "dropout"

    def __init__(self, rate: float, name: str | None = None):
        super().__init__(name=name)
        if isinstance(rate, bool) or not (0.0 <= float(rate) < 1.0):
            raise ValueError(f"Dropout rate must be in [0, 1); got {rate!r}.")
        self.rate = float(rate)

    def forward(self, X, *, training=False, rng=None):
        if not training or self.rate == 0.0:
            self._cache = {"mask": None}
            return X
        if rng is None:
            raise ValueError("Dropout in training mode needs a random generator `rng`.")
        keep = rng.random(X.shape, dtype=X.dtype) >= self.rate
        mask = keep.astype(X.dtype) / X.dtype.type(1.0 - self.rate)
        self._cache = {"mask": mask}
        if not isinstance(X, np.ndarray):  # scipy.sparse: elementwise, not matmul
            return X.multiply(mask).tocsr()
        return X * mask

    def backward(self, grad, *, need_input_grad=True, overwrite_grad=False):
        mask = self._cache.get("mask")
        if mask is None:
            return grad, self.grads
        out = grad if overwrite_grad else None
        return np.multiply(grad, mask, out=out), self.grads  # dL/dX = G * M/(1-r)

    def get_config(self):
        return {"rate": self.rate, "name": self.name}
