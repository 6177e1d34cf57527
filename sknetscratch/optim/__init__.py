"""Optimizers and learning-rate schedules (NumPy only; nothing from :mod:`..nn`).

An optimizer updates one flat parameter vector from one flat gradient vector;
a schedule maps an epoch to a learning rate.
"""

from .optimizers import (
    OPTIMIZERS,
    SGD,
    Adam,
    AdamW,
    Nadam,
    Optimizer,
    RMSprop,
    clip_by_global_norm,
    clip_by_value,
    get_optimizer,
)
from .schedules import (
    SCHEDULES,
    ConstantSchedule,
    CosineDecay,
    ExponentialDecay,
    LearningRateSchedule,
    StepDecay,
    get_schedule,
)

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
