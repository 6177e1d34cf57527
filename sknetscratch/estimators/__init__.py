"""The scikit-learn estimators, ``ScratchMLPClassifier`` and
``ScratchMLPRegressor``: scikit-learn's parameters and rules on the core's one
training loop (:mod:`..training`), and :func:`adopt_model`, which makes a
fitted estimator of a network trained elsewhere."""

from ._adopt import adopt_model

__all__ = ["adopt_model"]
