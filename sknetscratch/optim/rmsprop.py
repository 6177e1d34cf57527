"""RMSprop, optionally centered and with momentum."""

from __future__ import annotations

import numpy as np

from ..backend import binary, namespace, unary
from .base import Optimizer
from .checks import check_bool, check_number

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012), optionally centered and with momentum, as Keras'.

    With :math:`s` the moving average of :math:`g^2` and, if ``centered``,
    :math:`\bar g` that of :math:`g`:

    .. math::
        s \leftarrow \rho s + (1-\rho) g^2,\qquad
        \bar g \leftarrow \rho \bar g + (1-\rho) g

        \Delta = \frac{\eta\, g}{\sqrt{s + \epsilon}}
        \quad\text{or, centered,}\quad
        \Delta = \frac{\eta\, g}{\sqrt{s - \bar g^2 + \epsilon}}

        \theta \leftarrow \theta - \Delta
        \quad\text{or, with momentum } \mu > 0,\quad
        b \leftarrow \mu b + \Delta,\ \ \theta \leftarrow \theta - b

    the formulas of Keras 3's ``RMSprop.update_step`` (note :math:`\epsilon`
    inside the square root; PyTorch adds it outside), except that
    :math:`s - \bar g^2`, never negative in exact arithmetic, is clamped at 0
    where rounding makes it so (Keras would take the root of a negative). The state arrays are
    ``square_avg`` (:math:`s`, Keras' ``velocities``), ``momentum_buffer``
    (:math:`b`, only if ``momentum > 0``) and ``grad_avg`` (:math:`\bar g`,
    only if ``centered``), PyTorch's names.

    Parameters
    ----------
    learning_rate : float, default=0.001
    rho : float in [0, 1), default=0.9
        Discount of the moving averages.
    momentum : float in [0, 1], default=0.0
    epsilon : float > 0, default=1e-7
    centered : bool, default=False
        Divide by an estimate of the gradient's variance instead of its
        second moment.
    clipnorm, clipvalue : float, default=None
        Gradient clipping, see :class:`Optimizer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import RMSprop
    >>> params = np.zeros(2)
    >>> RMSprop(learning_rate=0.01, rho=0.75, epsilon=1e-7).update(
    ...     params, np.array([2.0, -2.0]))  # s = 0.25 * 4 = 1: the step is lr g
    >>> np.round(params, 6)
    array([-0.02,  0.02])
    """

    name = "rmsprop"
    elementwise = True
    config_names = ("rho", "momentum", "epsilon", "centered")

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
    ):
        check_number("rho", rho, 0, 1, high_open=True)
        check_number("momentum", momentum, 0, 1)
        check_number("epsilon", epsilon, 0, low_open=True)
        check_bool("centered", centered)
        # set before the base class, which reads state_names (a property of these)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        super().__init__(learning_rate, clipnorm, clipvalue)
        # every state attribute exists from the start (None until built), so the
        # saved-file loader knows all of them whatever momentum and centered are
        self.square_avg = self.momentum_buffer = self.grad_avg = None

    @property
    def state_names(self) -> tuple[str, ...]:
        """``square_avg``, then ``momentum_buffer`` and ``grad_avg`` if used."""
        names = ("square_avg",)
        if self.momentum > 0:
            names += ("momentum_buffer",)
        if self.centered:
            names += ("grad_avg",)
        return names

    def _step(self, params, grads, tmp, square_avg, *more):
        more = dict(zip(self.state_names[1:], more))
        buf, avg = more.get("momentum_buffer"), more.get("grad_avg")
        rho = self.rho
        xp = namespace(params)
        # s = rho s + (1 - rho) g^2
        square_avg *= rho
        g2 = binary(xp, np.multiply, grads, grads, out=tmp)
        g2 *= 1 - rho
        square_avg += g2
        if avg is not None:
            # g_bar = rho g_bar + (1 - rho) g; tmp = s - g_bar^2 + eps
            avg *= rho
            avg += binary(xp, np.multiply, grads, 1 - rho, out=tmp)
            tmp = binary(xp, np.multiply, avg, avg, out=tmp)
            tmp = binary(xp, np.subtract, square_avg, tmp, out=tmp)
            # s >= g_bar^2 (Cauchy-Schwarz), but s - g_bar^2 can round below 0
            # once s is large (> ~1e9, where its rounding exceeds eps): clamp it
            tmp = binary(xp, np.maximum, tmp, 0, out=tmp)
            tmp += self.epsilon
        else:
            tmp = binary(xp, np.add, square_avg, self.epsilon, out=tmp)  # s + eps
        # Delta = lr g / sqrt(tmp)
        tmp = unary(xp, np.sqrt, tmp, out=tmp)
        tmp = binary(xp, np.divide, grads, tmp, out=tmp)
        tmp *= self.learning_rate
        if buf is not None:
            buf *= self.momentum
            buf += tmp  # b = mu b + Delta
            params -= buf
        else:
            params -= tmp
