"""sknetscratch: a from-scratch NumPy neural network that is a scikit-learn citizen.

The core (NumPy only): :mod:`.activations`, :mod:`.initializers`, :mod:`.layers`,
:mod:`.normalization`, :mod:`.losses`, :mod:`.optimizers`, :mod:`.callbacks`, :mod:`.model` (with
:mod:`._training` and :mod:`.summary`), :mod:`.gradcheck`. The scikit-learn
estimators (:mod:`.classifier`, :mod:`.regressor`, sharing :mod:`._base`) and
:mod:`.persistence` sit above it; they are imported on first use (PEP 562), so
the core imports without scikit-learn installed. :mod:`.onnx_export`
(``to_onnx``) needs the ``[onnx]`` extra, imported only when it runs.
:func:`partial_fit_blocks` (:mod:`._dask`) streams the row blocks of a Dask array
or a memory map through ``partial_fit``.
"""

import importlib

from .activations import ACTIVATIONS, ActivationFunction, get_activation
from .callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from .gradcheck import check_gradients
from .layers import Activation, DenseBlock, Dropout, Layer
from .losses import LOSSES, Loss, get_loss
from .model import Model, TrainingDivergedError
from .normalization import BatchNormalization, LayerNormalization
from .optimizers import SGD, Adam, Optimizer

#: Names imported on first access, from the module that needs scikit-learn.
_LAZY = {
    "ScratchMLPClassifier": ".classifier",
    "ScratchMLPRegressor": ".regressor",
    "load": ".persistence",
    "partial_fit_blocks": "._dask",
    "save": ".persistence",
    "register_onnx_converters": ".onnx_export",
    "to_onnx": ".onnx_export",
}

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "SGD",
    "Activation",
    "ActivationFunction",
    "Adam",
    "BatchNormalization",
    "CSVLogger",
    "Callback",
    "DenseBlock",
    "Dropout",
    "EarlyStopping",
    "History",
    "Layer",
    "LayerNormalization",
    "LearningRateScheduler",
    "Loss",
    "Model",
    "ModelCheckpoint",
    "Optimizer",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "ScratchMLPClassifier",
    "ScratchMLPRegressor",
    "TerminateOnNaN",
    "TrainingDivergedError",
    "__version__",
    "check_gradients",
    "get_activation",
    "get_loss",
    "load",
    "partial_fit_blocks",
    "register_onnx_converters",
    "save",
    "to_onnx",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later lookups skip __getattr__
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
