"""sknetscratch: a from-scratch NumPy neural network that is a scikit-learn citizen.

The core (NumPy only): :mod:`.activations`, :mod:`.initializers`, :mod:`.layers`,
:mod:`.normalization`, :mod:`.losses`, :mod:`.optimizers`, :mod:`.schedules`, :mod:`.callbacks`, :mod:`.model` (with
:mod:`._training` and :mod:`.summary`), :mod:`.gradcheck`. The scikit-learn
estimators (:mod:`.classifier`, :mod:`.regressor`, sharing :mod:`._base`) and
:mod:`.persistence` sit above it; they are imported on first use (PEP 562), so
the core imports without scikit-learn installed. :mod:`.onnx_export`
(``to_onnx``) needs the ``[onnx]`` extra, imported only when it runs.
:func:`partial_fit_blocks` (:mod:`._dask`) streams the row blocks of a Dask array
or a memory map through ``partial_fit``.
"""

import importlib

from . import _legacy
from ._version import __version__
from .nn.activations import ACTIVATIONS, ActivationFunction, get_activation
from .nn.layers import Activation, DenseBlock, Dropout, Layer
from .nn.layers.normalization import BatchNormalization, LayerNormalization
from .nn.losses import LOSSES, Loss, get_loss
from .optim import (
    SCHEDULES,
    SGD,
    Adam,
    AdamW,
    ConstantSchedule,
    CosineDecay,
    ExponentialDecay,
    LearningRateSchedule,
    Nadam,
    Optimizer,
    RMSprop,
    StepDecay,
    get_schedule,
)
from .training.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ProgbarLogger,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from .training.gradcheck import check_gradients
from .training.model import Model, TrainingDivergedError

#: Names imported on first access, from the module that needs scikit-learn.
_LAZY = {
    "ScratchMLPClassifier": ".estimators.classifier",
    "ScratchMLPRegressor": ".estimators.regressor",
    "ModelCheckpoint": ".io.checkpoint",
    "load": ".io.persistence",
    "partial_fit_blocks": ".estimators.dask",
    "save": ".io.persistence",
    "register_onnx_converters": ".io.onnx",
    "to_onnx": ".io.onnx",
}

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "SCHEDULES",
    "SGD",
    "Activation",
    "ActivationFunction",
    "Adam",
    "AdamW",
    "BatchNormalization",
    "CSVLogger",
    "Callback",
    "ConstantSchedule",
    "CosineDecay",
    "DenseBlock",
    "Dropout",
    "EarlyStopping",
    "ExponentialDecay",
    "History",
    "Layer",
    "LayerNormalization",
    "LearningRateSchedule",
    "LearningRateScheduler",
    "Loss",
    "Model",
    "ModelCheckpoint",
    "Nadam",
    "Optimizer",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "RMSprop",
    "ScratchMLPClassifier",
    "ScratchMLPRegressor",
    "StepDecay",
    "TerminateOnNaN",
    "TrainingDivergedError",
    "__version__",
    "check_gradients",
    "get_activation",
    "get_loss",
    "get_schedule",
    "load",
    "partial_fit_blocks",
    "register_onnx_converters",
    "save",
    "to_onnx",
]


_legacy.install()


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later lookups skip __getattr__
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
