"""sknetscratch: a from-scratch NumPy neural network that is a scikit-learn citizen.

The package is layered; each sub-package imports only its own layer and lower
ones (``tests/test_import_graph.py``):

* the core, NumPy only: :mod:`.nn` (activations, initializers, layers, losses,
  penalties, the flat parameters, the training workspace, ``Network``) and
  :mod:`.optim` (optimizers and learning-rate schedules), then
  :mod:`.training` (``Model``, the training loop, metrics, callbacks, the
  gradient check);
* :mod:`.estimators`: ``ScratchMLPClassifier`` and ``ScratchMLPRegressor``
  (scikit-learn), ``adopt_model`` (a core ``Model`` as a fitted estimator) and
  ``partial_fit_blocks`` for Dask arrays and memory maps;
* :mod:`.io`: safe files (``save``, ``load``), ONNX export (``to_onnx``, with
  the ``[onnx]`` extra), the file-writing ``ModelCheckpoint``, models brought
  in (``from_sklearn``, ``from_onnx``, ``from_keras``);
* :mod:`.cli`: the ``sknetscratch`` command;
* :mod:`.backend`, which every layer may import: the array namespace the
  core computes with (NumPy itself, or the Array API namespace of PyTorch,
  CuPy, ... arrays through ``array_api_compat``, imported only for them).

Names above the core are imported on first use (PEP 562), so ``import
sknetscratch`` loads the core only and works without scikit-learn installed.
Module names of versions before this layout still import, for old pickles
(:mod:`._legacy`).
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
    "adopt_model": ".estimators",
    "ModelCheckpoint": ".io.checkpoint",
    "from_keras": ".io.importers",
    "from_onnx": ".io.importers",
    "from_sklearn": ".io.importers",
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
    "adopt_model",
    "check_gradients",
    "from_keras",
    "from_onnx",
    "from_sklearn",
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
