"""sknetscratch: a from-scratch NumPy neural network that is a scikit-learn citizen.

The core (NumPy only): :mod:`.activations`, :mod:`.initializers`, :mod:`.layers`,
:mod:`.losses`, :mod:`.optimizers`, :mod:`.callbacks`, :mod:`.model`,
:mod:`.gradcheck`. The scikit-learn estimators (:mod:`.classifier`, :mod:`.regressor`, sharing
:mod:`._base`) sit above it. :mod:`.onnx_export` (``to_onnx``) needs the ``[onnx]``
extra, imported only when it runs. :func:`partial_fit_blocks` streams the row
blocks of a Dask array or memory map through ``partial_fit``.
"""

from ._dask import partial_fit_blocks
from .activations import ACTIVATIONS, ActivationFunction, get_activation
from .callbacks import Callback, History
from .classifier import ScratchMLPClassifier
from .gradcheck import check_gradients
from .layers import DenseBlock, Dropout, Layer
from .losses import LOSSES, Loss, get_loss
from .model import Model, TrainingDivergedError
from .onnx_export import register_onnx_converters, to_onnx
from .optimizers import SGD, Adam, Optimizer
from .persistence import load, save
from .regressor import ScratchMLPRegressor

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "SGD",
    "ActivationFunction",
    "Adam",
    "Callback",
    "DenseBlock",
    "Dropout",
    "History",
    "Layer",
    "Loss",
    "Model",
    "Optimizer",
    "ScratchMLPClassifier",
    "ScratchMLPRegressor",
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
