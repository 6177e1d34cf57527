r"""Layers: ``Layer`` (the abstract base), ``DenseBlock``, ``Dropout`` and ``Activation``.

Arrays are samples-first: a batch ``X`` has shape ``(n_samples, n_in)``. A
``DenseBlock`` computes, in two steps (docs/derivation.md §2 and §4),

.. math:: Z = X W + b,\qquad A = f(Z)

with kernel ``W`` of shape ``(n_in, units)`` and one bias per unit, and its
backward step, given :math:`G = \partial L/\partial A`, is

.. math::
    \delta = G \odot f'(Z),\qquad
    \frac{\partial L}{\partial W} = X^\top \delta,\qquad
    \frac{\partial L}{\partial b} = \sum_{i} \delta_{i\cdot},\qquad
    \frac{\partial L}{\partial X} = \delta W^\top .

A layer holds three kinds of arrays: trainable parameters ``params`` (the
optimizer updates them from ``grads``), non-trainable ``state`` (a batch norm's
running mean, say: saved with the model, counted by ``summary``, never seen by
the optimizer), and per-batch caches and buffers (never saved). Weights are
built late (Keras style), once the input size is known. Inside a
:class:`~sknetscratch.training.model.Model`, every parameter and gradient array is a view
into one flat vector owned by the model; a layer used alone owns its arrays.
The normalisation layers are in :mod:`sknetscratch.nn.normalization`.
"""

from __future__ import annotations

import abc

import numpy as np

from .activations import ActivationFunction, get_activation
from .initializers import check_rng, get_initializer

__all__ = ["Activation", "DenseBlock", "Dropout", "Layer"]


class Layer(abc.ABC):
    """Abstract layer.

    A subclass declares its trainable parameters with :meth:`param_shapes`
    (and non-trainable arrays with :meth:`state_shapes`), fills them in
    :meth:`initialize`, and implements :meth:`forward` and :meth:`backward`.
    ``type(layer)(**layer.get_config())`` builds an unbuilt copy.

    Examples
    --------
    A layer that doubles its input, with its backward step:

    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, Layer, Model
    >>> class Double(Layer):
    ...     kind = "double"
    ...
    ...     def forward(self, X, *, training=False, rng=None, sample_weight=None):
    ...         return 2 * X
    ...
    ...     def backward(self, grad, *, need_input_grad=True):
    ...         return 2 * grad
    >>> model = Model([Double(), DenseBlock(1, "sigmoid")]).compile()
    >>> model.build(3, random_state=0).predict(np.ones((2, 3))).shape
    (2, 1)
    """

    #: Default name prefix in ``summary`` (Keras: ``dense``, ``dense_1``, ...).
    kind = "layer"
    #: Names of parameters that receive the L2 penalty.
    regularized: tuple[str, ...] = ()
    #: Whether ``forward`` draws random numbers in training (from its ``rng``).
    uses_rng = False

    def __init__(self, name: str | None = None):
        self.name = name
        self.input_dim: int | None = None
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self._cache: dict = {}
        self._buffers: dict = {}

    # -- shapes ---------------------------------------------------------------
    def output_dim(self, input_dim: int) -> int:
        """Number of output units for ``input_dim`` inputs (default: unchanged)."""
        return input_dim

    def param_shapes(self, input_dim: int) -> dict[str, tuple[int, ...]]:
        """Trainable parameters, name -> shape, in storage order."""
        return {}

    def state_shapes(self, input_dim: int) -> dict[str, tuple[int, ...]]:
        """Non-trainable arrays, name -> shape (saved, never optimized)."""
        return {}

    def count_params(self, input_dim: int) -> int:
        """Number of trainable parameters for ``input_dim`` inputs."""
        return sum(int(np.prod(s)) for s in self.param_shapes(input_dim).values())

    def count_non_trainable(self, input_dim: int) -> int:
        """Number of non-trainable values for ``input_dim`` inputs."""
        return sum(int(np.prod(s)) for s in self.state_shapes(input_dim).values())

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
        rng : None, int, numpy.random.Generator or numpy.random.RandomState
            Source of randomness for initialisation, used as given.
        dtype : dtype, default=np.float64
        params, grads : dict of name -> ndarray, default=None
            Storage to use (views into a model's flat vectors); allocated here
            when None.

        Returns
        -------
        self : Layer
        """
        shapes = self.param_shapes(input_dim)
        if params is None:
            params = {k: np.empty(s, dtype=dtype) for k, s in shapes.items()}
        if grads is None:
            grads = {k: np.zeros(s, dtype=dtype) for k, s in shapes.items()}
        self.params, self.grads = params, grads
        self.state = {
            k: np.zeros(s, dtype=dtype) for k, s in self.state_shapes(input_dim).items()
        }
        self.input_dim = int(input_dim)
        self.initialize(check_rng(rng))
        return self

    def initialize(self, rng) -> None:
        """Fill ``self.params`` (and ``self.state``) with initial values."""

    def validate_state(self, state: dict[str, np.ndarray]) -> None:
        """Raise a ValueError if ``state`` holds values this layer cannot use.

        Called by :func:`sknetscratch.load` on the non-trainable arrays of a
        file, after their names, shapes and dtypes were checked against
        :meth:`state_shapes` (a batch norm refuses a negative variance, say).
        The default accepts any values.
        """

    # -- computation --------------------------------------------------------------
    @abc.abstractmethod
    def forward(
        self, X, *, training: bool = False, rng=None, sample_weight=None
    ) -> np.ndarray:
        """Compute the layer's output, caching what :meth:`backward` needs.

        ``training`` selects training mode, ``rng`` is the generator for its
        random draws in training (``uses_rng``), and ``sample_weight`` holds the
        batch's sample weights in training (None for equal weights), for a layer
        whose output depends on other rows (batch normalisation). The result
        may be a buffer that the next call overwrites.
        """

    @abc.abstractmethod
    def backward(self, grad: np.ndarray, *, need_input_grad: bool = True):
        """Backpropagate ``grad = dL/d(output)`` of the last :meth:`forward`.

        Writes the parameter gradients into ``self.grads`` and returns
        ``dL/d(input)``, or None when ``need_input_grad`` is False (the model's
        first layer: nothing below needs it). ``grad`` is not modified.
        """

    def _buffer(self, key: str, n_rows: int, n_cols: int, dtype) -> np.ndarray:
        """A reusable ``(n_rows, n_cols)`` scratch array (never pickled).

        One array per ``key``, grown to the largest batch seen; a smaller batch
        gets its first rows. Reusing it avoids allocating (and page-faulting)
        fresh memory on every batch; what ``forward`` returns from it is
        overwritten by the next call.
        """
        buf = self._buffers.get(key)
        if buf is None or buf.shape[0] < n_rows or buf.shape[1:] != (n_cols,):
            buf = self._buffers[key] = np.empty((n_rows, n_cols), dtype=dtype)
        elif buf.dtype != dtype:
            buf = self._buffers[key] = np.empty((buf.shape[0], n_cols), dtype=dtype)
        return buf[:n_rows]

    def _ones(self, n: int, dtype) -> np.ndarray:
        """A reused vector of ``n`` ones (for sums over the batch as products)."""
        ones = self._buffers.get("ones")
        if ones is None or ones.shape[0] < n or ones.dtype != dtype:
            ones = self._buffers["ones"] = np.ones(n, dtype=dtype)
        return ones[:n]

    def __call__(self, X, *, training: bool = False, rng=None, sample_weight=None):
        out = self.forward(X, training=training, rng=rng, sample_weight=sample_weight)
        return out.copy()

    # -- persistence ------------------------------------------------------------
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_cache"] = {}  # activations of the last batch: never saved
        state["_buffers"] = {}  # scratch space
        state["grads"] = {}  # gradients are scratch space, re-created on load
        return state

    def __setstate__(self, state):
        state.setdefault("state", {})  # pickled before layers had non-trainable state
        self.__dict__.update(state)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def get_config(self) -> dict:
        """Constructor arguments, as in Keras."""
        return {"name": self.name}

    def __repr__(self) -> str:
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg})"


def _activation_config(act: ActivationFunction) -> str | ActivationFunction:
    """An activation as a constructor argument: its name, or a copy when it has
    parameters (``LeakyReLU(negative_slope=0.2)``)."""
    return type(act)(**act.get_config()) if act.get_config() else act.name


def _as_dense(X):
    """``X`` as an ndarray (a scipy sparse matrix is densified)."""
    return X if isinstance(X, np.ndarray) else X.toarray()


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
        :data:`sknetscratch.nn.activations.ACTIVATIONS`, or an instance (to set
        parameters, e.g. ``LeakyReLU(negative_slope=0.2)``).
    use_bias : bool, default=True
        Whether to add a bias :math:`b` (one per unit).
    kernel_initializer, bias_initializer : str
        Names in :data:`sknetscratch.nn.initializers.INITIALIZERS`.
    name : str, default=None
        Layer name for ``summary``; the model assigns ``dense``, ``dense_1``, ...

    Examples
    --------
    >>> import numpy as np
    >>> layer = DenseBlock(2, "relu").build(3, rng=0)
    >>> layer.forward(np.ones((4, 3))).shape
    (4, 2)
    >>> DenseBlock(**layer.get_config()).get_config() == layer.get_config()
    True
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
        # kernel, then bias: the order of draws scikit-learn's MLP makes
        n_in, n_out = self.input_dim, self.units
        for key, init in (("W", self.kernel_initializer), ("b", self.bias_initializer)):
            if key in self.params:
                p = self.params[key]
                p[...] = get_initializer(init)(p.shape, n_in, n_out, rng, p.dtype)

    @property
    def W(self) -> np.ndarray:
        """Kernel, shape ``(n_in, units)``."""
        return self.params["W"]

    @property
    def b(self) -> np.ndarray | None:
        """Bias, shape ``(units,)``, or None without bias."""
        return self.params.get("b")

    # -- forward: Z = X W + b, then A = f(Z) --------------------------------------
    def forward_linear(self, X) -> np.ndarray:
        """:math:`Z = XW + b` into a reused buffer; caches ``X`` (and ``Z``).

        ``X`` may be a scipy sparse matrix. The model calls this alone for the
        output layer, whose activation is fused into the loss.
        """
        Z = self._buffer("Z", X.shape[0], self.units, self.W.dtype)
        _matmul_into(X, self.W, Z)  # Z = X W
        if self.use_bias:
            Z += self.b  # Z = X W + b
        self._cache = {"X": X, "Z": Z, "A": None}
        return Z

    def forward(self, X, *, training=False, rng=None, sample_weight=None):
        r""":math:`A = f(XW + b)`, caching X, Z and A for :meth:`backward`.

        When the activation's derivative is computed from its output
        (``derivative_from_output``), A is written over Z and the cached Z is
        None. The result is a buffer the next call overwrites (``layer(X)``
        returns a copy).
        """
        Z = self.forward_linear(X)
        if self.activation.derivative_from_output:
            A = self.activation.forward(Z, out=Z)
            Z = None  # overwritten by A
        else:
            A = self.activation.forward(Z, out=self._buffer("A", *Z.shape, Z.dtype))
        self._cache.update(Z=Z, A=A)
        return A

    # -- backward: delta = G * f'(Z), then the linear step -------------------------
    def backward_linear(self, delta, *, need_input_grad=True):
        r"""Given :math:`\delta = \partial L / \partial Z`: the parameter gradients
        (into ``self.grads``) and :math:`\partial L / \partial X = \delta W^\top`.

        The model calls this alone for the output layer, whose delta
        :math:`\hat y - y` (times :math:`w_i / \sum_j w_j`) comes from the loss.
        """
        X = self._cache["X"]
        _matmul_into(X.T, delta, self.grads["W"])  # dL/dW = X^T delta
        if self.use_bias:  # dL/db = sum_i delta_i, as the product 1^T delta: BLAS
            # does it 3-4x faster than np.sum(delta, axis=0) on a 200 x 256 delta
            np.matmul(
                self._ones(delta.shape[0], delta.dtype), delta, out=self.grads["b"]
            )
        if not need_input_grad:  # the first layer: nothing below needs dL/dX
            return None
        dX = self._buffer("dX", X.shape[0], self.W.shape[0], delta.dtype)
        return np.matmul(delta, self.W.T, out=dX)  # dL/dX = delta W^T

    def backward(self, grad, *, need_input_grad=True):
        r""":math:`\delta = G \odot f'(Z)`, then :meth:`backward_linear`."""
        Z, A = self._cache["Z"], self._cache["A"]
        delta = self._buffer("delta", *grad.shape, grad.dtype)
        delta = self.activation.backward(Z, A, grad, out=delta)  # delta = G * f'(Z)
        return self.backward_linear(delta, need_input_grad=need_input_grad)

    def get_config(self):
        return {
            "units": self.units,
            "activation": _activation_config(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "name": self.name,
        }


class Dropout(Layer):
    r"""Inverted dropout: in training, :math:`A = X \odot M / (1 - r)` with
    :math:`M_{ij} \sim \mathrm{Bernoulli}(1 - r)`; identity at inference.

    The backward step is :math:`\partial L/\partial X = G \odot M / (1 - r)`.
    The mask is drawn from the ``rng`` the model passes in training (a stream
    separate from the one that initialises and shuffles).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import Dropout
    >>> layer = Dropout(0.5)
    >>> X = np.ones((2, 4))
    >>> np.array_equal(layer(X), X)  # the identity at inference
    True
    >>> out = layer(X, training=True, rng=np.random.default_rng(0))
    >>> sorted(set(out.ravel().tolist()))  # dropped, or scaled by 1 / (1 - 0.5)
    [0.0, 2.0]
    """

    kind = "dropout"
    uses_rng = True

    def __init__(self, rate: float, name: str | None = None):
        super().__init__(name=name)
        if isinstance(rate, bool) or not (0.0 <= float(rate) < 1.0):
            raise ValueError(f"Dropout rate must be in [0, 1); got {rate!r}.")
        self.rate = float(rate)

    def forward(self, X, *, training=False, rng=None, sample_weight=None):
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

    def backward(self, grad, *, need_input_grad=True):
        mask = self._cache.get("mask")
        if not need_input_grad:
            return None
        if mask is None:
            return grad
        return grad * mask  # dL/dX = G * M/(1-r)

    def get_config(self):
        return {"rate": self.rate, "name": self.name}


class Activation(Layer):
    r"""An activation applied on its own: :math:`A = f(X)`, no parameters.

    The backward step is :math:`\partial L/\partial X = G \odot f'(X)` (the
    activation's ``backward``: Softmax's Jacobian-vector product included). It
    lets a normalisation sit between a layer's product and its activation:
    ``DenseBlock(units) -> BatchNormalization() -> Activation("relu")``.

    Parameters
    ----------
    activation : str, ActivationFunction or None
        Any name of :data:`sknetscratch.nn.activations.ACTIVATIONS`, or an instance
        (to set parameters); None is linear.
    name : str, default=None
        Layer name for ``summary``; the model assigns ``activation``,
        ``activation_1``, ...

    Examples
    --------
    >>> import numpy as np
    >>> Activation("relu")(np.array([[-1.0, 2.0]]))
    array([[0., 2.]])
    """

    kind = "activation"

    def __init__(
        self, activation: str | ActivationFunction | None, name: str | None = None
    ):
        super().__init__(name=name)
        self.activation = get_activation(activation)

    def forward(self, X, *, training=False, rng=None, sample_weight=None):
        r""":math:`A = f(X)` into a buffer of this layer (``X`` is left as it is:
        the layer below may have cached it)."""
        X = _as_dense(X)
        A = self.activation.forward(X, out=self._buffer("A", *X.shape, X.dtype))
        # derivative from the output: backward gets z=None, as from a DenseBlock
        Z = None if self.activation.derivative_from_output else X
        self._cache = {"Z": Z, "A": A}
        return A

    def backward(self, grad, *, need_input_grad=True):
        if not need_input_grad:  # no parameters: nothing to compute
            return None
        Z, A = self._cache["Z"], self._cache["A"]
        dX = self._buffer("dX", *grad.shape, grad.dtype)
        return self.activation.backward(Z, A, grad, out=dX)  # dL/dX = G * f'(X)

    def get_config(self):
        return {"activation": _activation_config(self.activation), "name": self.name}
