"""``ScratchMLPRegressor``: scikit-learn's MLPRegressor API on the sknetscratch core."""

from __future__ import annotations

from numbers import Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import column_or_1d, validate_data

from ..backend import namespace, to_host
from ..nn.losses import Huber, Quantile, get_loss
from ._arrays import float_dtypes, host_dtype
from ._base import BaseScratchMLP
from ._docs import shared_docs
from ._losses import OutputMeanSquaredError

#: Losses whose early stopping scores the validation split with the loss itself.
_SCORED_BY_THEIR_LOSS = ("absolute_error", "huber", "quantile")


#: The name older pickles give this class.
_OutputMeanSquaredError = OutputMeanSquaredError


@shared_docs
class ScratchMLPRegressor(RegressorMixin, BaseScratchMLP):
    """Multi-layer perceptron regressor, a drop-in for scikit-learn's MLPRegressor.

    The network (``model_``) ends in a linear output trained on half squared
    error (or on a robust or quantile loss), or an exponential output (log link)
    trained on half Poisson deviance. The validation score (early stopping,
    ``validation_scores_``) is R^2 of the validation rows (scikit-learn's split,
    not stratified), or, for 'absolute_error', 'huber' and 'quantile', their
    negative loss (R^2 would favour a fit of the mean).

    Parameters
    ----------
    loss : {'squared_error', 'poisson', 'absolute_error', 'huber', 'quantile'}, \
            default='squared_error'
        'squared_error' is :math:`\\frac12 \\sum_k (\\hat y_k - y_k)^2` per sample
        (summed over outputs: its gradient is scikit-learn's); 'poisson' is the
        half Poisson deviance with a log link, for non-negative targets;
        'absolute_error' is :math:`\\sum_k |\\hat y_k - y_k|` (fits the median,
        robust to outliers in y); 'huber' is squared error for residuals up to
        ``huber_delta`` and linear beyond (robust to outliers); 'quantile' is the
        pinball loss of ``quantile`` (fits that conditional quantile, e.g. 0.1
        and 0.9 for an 80% prediction interval). The last three have a linear
        output, and their loss values are summed over outputs.
    %(shared_parameters)s
    huber_delta : float, default=1.0
        Threshold :math:`\\delta > 0` of loss='huber', in the units of y:
        residuals larger than it count linearly. Ignored by the other losses.
    quantile : float, default=0.5
        The quantile :math:`0 < q < 1` that loss='quantile' fits. Ignored by
        the other losses.

    Attributes
    ----------
    out_activation_ : str
        'exp' (poisson) or 'identity' (every other loss).
    %(shared_attributes)s

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknetscratch import ScratchMLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(StandardScaler(), ScratchMLPRegressor(
    ...     hidden_layer_sizes=(10,), solver="lbfgs", alpha=1.0, max_iter=2000,
    ...     random_state=0))  # converges after 1182 iterations
    >>> reg.fit(X, y).score(X, y) > 0.5
    True
    """

    _parameter_constraints: dict = {
        **BaseScratchMLP._parameter_constraints,
        "loss": [
            StrOptions(
                {"squared_error", "poisson", "absolute_error", "huber", "quantile"}
            )
        ],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        batch_norm=False,
        kernel_initializer="sklearn",
        l1=0.0,
        huber_delta=1.0,
        quantile=0.5,
        weight_decay=0.01,
        rho=0.9,
        clipnorm=None,
        clipvalue=None,
        early_stopping_monitor="val_score",
        metrics=None,
        callbacks=None,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.kernel_initializer = kernel_initializer
        self.l1 = l1
        self.huber_delta = huber_delta
        self.quantile = quantile
        self.weight_decay = weight_decay
        self.rho = rho
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.early_stopping_monitor = early_stopping_monitor
        self.metrics = metrics
        self.callbacks = callbacks

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=float_dtypes(X),
            reset=reset,
        )
        y = to_host(y)  # the targets go to X's device with the network
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson "
                "regression."
            )
        Y = np.asarray(y, dtype=host_dtype(namespace(X), X.dtype))
        return X, Y.reshape(-1, 1) if Y.ndim == 1 else Y

    def _loss(self):
        if self.loss == "squared_error":
            return OutputMeanSquaredError()
        if self.loss == "huber":
            return Huber(delta=self.huber_delta)
        if self.loss == "quantile":
            return Quantile(quantile=self.quantile)
        return get_loss(self.loss)  # 'poisson', 'absolute_error'

    def _targets(self, Y):
        """Encoded targets -> targets as the user gives them (for scorers)."""
        return Y[:, 0] if Y.shape[1] == 1 else Y

    def _output(self):
        if self.loss == "poisson":
            return "exp", "poisson"
        return "identity", self.loss

    def _validation_score(self, model, X, Y, sample_weight):
        pred = to_host(model.predict(X))  # scored on the host
        if not np.isfinite(pred).all():
            return np.nan
        if self.loss in _SCORED_BY_THEIR_LOSS:
            # R^2 rewards a fit of the conditional mean: it would stop a 0.9
            # quantile (or a median) model at the epoch closest to the mean.
            # These are scored by their own loss (linear output: pred is z),
            # negated so that higher is better.
            return -self._loss()(Y, pred, sample_weight)
        return r2_score(Y, pred, sample_weight=sample_weight)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> ScratchMLPRegressor:
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict using the multi-layer perceptron.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        Z = self._forward(X, "predict")
        out = self.model_.layers[-1].activation.forward(Z)
        return namespace(out).reshape(out, (-1,)) if out.shape[1] == 1 else out
