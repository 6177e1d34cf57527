r"""The optimizer base class: one step updates a flat parameter vector in place.

The model keeps all weights in one contiguous vector :math:`\theta` (each
layer's ``W`` and ``b`` are views into it) and all gradients in another
:math:`g`, so an optimizer step is a handful of vector operations. Optimizer
state (velocities, moments, step count) is plain arrays and numbers: it pickles
and can be saved with :mod:`numpy` alone.

The learning rate is a plain attribute ``learning_rate``; a schedule changes it
between steps or epochs (the estimators' learning-rate rules 'invscaling' and
'adaptive', in :mod:`sknetscratch.estimators`, do so from a callback;
:mod:`sknetscratch.optim.schedules` holds per-epoch schedules).

Every optimizer can clip the gradient before its step: ``clipvalue`` clips each
entry, ``clipnorm`` rescales the whole vector to a global L2 norm of at most
``clipnorm`` (:func:`~sknetscratch.optim.clipping.clip_by_value`,
:func:`~sknetscratch.optim.clipping.clip_by_global_norm`).

A step walks the vector in blocks of :data:`BLOCK_SIZE` entries. Every update
rule in this package is elementwise, so the blocks give exactly the same numbers
as one pass over the whole vector; but a block of the weights, the gradient and the
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

import numpy as np

from ..backend import namespace
from .checks import check_number
from .clipping import clip_by_global_norm, clip_by_value

__all__ = ["BLOCK_SIZE", "Optimizer"]

#: Entries of the parameter vector updated together (512 KiB of float64).
BLOCK_SIZE = 65536


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
        # finite: an infinite rate makes the first step non-finite
        check_number("learning_rate", learning_rate, 0, math.inf, high_open=True)
        for key, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue)):
            if value is not None:
                check_number(key, value, 0, low_open=True)
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
                setattr(self, key, namespace(params).zeros_like(params))

    def _begin_step(self) -> None:
        """Once per step, after ``iterations`` is incremented, before the blocks."""

    @abc.abstractmethod
    def _step(
        self, params: np.ndarray, grads: np.ndarray, scratch: np.ndarray, *state
    ) -> None:
        """Update one block of ``params`` in place from ``grads`` (and the
        ``state`` arrays' blocks, in ``state_names`` order); ``scratch`` is work
        space shaped like ``params`` (None outside NumPy, where the formulas
        make new arrays: :func:`sknetscratch.backend.binary`).
        ``self.iterations`` is the step number."""

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
        xp = namespace(params)
        if xp is not np:  # no out= there: the step's formulas make new arrays
            self.iterations += 1
            self._begin_step()
            self._step(params, grads, None, *state)  # one pass: the whole vector
            return
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
