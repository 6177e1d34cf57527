"""The documentation both estimators share (numpydoc entries), written once.

:func:`shared_docs` puts :data:`PARAMETERS` and :data:`ATTRIBUTES` into a class
docstring, in place of the lines ``%(shared_parameters)s`` and
``%(shared_attributes)s``, indented as those lines are.
"""

from __future__ import annotations

PARAMETERS = """\
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
    rate by 5 until it is below 1e-6). 'step', 'exponential' and 'cosine' are
    :mod:`sknetscratch.optim.schedules` with their defaults ('cosine' decays
    to 0 over ``max_iter`` epochs, then restarts: SGDR's warm restarts); or
    pass a schedule instance, such as ``CosineDecay(0.01, decay_epochs=100,
    warmup_epochs=5)``. A schedule counts the epochs of each ``fit`` call (a
    ``warm_start`` fit restarts it) and, in ``partial_fit``, the epochs
    trained so far (it goes on over the calls). The rate of each epoch is
    recorded in ``history_['learning_rate']``.
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
    same draws as scikit-learn's MLP, so the same model.
tol : float, default=1e-4
verbose : bool or int, default=False
    Any true value (True, 1, 2, ...) prints scikit-learn's lines, as
    scikit-learn's MLP with ``verbose=1``: ``Iteration N, loss = ...`` after
    each epoch (or L-BFGS iteration), ``Validation score: ...`` with
    validation data, and why training stops. For Keras' progress bar pass
    ``callbacks=[ProgbarLogger()]``.
warm_start : bool, default=False
momentum : float, default=0.9
nesterovs_momentum : bool, default=True
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training data (scikit-learn's
    split, stratified for single-output classification) and stop when its
    score stops improving by ``tol`` for ``n_iter_no_change`` epochs; the
    best weights are restored. If training diverges, it stops there and
    keeps the best weights, with a warning.
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
    used at inference). That linear step has no bias (the batch norm's
    beta is the shift): its ``intercepts_`` entry is zeros.
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
    ``n_iter_no_change``): 'val_score' (the score of ``validation_scores_``,
    scikit-learn's rule), 'val_loss' (the validation loss, lower is better)
    or any scikit-learn scorer name ('balanced_accuracy', 'neg_log_loss',
    'r2', ...). The weights of the best epoch are restored.
metrics : list of str, default=None
    scikit-learn scorer names evaluated on the validation data (early
    stopping's split or ``X_val``) after each epoch, into
    ``history_['val_<name>']``.
callbacks : list of Callback, default=None
    Keras-style callbacks (:class:`sknetscratch.Callback`) passed to the
    training loop of the stochastic solvers, after scikit-learn's rules;
    they see each epoch's logs ('loss', 'learning_rate', 'seconds',
    'val_score', 'val_loss', 'val_<metric>') and may add to them (what they
    add goes into ``history_`` too). ``clone`` copies them. Checked at
    ``fit`` (as scikit-learn checks parameters): an item that is not a
    callback (a function, None) is a TypeError naming it, before training."""

ATTRIBUTES = """\
model_ : sknetscratch.Model
    The trained network.
loss_ : float
    Loss of the last epoch (penalty included).
best_loss_ : float or None
    Lowest training loss (None with early_stopping).
loss_curve_ : list of float
    Loss of each epoch (or L-BFGS iteration), across ``warm_start`` fits
    and ``partial_fit`` calls: the list ``history_['loss']``.
validation_scores_ : list of float or None
    Score of the validation data at each epoch (``history_['val_score']``),
    if some fit had validation data (early stopping or ``X_val``), else None.
validation_loss_curve_ : list of float or None
    Loss of the validation data at each epoch (``history_['val_loss']``).
best_validation_score_ : float or None
    Best value of ``early_stopping_monitor`` (None without early stopping).
history_ : dict of str -> list
    Keras' History of all the epochs: one list per logged quantity ('loss',
    'learning_rate', 'seconds', 'val_score', 'val_loss', 'val_<metric>',
    and what ``callbacks`` log), across ``warm_start`` fits and
    ``partial_fit`` calls.
t_ : int
    Number of training samples seen.
coefs_ : list of ndarray
    ``coefs_[i]``, of shape ``(n_in, n_out)``, is the kernel of layer i (the
    network's own array). Arrays assigned to ``coefs_`` and ``intercepts_``
    are the model, as in scikit-learn: on a fitted estimator they replace the
    weights; on an unfitted one they become its network (the parameters'
    architecture, for their shapes) at the first ``predict``, ``partial_fit``
    or warm-start ``fit``.
intercepts_ : list of ndarray
    ``intercepts_[i]`` is the bias of layer i (zeros where a batch norm
    follows: that layer has none).
n_features_in_ : int
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Defined only when X has string feature names.
n_iter_ : int
    Epochs (or L-BFGS iterations) of the last ``fit`` / ``partial_fit``
    call, as in scikit-learn.
n_layers_ : int
n_outputs_ : int
interrupted_ : bool
    True if the last fit was stopped by Ctrl-C."""


def _indented(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else line for line in text.splitlines())


def shared_docs(cls):
    """Class decorator: the shared entries into ``cls.__doc__`` (see the module)."""
    lines = []
    for line in cls.__doc__.splitlines():
        marker = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if marker == "%(shared_parameters)s":
            line = _indented(PARAMETERS, indent)
        elif marker == "%(shared_attributes)s":
            line = _indented(ATTRIBUTES, indent)
        lines.append(line)
    cls.__doc__ = "\n".join(lines)
    return cls
