"""``check_random_state`` for one ``fit`` call, without reseeding from the OS.

scikit-learn's MLP takes ``check_random_state(random_state)`` afresh at every
``fit`` and ``partial_fit`` call, and so do the estimators here (the same seed
draws the same weights and the same shuffles). For an int seed that is a new
``RandomState(seed)``, and creating one first seeds a new MT19937 from the
operating system's entropy (a ``SeedSequence``) before the seed replaces that
state: about 150 us, 5% of a ``partial_fit`` epoch on breast cancer
(configuration (a) of ``benchmarks/bench_mlp.py``). ``RandomState.seed(seed)``
puts an existing generator in exactly the state ``RandomState(seed)`` starts
in, in about 2 us, so each thread keeps the generators its fits have finished
with and reseeds one for the next fit. A fit inside a fit (a callback that fits
another estimator) takes a different one; None and RandomState instances go
through ``check_random_state`` unchanged.
"""

from __future__ import annotations

import threading

import numpy as np
from sklearn.utils import check_random_state


class _KeptRandomState(np.random.RandomState):
    """A RandomState that goes back to its thread's idle list after a fit."""


class _IdleRandomStates(threading.local):
    def __init__(self) -> None:
        self.idle: list[_KeptRandomState] = []


_IDLE = _IdleRandomStates()


def take_random_state(random_state) -> np.random.RandomState:
    """``check_random_state(random_state)``; give it back with :func:`give_back`."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(
        random_state, bool
    ):
        rs = _IDLE.idle.pop() if _IDLE.idle else _KeptRandomState()
        rs.seed(random_state)  # the state RandomState(random_state) starts in
        return rs
    return check_random_state(random_state)


def give_back(rs: np.random.RandomState) -> None:
    """Return a generator from :func:`take_random_state` once the fit is over."""
    if isinstance(rs, _KeptRandomState):
        _IDLE.idle.append(rs)
