r"""``DenseBlock``: the fully connected layer :math:`A = f(XW + b)`.

In two steps (docs/derivation.md §2 and §4),

.. math:: Z = X W + b,\qquad A = f(Z)

with kernel ``W`` of shape ``(n_in, units)`` and one bias per unit, and its
backward step, given :math:`G = \partial L/\partial A`, is

.. math::
    \delta = G \odot f'(Z),\qquad
    \frac{\partial L}{\partial W} = X^\top \delta,\qquad
    \frac{\partial L}{\partial b} = \sum_{i} \delta_{i\cdot},\qquad
    \frac{\partial L}{\partial X} = \delta W^\top .
"""

from __future__ import annotations

import numpy as np

from ...backend import device, matmul, namespace
from ..activations import ActivationFunction, get_activation
from ..initializers import get_initializer
from ..workspace import scratch
from .base import Layer

__all__ = ["DenseBlock", "activation_config", "as_dense"]


def activation_config(act: ActivationFunction) -> str | ActivationFunction:
    """An activation as a constructor argument: its name, or a copy when it has
    parameters (``LeakyReLU(negative_slope=0.2)``)."""
    return type(act)(**act.get_config()) if act.get_config() else act.name


def as_dense(X) -> np.ndarray:
    """``X`` as a dense array (a scipy sparse matrix is densified)."""
    return X.toarray() if hasattr(X, "toarray") and hasattr(X, "nnz") else X


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
    def forward_linear(self, X, cache=None) -> np.ndarray:
        """:math:`Z = XW + b`; in training, ``X`` and ``Z`` go into ``cache``.

        ``X`` may be a scipy sparse matrix. The network calls this alone for
        the output layer, whose activation is fused into the loss.
        """
        W = self.params["W"]
        xp = namespace(W)
        Z = scratch(cache, "Z", X.shape[0], self.units, W.dtype)
        Z = matmul(xp, X, W, Z)  # Z = X W
        if self.use_bias:
            Z += self.b  # Z = X W + b
        if cache is not None:
            cache["X"], cache["Z"], cache["A"] = X, Z, None
        return Z

    def forward(self, X, *, training=False, rng=None, sample_weight=None, cache=None):
        r""":math:`A = f(XW + b)`; in training X, Z and A go into ``cache``.

        When the activation's derivative is computed from its output
        (``derivative_from_output``), A is written over Z and the cached Z is
        None.
        """
        Z = self.forward_linear(X, cache)
        if self.activation.derivative_from_output or cache is None:
            A = self.activation.forward(Z, out=Z)
            Z = None  # overwritten by A (NumPy), or not needed
        else:
            A = self.activation.forward(Z, out=cache.buffer("A", *Z.shape, Z.dtype))
        if cache is not None:
            cache["Z"], cache["A"] = Z, A
        return A

    # -- backward: delta = G * f'(Z), then the linear step -------------------------
    def backward_linear(self, delta, cache, *, need_input_grad=True):
        r"""Given :math:`\delta = \partial L / \partial Z`: the parameter gradients
        (into ``self.grads``) and :math:`\partial L / \partial X = \delta W^\top`.

        The network calls this alone for the output layer, whose delta
        :math:`\hat y - y` (times :math:`w_i / \sum_j w_j`) comes from the loss.
        """
        X = cache["X"]
        xp = namespace(delta)
        dW, db = self.grads["W"], self.grads.get("b")
        if xp is np:
            matmul(xp, X.T, delta, dW)  # dL/dW = X^T delta
        else:
            dW[...] = xp.matmul(X.T, delta)
        if self.use_bias:  # dL/db = sum_i delta_i, as the product 1^T delta: BLAS
            # does it 3-4x faster than np.sum(delta, axis=0) on a 200 x 256 delta
            if xp is np:
                np.matmul(cache.ones(delta.shape[0], delta.dtype), delta, out=db)
            else:
                ones = cache.ones(delta.shape[0], delta.dtype, xp, device(delta))
                db[...] = xp.matmul(ones, delta)
        if not need_input_grad:  # the first layer: nothing below needs dL/dX
            return None
        W = self.params["W"]
        dX = cache.buffer("dX", X.shape[0], W.shape[0], delta.dtype)
        # dL/dX = delta W^T (dense operands: NumPy writes into the buffer)
        return np.matmul(delta, W.T, out=dX) if xp is np else xp.matmul(delta, W.T)

    def backward(self, grad, cache, *, need_input_grad=True):
        r""":math:`\delta = G \odot f'(Z)`, then :meth:`backward_linear`."""
        delta = cache.buffer("delta", *grad.shape, grad.dtype)
        delta = self.activation.backward(cache["Z"], cache["A"], grad, out=delta)
        return self.backward_linear(delta, cache, need_input_grad=need_input_grad)

    def get_config(self):
        return {
            "units": self.units,
            "activation": activation_config(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "name": self.name,
        }
