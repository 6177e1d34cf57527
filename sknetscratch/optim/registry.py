"""The optimizers by name: :data:`OPTIMIZERS` and :func:`get_optimizer`."""

from __future__ import annotations

from .adam import Adam, AdamW, Nadam
from .base import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["OPTIMIZERS", "get_optimizer"]

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
    >>> from sknetscratch.optim import get_optimizer
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
