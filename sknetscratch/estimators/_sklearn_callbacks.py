"""scikit-learn 1.9's own callbacks (``est.set_callbacks(...)``, :mod:`sklearn.callback`)
on the core's training loop.

A fit is scikit-learn's root task (begun and ended by the estimator around any
solver); with a stochastic solver each epoch is one of its subtasks, begun and
ended by this callback, and a scikit-learn callback that asks to stop ends
training after the epoch. The estimator creates it only when callbacks are set
(directly, or propagated by a Pipeline or a search), so that a fit without
them does no work for them.
"""

from __future__ import annotations

import copy

from ..training.callbacks import Callback
from ._views import weight_lists


class SklearnCallbacks(Callback):
    """Parameters
    ----------
    estimator : the estimator being fitted
    context : sklearn.callback CallbackContext
        Its root context (``estimator._init_callback_context(...)``).
    X, y, metadata
        The training data as scikit-learn's callbacks receive it (labels as
        given, ``{"sample_weight": ...}`` or None).
    """

    def __init__(self, estimator, context, X, y, metadata):
        super().__init__()
        self.estimator, self.context = estimator, context
        self.X, self.y, self.metadata = X, y, metadata
        self.task = None

    def _data(self) -> dict:
        return {
            "estimator": self.estimator,
            "X": self.X,
            "y": self.y,
            "metadata": self.metadata,
        }

    @staticmethod
    def _fitted(model) -> dict:
        """What makes a copy of the estimator predict as the network does now."""
        model = copy.deepcopy(model)
        coefs, intercepts = weight_lists(model)
        return {"model_": model, "coefs_": coefs, "intercepts_": intercepts}

    def begin(self) -> None:
        """The fit's root task begins."""
        self.context.call_on_fit_task_begin(**self._data())

    def end(self, model) -> None:
        """The fit's root task ends, with the network as trained."""
        self.context.call_on_fit_task_end(
            **self._data(), reconstruction_attributes=lambda: self._fitted(model)
        )

    def on_epoch_begin(self, epoch, logs=None):
        self.task = self.context.subcontext(task_name="epoch")
        self.task.call_on_fit_task_begin(**self._data())

    def on_epoch_end(self, epoch, logs=None):
        model = self.model
        stop = self.task.call_on_fit_task_end(
            **self._data(), reconstruction_attributes=lambda: self._fitted(model)
        )
        if stop:  # a scikit-learn callback asked to stop
            model.stop_training = True
