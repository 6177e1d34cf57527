r"""Activation functions: the forward value :math:`a = f(z)` and its derivative.

Every activation is a small class with two methods that stand side by side:

* ``forward(z)`` returns :math:`a = f(z)`;
* ``derivative(z, a)`` returns :math:`f'(z)` elementwise (it receives both the
  pre-activation ``z`` and the output ``a``, and uses whichever gives the
  simpler, more stable formula).

The backward step of a layer needs :math:`\delta = \partial L / \partial z =
(\partial L / \partial a) \odot f'(z)`; that product is ``backward(z, a, grad)``.
Softmax is the one activation whose Jacobian is not diagonal, so it overrides
``backward`` with the Jacobian-vector product instead of an elementwise product.

All arrays are samples-first, ``(n_samples, n_units)``. The registry
:data:`ACTIVATIONS` maps names (Keras' and scikit-learn's) to classes.
"""

from __future__ import annotations

import abc

import numpy as np

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


def _ftype(z: np.ndarray) -> np.dtype:
    """The floating dtype of a result: float32 stays float32, integers become float64."""
    return np.result_type(z.dtype, np.float32)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    r""":math:`\sigma(z) = 1 / (1 + e^{-z})` without overflow for any finite ``z``.

    ``exp(-|z|)`` never overflows; for ``z >= 0`` it is ``1/(1+e^{-z})`` and for
    ``z < 0`` it is ``e^{z}/(1+e^{z})``, the same value written the stable way.
    """
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(
        _ftype(z), copy=False
    )


def _safe_exp(z: np.ndarray) -> np.ndarray:
    """``exp(z)`` with ``z`` capped just below ``log(finfo.max)``: never inf."""
    dtype = z.dtype if z.dtype.kind == "f" else np.dtype(np.float64)
    cap = np.nextafter(dtype.type(np.log(np.finfo(dtype).max)), dtype.type(-np.inf))
    return np.exp(np.minimum(z, cap))


class ActivationFunction(abc.ABC):
    """Abstract base of all activations: a forward value and its derivative."""

    #: Name used in the registry and in ``repr``/``summary``.
    name: str = "activation"
    #: True when f'(z) can be computed from a = f(z) alone (ReLU: [z > 0] =
    #: [a > 0]; tanh: 1 - a^2; sigmoid: a(1 - a)): a layer may then write a
    #: over z and keep one array instead of two.
    inplace: bool = False

    @abc.abstractmethod
    def forward(self, z: np.ndarray) -> np.ndarray:
        """Return ``f(z)``."""

    @abc.abstractmethod
    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Return ``f'(z)`` elementwise, given ``z`` and ``a = f(z)``."""

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray) -> np.ndarray:
        r"""Chain rule through the activation: :math:`\delta = g \odot f'(z)`."""
        return grad * self.derivative(z, a)

    # In-place variants for the training loop (same maths, no new arrays).
    # Subclasses override them where NumPy can write into ``out`` directly.
    def forward_into(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out[...] = f(z)``; may return ``z`` itself when ``f`` is the identity."""
        out[...] = self.forward(z)
        return out

    def _forward_into_training(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """:meth:`forward_into` on the training path, where a non-finite ``z``
        ends training anyway (a subclass may use a faster form there)."""
        return self.forward_into(z, out)

    def backward_inplace(
        self, z: np.ndarray, a: np.ndarray, grad: np.ndarray
    ) -> np.ndarray:
        r"""``grad *= f'(z)`` in place: :math:`\delta = g \odot f'(z)`."""
        grad *= self.derivative(z, a)
        return grad

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(z)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
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
    inplace = True

    def forward(self, z):
        return z

    def derivative(self, z, a):
        return np.ones_like(z)

    def backward(self, z, a, grad):
        return grad  # grad * 1, without the multiplication

    def forward_into(self, z, out):
        return z

    def backward_inplace(self, z, a, grad):
        return grad


class ReLU(ActivationFunction):
    r""":math:`f(z) = \max(z, 0)`, :math:`f'(z) = [z > 0]`."""

    name = "relu"
    inplace = True

    def forward(self, z):
        return np.maximum(z, 0)

    def derivative(self, z, a):
        return (z > 0).astype(_ftype(z))

    def backward(self, z, a, grad):
        return np.where(z > 0, grad, 0).astype(grad.dtype, copy=False)

    def forward_into(self, z, out):
        return np.maximum(z, 0, out=out)

    def _forward_into_training(self, z, out):
        if z.dtype == np.float32:
            # z * [z > 0]: the same values for finite z (z = -inf gives NaN, and
            # the non-finite loss stops training); NumPy 2.4's float32 maximum
            # runs at half the speed of its float64 one (benchmarks/bench_kernels.py)
            return np.multiply(z, z > 0, out=out)
        return np.maximum(z, 0, out=out)

    def backward_inplace(self, z, a, grad):
        return np.multiply(grad, z > 0, out=grad)  # delta = g * [z > 0]


class LeakyReLU(ActivationFunction):
    r""":math:`f(z) = z` if :math:`z > 0` else :math:`\alpha z`;
    :math:`f'(z) = 1` or :math:`\alpha`."""

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01):
        self.negative_slope = negative_slope

    def forward(self, z):
        return np.where(z > 0, z, self.negative_slope * z).astype(_ftype(z), copy=False)

    def derivative(self, z, a):
        return np.where(z > 0, 1.0, self.negative_slope).astype(_ftype(z))


class ELU(ActivationFunction):
    r""":math:`f(z) = z` if :math:`z > 0` else :math:`\alpha (e^z - 1)`;
    :math:`f'(z) = 1` or :math:`f(z) + \alpha`."""

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def forward(self, z):
        # expm1 of min(z, 0): no overflow for large positive z
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0))).astype(
            _ftype(z), copy=False
        )

    def derivative(self, z, a):
        return np.where(z > 0, 1.0, a + self.alpha).astype(_ftype(z))


class Sigmoid(ActivationFunction):
    r"""Logistic: :math:`\sigma(z) = 1/(1+e^{-z})`, :math:`\sigma' = \sigma(1-\sigma)`.

    Stable for any finite input (no overflow warning).
    """

    name = "sigmoid"
    inplace = True

    def forward(self, z):
        return _sigmoid(z)

    def derivative(self, z, a):
        return a * (1 - a)


class Tanh(ActivationFunction):
    r""":math:`f(z) = \tanh z`, :math:`f'(z) = 1 - \tanh^2 z`."""

    name = "tanh"
    inplace = True

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - a * a

    def forward_into(self, z, out):
        return np.tanh(z, out=out)


class Softplus(ActivationFunction):
    r""":math:`f(z) = \log(1 + e^z)`, :math:`f'(z) = \sigma(z)`."""

    name = "softplus"

    def forward(self, z):
        return np.logaddexp(0, z).astype(_ftype(z), copy=False)

    def derivative(self, z, a):
        return _sigmoid(z)


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
        zc = np.clip(z, -10, 10)
        return np.tanh(self._C * (zc + self._K * zc**3)), zc

    def forward(self, z):
        t, _ = self._tanh_u(z)
        return 0.5 * z * (1 + t)

    def derivative(self, z, a):
        t, zc = self._tanh_u(z)
        du = self._C * (1 + 3 * self._K * zc * zc)
        return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * du


class SiLU(ActivationFunction):
    r"""SiLU / swish: :math:`f(z) = z \sigma(z)`,
    :math:`f'(z) = \sigma(z) (1 + z (1 - \sigma(z)))`."""

    name = "silu"

    def forward(self, z):
        return z * _sigmoid(z)

    def derivative(self, z, a):
        s = _sigmoid(z)
        return s * (1 + z * (1 - s))


class Exp(ActivationFunction):
    r""":math:`f(z) = e^z = f'(z)`: the inverse of the log link (Poisson output).

    ``z`` is capped just below ``log(finfo.max)`` so the value never overflows
    to inf (beyond the cap the derivative returned is still ``a``, not 0).
    """

    name = "exp"

    def forward(self, z):
        return _safe_exp(z)

    def derivative(self, z, a):
        return a


class Softmax(ActivationFunction):
    r"""Softmax over units: :math:`a_k = e^{z_k - m} / \sum_j e^{z_j - m}`, :math:`m = \max_j z_j`.

    Its Jacobian is :math:`\partial a_k / \partial z_j = a_k ([k=j] - a_j)`, so the
    backward step is the Jacobian-vector product
    :math:`\delta_j = a_j (g_j - \sum_k g_k a_k)`.
    Fused with categorical cross-entropy the output delta is simply ``a - y``
    (see :mod:`sknetscratch.losses`).
    """

    name = "softmax"

    def forward(self, z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def derivative(self, z, a):
        # Diagonal of the Jacobian only; ``backward`` uses the full Jacobian.
        return a * (1 - a)

    def backward(self, z, a, grad):
        return a * (grad - np.sum(grad * a, axis=1, keepdims=True))

    def backward_inplace(self, z, a, grad):
        s = np.sum(grad * a, axis=1, keepdims=True)
        grad -= s
        grad *= a
        return grad


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
