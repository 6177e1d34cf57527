"""Models trained elsewhere, brought in as sknetscratch estimators:
:func:`from_sklearn` (a fitted ``MLPClassifier`` / ``MLPRegressor``)."""

from ._sklearn import from_sklearn

__all__ = ["from_sklearn"]
