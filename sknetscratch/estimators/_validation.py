"""Validation data of the estimators: scikit-learn's early-stopping split, and
the callback that scores it after each epoch.

With early stopping the validation rows are scikit-learn's split of the
training data (:func:`split_validation`); an explicit ``X_val`` replaces it,
and also records the validation curves without early stopping.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import get_scorer
from sklearn.model_selection import train_test_split

from ..training.callbacks import Callback


class ValidationData:
    """Held-out rows, evaluated after each epoch.

    Parameters
    ----------
    X, Y, sample_weight : arrays
        Validated input and encoded 2-D targets (as training uses them).
    y : array
        The same targets as the user gives them (labels), for scorers.
    """

    def __init__(self, X, Y, sample_weight, y):
        self.X, self.Y, self.sample_weight, self.y = X, Y, sample_weight, y


def split_validation(X, Y, sample_weight, *, fraction, stratify, random_state):
    """scikit-learn's early-stopping split: the same ``train_test_split`` call.

    ``stratify`` (single-output classifiers) stratifies on the label indicator
    ``Y`` as booleans, as scikit-learn's is: the same split as on 0/1, and
    the same error when a class has too few members for it (its classes
    named ``'True'``/``'False'``).

    Returns ``(X, Y, sample_weight)`` of the training rows and of the
    validation rows.
    """
    arrays = [X, Y] if sample_weight is None else [X, Y, sample_weight]
    parts = train_test_split(
        *arrays,
        random_state=random_state,
        test_size=fraction,
        stratify=Y.astype(bool) if stratify else None,
    )
    X, X_val, Y, Y_val = parts[:4]
    sw, sw_val = (None, None) if sample_weight is None else parts[4:]
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    return (X, Y, sw), (X_val, Y_val, sw_val)


class ValidationScoring(Callback):
    """Score the validation data after each epoch, into the epoch's logs.

    Adds ``val_score`` (``score(model, X, Y, sample_weight)``: accuracy or R^2,
    the score of scikit-learn's early stopping), ``val_loss`` and
    ``val_<name>`` for each scikit-learn scorer in ``scorers`` (which score
    ``estimator`` as it stands, holding the network being trained). The
    callbacks after it (the stopping rule, ``History``, the user's) see them.
    A diverged network scores nan.
    """

    def __init__(self, data: ValidationData, score, scorers=(), estimator=None):
        super().__init__()
        self.data, self.score = data, score
        self.scorers, self.estimator = list(scorers), estimator

    def on_epoch_end(self, epoch, logs=None):
        d = self.data
        with np.errstate(all="ignore"):  # diverging weights give NaN, not warnings
            logs["val_score"] = self.score(self.model, d.X, d.Y, d.sample_weight)
            logs["val_loss"] = float(self.model.evaluate(d.X, d.Y, d.sample_weight))
            for name in self.scorers:
                logs[f"val_{name}"] = self._scorer(name)

    def _scorer(self, name: str) -> float:
        d = self.data
        kwargs = {} if d.sample_weight is None else {"sample_weight": d.sample_weight}
        try:
            return float(get_scorer(name)(self.estimator, d.X, d.y, **kwargs))
        except ValueError:  # e.g. NaN probabilities of a diverged network
            return np.nan
