"""``Layer``, the abstract base of every layer.

A layer declares its trainable parameters (:meth:`Layer.param_shapes`) and
non-trainable arrays (:meth:`Layer.state_shapes`), fills them in
:meth:`Layer.initialize`, and implements :meth:`Layer.forward` and
:meth:`Layer.backward`. Weights are built late (Keras style), once the input
size is known. Inside a network every parameter and gradient array is a view
into one flat vector owned by the network; a layer used alone owns its arrays.
"""

from __future__ import annotations

import abc

import numpy as np

from ...backend import namespace
from ..initializers import check_rng
from ..workspace import LayerCache

__all__ = ["Layer"]


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
    ...     def forward(self, X, *, training=False, rng=None, sample_weight=None,
    ...                 cache=None):
    ...         return 2 * X
    ...
    ...     def backward(self, grad, cache, *, need_input_grad=True):
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
            Storage to use (views into a network's flat vectors); allocated
            here when None.

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
        self,
        X,
        *,
        training: bool = False,
        rng=None,
        sample_weight=None,
        cache: LayerCache | None = None,
    ) -> np.ndarray:
        """Compute the layer's output.

        ``training`` selects training mode, ``rng`` is the generator for its
        random draws in training (``uses_rng``), and ``sample_weight`` holds the
        batch's sample weights in training (None for equal weights), for a
        layer whose output depends on other rows (batch normalisation).

        ``cache`` is given when a backward pass follows (training): the layer
        keeps there what :meth:`backward` needs, and may return one of its
        reusable buffers (:meth:`LayerCache.buffer`), which the next batch
        overwrites. Without a cache (inference) the layer writes nothing but
        arrays of this call: the result is a new array (or ``X`` itself).
        """

    @abc.abstractmethod
    def backward(
        self, grad: np.ndarray, cache: LayerCache, *, need_input_grad: bool = True
    ):
        """Backpropagate ``grad = dL/d(output)`` of the forward pass that filled
        ``cache``.

        Writes the parameter gradients into ``self.grads`` and returns
        ``dL/d(input)``, or None when ``need_input_grad`` is False (a network's
        first layer: nothing below needs it). ``grad`` is not modified.
        """

    def __call__(self, X, *, training: bool = False, rng=None, sample_weight=None):
        """:meth:`forward` without a cache: nothing is kept; the result is a new
        array, or ``X`` itself from a layer that passes it on unchanged
        (dropout at inference)."""
        return self.forward(X, training=training, rng=rng, sample_weight=sample_weight)

    # -- persistence ------------------------------------------------------------
    def __getstate__(self):
        state = self.__dict__.copy()
        state["grads"] = {}  # gradients are scratch space, re-created on load
        return state

    def __setstate__(self, state):
        state.setdefault("state", {})  # pickled before layers had non-trainable state
        state.pop("_cache", None)  # pickled when layers kept their forward caches
        state.pop("_buffers", None)
        self.__dict__.update(state)
        self.grads = {k: namespace(v).zeros_like(v) for k, v in self.params.items()}

    def get_config(self) -> dict:
        """Constructor arguments, as in Keras."""
        return {"name": self.name}

    def __repr__(self) -> str:
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg})"
