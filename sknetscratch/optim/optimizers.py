r"""Optimizers that update one flat parameter vector in place.

The model keeps all weights in one contiguous vector :math:`\theta` (each
layer's ``W`` and ``b`` are views into it) and all gradients in another
:math:`g`, so an optimizer step is a handful of vector operations. Optimizer
state (velocities, moments, step count) is plain arrays and numbers: it pickles
and can be saved with :mod:`numpy` alone.

The learning rate is a plain attribute ``learning_rate``; a schedule changes it
between steps or epochs (the estimators' 'invscaling' and 'adaptive' rates do so
from a callback, see ``sknetscratch.estimators._base``; :mod:`sknetscratch.optim.schedules` holds
per-epoch schedules).

Every optimizer can clip the gradient before its step: ``clipvalue`` clips each
entry, ``clipnorm`` rescales the whole vector to a global L2 norm of at most
``clipnorm`` (:func:`clip_by_value`, :func:`clip_by_global_norm`).

A step walks the vector in blocks of :data:`BLOCK_SIZE` entries. Every update
rule here is elementwise, so the blocks give exactly the same numbers as one
pass over the whole vector; but a block of the weights, the gradient and the
optimizer state stays in the CPU cache through the dozen passes of an Adam step,
instead of streaming the whole vectors from memory a dozen times
(``benchmarks/bench_kernels.py``; docs/performance.md recorded 1.39x on the
535k-weight float64 network (c), about 5% of its epoch, and ~1.0x on smaller
ones). The L2 penalty's gradient is not the optimizer's business: the model
adds it to the kernels' gradients before the step.
"""

from __future__ import annotations

import abc
import math
import numbers

import numpy as np

__all__ = [
    "BLOCK_SIZE",
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "AdamW",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "clip_by_global_norm",
    "clip_by_value",
    "get_optimizer",
]

#: Entries of the parameter vector updated together (512 KiB of float64).
BLOCK_SIZE = 65536


def _check_number(
    name: str,
    value,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is a real number
    (not a bool, not NaN) in the interval from ``low`` to ``high``."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high
        )
    if not ok:
        if high == math.inf:
            where = f"{'>' if low_open else '>='} {low:g}"
        else:
            where = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a real number {where}; got {value!r}.")


def _check_bool(name: str, value) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool; got {value!r}.")


def clip_by_value(grads: np.ndarray, clipvalue: float) -> None:
    r"""Clip every entry of ``grads`` to :math:`[-c, c]`, in place.

    .. math:: g_i \leftarrow \min(\max(g_i, -c), c)

    Keras' ``clipvalue`` and PyTorch's ``clip_grad_value_``.

    Parameters
    ----------
    grads : ndarray of shape (n_params,)
        Rewritten in place.
    clipvalue : float > 0
        :math:`c`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.optim.optimizers import clip_by_value
    >>> g = np.array([3.0, -0.5, -4.0])
    >>> clip_by_value(g, 1.0)
    >>> g
    array([ 1. , -0.5, -1. ])
    """
    np.clip(grads, -clipvalue, clipvalue, out=grads)


def clip_by_global_norm(grads: np.ndarray, clipnorm: float) -> float:
    r"""Scale ``grads`` down, in place, to an L2 norm of at most ``clipnorm``.

    .. math::
        g \leftarrow g \cdot \frac{c}{\max(\lVert g \rVert_2,\ c)}

    where :math:`\lVert g \rVert_2` is the norm of the whole gradient vector
    (every layer's kernels and biases together): the direction is kept, only a
    step that is too long is shortened. This is Keras' ``global_clipnorm`` and
    PyTorch's ``clip_grad_norm_`` over all parameters (Keras' per-variable
    ``clipnorm`` is not offered: here there is one vector).

    Parameters
    ----------
    grads : ndarray of shape (n_params,)
        Rewritten in place.
    clipnorm : float > 0
        :math:`c`.

    Returns
    -------
    norm : float
        The norm before clipping.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.optim.optimizers import clip_by_global_norm
    >>> g = np.array([3.0, 4.0])
    >>> clip_by_global_norm(g, 1.0)  # the norm was 5
    5.0
    >>> g
    array([0.6, 0.8])
    """
    norm = math.sqrt(float(np.dot(grads, grads)))
    if norm > clipnorm:
        grads *= clipnorm / norm
    return norm


class Optimizer(abc.ABC):
    r"""Abstract optimizer: ``update(params, grads)`` changes ``params`` in place.

    A subclass names its constructor arguments besides ``learning_rate``,
    ``clipnorm`` and ``clipvalue`` in ``config_names`` (for :meth:`get_config`)
    and its state arrays in ``state_names`` (each shaped like the parameter
    vector, created by :meth:`build` on the first step), and implements
    ``_step(params, grads, scratch, *state)`` for one block of entries, with the
    state arrays' matching blocks. If the class sets ``elementwise = True`` (its
    rule treats every entry on its own, as all the rules here do), the vector is
    walked in blocks of :data:`BLOCK_SIZE` entries; otherwise ``_step`` sees the
    whole vector. A scalar that changes once per step (Nadam's momentum
    product) is updated in ``_begin_step``, called once before the blocks.

    ``get_config()`` holds the constructor arguments only, so
    ``type(opt)(**opt.get_config())`` is a fresh optimizer with the same
    settings; the state (``iterations`` and the arrays) is not configuration.

    Parameters
    ----------
    learning_rate : float
        Step size :math:`\eta` (>= 0); a plain attribute that a schedule may
        change between steps.
    clipnorm : float, default=None
        If set (> 0), the gradient vector is scaled down to a global L2 norm of
        at most ``clipnorm`` before each step (:func:`clip_by_global_norm`:
        Keras' ``global_clipnorm``, PyTorch's ``clip_grad_norm_``).
    clipvalue : float, default=None
        If set (> 0), each gradient entry is clipped to
        ``[-clipvalue, clipvalue]`` before each step (:func:`clip_by_value`).
        With both set, the entries are clipped first, then the norm, so both
        bounds hold. Clipping rewrites ``grads`` in place (the model recomputes
        its gradient for every step); with both ``None`` it costs nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import SGD
    >>> params, grads = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    >>> SGD(learning_rate=0.1).update(params, grads)  # params -= 0.1 * grads
    >>> params
    array([ 0.95, -2.05])
    >>> type(SGD())(**SGD(0.1).get_config()).learning_rate
    0.1
    >>> grads = np.array([30.0, 40.0])
    >>> SGD(learning_rate=1.0, clipnorm=1.0).update(params, grads)  # |g| 50 -> 1
    >>> params
    array([ 0.35, -2.85])
    """

    name = "optimizer"
    #: Whether the update rule is elementwise, so that it may run block by block.
    elementwise = False
    #: Names of the state arrays shaped like the parameter vector.
    state_names: tuple[str, ...] = ()
    #: Constructor arguments other than learning_rate, clipnorm and clipvalue.
    config_names: tuple[str, ...] = ()
    #: No clipping: the defaults of optimizers pickled before clipping existed.
    clipnorm: float | None = None
    clipvalue: float | None = None

    def __init__(
        self,
        learning_rate: float,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
    ):
        _check_number("learning_rate", learning_rate, 0)
        for key, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue)):
            if value is not None:
                _check_number(key, value, 0, low_open=True)
        self.learning_rate = learning_rate
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.iterations = 0
        for key in self.state_names:
            setattr(self, key, None)

    def build(self, params: np.ndarray) -> None:
        """Create the state arrays (zeros) for a parameter vector like ``params``:
        those missing or shaped for another vector (all of them at first)."""
        for key in self.state_names:
            state = getattr(self, key, None)
            if state is None or state.shape != params.shape:
                setattr(self, key, np.zeros_like(params))

    def _begin_step(self) -> None:
        """Once per step, after ``iterations`` is incremented, before the blocks."""

    @abc.abstractmethod
    def _step(
        self, params: np.ndarray, grads: np.ndarray, scratch: np.ndarray, *state
    ) -> None:
        """Update one block of ``params`` in place from ``grads`` (and the
        ``state`` arrays' blocks, in ``state_names`` order); ``scratch`` is work
        space shaped like ``params``. ``self.iterations`` is the step number."""

    def update(
        self, params: np.ndarray, grads: np.ndarray, scratch: np.ndarray | None = None
    ) -> None:
        """Apply one step to ``params`` (in place) given ``grads``.

        With ``clipvalue`` or ``clipnorm`` set, ``grads`` is clipped in place
        first.

        Parameters
        ----------
        params, grads : ndarray of shape (n_params,)
        scratch : ndarray of shape (n_params,), default=None
            Work space (the model passes one it keeps, so no array is allocated).
        """
        if self.clipvalue is not None:
            clip_by_value(grads, self.clipvalue)
        if self.clipnorm is not None:
            clip_by_global_norm(grads, self.clipnorm)
        state = [getattr(self, key, None) for key in self.state_names]
        if any(s is None or s.shape != params.shape for s in state):
            self.build(params)
            state = [getattr(self, key) for key in self.state_names]
        if scratch is None or scratch.shape != params.shape:
            scratch = np.empty_like(params)
        self.iterations += 1
        self._begin_step()
        n = params.shape[0]
        size = BLOCK_SIZE if self.elementwise else max(n, 1)
        for start in range(0, n, size):
            block = slice(start, start + size)
            self._step(
                params[block], grads[block], scratch[block], *(s[block] for s in state)
            )

    def get_config(self) -> dict:
        """Constructor arguments (as in Keras): no state."""
        return {
            "learning_rate": self.learning_rate,
            **{key: getattr(self, key) for key in self.config_names},
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
        }

    def __repr__(self) -> str:
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg})"


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
        _check_number("momentum", momentum, 0, 1)
        _check_bool("nesterov", nesterov)
        self.momentum = momentum
        self.nesterov = nesterov

    def _step(self, params, grads, scratch, v):
        lr, mu = self.learning_rate, self.momentum
        if mu == 0:
            np.multiply(grads, lr, out=scratch)
            params -= scratch  # theta -= lr g
            return
        v *= mu
        np.multiply(grads, lr, out=scratch)
        v -= scratch  # v = mu v - lr g
        if self.nesterov:  # theta += mu v - lr g
            params -= scratch
            np.multiply(v, mu, out=scratch)
            params += scratch
        else:
            params += v


def _check_adam_args(beta_1, beta_2, epsilon) -> None:
    _check_number("beta_1", beta_1, 0, 1, high_open=True)
    _check_number("beta_2", beta_2, 0, 1, high_open=True)
    _check_number("epsilon", epsilon, 0, low_open=True)


def _update_moments(grads, tmp, m, v, b1, b2) -> None:
    """Adam's moments, in place: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2."""
    m *= b1
    np.multiply(grads, 1 - b1, out=tmp)
    m += tmp
    v *= b2
    np.multiply(grads, grads, out=tmp)
    tmp *= 1 - b2
    v += tmp


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
        _update_moments(grads, tmp, m, v, b1, b2)
        lr_t = self.learning_rate * np.sqrt(1 - b2**t) / (1 - b1**t)
        # theta -= lr_t * m / (sqrt(v) + eps)
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= lr_t
        params -= tmp


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
        _check_number("weight_decay", weight_decay, 0)
        self.weight_decay = weight_decay

    def _step(self, params, grads, tmp, m, v):
        if self.weight_decay:
            params *= 1 - self.learning_rate * self.weight_decay  # theta -= lr wd theta
        super()._step(params, grads, tmp, m, v)


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
        _check_number("rho", rho, 0, 1, high_open=True)
        _check_number("momentum", momentum, 0, 1)
        _check_number("epsilon", epsilon, 0, low_open=True)
        _check_bool("centered", centered)
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
        # s = rho s + (1 - rho) g^2
        square_avg *= rho
        np.multiply(grads, grads, out=tmp)
        tmp *= 1 - rho
        square_avg += tmp
        if avg is not None:
            # g_bar = rho g_bar + (1 - rho) g; tmp = s - g_bar^2 + eps
            avg *= rho
            np.multiply(grads, 1 - rho, out=tmp)
            avg += tmp
            np.multiply(avg, avg, out=tmp)
            np.subtract(square_avg, tmp, out=tmp)
            # s >= g_bar^2 (Cauchy-Schwarz), but s - g_bar^2 can round below 0
            # once s is large (> ~1e9, where its rounding exceeds eps): clamp it
            np.maximum(tmp, 0, out=tmp)
            tmp += self.epsilon
        else:
            np.add(square_avg, self.epsilon, out=tmp)  # tmp = s + eps
        # Delta = lr g / sqrt(tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(grads, tmp, out=tmp)
        tmp *= self.learning_rate
        if buf is not None:
            buf *= self.momentum
            buf += tmp  # b = mu b + Delta
            params -= buf
        else:
            params -= tmp


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
        _update_moments(grads, tmp, m, v, b1, b2)
        # m_hat = mu_{t+1} m / (1 - Pi_{t+1}) + (1 - mu_t) g / (1 - Pi_t): the one
        # block-sized array a step allocates (m_hat and the denominator both live)
        m_hat = np.multiply(m, mu_next / (1 - prod_next))
        np.multiply(grads, (1 - mu_t) / (1 - prod_t), out=tmp)
        m_hat += tmp
        # theta -= lr m_hat / (sqrt(v / (1 - b2^t)) + eps)
        np.divide(v, 1 - b2**t, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        np.divide(m_hat, tmp, out=tmp)
        tmp *= self.learning_rate
        params -= tmp


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
    "nadam": Nadam,
}


def get_optimizer(optimizer: str | Optimizer) -> Optimizer:
    """Return an optimizer instance from a registered name or an instance.

    Parameters
    ----------
    optimizer : {'sgd', 'adam', 'adamw', 'rmsprop', 'nadam'} or Optimizer
        A name from :data:`OPTIMIZERS` (the class with its defaults), or an
        instance, returned as it is.

    Returns
    -------
    optimizer : Optimizer

    Examples
    --------
    >>> from sknetscratch.optim.optimizers import get_optimizer
    >>> get_optimizer("rmsprop")  # doctest: +NORMALIZE_WHITESPACE
    RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07,
            centered=False, clipnorm=None, clipvalue=None)
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    try:
        return OPTIMIZERS[optimizer]()
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown optimizer {optimizer!r}. Expected one of {sorted(OPTIMIZERS)} "
            "or an Optimizer instance."
        ) from None
