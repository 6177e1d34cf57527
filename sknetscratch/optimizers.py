r"""Optimizers that update one flat parameter vector in place.

The model keeps all weights in one contiguous vector :math:`\theta` (each
layer's ``W`` and ``b`` are views into it) and all gradients in another
:math:`g`, so an optimizer step is a handful of vector operations. Optimizer
state (velocities, moments, step count) is plain arrays and numbers: it pickles
and can be saved with :mod:`numpy` alone.

The learning rate is a plain attribute ``learning_rate``; a schedule changes it
between steps or epochs (the estimators' 'invscaling' and 'adaptive' rates do so
from a callback, see ``sknetscratch._base``).

A step walks the vector in blocks of :data:`BLOCK_SIZE` entries. Every update
rule here is elementwise, so the blocks give exactly the same numbers as one
pass over the whole vector; but a block of the weights, the gradient and the
optimizer state stays in the CPU cache through the dozen passes of an Adam step,
instead of streaming the whole vectors from memory a dozen times (on a network
of 535k weights the float64 step is 1.4-1.5x faster: benchmarks/bench_kernels.py).
"""

from __future__ import annotations

import abc

import numpy as np

__all__ = ["BLOCK_SIZE", "OPTIMIZERS", "SGD", "Adam", "Optimizer", "get_optimizer"]

#: Entries of the parameter vector updated together (512 KiB of float64).
BLOCK_SIZE = 65536


def add_l2_gradient(params, grads, scratch, l2: float, n: int) -> None:
    """``grads[:n] += l2 * params[:n]`` through ``scratch`` (no new array)."""
    if l2 and n > 0:
        np.multiply(params[:n], l2, out=scratch[:n])
        grads[:n] += scratch[:n]


class Optimizer(abc.ABC):
    """Abstract optimizer: ``update(params, grads)`` changes ``params`` in place.

    A subclass implements ``_step(block, params, grads, scratch)``. It is called
    once per block of :data:`BLOCK_SIZE` entries if the class sets
    ``elementwise = True`` (its rule treats every entry on its own, as SGD and
    Adam do), and once on the whole vector otherwise (a global gradient-norm
    clip, say).
    """

    name = "optimizer"
    #: Whether the update rule is elementwise, so that it may run block by block.
    elementwise = False

    def __init__(self, learning_rate: float):
        self.learning_rate = learning_rate
        self.iterations = 0

    def build(self, params: np.ndarray) -> None:
        """Allocate state for a parameter vector like ``params``."""

    @abc.abstractmethod
    def _step(
        self, block: slice, params: np.ndarray, grads: np.ndarray, scratch: np.ndarray
    ) -> None:
        """Update one block in place: ``params`` and ``grads`` are the ``block``
        slices of the whole vectors (slice the state arrays with it too);
        ``scratch`` is work space shaped like ``params``."""

    def update(
        self,
        params: np.ndarray,
        grads: np.ndarray,
        scratch: np.ndarray | None = None,
        *,
        l2: float = 0.0,
        n_l2: int = 0,
    ) -> None:
        """Apply one step to ``params`` (in place) given ``grads``.

        Parameters
        ----------
        params, grads : ndarray of shape (n_params,)
        scratch : ndarray of shape (n_params,), default=None
            Work space (the model passes one it keeps, so no array is allocated).
        l2, n_l2 : float and int, default=0
            Add the L2 penalty's gradient ``grads[:n_l2] += l2 * params[:n_l2]``
            first (the model's kernels lead the vector). It is added block by
            block, while the block is in cache for the step; ``grads`` holds the
            full gradient afterwards, as if it had been added beforehand.
        """
        if not self._is_built(params):
            self.build(params)
        if scratch is None or scratch.shape != params.shape:
            scratch = np.empty_like(params)
        self.iterations += 1
        n = params.shape[0]
        size = BLOCK_SIZE if self.elementwise else max(n, 1)
        for start in range(0, n, size):
            block = slice(start, start + size)
            p, g, s = params[block], grads[block], scratch[block]
            add_l2_gradient(p, g, s, l2, n_l2 - start)  # this block's kernel entries
            self._step(block, p, g, s)

    def _is_built(self, params) -> bool:
        return True

    def get_config(self) -> dict:
        return {k: v for k, v in vars(self).items() if not isinstance(v, np.ndarray)}

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
    """

    name = "sgd"
    elementwise = True

    def __init__(
        self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False
    ):
        super().__init__(learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = None

    def build(self, params):
        self.velocity = np.zeros_like(params)

    def _is_built(self, params):
        return self.velocity is not None and self.velocity.shape == params.shape

    def _step(self, block, params, grads, scratch):
        lr, mu = self.learning_rate, self.momentum
        if mu == 0:
            np.multiply(grads, lr, out=scratch)
            params -= scratch  # theta -= lr g
            return
        v = self.velocity[block]
        v *= mu
        np.multiply(grads, lr, out=scratch)
        v -= scratch  # v = mu v - lr g
        if self.nesterov:  # theta += mu v - lr g
            params -= scratch
            np.multiply(v, mu, out=scratch)
            params += scratch
        else:
            params += v


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2014), in the bias-corrected step-size form.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2

        \eta_t = \eta \sqrt{1-\beta_2^t} / (1-\beta_1^t),\qquad
        \theta \leftarrow \theta - \eta_t\, m / (\sqrt{v} + \epsilon)

    the same arithmetic as scikit-learn's ``AdamOptimizer``.
    """

    name = "adam"
    elementwise = True

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ):
        super().__init__(learning_rate)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.m = None
        self.v = None

    def build(self, params):
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)

    def _is_built(self, params):
        return self.m is not None and self.m.shape == params.shape

    def _step(self, block, params, grads, tmp):
        b1, b2, t = self.beta_1, self.beta_2, self.iterations
        m, v = self.m[block], self.v[block]
        # m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, in place
        m *= b1
        np.multiply(grads, 1 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(grads, grads, out=tmp)
        tmp *= 1 - b2
        v += tmp
        lr_t = self.learning_rate * np.sqrt(1 - b2**t) / (1 - b1**t)
        # theta -= lr_t * m / (sqrt(v) + eps)
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= lr_t
        params -= tmp


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam}


def get_optimizer(optimizer: str | Optimizer) -> Optimizer:
    """Return an optimizer instance from a registered name or an instance."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    try:
        return OPTIMIZERS[optimizer]()
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown optimizer {optimizer!r}. Expected one of {sorted(OPTIMIZERS)} "
            "or an Optimizer instance."
        ) from None
