r"""``Activation``: an activation function applied as a layer of its own."""

from __future__ import annotations

from ..activations import ActivationFunction, get_activation
from ..workspace import scratch
from .base import Layer
from .dense import activation_config, as_dense

__all__ = ["Activation"]


class Activation(Layer):
    r"""An activation applied on its own: :math:`A = f(X)`, no parameters.

    The backward step is :math:`\partial L/\partial X = G \odot f'(X)` (the
    activation's ``backward``: Softmax's Jacobian-vector product included). It
    lets a normalisation sit between a layer's product and its activation:
    ``DenseBlock(units, use_bias=False) -> BatchNormalization() ->
    Activation("relu")``.

    Parameters
    ----------
    activation : str, ActivationFunction or None
        Any name of :data:`sknetscratch.nn.activations.ACTIVATIONS`, or an
        instance (to set parameters); None is linear.
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

    def forward(self, X, *, training=False, rng=None, sample_weight=None, cache=None):
        r""":math:`A = f(X)` into a new array (``X`` is left as it is: the layer
        below may have cached it)."""
        X = as_dense(X)
        A = self.activation.forward(X, out=scratch(cache, "A", *X.shape, X.dtype))
        if cache is not None:
            # derivative from the output: backward gets z=None, as from a DenseBlock
            cache["Z"] = None if self.activation.derivative_from_output else X
            cache["A"] = A
        return A

    def backward(self, grad, cache, *, need_input_grad=True):
        if not need_input_grad:  # no parameters: nothing to compute
            return None
        dX = cache.buffer("dX", *grad.shape, grad.dtype)
        return self.activation.backward(cache["Z"], cache["A"], grad, out=dX)

    def get_config(self):
        return {"activation": activation_config(self.activation), "name": self.name}
