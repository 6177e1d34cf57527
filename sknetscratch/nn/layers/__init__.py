r"""Layers: ``Layer`` (the abstract base), ``DenseBlock``, ``Dropout``,
``Activation``, ``BatchNormalization`` and ``LayerNormalization``.

Arrays are samples-first: a batch ``X`` has shape ``(n_samples, n_in)``. A
layer holds two kinds of arrays: trainable parameters ``params`` (the optimizer
updates them from ``grads``) and non-trainable ``state`` (a batch norm's moving
statistics: saved with the model, counted by ``summary``, never seen by the
optimizer). What a training forward pass keeps for the backward pass lives in
a cache owned by the running fit (:mod:`..workspace`), never in the layer, so
inference on a shared network is thread-safe.
"""

from .activation import Activation
from .base import Layer
from .dense import DenseBlock
from .dropout import Dropout
from .normalization import BatchNormalization, LayerNormalization

__all__ = [
    "Activation",
    "BatchNormalization",
    "DenseBlock",
    "Dropout",
    "Layer",
    "LayerNormalization",
]
