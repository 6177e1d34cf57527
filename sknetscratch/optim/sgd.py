"""Stochastic gradient descent with optional (Nesterov) momentum."""

from __future__ import annotations

import numpy as np

from ..backend import binary, namespace
from .base import Optimizer
from .checks import check_bool, check_number

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional (Nesterov) momentum.

    .. math::
        v \leftarrow \mu v - \eta g,\qquad
        \theta \leftarrow \theta + v \quad\text{or, Nesterov,}\quad
        \theta \leftarrow \theta + \mu v - \eta g

    the same rule as scikit-learn's ``SGDOptimizer`` and Keras' ``SGD``.

    Parameters
    ----------
    learning_rate : float, default=0.01
    momentum : float in [0, 1], default=0.0
    nesterov : bool, default=False
    clipnorm, clipvalue : float, default=None
        Gradient clipping, see :class:`Optimizer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import SGD
    >>> opt = SGD(learning_rate=0.1, momentum=0.9, nesterov=False)
    >>> params = np.zeros(2)
    >>> for _ in range(2):
    ...     opt.update(params, np.ones(2))  # v = 0.9 v - 0.1 g; params += v
    >>> params
    array([-0.29, -0.29])
    """

    name = "sgd"
    elementwise = True
    state_names = ("velocity",)
    config_names = ("momentum", "nesterov")

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
    ):
        super().__init__(learning_rate, clipnorm, clipvalue)
        check_number("momentum", momentum, 0, 1)
        check_bool("nesterov", nesterov)
        self.momentum = momentum
        self.nesterov = nesterov

    def _step(self, params, grads, scratch, v):
        xp = namespace(params)
        lr, mu = self.learning_rate, self.momentum
        if mu == 0:
            params -= binary(xp, np.multiply, grads, lr, out=scratch)  # theta -= lr g
            return
        v *= mu
        step = binary(xp, np.multiply, grads, lr, out=scratch)
        v -= step  # v = mu v - lr g
        if self.nesterov:  # theta += mu v - lr g
            params -= step
            params += binary(xp, np.multiply, v, mu, out=scratch)
        else:
            params += v
