"""sknetscratch: a from-scratch NumPy neural network that is a scikit-learn citizen.

The core (NumPy only): :mod:`.activations`, :mod:`.initializers`, :mod:`.layers`,
:mod:`.losses`, :mod:`.optimizers`, :mod:`.callbacks`, :mod:`.model`,
:mod:`.gradcheck`. The scikit-learn estimators (:mod:`.classifier`, :mod:`.regressor`, sharing
:mod:`._base`) sit above it.
"""

from ._dask import partial_fit_blocks
from .activations import ACTIVATIONS, ActivationFunction, get_activation
from .callbacks import Callback, History
from .classifier import ScratchMLPClassifier
from .gradcheck import check_gradients
from .layers import DenseBlock, Dropout, Layer
from .losses import LOSSES, Loss, get_loss
from .model import Model, TrainingDivergedError
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
    "save",
]
