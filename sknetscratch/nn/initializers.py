r"""Weight initializers.

Each initializer is a function ``init(shape, fan_in, fan_out, rng, dtype) -> ndarray``
drawing from ``rng``, a :class:`numpy.random.Generator` or a
:class:`numpy.random.RandomState` (never global state): the uniform ones call
``rng.uniform(-limit, limit, size=shape)``, which both types draw identically to
scikit-learn's MLP initialisation when given its RandomState.

=================  ==========================================================
name               distribution
=================  ==========================================================
glorot_uniform     :math:`U(-l, l)`, :math:`l = \sqrt{6 / (n_{in} + n_{out})}`
glorot_normal      :math:`N(0, \sigma^2)`, :math:`\sigma = \sqrt{2 / (n_{in} + n_{out})}`
he_uniform         :math:`U(-l, l)`, :math:`l = \sqrt{6 / n_{in}}`
he_normal          :math:`N(0, \sigma^2)`, :math:`\sigma = \sqrt{2 / n_{in}}`
lecun_uniform      :math:`U(-l, l)`, :math:`l = \sqrt{3 / n_{in}}`
lecun_normal       :math:`N(0, \sigma^2)`, :math:`\sigma = \sqrt{1 / n_{in}}`
zeros              all zeros
sklearn            scikit-learn's MLP scheme: glorot_uniform for weights *and*
                   biases (``sklearn_logistic``: factor 2 instead of 6)
=================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["INITIALIZERS", "check_rng", "get_initializer"]

RandomLike = np.random.Generator | np.random.RandomState


def check_rng(random_state: int | RandomLike | None) -> RandomLike:
    """The random number source for ``random_state``.

    None gives a fresh :class:`numpy.random.Generator`, an int a Generator
    seeded with it; a Generator or a RandomState is used as given (not
    re-seeded), so that a caller's stream of draws continues.
    """
    if isinstance(random_state, (np.random.Generator, np.random.RandomState)):
        return random_state
    if random_state is None or (
        isinstance(random_state, (int, np.integer))
        and not isinstance(random_state, bool)
    ):
        return np.random.default_rng(random_state)
    raise TypeError(
        "random_state must be None, an int, a numpy.random.Generator or a "
        f"numpy.random.RandomState; got {type(random_state).__name__}."
    )


def _uniform(limit, shape, rng, dtype):
    return rng.uniform(-limit, limit, size=shape).astype(dtype, copy=False)


def glorot_uniform(shape, fan_in, fan_out, rng, dtype=np.float64):
    return _uniform(np.sqrt(6.0 / (fan_in + fan_out)), shape, rng, dtype)


def glorot_normal(shape, fan_in, fan_out, rng, dtype=np.float64):
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return (std * rng.standard_normal(size=shape)).astype(dtype, copy=False)


def he_uniform(shape, fan_in, fan_out, rng, dtype=np.float64):
    return _uniform(np.sqrt(6.0 / fan_in), shape, rng, dtype)


def he_normal(shape, fan_in, fan_out, rng, dtype=np.float64):
    std = np.sqrt(2.0 / fan_in)
    return (std * rng.standard_normal(size=shape)).astype(dtype, copy=False)


def lecun_uniform(shape, fan_in, fan_out, rng, dtype=np.float64):
    return _uniform(np.sqrt(3.0 / fan_in), shape, rng, dtype)


def lecun_normal(shape, fan_in, fan_out, rng, dtype=np.float64):
    std = np.sqrt(1.0 / fan_in)
    return (std * rng.standard_normal(size=shape)).astype(dtype, copy=False)


def zeros(shape, fan_in, fan_out, rng, dtype=np.float64):
    return np.zeros(shape, dtype=dtype)


def sklearn_uniform(shape, fan_in, fan_out, rng, dtype=np.float64):
    """scikit-learn's ``MLP._init_coef``: U(-l, l), l = sqrt(6 / (fan_in + fan_out))."""
    return glorot_uniform(shape, fan_in, fan_out, rng, dtype)


def sklearn_logistic(shape, fan_in, fan_out, rng, dtype=np.float64):
    """scikit-learn's scheme for logistic hidden layers: l = sqrt(2 / (fan_in + fan_out))."""
    return _uniform(np.sqrt(2.0 / (fan_in + fan_out)), shape, rng, dtype)


INITIALIZERS: dict[str, Callable] = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "lecun_uniform": lecun_uniform,
    "lecun_normal": lecun_normal,
    "zeros": zeros,
    "sklearn": sklearn_uniform,
    "sklearn_logistic": sklearn_logistic,
}


def get_initializer(name: str) -> Callable:
    """Look an initializer up by name, with a clear error for unknown names."""
    try:
        return INITIALIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown initializer {name!r}. Expected one of {sorted(INITIALIZERS)}."
        ) from None
