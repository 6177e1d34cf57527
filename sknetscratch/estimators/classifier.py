"""``ScratchMLPClassifier``: scikit-learn's MLPClassifier API on the sknetscratch core."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array

from ..nn.activations import log_softmax
from ._base import _BaseScratchMLP
from ._labels import LabelEncoding
from ._losses import SklearnBinaryLogLoss, SklearnLogLoss

#: The names older pickles give these classes.
_SklearnBinaryLogLoss, _SklearnLogLoss = SklearnBinaryLogLoss, SklearnLogLoss


class ScratchMLPClassifier(ClassifierMixin, LabelEncoding, _BaseScratchMLP):
    """Multi-layer perceptron classifier, a drop-in for scikit-learn's MLPClassifier.

    It builds a :class:`sknetscratch.Model` of :class:`sknetscratch.DenseBlock`
    layers (``model_``) and trains it with the core's training loop: log-loss on
    a sigmoid output (binary, multilabel) or a softmax output (multiclass),
    computed from the logits.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units of the ith hidden layer.
    activation : str or list of str, default='relu'
        Hidden-layer activation: scikit-learn's {'identity', 'logistic', 'tanh',
        'relu'} or any other name of :data:`sknetscratch.ACTIVATIONS`
        ('gelu', 'elu', 'leaky_relu', 'silu', 'softplus', ...); one name, or a
        list/tuple with one per hidden layer.
    solver : {'lbfgs', 'sgd', 'adam', 'adamw', 'rmsprop', 'nadam'}, default='adam'
        'lbfgs' runs scipy's L-BFGS-B on the parameters packed as scikit-learn
        packs them; 'adamw' (with ``weight_decay``), 'rmsprop' (with ``rho``)
        and 'nadam' go beyond scikit-learn's MLP.
    alpha : float, default=0.0001
        L2 penalty, divided by the sample (weight) sum of the batch.
    batch_size : int or 'auto', default='auto'
        'auto' is ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive', 'step', 'exponential', \
'cosine'} or LearningRateSchedule, default='constant'
        The learning rate's schedule, for every stochastic solver (scikit-learn
        applies 'invscaling' and 'adaptive' to 'sgd' only and ignores them for
        'adam'). 'invscaling' and 'adaptive' are scikit-learn's rules (after
        ``n_iter_no_change`` epochs without improvement, 'adaptive' divides the
        rate by 5 until it is below 1e-6); 'step', 'exponential' and 'cosine'
        are :mod:`sknetscratch.optim.schedules` with their defaults ('cosine' decays to
        0 over ``max_iter`` epochs); or pass a schedule instance, such as
        ``CosineDecay(0.01, decay_epochs=100, warmup_epochs=5)``. The rate of
        each epoch is recorded in ``history_['learning_rate']``.
    learning_rate_init : float, default=0.001
    power_t : float, default=0.5
        Exponent of 'invscaling': ``lr = learning_rate_init / (t + 1) ** power_t``.
    max_iter : int, default=200
        Maximum epochs (stochastic solvers) or iterations (lbfgs) per ``fit`` call.
    shuffle : bool, default=True
    random_state : int, RandomState instance or None, default=None
        ``check_random_state(random_state)`` draws, at every ``fit`` and
        ``partial_fit`` call and in scikit-learn's order, the initial weights
        (first fit), the early-stopping split and each epoch's reshuffle: the
        same draws as scikit-learn's MLPClassifier, so the same model.
    tol : float, default=1e-4
    verbose : bool, default=False
        Prints ``Iteration N, loss = ...`` after each epoch.
    warm_start : bool, default=False
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` (stratified for binary targets, as
        scikit-learn) and stop when its accuracy stops improving; the best
        weights are restored.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters.
    n_iter_no_change : int, default=10
    max_fun : int, default=15000
        lbfgs only: maximum loss evaluations.
    dropout : float or list of float, default=0.0
        Dropout rate after each hidden layer (one rate, or one per hidden
        layer); 0 adds no Dropout layer. Its masks come from a stream of their
        own, drawn from ``random_state`` only when some rate is positive.
    batch_norm : bool, default=False
        Put a :class:`~sknetscratch.BatchNormalization` between each hidden
        layer's linear step and its activation (its running statistics are
        used at inference).
    kernel_initializer : str, default='sklearn'
        'sklearn' is scikit-learn's scheme (``U(-l, l)`` on kernels and biases);
        'auto' is He's uniform scheme for the ReLU family and Glorot's for the
        other activations; any name of
        :data:`sknetscratch.nn.initializers.INITIALIZERS` ('he_uniform',
        'glorot_normal', 'lecun_normal', ...) initialises the kernels, with zero
        biases.
    l1 : float, default=0.0
        L1 penalty on the kernels, next to ``alpha`` (L2), divided by the
        sample (weight) sum of the batch like it.
    weight_decay : float, default=0.01
        solver='adamw' only: decoupled weight decay, ``theta -= lr * weight_decay
        * theta`` at each step (Loshchilov and Hutter).
    rho : float, default=0.9
        solver='rmsprop' only: decay of the squared-gradient average.
    clipnorm, clipvalue : float or None, default=None
        Gradient clipping for the stochastic solvers: the whole gradient
        vector's norm scaled down to at most ``clipnorm``, each entry clipped to
        ``[-clipvalue, clipvalue]``.
    early_stopping_monitor : str, default='val_score'
        What early stopping watches on the validation data (with ``tol`` and
        ``n_iter_no_change``): 'val_score' (accuracy, scikit-learn's rule),
        'val_loss' (the validation loss, lower is better) or any scikit-learn
        scorer name ('balanced_accuracy', 'neg_log_loss', 'f1_macro', ...). The
        weights of the best epoch are restored.
    metrics : list of str, default=None
        scikit-learn scorer names evaluated on the validation data (early
        stopping's split or ``X_val``) after each epoch, into
        ``history_['val_<name>']``.
    callbacks : list of Callback, default=None
        Keras-style callbacks (:class:`sknetscratch.Callback`) passed to the
        training loop of the stochastic solvers; they see each epoch's logs
        ('loss', 'val_loss', 'val_score', 'val_<metric>', 'learning_rate',
        'seconds'). ``clone`` copies them.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``: a dict
        ``{class_label: weight}`` (missing classes weigh 1), or 'balanced' for
        ``n_samples / (n_classes * np.bincount(y))`` of the data passed to
        ``fit`` (see :func:`sklearn.utils.class_weight.compute_sample_weight`).
        None (the default) weighs every class 1, as scikit-learn's MLP.
        ``partial_fit`` accepts a dict only (the classes' frequencies over all
        calls are unknown); multilabel targets accept 'balanced' only.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    model_ : sknetscratch.Model
        The trained network.
    loss_ : float
        Loss of the last epoch (penalty included).
    best_loss_ : float or None
        Lowest training loss (None with early_stopping).
    loss_curve_ : list of float
        Loss of each epoch (or L-BFGS iteration), across ``warm_start`` fits
        and ``partial_fit`` calls.
    validation_scores_ : list of float or None
        Validation accuracy of each epoch with early_stopping, else None.
    best_validation_score_ : float or None
    t_ : int
        Number of training samples seen.
    coefs_ : list of ndarray
        ``coefs_[i]`` has shape ``(n_in, n_out)`` for layer i.
    intercepts_ : list of ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when X has string feature names.
    n_iter_ : int
        Epochs (or L-BFGS iterations) of the last ``fit`` / ``partial_fit``
        call, as in scikit-learn.
    n_layers_ : int
    n_outputs_ : int
    out_activation_ : str
        'logistic' (binary, multilabel) or 'softmax' (multiclass).
    interrupted_ : bool
        True if the last fit was stopped by Ctrl-C.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknetscratch import ScratchMLPClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), ScratchMLPClassifier(random_state=0))
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
        **_BaseScratchMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def _loss(self):
        if self._output()[1] == "categorical_crossentropy":
            return SklearnLogLoss()
        return SklearnBinaryLogLoss()

    def _output(self):
        if getattr(self, "_y_type", "binary") == "multiclass":
            return "softmax", "categorical_crossentropy"
        return "logistic", "binary_crossentropy"

    def _validation_score(self, model, X, Y, sample_weight):
        Z = model.predict_logits(X)
        if not np.isfinite(Z).all():
            return np.nan
        if self._y_type == "multiclass":
            pred, true = Z.argmax(axis=1), Y.argmax(axis=1)
        else:
            pred, true = (Z > 0).astype(int), Y.astype(int)
            if self._y_type == "binary":
                pred, true = pred[:, 0], true[:, 0]
        return accuracy_score(true, pred, sample_weight=sample_weight)

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
                prepare=lambda: self._set_classes(np.asarray(y), y_type, classes),
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
        return self._decode(self._forward(X))

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
        Z = self._forward(X)
        if self._y_type == "binary":  # both columns accurate near 0
            Z = -Z if len(self.classes_) == 1 else np.hstack([-Z, Z])
        # the output layer's own activation (sigmoid or softmax) of the logits
        return self.model_.layers[-1].activation.forward(Z)

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Log of the class probabilities, computed as a log-softmax of the logits.

        Finite for any finite input, however far from the training data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        Z = self._forward(X)
        if self._y_type == "multiclass":
            return log_softmax(Z)
        if self._y_type == "binary":  # log sigma(z) = -log(1 + e^{-z})
            Z = -Z if len(self.classes_) == 1 else np.hstack([-Z, Z])
        return -np.logaddexp(0, -Z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
