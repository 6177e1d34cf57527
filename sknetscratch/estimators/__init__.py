"""The scikit-learn estimators, ``ScratchMLPClassifier`` and
``ScratchMLPRegressor``: scikit-learn's parameters and rules on the core's one
training loop (:mod:`..training`)."""
