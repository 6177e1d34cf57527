"""``ScratchMLPClassifier``: scikit-learn's MLPClassifier API on the sknetscratch core."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array

from ..backend import namespace, to_host
from ..nn.functions import log_softmax, zeros_like_scalar
from ._base import BaseScratchMLP
from ._docs import shared_docs
from ._labels import LabelEncoding
from ._losses import SklearnBinaryLogLoss, SklearnLogLoss


def _columns(xp, a, b):
    """``[a, b]`` side by side (2-D arrays of namespace ``xp``)."""
    return np.hstack([a, b]) if xp is np else xp.concat([a, b], axis=1)


#: The names older pickles give these classes.
_SklearnBinaryLogLoss, _SklearnLogLoss = SklearnBinaryLogLoss, SklearnLogLoss


@shared_docs
class ScratchMLPClassifier(ClassifierMixin, LabelEncoding, BaseScratchMLP):
    """Multi-layer perceptron classifier, a drop-in for scikit-learn's MLPClassifier.

    It builds a :class:`sknetscratch.Model` of :class:`sknetscratch.DenseBlock`
    layers (``model_``) and trains it with the core's training loop: log-loss on
    a sigmoid output (binary, multilabel) or a softmax output (multiclass),
    computed from the logits.

    Parameters
    ----------
    %(shared_parameters)s
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``: a dict
        ``{class_label: weight}`` (missing classes weigh 1), or 'balanced' for
        ``n_samples / (n_classes * np.bincount(y))`` of the data passed to
        ``fit`` (see :func:`sklearn.utils.class_weight.compute_sample_weight`).
        None (the default) weighs every class 1, as scikit-learn's MLP.
        ``partial_fit`` accepts a dict only (the classes' frequencies over all
        calls are unknown); multilabel targets accept 'balanced' only. A dict's
        weights must be finite and >= 0 and its keys classes of ``y``: checked
        at ``fit``, before training (a ValueError naming ``class_weight``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    out_activation_ : str
        'logistic' (binary, multilabel) or 'softmax' (multiclass).
    %(shared_attributes)s

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknetscratch import ScratchMLPClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(
    ...     StandardScaler(), ScratchMLPClassifier(max_iter=500, random_state=0)
    ... )  # converges after 272 epochs: no ConvergenceWarning
    >>> clf.fit(X, y).score(X, y) > 0.98
    True
    """

    def __init__(
        self,
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
        weight_decay=0.01,
        rho=0.9,
        clipnorm=None,
        clipvalue=None,
        early_stopping_monitor="val_score",
        metrics=None,
        callbacks=None,
        class_weight=None,
    ):
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
        self.weight_decay = weight_decay
        self.rho = rho
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.early_stopping_monitor = early_stopping_monitor
        self.metrics = metrics
        self.callbacks = callbacks
        self.class_weight = class_weight

    _parameter_constraints: dict = {
        **BaseScratchMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    # -- public API -----------------------------------------------------------------
    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        classes: ArrayLike | None = None,
    ) -> ScratchMLPClassifier:
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array of shape (n_classes,), default=None
            All classes across calls; required on the first call (except for
            multilabel indicator targets), ignored after.

        Returns
        -------
        self : object
        """
        first = not hasattr(self, "classes_")
        if first:
            y = check_array(
                y, ensure_2d=False, dtype=None, ensure_min_samples=0, input_name="y"
            )
            y_type = type_of_target(y)
            if classes is None and y_type != "multilabel-indicator":
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            return self._fit(
                X,
                y,
                sample_weight=sample_weight,
                incremental=True,
                prepare=lambda: self._set_classes(to_host(y), y_type, classes),
            )
        if classes is not None and not np.array_equal(
            np.unique(classes), self.classes_
        ):
            raise ValueError(
                f"`classes={np.unique(classes)}` is not the same as on last call to "
                f"partial_fit, was: {self.classes_}"
            )
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Labels (an indicator matrix for multilabel targets).
        """
        return self._decode(self._forward(X, "predict"))

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Probability of each class, columns ordered as ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            For binary targets the columns are ``[sigmoid(-z), sigmoid(z)]``.
        """
        return self._proba(X, "predict_proba")

    def _proba(self, X, method):
        """``predict_proba(X)``, with the public ``method`` that asked for it
        named in the errors of the input checks."""
        Z = self._forward(X, method)
        xp = namespace(Z)
        if self._y_type == "binary":  # both columns accurate near 0
            Z = -Z if len(self.classes_) == 1 else _columns(xp, -Z, Z)
        # the output layer's own activation (sigmoid or softmax) of the logits
        return self.model_.layers[-1].activation.forward(Z)

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Log of the class probabilities: ``log(predict_proba(X))``, finite everywhere.

        As scikit-learn's, it is ``np.log(self.predict_proba(X))`` wherever a
        probability is positive, so both rank the classes alike (a multilabel
        row whose probabilities round to 1.0 keeps its ties). Where a
        probability underflows to 0, far from the training data, where
        scikit-learn's is ``-inf``, it is the log-softmax (or log-sigmoid) of
        the logits: finite for any finite input, and below the log of any
        positive probability.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        proba = self._proba(X, "predict_log_proba")
        xp = namespace(proba)
        underflow = proba == 0
        log_proba = xp.log(xp.where(underflow, xp.ones_like(proba), proba))
        if bool(xp.any(underflow)):  # log(0) = -inf: there, from the logits
            Z = self._forward(X, "predict_log_proba")
            if self._y_type == "multiclass":
                exact = log_softmax(Z)
            else:  # log sigma(z) = -log(1 + e^{-z})
                if self._y_type == "binary":
                    Z = -Z if len(self.classes_) == 1 else _columns(xp, -Z, Z)
                exact = -xp.logaddexp(zeros_like_scalar(xp, Z), -Z)
            log_proba = xp.where(underflow, exact, log_proba)
        return log_proba

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
