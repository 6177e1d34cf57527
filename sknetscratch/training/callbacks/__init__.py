"""Keras-style callbacks: objects with no-op hooks that ``Model.fit`` calls.

A callback may read ``self.model`` and stop training by setting
``self.model.stop_training = True``. ``logs`` is a dict of floats for the
current epoch: ``loss``, with validation data ``val_loss`` and ``val_<metric>``
for each compiled metric, then ``learning_rate`` (the optimizer's rate during
the epoch) and ``seconds`` (the epoch's wall time). ``self.params`` holds
``epochs``, ``steps`` (batches per epoch) and ``verbose``.

The built-in callbacks follow Keras 3 (``keras/src/callbacks/``): the same
names, arguments and rules, per epoch.
"""

from __future__ import annotations

from .base import HOOKS, Callback, History, check_callbacks
from .checkpoint import ModelCheckpoint
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping, TerminateOnNaN
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .progbar import ProgbarLogger

__all__ = [
    "HOOKS",
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
    "check_callbacks",
]
