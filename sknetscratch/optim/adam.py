"""Adam and its variants, AdamW and Nadam, which share one moment update."""

from __future__ import annotations

import numpy as np

from ..backend import binary, namespace, unary
from .base import Optimizer
from .checks import check_number

__all__ = ["Adam", "AdamW", "Nadam"]


def _check_adam_args(beta_1, beta_2, epsilon) -> None:
    check_number("beta_1", beta_1, 0, 1, high_open=True)
    check_number("beta_2", beta_2, 0, 1, high_open=True)
    check_number("epsilon", epsilon, 0, low_open=True)


def _update_moments(xp, grads, tmp, m, v, b1, b2) -> None:
    """Adam's moments, in place: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2."""
    m *= b1
    m += binary(xp, np.multiply, grads, 1 - b1, out=tmp)
    v *= b2
    g2 = binary(xp, np.multiply, grads, grads, out=tmp)
    g2 *= 1 - b2
    v += g2


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2014), in the bias-corrected step-size form.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2

        \eta_t = \eta \sqrt{1-\beta_2^t} / (1-\beta_1^t),\qquad
        \theta \leftarrow \theta - \eta_t\, m / (\sqrt{v} + \epsilon)

    the same arithmetic as scikit-learn's ``AdamOptimizer``.

    Parameters
    ----------
    learning_rate : float, default=0.001
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
    epsilon : float > 0, default=1e-8
    clipnorm, clipvalue : float, default=None
        Gradient clipping, see :class:`Optimizer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import Adam
    >>> params = np.zeros(3)
    >>> Adam(learning_rate=0.01).update(params, np.array([1.0, -1.0, 0.0]))
    >>> np.round(params, 6)  # a first step of about the learning rate per entry
    array([-0.01,  0.01,  0.  ])
    """

    name = "adam"
    elementwise = True
    state_names = ("m", "v")
    config_names = ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
    ):
        super().__init__(learning_rate, clipnorm, clipvalue)
        _check_adam_args(beta_1, beta_2, epsilon)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _step(self, params, grads, tmp, m, v):
        b1, b2, t = self.beta_1, self.beta_2, self.iterations
        xp = namespace(params)
        _update_moments(xp, grads, tmp, m, v, b1, b2)
        lr_t = self.learning_rate * np.sqrt(1 - b2**t) / (1 - b1**t)
        if xp is not np:
            lr_t = float(lr_t)
        # theta -= lr_t * m / (sqrt(v) + eps)
        step = unary(xp, np.sqrt, v, out=tmp)
        step += self.epsilon
        step = binary(xp, np.divide, m, step, out=tmp)
        step *= lr_t
        params -= step


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    Each step first shrinks every parameter, then takes :class:`Adam`'s step
    with the gradient :math:`g` (computed at the parameters before the shrink):

    .. math::
        \theta \leftarrow \theta - \eta\lambda\,\theta,\qquad
        \theta \leftarrow \theta - \eta_t\, m / (\sqrt{v} + \epsilon)

    with :math:`\lambda` = ``weight_decay`` and :math:`m, v, \eta_t` as in
    :class:`Adam`. The decay is scaled by the learning rate, as in Keras'
    ``AdamW`` (``variable - variable * wd * lr`` before the step) and PyTorch's
    (the paper's schedule multiplier :math:`\eta_t` is the learning rate here,
    so a schedule scales the decay too). It applies to **all** parameters,
    kernels and biases alike (Keras' and PyTorch's default). Unlike an L2
    penalty (the model's ``alpha``, added to :math:`g` and so divided by
    :math:`\sqrt{v}`), the decay is not rescaled per entry. With
    ``weight_decay=0`` the steps are :class:`Adam`'s, bit for bit.

    Parameters
    ----------
    learning_rate : float, default=0.001
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
    epsilon : float > 0, default=1e-8
    weight_decay : float >= 0, default=0.01
        :math:`\lambda`, PyTorch's default (Keras' is 0.004).
    clipnorm, clipvalue : float, default=None
        Gradient clipping, see :class:`Optimizer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import AdamW
    >>> params = np.array([1.0, 1.0])
    >>> AdamW(learning_rate=0.1, weight_decay=0.5).update(params, np.zeros(2))
    >>> params  # no gradient: only the decay, theta -= 0.1 * 0.5 * theta
    array([0.95, 0.95])
    """

    name = "adamw"
    config_names = ("beta_1", "beta_2", "epsilon", "weight_decay")

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
    ):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, clipnorm, clipvalue)
        check_number("weight_decay", weight_decay, 0)
        self.weight_decay = weight_decay

    def _step(self, params, grads, tmp, m, v):
        if self.weight_decay:
            params *= 1 - self.learning_rate * self.weight_decay  # theta -= lr wd theta
        super()._step(params, grads, tmp, m, v)


class Nadam(Adam):
    r"""Nadam: Adam with Nesterov momentum (Dozat, 2016), as Keras' ``Nadam``.

    A momentum schedule :math:`\mu_t = \beta_1 (1 - \tfrac12\, 0.96^{t})` and its
    running product :math:`\Pi_t = \prod_{s=1}^{t} \mu_s` (the scalar state
    ``u_product``, Keras' ``_u_product``) give

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2

        \hat m = \frac{\mu_{t+1}\, m}{1 - \Pi_t\,\mu_{t+1}}
               + \frac{(1 - \mu_t)\, g}{1 - \Pi_t},\qquad
        \hat v = \frac{v}{1 - \beta_2^t},\qquad
        \theta \leftarrow \theta - \frac{\eta\, \hat m}{\sqrt{\hat v} + \epsilon}

    the formulas of Keras 3's ``Nadam.update_step`` (and tf.keras' since 2.11).
    Keras' schedule is :math:`0.96^{t}`; Dozat's paper and PyTorch's ``NAdam``
    use :math:`0.96^{0.004\,t}`, so the two differ in their first few hundred
    steps.

    Parameters
    ----------
    learning_rate : float, default=0.001
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
    epsilon : float > 0, default=1e-7
    clipnorm, clipvalue : float, default=None
        Gradient clipping, see :class:`Optimizer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import Nadam
    >>> params = np.zeros(3)
    >>> Nadam(learning_rate=0.01).update(params, np.array([1.0, -1.0, 0.0]))
    >>> np.round(params, 6)  # the Nesterov look-ahead: a bit more than lr at first
    array([-0.010628,  0.010628,  0.      ])
    """

    name = "nadam"

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
    ):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, clipnorm, clipvalue)
        self.u_product = 1.0

    def _mu(self, t: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96**t)

    def _begin_step(self):
        self.u_product *= self._mu(self.iterations)  # Pi_t = Pi_{t-1} mu_t

    def _step(self, params, grads, tmp, m, v):
        b1, b2, t = self.beta_1, self.beta_2, self.iterations
        mu_t, mu_next = self._mu(t), self._mu(t + 1)
        prod_t = self.u_product
        prod_next = prod_t * mu_next
        xp = namespace(params)
        _update_moments(xp, grads, tmp, m, v, b1, b2)
        # m_hat = mu_{t+1} m / (1 - Pi_{t+1}) + (1 - mu_t) g / (1 - Pi_t): the one
        # block-sized array a step allocates (m_hat and the denominator both live)
        m_hat = binary(xp, np.multiply, m, mu_next / (1 - prod_next))
        m_hat += binary(xp, np.multiply, grads, (1 - mu_t) / (1 - prod_t), out=tmp)
        # theta -= lr m_hat / (sqrt(v / (1 - b2^t)) + eps)
        step = binary(xp, np.divide, v, 1 - b2**t, out=tmp)
        step = unary(xp, np.sqrt, step, out=tmp)
        step += self.epsilon
        step = binary(xp, np.divide, m_hat, step, out=tmp)
        step *= self.learning_rate
        params -= step
