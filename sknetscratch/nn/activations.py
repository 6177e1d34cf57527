r"""Activation functions: the forward value :math:`a = f(z)` and its derivative.

Every activation is a small class whose two formulas stand side by side:

* ``forward(z, out=None)`` returns :math:`a = f(z)` (into ``out`` if given, as
  NumPy's ufuncs do);
* ``derivative(z, a)`` returns :math:`f'(z)` elementwise, given the
  pre-activation ``z`` and the output ``a = f(z)``.

``backward(z, a, grad, out=None)`` is the chain rule through the activation,
:math:`\delta = g \odot f'(z)`; Softmax, whose Jacobian is not diagonal,
overrides it with the Jacobian-vector product.

**The "derivative from the output" contract.** An activation whose derivative
can be computed from :math:`a` alone (ReLU: :math:`[z > 0] = [a > 0]`; tanh:
:math:`1 - a^2`; sigmoid: :math:`a(1 - a)`) declares
``derivative_from_output = True``. A layer may then write ``a`` over ``z`` and
keep one array instead of two, and it calls ``derivative`` and ``backward``
with ``z=None``. So a subclass that sets the flag while its derivative reads
``z`` fails loudly (NumPy cannot compute with None) instead of silently
differentiating at the wrong point.

All arrays are samples-first, ``(n_samples, n_units)``. The registry
:data:`ACTIVATIONS` maps names (Keras' and scikit-learn's) to classes.
"""

from __future__ import annotations

import abc

import numpy as np

from ..backend import astype, binary, namespace, unary, xsum
from .functions import (
    float_dtype,
    safe_exp,
    sigmoid,
    softmax,
    write_into,
    zeros_like_scalar,
)

__all__ = [
    "ACTIVATIONS",
    "ActivationFunction",
    "ELU",
    "Exp",
    "GELU",
    "LeakyReLU",
    "Linear",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "get_activation",
]


class ActivationFunction(abc.ABC):
    """Abstract base of all activations: a forward value and its derivative.

    A subclass implements :meth:`forward` and :meth:`derivative`; its
    constructor arguments (a LeakyReLU's ``negative_slope``, say) are its
    attributes, so that ``type(act)(**act.get_config())`` rebuilds it.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import ActivationFunction
    >>> class Square(ActivationFunction):
    ...     name = "square"
    ...
    ...     def forward(self, z, out=None):
    ...         return np.multiply(z, z, out=out)
    ...
    ...     def derivative(self, z, a):
    ...         return 2 * z
    >>> Square().forward(np.array([3.0]))
    array([9.])
    """

    #: Name used in the registry and in ``repr``/``summary``.
    name: str = "activation"
    #: The contract: True if ``derivative(z, a)`` and ``backward(z, a, grad)``
    #: read ``a`` only. Layers then overwrite ``z`` with ``a`` and pass ``z=None``.
    derivative_from_output: bool = False

    @abc.abstractmethod
    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return ``f(z)``, written into ``out`` if given (``out`` may be ``z``)."""

    @abc.abstractmethod
    def derivative(self, z: np.ndarray | None, a: np.ndarray) -> np.ndarray:
        """Return ``f'(z)`` elementwise, given ``z`` and ``a = f(z)``."""

    def backward(
        self,
        z: np.ndarray | None,
        a: np.ndarray,
        grad: np.ndarray,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        r"""Chain rule through the activation: :math:`\delta = g \odot f'(z)`."""
        return binary(
            namespace(grad), np.multiply, grad, self.derivative(z, a), out=out
        )

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(z)

    def get_config(self) -> dict:
        """Constructor arguments: ``type(self)(**self.get_config())`` is a copy."""
        return dict(vars(self))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(vars(self).items()))))


class Linear(ActivationFunction):
    r"""Identity: :math:`f(z) = z`, :math:`f'(z) = 1`.

    (The original post returned ``x`` as the derivative; it is ones.)
    """

    name = "linear"
    derivative_from_output = True

    def forward(self, z, out=None):
        if out is None or out is z or not isinstance(out, np.ndarray):
            return z
        np.copyto(out, z)
        return out

    def derivative(self, z, a):
        return namespace(a).ones_like(a)

    def backward(self, z, a, grad, out=None):
        return self.forward(grad, out)  # grad * 1, without the multiplication


class ReLU(ActivationFunction):
    r""":math:`f(z) = \max(z, 0)`, :math:`f'(z) = [z > 0] = [a > 0]`."""

    name = "relu"
    derivative_from_output = True

    def forward(self, z, out=None):
        return binary(namespace(z), np.maximum, z, 0, out=out)

    def derivative(self, z, a):
        xp = namespace(a)
        return astype(xp, a > 0, float_dtype(a), copy=True)

    def backward(self, z, a, grad, out=None):
        xp = namespace(grad)
        if xp is np:  # delta = g * [a > 0]
            return np.multiply(grad, a > 0, out=out)
        return grad * astype(xp, a > 0, grad.dtype)  # (no bool * float there)


class LeakyReLU(ActivationFunction):
    r""":math:`f(z) = z` if :math:`z > 0` else :math:`s z`;
    :math:`f'(z) = 1` or :math:`s`, with :math:`s` = ``negative_slope``."""

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01):
        self.negative_slope = negative_slope

    def forward(self, z, out=None):
        xp = namespace(z)
        a = astype(xp, xp.where(z > 0, z, self.negative_slope * z), float_dtype(z))
        return write_into(a, out)

    def derivative(self, z, a):
        xp = namespace(z)
        one = 1.0 if xp is np else xp.ones_like(z)
        d = xp.where(z > 0, one, self.negative_slope)
        return astype(xp, d, float_dtype(z), copy=True)


class ELU(ActivationFunction):
    r""":math:`f(z) = z` if :math:`z > 0` else :math:`\alpha (e^z - 1)`;
    :math:`f'(z) = 1` or :math:`f(z) + \alpha`."""

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def forward(self, z, out=None):
        # expm1 of min(z, 0): no overflow for large positive z
        xp = namespace(z)
        a = xp.where(z > 0, z, self.alpha * xp.expm1(xp.minimum(z, 0)))
        return write_into(astype(xp, a, float_dtype(z)), out)

    def derivative(self, z, a):
        xp = namespace(z)
        d = xp.where(z > 0, 1.0, a + self.alpha)
        return astype(xp, d, float_dtype(z), copy=True)


class Sigmoid(ActivationFunction):
    r"""Logistic: :math:`\sigma(z) = 1/(1+e^{-z})`, :math:`\sigma' = a(1-a)`.

    Stable for any finite input (no overflow warning).
    """

    name = "sigmoid"
    derivative_from_output = True

    def forward(self, z, out=None):
        return write_into(sigmoid(z), out)

    def derivative(self, z, a):
        return a * (1 - a)


class Tanh(ActivationFunction):
    r""":math:`f(z) = \tanh z`, :math:`f'(z) = 1 - \tanh^2 z = 1 - a^2`."""

    name = "tanh"
    derivative_from_output = True

    def forward(self, z, out=None):
        return unary(namespace(z), np.tanh, z, out=out)

    def derivative(self, z, a):
        return 1 - a * a


class Softplus(ActivationFunction):
    r""":math:`f(z) = \log(1 + e^z)`, :math:`f'(z) = \sigma(z)`."""

    name = "softplus"

    def forward(self, z, out=None):
        xp = namespace(z)
        a = xp.logaddexp(zeros_like_scalar(xp, z), z)
        return write_into(astype(xp, a, float_dtype(z)), out)

    def derivative(self, z, a):
        return sigmoid(z)


class GELU(ActivationFunction):
    r"""Gaussian error linear unit, tanh form (Keras ``approximate=True``).

    .. math::
        u = c (z + 0.044715 z^3),\quad c = \sqrt{2/\pi},\qquad
        f(z) = \tfrac12 z (1 + \tanh u)

        f'(z) = \tfrac12 (1 + \tanh u) + \tfrac12 z (1 - \tanh^2 u)\, c\,(1 + 3 \cdot 0.044715 z^2)

    NumPy has no ``erf``, and the core imports NumPy only, so the exact erf form
    is not used; the derivative is exact for this form.
    """

    name = "gelu"
    _C = float(np.sqrt(2.0 / np.pi))  # Python floats keep float32 float32
    _K = 0.044715

    def _tanh_u(self, z):
        # tanh u is exactly +-1 for |z| >= 10 in float32 and float64: clipping
        # first changes nothing and keeps z**3 from overflowing.
        xp = namespace(z)
        zc = xp.clip(z, -10, 10)
        return xp.tanh(self._C * (zc + self._K * zc**3)), zc

    def forward(self, z, out=None):
        t, _ = self._tanh_u(z)
        return write_into(0.5 * z * (1 + t), out)

    def derivative(self, z, a):
        t, zc = self._tanh_u(z)
        du = self._C * (1 + 3 * self._K * zc * zc)
        return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * du


class SiLU(ActivationFunction):
    r"""SiLU / swish: :math:`f(z) = z \sigma(z)`,
    :math:`f'(z) = \sigma(z) (1 + z (1 - \sigma(z)))`."""

    name = "silu"

    def forward(self, z, out=None):
        return write_into(z * sigmoid(z), out)

    def derivative(self, z, a):
        s = sigmoid(z)
        return s * (1 + z * (1 - s))


class Exp(ActivationFunction):
    r""":math:`f(z) = e^z = f'(z)`: the inverse of the log link (Poisson output).

    ``z`` is capped at the largest float below ``log(finfo.max)`` so the value
    never overflows to inf (beyond the cap the derivative returned is still
    ``a``, not 0).
    """

    name = "exp"
    derivative_from_output = True

    def forward(self, z, out=None):
        return write_into(safe_exp(z), out)

    def derivative(self, z, a):
        return a


class Softmax(ActivationFunction):
    r"""Softmax over units: :math:`a_k = e^{z_k - m} / \sum_j e^{z_j - m}`, :math:`m = \max_j z_j`.

    Its Jacobian is :math:`\partial a_k / \partial z_j = a_k ([k=j] - a_j)`, so the
    backward step is the Jacobian-vector product
    :math:`\delta_j = a_j (g_j - \sum_k g_k a_k)`, computed without forming the
    Jacobian. Fused with categorical cross-entropy the output delta is simply
    ``a - y`` (see :mod:`sknetscratch.nn.losses`).
    """

    name = "softmax"
    derivative_from_output = True

    def forward(self, z, out=None):
        return write_into(softmax(z), out)

    def derivative(self, z, a):
        # the Jacobian's diagonal only; ``backward`` is the Jacobian-vector product
        return a * (1 - a)

    def backward(self, z, a, grad, out=None):
        xp = namespace(grad)
        s = xsum(xp, grad * a, axis=1, keepdims=True)  # sum_k g_k a_k
        out = binary(xp, np.subtract, grad, s, out=out)
        out *= a  # delta_j = a_j (g_j - sum_k g_k a_k)
        return out


#: Registry: name -> class. scikit-learn's names ('identity', 'logistic') and
#: Keras' names ('linear', 'sigmoid', 'swish') are both accepted.
ACTIVATIONS: dict[str, type[ActivationFunction]] = {
    "linear": Linear,
    "identity": Linear,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "tanh": Tanh,
    "softplus": Softplus,
    "gelu": GELU,
    "silu": SiLU,
    "swish": SiLU,
    "exp": Exp,
    "softmax": Softmax,
}


def get_activation(activation: str | ActivationFunction | None) -> ActivationFunction:
    """Return an activation instance from a name, an instance or ``None`` (linear).

    Raises
    ------
    ValueError
        If the name is not registered; the message lists the valid names.
    TypeError
        If ``activation`` is neither a string, ``None`` nor an ActivationFunction.

    Examples
    --------
    >>> from sknetscratch import get_activation
    >>> get_activation("relu").name
    'relu'
    >>> get_activation(None).name
    'linear'
    """
    if activation is None:
        return Linear()
    if isinstance(activation, ActivationFunction):
        return activation
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]()
        except KeyError:
            raise ValueError(
                f"Unknown activation {activation!r}. "
                f"Expected one of {sorted(ACTIVATIONS)} or an ActivationFunction."
            ) from None
    raise TypeError(
        "activation must be a string, None or an ActivationFunction instance; "
        f"got {type(activation).__name__}."
    )
