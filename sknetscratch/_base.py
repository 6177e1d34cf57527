"""Shared machinery of the scikit-learn estimators (classifier and regressor).

The estimators translate parameters and data; the training itself is the core
``Model.fit`` loop (for 'sgd' and 'adam') or L-BFGS driving the model's flat
parameter vector (for 'lbfgs'). scikit-learn's bookkeeping (``loss_curve_``,
``n_iter_no_change``, early stopping, the 'adaptive' and 'invscaling' learning
rates) is the :class:`_SklearnMonitor` callback.

Warnings use the stack level of the user's ``fit``/``partial_fit`` call
(for example warn <- _fit_stochastic <- _train <- _fit_unsafe <- _fit <- fit <- user).

``n_iter_`` rule: ``n_iter_ == len(loss_curve_)`` always; it counts every epoch
(or L-BFGS iteration) since the last fit from scratch, so it keeps growing
across ``warm_start`` fits and ``partial_fit`` calls. Each ``fit`` call runs at
most ``max_iter`` more epochs; ``t_`` counts the training samples seen.
"""

from __future__ import annotations

import copy
import functools
import warnings
import weakref
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
import scipy.optimize
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from .activations import ACTIVATIONS, get_activation
from .callbacks import Callback
from .layers import DenseBlock
from .model import Model, TrainingDivergedError
from .optimizers import SGD, Adam

_STOCHASTIC_SOLVERS = ("sgd", "adam")
_SEED_MAX = np.iinfo(np.int32).max


@functools.lru_cache(maxsize=64)
def _seed_from_int(seed: int) -> int:
    """``check_random_state(seed).randint(...)``, cached: seeding a RandomState
    costs about 0.3 ms, which a ``partial_fit`` call on small data notices."""
    return int(np.random.RandomState(seed).randint(_SEED_MAX))


#: Parameters that last passed validation, per estimator (see ``_validate_params``).
_VALIDATED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _immutable(value) -> bool:
    """A value that cannot change without being replaced (so ``is`` tracks it)."""
    if isinstance(value, tuple):
        return all(_immutable(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


def _record_iteration(state: dict, loss: float, verbose) -> None:
    """One more epoch (or L-BFGS iteration): ``n_iter_``, ``loss_``, ``loss_curve_``."""
    state["n_iter_"] += 1
    state["loss_"] = loss
    state["loss_curve_"].append(loss)
    if verbose:
        print(f"Iteration {state['n_iter_']}, loss = {loss:.8f}")


class _SklearnMonitor(Callback):
    """scikit-learn's per-epoch bookkeeping as a callback on ``Model.fit``."""

    def __init__(self, est, state, n_samples, validation=None):
        super().__init__()
        self.est = est
        self.state = state
        self.n_samples = n_samples
        self.validation = validation
        self.stopped = False

    def on_epoch_end(self, epoch, logs=None):
        est, s, model = self.est, self.state, self.model
        loss = logs["loss"]
        _record_iteration(s, loss, est.verbose)
        s["t_"] += self.n_samples
        if self.validation is not None:
            score = est._validation_score(model, *self.validation)
            s["validation_scores_"].append(score)
            if est.verbose:
                print(f"Validation score: {score:f}")
            if score < s["best_validation_score_"] + est.tol:
                s["_no_improvement_count"] += 1
            else:
                s["_no_improvement_count"] = 0
            if score > s["best_validation_score_"]:
                s["best_validation_score_"] = score
                s["_best_params"] = model.params.copy()
        else:
            if loss > s["best_loss_"] - est.tol:
                s["_no_improvement_count"] += 1
            else:
                s["_no_improvement_count"] = 0
            s["best_loss_"] = min(s["best_loss_"], loss)
        opt = model.optimizer
        if est.solver == "sgd" and est.learning_rate == "invscaling":
            opt.learning_rate = est.learning_rate_init / (s["t_"] + 1) ** est.power_t
        if s["_no_improvement_count"] > est.n_iter_no_change:
            what = (
                "Validation score" if self.validation is not None else "Training loss"
            )
            msg = (
                f"{what} did not improve more than tol={est.tol:f} for "
                f"{est.n_iter_no_change} consecutive epochs."
            )
            if est.solver == "sgd" and est.learning_rate == "adaptive":
                if opt.learning_rate > 1e-6:
                    opt.learning_rate /= 5.0
                    s["_no_improvement_count"] = 0
                    if est.verbose:
                        print(msg + f" Setting learning rate to {opt.learning_rate:f}")
                    return
                msg += " Learning rate too small."
            if est.verbose:
                print(msg + " Stopping.")
            self.stopped = model.stop_training = True


class _BaseScratchMLP(BaseEstimator, metaclass=ABCMeta):
    """Base of ScratchMLPClassifier and ScratchMLPRegressor. Do not use directly."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
    }

    # Subclasses set these ------------------------------------------------------
    @abstractmethod
    def _validate_input(self, X, y, incremental, reset):
        """Return ``X`` and the encoded 2-D target ``Y``: uint8 0/1 codes
        (classification) or floats in X's dtype (regression)."""

    @abstractmethod
    def _output(self):
        """Return ``(out_activation_ name in scikit-learn's words, loss name)``."""

    @abstractmethod
    def _validation_score(self, model, X, Y, sample_weight):
        """Score used by early stopping (accuracy or R^2), from encoded ``Y``."""

    # Fitted attributes derived from the model -----------------------------------
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Kernels of each layer, shape ``(n_in, n_out)`` (views of ``model_``)."""
        check_is_fitted(self, "model_")
        return [layer.W for layer in self.model_.layers]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Biases of each layer, shape ``(n_out,)`` (views of ``model_``)."""
        check_is_fitted(self, "model_")
        return [layer.b for layer in self.model_.layers]

    def summary(self, print_fn: Callable[[str], object] | None = None) -> None:
        """Print the Keras-style table of the fitted network (see ``Model.summary``)."""
        check_is_fitted(self, "model_")
        self.model_.summary(print_fn=print_fn)

    # Building -------------------------------------------------------------------
    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if not hasattr(sizes, "__iter__") else list(sizes)
        if any(
            isinstance(s, bool) or not isinstance(s, Integral) or s <= 0 for s in sizes
        ):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _validate_params(self):
        """scikit-learn's parameter validation, skipped when nothing changed.

        ``partial_fit`` validates on every call, and on small data the check
        costs a noticeable part of the epoch. It is skipped when
        every parameter is the very object that passed last time and immutable
        (a ``set_params`` or an assignment replaces the object).
        """
        params = {k: getattr(self, k) for k in self._parameter_constraints}
        last = _VALIDATED.get(self)
        if last is not None and all(params[k] is v for k, v in last.items()):
            return
        super()._validate_params()
        if all(_immutable(v) for v in params.values()):
            _VALIDATED[self] = params

    def _make_rng(self):
        """One Generator per fit, drawn from ``random_state`` (sklearn semantics)."""
        rs = self.random_state
        if isinstance(rs, Integral) and not isinstance(rs, bool):
            return np.random.default_rng(_seed_from_int(int(rs)))
        return np.random.default_rng(check_random_state(rs).randint(_SEED_MAX))

    def _make_optimizer(self):
        if self.solver == "sgd":
            return SGD(self.learning_rate_init, self.momentum, self.nesterovs_momentum)
        if self.solver == "adam":
            return Adam(self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
        return None

    def _build_model(self, n_features, n_outputs, dtype, rng):
        # scikit-learn's initialisation: U(-l, l), l = sqrt(6/(fan_in+fan_out)), or
        # sqrt(2/...) for logistic, on weights and biases of every layer.
        init = (
            "sklearn_logistic"
            if self.activation in ("logistic", "sigmoid")
            else "sklearn"
        )
        out_name, loss = self._output()
        model = Model(name=type(self).__name__)
        units = [*self._hidden_layer_sizes(), n_outputs]
        for i, u in enumerate(units):
            act = self.activation if i < len(units) - 1 else out_name
            model.add(
                DenseBlock(u, act, kernel_initializer=init, bias_initializer=init)
            )
        model.compile(loss=loss, optimizer=None, alpha=self.alpha)
        return model.build(n_features, rng, dtype)

    # Fitting ---------------------------------------------------------------------
    def _fit(self, X, y, sample_weight=None, incremental=False, prepare=None):
        """Fit transactionally: on any error the estimator is left as it was.

        ``prepare`` (optional) runs first, inside the transaction.
        """
        saved = dict(self.__dict__)
        try:
            if prepare is not None:
                prepare()
            return self._fit_unsafe(X, y, sample_weight, incremental)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit_unsafe(self, X, y, sample_weight, incremental):
        hidden = self._hidden_layer_sizes()
        first_pass = not hasattr(self, "model_") or (
            not self.warm_start and not incremental
        )
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
            if not sample_weight.sum() > 0:
                raise ValueError("The sum of sample_weight must be positive; got 0.")
            if not incremental:
                self._check_weighted_target(Y, sample_weight)
        self._warn_if_unscaled(X)
        rng = self._make_rng()

        # as scikit-learn: early stopping (stochastic solvers only) tracks the
        # validation score, and best_loss_ is then None
        validating = self.early_stopping and self.solver != "lbfgs"
        if first_pass:
            model = self._build_model(X.shape[1], Y.shape[1], X.dtype, rng)
            state = {
                "n_iter_": 0,
                "t_": 0,
                "loss_curve_": [],
                "loss_": np.nan,  # until the first epoch completes
                "best_loss_": None if validating else np.inf,
                "_no_improvement_count": 0,
                "validation_scores_": [] if validating else None,
                "best_validation_score_": -np.inf if validating else None,
            }
        else:
            if Y.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {Y.shape[1]} outputs, but the fitted model has "
                    f"{self.n_outputs_}; refit with warm_start=False."
                )
            trained = self.model_.layers
            if (
                [lay.units for lay in trained[:-1]] != hidden
                or any(
                    lay.activation.name != get_activation(self.activation).name
                    for lay in trained[:-1]
                )
                or self.model_.loss.name != self._output()[1]
            ):
                raise ValueError(
                    "hidden_layer_sizes, activation or loss changed since the last "
                    "fit; warm_start and partial_fit need the same network. Refit "
                    "with warm_start=False."
                )
            model = self.model_
            snapshot = model._snapshot()  # restored if this fit fails
            model.alpha = float(self.alpha)
            state = {k: copy.copy(getattr(self, k)) for k in self._state_keys()}
            if validating and state["validation_scores_"] is None:
                state["validation_scores_"] = []
                state["best_validation_score_"] = -np.inf
            if not validating and state["best_loss_"] is None:
                state["best_loss_"] = np.inf

        try:
            interrupted = self._train(
                model, X, Y, sample_weight, state, incremental, rng
            )
        except BaseException:
            if not first_pass:
                model._restore(snapshot)  # leave the fitted model as it was
            raise
        state.pop("_best_params", None)
        for k, v in state.items():
            setattr(self, k, v)
        self.model_ = model
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(hidden) + 2
        self.out_activation_ = self._output()[0]
        self.interrupted_ = interrupted
        return self

    def _train(self, model, X, Y, sample_weight, state, incremental, rng):
        """Run the solver, then check that it did not diverge."""
        # Divergence watch: the loss of a few rows before and after training
        probe = (X[:32], Y[:32], None if sample_weight is None else sample_weight[:32])
        with np.errstate(all="ignore"):
            start_loss = model.evaluate(*probe)
        if self.solver == "lbfgs":
            interrupted = self._fit_lbfgs(model, X, Y, sample_weight, state)
        else:
            interrupted = self._fit_stochastic(
                model, X, Y, sample_weight, state, incremental, rng
            )
        # no reference to the training data stays behind (L-BFGS ran on all of X)
        model.clear_cache(buffers=self.solver == "lbfgs")
        with np.errstate(all="ignore"):
            end_loss = model.evaluate(*probe)
        if not (np.isfinite(model.params).all() and np.isfinite(end_loss)):
            raise TrainingDivergedError(
                "Solver produced non-finite parameter weights or outputs. The input "
                "data may contain large values and need to be preprocessed (for "
                "example with StandardScaler), or the learning rate may be too high."
            )
        if end_loss > 10 * start_loss + 1e-3:  # relative and absolute growth
            warnings.warn(
                f"The training loss grew from {start_loss:.4g} to {end_loss:.4g}: "
                "training is diverging. Scale the input features (for example with "
                "StandardScaler) or lower learning_rate_init.",
                UserWarning,
                stacklevel=5,
            )
        return interrupted

    def _state_keys(self):
        return (
            "n_iter_",
            "t_",
            "loss_",
            "loss_curve_",
            "best_loss_",
            "_no_improvement_count",
            "validation_scores_",
            "best_validation_score_",
        )

    def _warn_if_unscaled(self, X, limit=1e6):
        """Warn when features are so large that training cannot go well."""
        values = X.data if hasattr(X, "data") and not isinstance(X, np.ndarray) else X
        if values.size and max(values.max(), -values.min()) > limit:
            warnings.warn(
                f"X has values of magnitude above {limit:g}; the network will train "
                "badly or diverge. Scale the features first (for example with "
                "StandardScaler in a Pipeline).",
                UserWarning,
                stacklevel=5,
            )

    def _check_weighted_target(self, Y, sample_weight):
        """Hook: the classifier refuses weights that leave a single class."""

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going "
                "to be clipped",
                stacklevel=7,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _fit_stochastic(self, model, X, Y, sample_weight, state, incremental, rng):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        if not incremental or model.optimizer is None:
            model.optimizer = self._make_optimizer()  # fresh state per fit, as sklearn
        validation = None
        if self.early_stopping:
            stratify = self._stratify(Y)
            parts = train_test_split(
                *(a for a in (X, Y, sample_weight) if a is not None),
                test_size=self.validation_fraction,
                random_state=int(rng.integers(_SEED_MAX)),
                stratify=stratify,
            )
            X, X_val, Y, Y_val = parts[:4]
            sw_val = None
            if sample_weight is not None:
                sample_weight, sw_val = parts[4], parts[5]
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' "
                    "or the size of your dataset."
                )
            validation = (X_val, Y_val, sw_val)
            state.setdefault("_best_params", model.params.copy())
        monitor = _SklearnMonitor(self, state, X.shape[0], validation)
        batch_size = self._batch_size(X.shape[0])
        history = model.fit(
            X,
            Y,
            batch_size=batch_size,
            epochs=1 if incremental else self.max_iter,
            shuffle=self.shuffle,
            random_state=rng,
            callbacks=[monitor],
            sample_weight=sample_weight,
            restore_on_divergence=False,  # _fit_unsafe restores (or discards) model_
        )
        if validation is not None and "_best_params" in state:
            model.params[...] = state["_best_params"]  # restore the best weights
        if not incremental and not monitor.stopped and not history.interrupted:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                "and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=6,
            )
        return history.interrupted

    def _stratify(self, Y):
        return None

    def _fit_lbfgs(self, model, X, Y, sample_weight, state):
        def fun(theta):
            model.params[...] = theta
            loss = model.loss_and_gradient(X, Y, sample_weight, training=False)
            return loss, model.grads.astype(np.float64)

        last = {"x": model.params.astype(np.float64)}

        def record(intermediate_result):
            last["x"] = intermediate_result.x.copy()
            loss = float(intermediate_result.fun)
            _record_iteration(state, loss, self.verbose)
            state["best_loss_"] = min(state["best_loss_"], loss)

        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                res = scipy.optimize.minimize(
                    fun,
                    last["x"].copy(),
                    method="L-BFGS-B",
                    jac=True,
                    callback=record,
                    options={
                        "maxfun": self.max_fun,
                        "maxiter": self.max_iter,
                        "gtol": self.tol,
                    },
                )
        except KeyboardInterrupt:
            model.params[...] = last["x"]
            warnings.warn(
                "Training interrupted by the user (Ctrl-C); the model keeps the weights "
                "of the last completed L-BFGS iteration.",
                UserWarning,
                stacklevel=6,
            )
            return True  # loss_ is the last completed iteration's (or NaN)
        if res.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {res.nit} iteration(s) "
                f"(status={res.status}): {res.message}\n\nIncrease the number of "
                "iterations (max_iter) or scale the data as shown in:\n"
                "    https://scikit-learn.org/stable/modules/preprocessing.html",
                ConvergenceWarning,
                stacklevel=6,
            )
        model.params[...] = res.x
        state["loss_"] = float(res.fun)
        if not state["loss_curve_"]:  # converged before the first iteration
            _record_iteration(state, state["loss_"], verbose=False)
        return False

    # Shared public API ------------------------------------------------------------
    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None):
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

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _forward(self, X):
        """Validated input -> output logits of the network."""
        from sklearn.utils.validation import validate_data

        check_is_fitted(self, "model_")
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        return self.model_.predict_logits(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
