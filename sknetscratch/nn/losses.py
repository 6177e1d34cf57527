r"""Losses, each fused with the output activation it is the canonical pair of.

A loss is computed from the **pre-activation** :math:`z` of the output layer
(the logits), never from probabilities, so :math:`p = 0` or :math:`1` cannot
produce :math:`\log 0`. Each loss names its ``link``: the output activation it is
fused with. For each canonical pair in the first table the output delta is the same simple expression,

.. math:: \delta^{(L)}_i = \frac{\partial L}{\partial z_i} = \frac{w_i}{\sum_j w_j} (\hat y_i - y_i),

where :math:`\hat y = f(z)` is the output activation (sigmoid, softmax, identity
or exp) and :math:`w` are the sample weights (all ones when none are given).
``docs/derivation.md`` derives each case. The value is the weighted mean over
samples of the per-sample loss, summed over output units.

=========================  ==========  =============================================
name                       link        per-sample loss :math:`\ell(y, z)`
=========================  ==========  =============================================
binary_crossentropy        sigmoid     :math:`\sum_k \log(1 + e^{z_k}) - y_k z_k`
categorical_crossentropy   softmax     :math:`\log \sum_k e^{z_k} - \sum_k y_k z_k`
squared_error              linear      :math:`\tfrac12 \sum_k (z_k - y_k)^2`
poisson                    exp         :math:`\sum_k e^{z_k} - y_k z_k + y_k \log y_k - y_k`
=========================  ==========  =============================================

The robust regression losses below are not a canonical pair: their delta is
:math:`w_i\,\psi(z_i - y_i) / \sum_j w_j` with the derivative :math:`\psi` of
the per-sample loss in the residual :math:`r = z - y` (linear output, so
:math:`\hat y = z`).

=========================  ==========  =============================================
name                       link        per-sample loss, per output unit
=========================  ==========  =============================================
absolute_error             linear      :math:`|r|`, :math:`\psi = \operatorname{sign}(r)`
huber                      linear      :math:`\tfrac12 r^2` if :math:`|r| \le \delta`,
                                       else :math:`\delta(|r| - \tfrac12\delta)`
quantile                   linear      :math:`q(y - z)` if :math:`y \ge z`, else
                                       :math:`(1 - q)(z - y)`
=========================  ==========  =============================================
"""

from __future__ import annotations

import abc
from numbers import Real

import numpy as np

from ..backend import astype, namespace, xsum
from .functions import log_softmax, safe_exp, sigmoid, softmax, zeros_like_scalar

__all__ = [
    "LOSSES",
    "AbsoluteError",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Huber",
    "Loss",
    "Poisson",
    "Quantile",
    "SquaredError",
    "get_loss",
]


def _mean(losses, sample_weight) -> float:
    """Weighted mean :math:`\\sum_i w_i \\ell_i / \\sum_i w_i` of per-sample losses."""
    xp = namespace(losses)
    if sample_weight is None:
        return float(xsum(xp, losses) / losses.shape[0])
    if xp is np:
        return float(np.dot(sample_weight, losses) / sample_weight.sum())
    return float(xp.vecdot(sample_weight, losses) / xsum(xp, sample_weight))


def _scale(delta, sample_weight):
    """``delta *= w_i / sum(w)`` row by row, in place (``1/n`` without weights)."""
    if sample_weight is None:
        delta /= delta.shape[0]
    else:
        xp = namespace(delta)
        w = sample_weight / xsum(xp, sample_weight)
        delta *= xp.reshape(astype(xp, w, delta.dtype), (-1, 1))
    return delta


class Loss(abc.ABC):
    r"""Abstract loss: a value and its gradient with respect to the output logits.

    A subclass gives the per-sample loss and the link's output; the value is
    their weighted mean and the delta :math:`w_i (\hat y_i - y_i) / \sum_j w_j`
    (override :meth:`gradient` for a loss whose delta is not that).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import Loss
    >>> class HalfSquares(Loss):
    ...     name, link = "half_squares", "linear"
    ...
    ...     def per_sample(self, y, z):
    ...         return 0.5 * ((z - y) ** 2).sum(axis=1)
    ...
    ...     def output(self, z):
    ...         return z
    >>> y, z = np.array([[1.0], [3.0]]), np.array([[2.0], [1.0]])
    >>> HalfSquares()(y, z), HalfSquares().gradient(y, z).ravel().tolist()
    (1.25, [0.5, -1.0])
    """

    name: str = "loss"
    #: Name of the output activation this loss is fused with.
    link: str = "linear"

    @abc.abstractmethod
    def per_sample(self, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Loss of each sample, shape ``(n_samples,)``."""

    @abc.abstractmethod
    def output(self, z: np.ndarray) -> np.ndarray:
        """The link's output :math:`\\hat y = f(z)`."""

    def __call__(self, y, z, sample_weight=None) -> float:
        """Weighted mean loss :math:`\\sum_i w_i \\ell_i / \\sum_i w_i`."""
        return _mean(self.per_sample(y, z), sample_weight)

    def gradient(self, y, z, sample_weight=None) -> np.ndarray:
        r""":math:`\partial L / \partial z = w_i (\hat y - y) / \sum_j w_j`."""
        return _scale(self.output(z) - y, sample_weight)

    def value_and_gradient(self, y, z, sample_weight=None) -> tuple[float, np.ndarray]:
        """``(self(y, z, sample_weight), self.gradient(y, z, sample_weight))``.

        The one method the training loop calls; a subclass may override it to
        compute both from shared intermediate arrays.
        """
        return self(y, z, sample_weight), self.gradient(y, z, sample_weight)

    def get_config(self) -> dict:
        """Constructor arguments: ``type(self)(**self.get_config())`` is a copy."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.get_config().items()))))


class BinaryCrossentropy(Loss):
    r"""Binary cross-entropy from logits, fused with a sigmoid output.

    :math:`-[y \log\sigma(z) + (1-y)\log(1-\sigma(z))] = \log(1+e^{z}) - y z`,
    computed with ``logaddexp`` so it is finite for any finite ``z``.
    Summed over output units (multilabel), averaged over samples.
    """

    name = "binary_crossentropy"
    link = "sigmoid"

    def per_sample(self, y, z):
        xp = namespace(z)
        return xsum(xp, xp.logaddexp(zeros_like_scalar(xp, z), z) - y * z, axis=1)

    def output(self, z):
        return sigmoid(z)


class CategoricalCrossentropy(Loss):
    r"""Categorical cross-entropy from logits, fused with a softmax output.

    :math:`-\sum_k y_k \log \mathrm{softmax}(z)_k = \log\sum_k e^{z_k} - \sum_k y_k z_k`
    for one-hot (or any probability-vector) targets ``y``.
    """

    name = "categorical_crossentropy"
    link = "softmax"

    def per_sample(self, y, z):
        # -sum_k y_k log softmax(z)_k
        return -xsum(namespace(z), y * log_softmax(z), axis=1)

    def output(self, z):
        return softmax(z)


class SquaredError(Loss):
    r"""Half squared error :math:`\tfrac12\sum_k (z_k - y_k)^2`, with a linear output.

    Summed over outputs, averaged over samples: its gradient is exactly
    scikit-learn's MLP output delta ``y_pred - y``.
    """

    name = "squared_error"
    link = "linear"

    def per_sample(self, y, z):
        d = z - y
        return 0.5 * xsum(namespace(z), d * d, axis=1)

    def output(self, z):
        return z


class Poisson(Loss):
    r"""Half Poisson deviance with a log link (``exp`` output), as scikit-learn's.

    With :math:`\hat y = e^{z}`:
    :math:`\ell = \sum_k \hat y_k - y_k z_k + y_k\log y_k - y_k` (with
    :math:`0 \log 0 = 0`), and :math:`\partial\ell/\partial z_k = \hat y_k - y_k`.
    """

    name = "poisson"
    link = "exp"

    def per_sample(self, y, z):
        xp = namespace(z)
        y = astype(xp, y, z.dtype)  # log of uint8 counts would be float16
        pos = y > 0
        ylogy = xp.where(pos, y * xp.log(xp.where(pos, y, 1.0)), 0.0)
        return xsum(xp, self.output(z) - y * z + ylogy - y, axis=1)

    def output(self, z):
        return safe_exp(z)


def _real(value, name: str, low: float, high: float) -> float:
    """``value`` as a float in the open interval ``(low, high)``, or a clear error."""
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not low < float(value) < high
    ):
        raise ValueError(
            f"{name} must be a real number in ({low:g}, {high:g}); got {value!r}."
        )
    return float(value)


class AbsoluteError(Loss):
    r"""Absolute error :math:`\sum_k |z_k - y_k|`, with a linear output.

    Its minimiser is the conditional median, so outliers in ``y`` pull the fit
    far less than with :class:`SquaredError`. The delta is the subgradient
    :math:`\operatorname{sign}(z - y)` (0 where :math:`z = y`), scaled by
    :math:`w_i / \sum_j w_j`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.nn.losses import AbsoluteError
    >>> AbsoluteError()(np.array([[1.0], [2.0]]), np.array([[1.5], [0.0]]))
    1.25
    """

    name = "absolute_error"
    link = "linear"

    def per_sample(self, y, z):
        xp = namespace(z)
        return xsum(xp, xp.abs(z - y), axis=1)

    def output(self, z):
        return z

    def gradient(self, y, z, sample_weight=None):
        r""":math:`w_i \operatorname{sign}(z - y) / \sum_j w_j`."""
        return _scale(namespace(z).sign(z - y), sample_weight)


class Huber(Loss):
    r"""Huber loss with threshold :math:`\delta`, with a linear output.

    Per output unit, with the residual :math:`r = z - y`,

    .. math::

        \ell(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
                 \delta\,(|r| - \tfrac12\delta) & |r| > \delta \end{cases}
        \qquad \psi(r) = \frac{\partial\ell}{\partial r}
                = \operatorname{clip}(r, -\delta, \delta),

    summed over outputs and averaged over samples: squared error for small
    residuals, absolute error (scaled by :math:`\delta`) for large ones.

    Parameters
    ----------
    delta : float, default=1.0
        The threshold :math:`\delta > 0`, in the units of ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.nn.losses import Huber
    >>> Huber(delta=1.0)(np.array([[0.0], [0.0]]), np.array([[0.5], [3.0]]))
    1.3125
    """

    name = "huber"
    link = "linear"

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = _real(delta, "delta", 0, np.inf)

    def per_sample(self, y, z):
        xp = namespace(z)
        r = xp.abs(z - y)
        small = 0.5 * r * r
        large = self.delta * (r - 0.5 * self.delta)
        return xsum(xp, xp.where(r <= self.delta, small, large), axis=1)

    def output(self, z):
        return z

    def gradient(self, y, z, sample_weight=None):
        r""":math:`w_i \operatorname{clip}(z - y, -\delta, \delta) / \sum_j w_j`."""
        xp = namespace(z)
        return _scale(xp.clip(z - y, -self.delta, self.delta), sample_weight)

    def get_config(self) -> dict:
        return {"delta": self.delta}


class Quantile(Loss):
    r"""Pinball (quantile) loss for the quantile :math:`q`, with a linear output.

    Per output unit,

    .. math::

        \ell = \begin{cases} q\,(y - z) & y \ge z \\
                (1 - q)\,(z - y) & y < z \end{cases}
        \qquad \frac{\partial\ell}{\partial z} = \begin{cases} -q & y \ge z \\
                1 - q & y < z, \end{cases}

    summed over outputs and averaged over samples. Its minimiser is the
    conditional :math:`q`-quantile of ``y``: a fit with :math:`q = 0.9` lies
    above about 90% of the targets (one side of a prediction interval);
    :math:`q = 0.5` is half the absolute error.

    Parameters
    ----------
    quantile : float, default=0.5
        The quantile :math:`q`, with :math:`0 < q < 1`.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch.nn.losses import Quantile
    >>> Quantile(quantile=0.9)(np.array([[1.0], [1.0]]), np.array([[0.0], [2.0]]))
    0.5
    """

    name = "quantile"
    link = "linear"

    def __init__(self, quantile: float = 0.5) -> None:
        self.quantile = _real(quantile, "quantile", 0, 1)

    def per_sample(self, y, z):
        q = self.quantile
        xp = namespace(z)
        return xsum(xp, xp.where(y >= z, q * (y - z), (1 - q) * (z - y)), axis=1)

    def output(self, z):
        return z

    def gradient(self, y, z, sample_weight=None):
        r""":math:`w_i\,(-q` if :math:`y \ge z` else :math:`1 - q) / \sum_j w_j`."""
        q = self.quantile
        xp = namespace(z)
        d = z - y
        lower = -q if xp is np else xp.full_like(d, -q)
        return _scale(
            astype(xp, xp.where(d <= 0, lower, 1 - q), d.dtype, copy=True),
            sample_weight,
        )

    def get_config(self) -> dict:
        return {"quantile": self.quantile}


LOSSES: dict[str, type[Loss]] = {
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "squared_error": SquaredError,  # first linear one: Model's implied loss
    "poisson": Poisson,
    "absolute_error": AbsoluteError,
    "huber": Huber,
    "quantile": Quantile,
}


def get_loss(loss: str | Loss) -> Loss:
    """Return a loss instance from a registered name or an instance.

    Examples
    --------
    >>> from sknetscratch import get_loss
    >>> get_loss("binary_crossentropy").link
    'sigmoid'
    """
    if isinstance(loss, Loss):
        return loss
    try:
        return LOSSES[loss]()
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown loss {loss!r}. Expected one of {sorted(LOSSES)} or a Loss."
        ) from None
