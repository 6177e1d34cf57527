"""Optimizers and learning-rate schedules (NumPy only; nothing from :mod:`..nn`).

An optimizer updates one flat parameter vector from one flat gradient vector;
a schedule maps an epoch to a learning rate.

Modules: :mod:`.base` (:class:`Optimizer`, its blocked step and
``BLOCK_SIZE``), :mod:`.clipping` (gradient clipping), :mod:`.sgd`,
:mod:`.adam` (``Adam``, ``AdamW``, ``Nadam``), :mod:`.rmsprop`,
:mod:`.registry` (:data:`OPTIMIZERS`, :func:`get_optimizer`), :mod:`.checks`
(argument checks shared with the schedules) and :mod:`.schedules`.
"""

from .adam import Adam, AdamW, Nadam
from .base import Optimizer
from .clipping import clip_by_global_norm, clip_by_value
from .registry import OPTIMIZERS, get_optimizer
from .rmsprop import RMSprop
from .schedules import (
    SCHEDULES,
    ConstantSchedule,
    CosineDecay,
    ExponentialDecay,
    LearningRateSchedule,
    StepDecay,
    get_schedule,
)
from .sgd import SGD

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "SGD",
    "Adam",
    "AdamW",
    "ConstantSchedule",
    "CosineDecay",
    "ExponentialDecay",
    "LearningRateSchedule",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "StepDecay",
    "clip_by_global_norm",
    "clip_by_value",
    "get_optimizer",
    "get_schedule",
]
