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
instead of streaming the whole vectors from memory a dozen times
(``benchmarks/bench_kernels.py``; docs/performance.md recorded 1.39x on the
535k-weight float64 network (c), about 5% of its epoch, and ~1.0x on smaller
ones). The L2 penalty's gradient is not the optimizer's business: the model
adds it to the kernels' gradients before the step.
"""

from __future__ import annotations

import abc

import numpy as np

__all__ = ["BLOCK_SIZE", "OPTIMIZERS", "SGD", "Adam", "Optimizer", "get_optimizer"]

#: Entries of the parameter vector updated together (512 KiB of float64).
BLOCK_SIZE = 65536


class Optimizer(abc.ABC):
    """Abstract optimizer: ``update(params, grads)`` changes ``params`` in place.

    A subclass names its state arrays in ``state_names`` (each shaped like the
    parameter vector, created by :meth:`build` on the first step) and
    implements ``_step(params, grads, scratch, *state)`` for one block of
    entries, with the state arrays' matching blocks. If the class sets
    ``elementwise = True`` (its rule treats every entry on its own, as SGD and
    Adam do), the vector is walked in blocks of :data:`BLOCK_SIZE` entries;
    otherwise (a global gradient-norm clip, say) ``_step`` sees the whole vector.

    ``get_config()`` holds the constructor arguments only, so
    ``type(opt)(**opt.get_config())`` is a fresh optimizer with the same
    settings; the state (``iterations`` and the arrays) is not configuration.

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
    """

    name = "optimizer"
    #: Whether the update rule is elementwise, so that it may run block by block.
    elementwise = False
    #: Names of the state arrays shaped like the parameter vector.
    state_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float):
        self.learning_rate = learning_rate
        self.iterations = 0
        for key in self.state_names:
            setattr(self, key, None)

    def build(self, params: np.ndarray) -> None:
        """Create the state arrays (zeros) for a parameter vector like ``params``."""
        for key in self.state_names:
            setattr(self, key, np.zeros_like(params))

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

        Parameters
        ----------
        params, grads : ndarray of shape (n_params,)
        scratch : ndarray of shape (n_params,), default=None
            Work space (the model passes one it keeps, so no array is allocated).
        """
        state = [getattr(self, key) for key in self.state_names]
        if any(s is None or s.shape != params.shape for s in state):
            self.build(params)
            state = [getattr(self, key) for key in self.state_names]
        if scratch is None or scratch.shape != params.shape:
            scratch = np.empty_like(params)
        self.iterations += 1
        n = params.shape[0]
        size = BLOCK_SIZE if self.elementwise else max(n, 1)
        for start in range(0, n, size):
            block = slice(start, start + size)
            self._step(
                params[block], grads[block], scratch[block], *(s[block] for s in state)
            )

    def get_config(self) -> dict:
        """Constructor arguments (as in Keras): no state."""
        return {"learning_rate": self.learning_rate}

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

    def __init__(
        self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False
    ):
        super().__init__(learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "nesterov": self.nesterov,
        }

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


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2014), in the bias-corrected step-size form.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2

        \eta_t = \eta \sqrt{1-\beta_2^t} / (1-\beta_1^t),\qquad
        \theta \leftarrow \theta - \eta_t\, m / (\sqrt{v} + \epsilon)

    the same arithmetic as scikit-learn's ``AdamOptimizer``.

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

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }

    def _step(self, params, grads, tmp, m, v):
        b1, b2, t = self.beta_1, self.beta_2, self.iterations
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
