"""``Model``: a Keras-like network that trains, ``Model(Trainer, Network)``.

The network (:class:`sknetscratch.nn.network.Network`: the layers, the flat
parameters, the forward and backward pass, stateless inference) and the
trainer (:class:`.trainer.Trainer`: compile, the loss and its gradient, one
step, ``fit`` through :mod:`.loop`, ``evaluate``), joined as Keras joins its
``Layer`` and ``Trainer``.
"""

from __future__ import annotations

from ..nn.layers import Layer
from ..nn.network import Network
from .loop import TrainingDivergedError
from .trainer import Trainer

__all__ = ["Model", "TrainingDivergedError"]


class Model(Trainer, Network):
    """A stack of layers trained by mini-batch gradient descent.

    ``copy.copy(model)`` is a deep copy: a shallow one would share the layers
    while owning a new flat parameter vector. Prediction reads the weights
    only: a fitted model can be shared by any number of threads.

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
        self.loss = None
        self.optimizer = None
        self.alpha = 0.0
        self.l1 = 0.0
        self.stop_training = False
        super().__init__(layers=layers, input_dim=input_dim, name=name)
