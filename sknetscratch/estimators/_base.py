"""Shared machinery of the scikit-learn estimators (classifier and regressor).

The estimators translate parameters and data, and train exactly the network
scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` trains for the same
parameters and ``random_state``:

* every ``fit`` / ``partial_fit`` call takes ``check_random_state(random_state)``
  afresh (:mod:`._seeding`: the same generator state, without the OS reseed)
  and draws from it, in scikit-learn's order, the initial weights (first fit
  only: per layer ``U(-l, l)`` kernel then bias), the early-stopping split
  (``train_test_split``, stratified for single-output classifiers) and, each
  epoch, the reshuffle of the sample order; nothing else;
* the losses have scikit-learn's values (:mod:`._losses`) and gradients, with
  the L2 term divided by the batch's weight sum;
* the counters follow scikit-learn's rules: ``n_iter_`` counts the epochs (or
  L-BFGS iterations) of the last ``fit`` / ``partial_fit`` call, while ``t_``
  and ``loss_curve_`` keep growing across ``warm_start`` fits and
  ``partial_fit`` calls.

The stochastic solvers train through the core's one training loop
(``Model.fit``), with scikit-learn's rules as callbacks on it (:mod:`._rules`);
'lbfgs' runs :func:`._lbfgs.fit_lbfgs`. Every fit records into the estimator's
one History (:mod:`._history`), and runs as a transaction (:mod:`._fit`).
Warnings are issued from this package's modules (default stack level), so
``warnings.filterwarnings(..., module="sknetscratch")`` silences them wherever
the estimator is called from.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils.validation import check_is_fitted, validate_data

from ..nn.losses import get_loss
from ._arrays import check_same_namespace, float_dtypes
from ._fit import FitMixin
from ._install import adopt_assigned_weights, weights_by_hand
from ._network import build_network
from ._params import PARAMETER_CONSTRAINTS, STOCHASTIC_SOLVERS
from ._views import FittedViews, dense_layers

try:  # scikit-learn 1.9's callback API (ProgressBar, ScoringMonitor, ...)
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn: no such API

    class CallbackSupportMixin:  # noqa: D101
        pass


class BaseScratchMLP(
    FitMixin, FittedViews, CallbackSupportMixin, BaseEstimator, metaclass=ABCMeta
):
    """Base of ScratchMLPClassifier and ScratchMLPRegressor. Do not use directly.

    Public so that the modules of the two estimators can name it. The file
    format (:mod:`sknetscratch.io.persistence`) uses its public hooks from
    :class:`FittedViews`: :meth:`sync_weights`, :meth:`relink_fitted` and
    :attr:`derived_attributes`.
    """

    _parameter_constraints: dict = dict(PARAMETER_CONSTRAINTS)

    # Subclasses set these ------------------------------------------------------
    @abstractmethod
    def _validate_input(self, X, y, incremental, reset):
        """Return ``X`` and the encoded 2-D target ``Y``: uint8 0/1 codes
        (classification) or floats in X's dtype (regression)."""

    @abstractmethod
    def _output(self):
        """Return ``(out_activation_ name in scikit-learn's words, loss name)``."""

    @abstractmethod
    def _targets(self, Y):
        """Encoded targets -> targets as the user gives them (for scorers)."""

    @abstractmethod
    def _validation_score(self, model, X, Y, sample_weight):
        """Score used by early stopping (accuracy or R^2), from encoded ``Y``."""

    def _weight_samples(self, Y, sample_weight, incremental):
        """Hook: the classifier multiplies in its ``class_weight``."""
        return sample_weight

    def _loss(self):
        """The loss ``model_`` trains with (scikit-learn's values); default: by name."""
        return get_loss(self._output()[1])

    def summary(self, print_fn: Callable[[str], object] | None = None) -> None:
        """Print the Keras-style table of the fitted network (see ``Model.summary``).

        Parameters
        ----------
        print_fn : callable, default=None
            Called with the table as one string; ``print`` if None.
        """
        self._check_fitted()
        self.model_.summary(print_fn=print_fn)

    def _outputs_by_hand(self, width):
        """The number of outputs of a network set by hand whose last kernel has
        ``width`` columns: ``n_outputs_`` if that was set too (a classifier's
        follows from its classes)."""
        return vars(self).get("n_outputs_", width)

    def _check_fitted(self):
        """``check_is_fitted``, after weights set by hand became the network.

        ``coefs_`` and ``intercepts_`` assigned on an unfitted estimator (as
        scikit-learn's ``test_fit`` does) are its network: built here from
        their shapes and the estimator's parameters (:mod:`._install`).
        """
        if weights_by_hand(self):
            adopt_assigned_weights(self)
        check_is_fitted(self, "model_")

    # Building -------------------------------------------------------------------
    def _network(self, n_outputs):
        """The compiled, unbuilt network (see :mod:`._network`)."""
        return build_network(self, self._output()[0], self._loss(), n_outputs)

    def _build_model(self, n_features, n_outputs, dtype, random_state):
        # scikit-learn's initialisation, drawn from its RandomState in its order:
        # per layer U(-l, l) kernel then bias, l = sqrt(6/(fan_in + fan_out)),
        # or sqrt(2/...) when the hidden activation is 'logistic'
        return self._network(n_outputs).build(n_features, random_state, dtype)

    # Shared public API ------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        *,
        X_val: ArrayLike | None = None,
        y_val: ArrayLike | None = None,
        sample_weight_val: ArrayLike | None = None,
    ):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data. float32 input is trained in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels in classification, real numbers in
            regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights: the loss is their weighted mean, and the L2 term is
            divided by their sum.
        X_val, y_val : array-like, default=None
            A validation set (HistGradientBoosting's names): each epoch records
            its loss (``validation_loss_curve_``), score (``validation_scores_``)
            and ``metrics``; with ``early_stopping=True`` it replaces the
            ``validation_fraction`` split. Stochastic solvers only. Inside a
            Pipeline they arrive through metadata routing
            (``set_fit_request(X_val=True, y_val=True)``) *as given*: the
            Pipeline's earlier steps do not transform ``X_val``.
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation rows.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        val = (
            None
            if X_val is None and y_val is None
            else (X_val, y_val, sample_weight_val)
        )
        return self._fit(X, y, sample_weight=sample_weight, incremental=False, val=val)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _check_predict_input(self, X, method="predict"):
        """X validated against the fit (features, dtype; under Array API
        dispatch its namespace and device); assigned weights synced."""
        self._check_fitted()
        check_same_namespace(X, self, method=method)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=float_dtypes(X),
            reset=False,
        )
        self.sync_weights()
        return X

    def _forward(self, X, method="predict"):
        """Validated input -> output logits of the network (where X is)."""
        X = self._check_predict_input(X, method)
        return self.model_.predict_logits(X)

    def hidden_representation(self, X: ArrayLike, layer: int = -1) -> np.ndarray:
        """Activations of a hidden layer: the features the network learned.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        layer : int, default=-1
            Which hidden layer, indexed as ``hidden_layer_sizes`` (0 is the
            first, -1 the last). Its output after the activation (and batch
            norm); dropout is the identity at inference.

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[layer])

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sknetscratch import ScratchMLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = ScratchMLPClassifier((8, 3), solver="lbfgs", random_state=0)
        >>> clf.fit(X, y).hidden_representation(X).shape
        (150, 3)
        """
        self._check_fitted()
        ids = {id(lay) for lay in dense_layers(self.model_)}
        dense = [i for i, lay in enumerate(self.model_.layers) if id(lay) in ids]
        n_hidden = len(dense) - 1
        if (
            isinstance(layer, bool)
            or not isinstance(layer, Integral)
            or not -n_hidden <= layer < n_hidden
        ):
            raise ValueError(
                f"layer must be an int from {-n_hidden} to {n_hidden - 1} (the network "
                f"has {n_hidden} hidden layers); got {layer!r}."
            )
        X = self._check_predict_input(X, "hidden_representation")
        # hidden layer k ends where the next DenseBlock starts
        return self.model_.predict_until(X, dense[layer % n_hidden + 1])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # every solver: L-BFGS minimises on the host (SciPy), as scikit-learn's
        # LogisticRegression, with the network's passes on X's device
        tags.array_api_support = True
        return tags
