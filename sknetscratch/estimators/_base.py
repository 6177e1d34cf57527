"""Shared machinery of the scikit-learn estimators (classifier and regressor).

The estimators translate parameters and data, and train exactly the network
scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` trains for the same
parameters and ``random_state``:

* every ``fit`` / ``partial_fit`` call takes ``check_random_state(random_state)``
  afresh (:mod:`._seeding`: the same generator state, without the OS reseed) and draws from it, in scikit-learn's order, the initial weights (first
  fit only: per layer ``U(-l, l)`` kernel then bias), the early-stopping split
  (``train_test_split``, stratified for single-output classifiers) and, each
  epoch, the reshuffle of the sample order; nothing else;
* the losses have scikit-learn's values (:meth:`_loss`) and gradients, with the
  L2 term divided by the batch's weight sum;
* the counters follow scikit-learn's rules: ``n_iter_`` counts the epochs (or
  L-BFGS iterations) of the last ``fit`` / ``partial_fit`` call, while ``t_``
  and ``loss_curve_`` keep growing across ``warm_start`` fits and
  ``partial_fit`` calls.

'sgd' and 'adam' run the core's ``Model.fit`` loop with the bookkeeping of
:mod:`._monitor`; 'lbfgs' runs :func:`._lbfgs.fit_lbfgs`. Warnings are issued
from this package's modules (default stack level), so
``warnings.filterwarnings(..., module="sknetscratch")`` silences them wherever
the estimator is called from.
"""

from __future__ import annotations

import warnings
import weakref
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, _fit_context
from sklearn.metrics import get_scorer_names
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ..nn.activations import ACTIVATIONS
from ..nn.initializers import INITIALIZERS
from ..nn.layers import DenseBlock
from ..nn.losses import get_loss
from ..optim import SGD, Adam, AdamW, LearningRateSchedule, Nadam, RMSprop, get_schedule
from ..training.model import TrainingDivergedError
from ..training.state import restore, snapshot
from ._lbfgs import fit_lbfgs
from ._monitor import SklearnCallbacks, ValidationData, record_history
from ._network import build_network, hidden_blocks, signature
from ._seeding import give_back, take_random_state
from ._stochastic import ADVICE, NON_FINITE, fit_stochastic

#: model_ -> the architecture parameters it last passed ``_check_same_network`` with
_SAME_NETWORK: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

_STOCHASTIC_SOLVERS = ("sgd", "adam", "adamw", "rmsprop", "nadam")
#: Per-epoch schedules by name (scikit-learn's 'constant', 'invscaling' and
#: 'adaptive' are kept by the training loop itself).
_SCHEDULE_NAMES = ("step", "exponential", "cosine")

#: Fitted attributes that training updates (committed together at the end).
_STATE_KEYS = (
    "n_iter_",
    "t_",
    "loss_",
    "loss_curve_",
    "best_loss_",
    "_no_improvement_count",
    "validation_scores_",
    "best_validation_score_",
    "validation_loss_curve_",
    "history_",
)


class _Curves:
    """The lengths of an estimator's fitted curves (the list-valued
    ``_STATE_KEYS`` and ``history_``'s lists) when a fit starts, to cut them back
    to if it fails: a warm or incremental fit appends to the lists in place."""

    def __init__(self, attrs: dict) -> None:
        self.history = attrs.get("history_")
        self.keys = set(self.history or ())
        lists = [attrs.get(k) for k in _STATE_KEYS]
        lists += list((self.history or {}).values())
        self.lengths = [(lst, len(lst)) for lst in lists if isinstance(lst, list)]

    def truncate(self) -> None:
        for lst, n in self.lengths:
            del lst[n:]
        for key in set(self.history or ()) - self.keys:
            del self.history[key]  # logged for the first time by the failed fit


try:  # scikit-learn 1.9's callback API (ProgressBar, ScoringMonitor, ...)
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - older scikit-learn: no such API

    class CallbackSupportMixin:  # noqa: D101
        pass


class _BaseScratchMLP(CallbackSupportMixin, BaseEstimator, metaclass=ABCMeta):
    """Base of ScratchMLPClassifier and ScratchMLPRegressor. Do not use directly."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS)), "array-like"],
        "solver": [StrOptions({"lbfgs", *_STOCHASTIC_SOLVERS})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [
            StrOptions({"constant", "invscaling", "adaptive", *_SCHEDULE_NAMES}),
            LearningRateSchedule,
        ],
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
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "batch_norm": ["boolean"],
        "kernel_initializer": [StrOptions({"sklearn", "auto", *INITIALIZERS})],
        "l1": [Interval(Real, 0, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "clipnorm": [Interval(Real, 0, None, closed="neither"), None],
        "clipvalue": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping_monitor": [
            StrOptions({"val_score", "val_loss", *get_scorer_names()})
        ],
        "metrics": [list, tuple, None],
        "callbacks": [list, tuple, None],
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

    # Fitted weights, as scikit-learn's lists ------------------------------------
    #: Fitted attributes that are views of ``model_``'s arrays (never stored twice).
    _views_of_model = ("coefs_", "intercepts_")

    def _dense_layers(self):
        return [layer for layer in self.model_.layers if isinstance(layer, DenseBlock)]

    def _link_weights(self):
        """``coefs_`` / ``intercepts_``: lists of the network's own arrays (views)."""
        layers = self._dense_layers()
        self.coefs_ = [layer.W for layer in layers]
        self.intercepts_ = [layer.b for layer in layers]

    def _sync_weights(self):
        """Copy arrays assigned to ``coefs_`` / ``intercepts_`` into the network.

        As on scikit-learn's MLP, ``est.coefs_ = [...]`` and ``est.coefs_[i] = W``
        change the network that predicts and trains next (arrays changed in
        place already are the network's own). Everything is checked before
        anything is copied.
        """
        if not hasattr(self, "model_"):
            return
        layers = self._dense_layers()
        copies = []
        for name, key in (("coefs_", "W"), ("intercepts_", "b")):
            assigned = getattr(self, name, None)
            own = [layer.params[key] for layer in layers]
            if not isinstance(assigned, (list, tuple)) or len(assigned) != len(own):
                raise ValueError(
                    f"{name} must be a list of {len(own)} arrays (one per layer); "
                    f"got {type(assigned).__name__}"
                    + (
                        f" of length {len(assigned)}."
                        if hasattr(assigned, "__len__")
                        else "."
                    )
                )
            for i, (a, o) in enumerate(zip(assigned, own)):
                if a is o:
                    continue
                a = np.asarray(a)
                if a.dtype.kind not in "biuf":
                    raise ValueError(
                        f"{name}[{i}] must hold real numbers; got dtype {a.dtype}."
                    )
                if a.shape != o.shape:
                    raise ValueError(
                        f"{name}[{i}] has shape {a.shape}, but layer {i} of the "
                        f"network needs shape {o.shape}."
                    )
                copies.append((a, o))
        for a, o in copies:
            o[...] = a
        if copies:
            self._link_weights()

    def summary(self, print_fn: Callable[[str], object] | None = None) -> None:
        """Print the Keras-style table of the fitted network (see ``Model.summary``).

        Parameters
        ----------
        print_fn : callable, default=None
            Called with the table as one string; ``print`` if None.
        """
        check_is_fitted(self, "model_")
        self.model_.summary(print_fn=print_fn)

    def __getstate__(self):
        state = super().__getstate__()
        # the lists are views of model_'s arrays: rebuilt on load, not stored twice
        if "model_" in state:
            self._sync_weights()
            state = {
                k: v for k, v in state.items() if k not in ("coefs_", "intercepts_")
            }
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "model_" in state:
            self._relink()

    def _relink(self):
        """After loading: ``coefs_`` / ``intercepts_`` views and the estimator's loss."""
        self.model_.loss = self._loss()
        self._link_weights()

    # Building -------------------------------------------------------------------
    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if not hasattr(sizes, "__iter__") else list(sizes)
        if any(
            isinstance(s, bool) or not isinstance(s, Integral) or s <= 0 for s in sizes
        ):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _make_optimizer(self):
        lr, clip = self.learning_rate_init, (self.clipnorm, self.clipvalue)
        if self.solver == "sgd":
            return SGD(lr, self.momentum, self.nesterovs_momentum, *clip)
        if self.solver == "adam":
            return Adam(lr, self.beta_1, self.beta_2, self.epsilon, *clip)
        if self.solver == "adamw":
            betas = (self.beta_1, self.beta_2, self.epsilon)
            return AdamW(lr, *betas, self.weight_decay, *clip)
        if self.solver == "rmsprop":
            return RMSprop(lr, rho=self.rho, epsilon=self.epsilon, clipnorm=clip[0],
                           clipvalue=clip[1])  # fmt: skip
        return Nadam(lr, self.beta_1, self.beta_2, self.epsilon, *clip)

    def _schedule(self):
        """The per-epoch learning-rate schedule, or None (scikit-learn's rates)."""
        if isinstance(self.learning_rate, LearningRateSchedule):
            return self.learning_rate
        if self.learning_rate == "cosine":  # over the epochs of one fit
            return get_schedule(
                "cosine", self.learning_rate_init, decay_epochs=self.max_iter
            )
        if self.learning_rate in _SCHEDULE_NAMES:
            return get_schedule(self.learning_rate, self.learning_rate_init)
        return None

    def _network(self, n_outputs):
        """The compiled, unbuilt network (see :mod:`._architecture`)."""
        return build_network(self, self._output()[0], self._loss(), n_outputs)

    def _build_model(self, n_features, n_outputs, dtype, random_state):
        # scikit-learn's initialisation, drawn from its RandomState in its order:
        # per layer U(-l, l) kernel then bias, l = sqrt(6/(fan_in + fan_out)),
        # or sqrt(2/...) when the hidden activation is 'logistic'
        return self._network(n_outputs).build(n_features, random_state, dtype)

    # Fitting ---------------------------------------------------------------------
    def _fit(self, X, y, sample_weight=None, incremental=False, prepare=None, val=None):
        """Fit transactionally: on any error the estimator is left as it was.

        ``prepare`` (optional) runs first, inside the transaction; ``val`` is
        ``(X_val, y_val, sample_weight_val)`` or None.
        """
        saved = dict(self.__dict__)
        curves = _Curves(saved)
        saved_model = snapshot(self.model_) if hasattr(self, "model_") else None
        random_state = take_random_state(self.random_state)
        try:
            if prepare is not None:
                prepare()
            return self._fit_unsafe(X, y, sample_weight, incremental, val, random_state)
        except BaseException:
            if saved_model is not None:
                restore(saved["model_"], saved_model)  # the weights trained in place
            self.__dict__.clear()
            self.__dict__.update(saved)
            curves.truncate()  # the lists a warm fit appended to in place
            raise
        finally:
            give_back(random_state)

    def _fit_unsafe(self, X, y, sample_weight, incremental, val, random_state):
        self._sync_weights()
        hidden = self._hidden_layer_sizes()
        if self.solver == "lbfgs" and (
            self.batch_norm or any(rate > 0 for _, _, rate in hidden_blocks(self))
        ):
            raise ValueError(
                "solver='lbfgs' trains on all the data at once and does not support "
                "dropout or batch_norm, which need mini-batches; use solver='adam' "
                "or 'sgd'."
            )
        first_pass = not hasattr(self, "model_") or (
            not self.warm_start and not incremental
        )
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        sample_weight = self._weight_samples(Y, sample_weight, incremental)
        if sample_weight is not None:
            sample_weight = sample_weight.astype(X.dtype, copy=False)
            if not sample_weight.sum() > 0:
                raise ValueError("The sum of sample_weight must be positive; got 0.")
        self._warn_if_unscaled(X)
        validation = None if val is None else self._validation_data(*val)
        unknown = (
            sorted(set(self.metrics) - set(get_scorer_names())) if self.metrics else []
        )
        if unknown:
            raise ValueError(
                f"metrics must be scikit-learn scorer names; {unknown} are not (see "
                "sklearn.metrics.get_scorer_names())."
            )
        if self.metrics and not (self.early_stopping or validation is not None):
            raise ValueError(
                "metrics are evaluated on validation data each epoch: pass X_val and "
                "y_val to fit, or set early_stopping=True."
            )
        if validation is not None and self.solver == "lbfgs":
            raise ValueError(
                "X_val and y_val need a stochastic solver ('adam' or 'sgd'): "
                "validation curves and early stopping are per epoch."
            )

        # as scikit-learn: early stopping (stochastic solvers only) tracks the
        # validation score, and best_loss_ is then None
        validating = self.early_stopping and self.solver != "lbfgs"
        curves = validating or validation is not None
        worst = np.inf if self.early_stopping_monitor == "val_loss" else -np.inf
        if first_pass:
            model = self._build_model(X.shape[1], Y.shape[1], X.dtype, random_state)
            state = {
                "n_iter_": 0,
                "t_": 0,
                "loss_curve_": [],
                "loss_": np.nan,  # until the first epoch completes
                "best_loss_": None if validating else np.inf,
                "_no_improvement_count": 0,
                "validation_scores_": [] if curves else None,
                "best_validation_score_": worst if validating else None,
                "validation_loss_curve_": [] if curves else None,
                "history_": {},
            }
        else:
            self._check_same_network(Y, hidden)
            model = self.model_
            model.alpha, model.l1 = float(self.alpha), float(self.l1)
            model.loss = self._loss()
            # the fitted curves themselves: this fit appends to them (a fit that
            # fails truncates them back, see _fit), as scikit-learn's MLP does;
            # copying them would make each partial_fit call slower than the last
            state = {k: getattr(self, k, None) for k in _STATE_KEYS}
            if curves and state["validation_scores_"] is None:
                state["validation_scores_"] = []
            if curves and state["validation_loss_curve_"] is None:
                state["validation_loss_curve_"] = []
            if validating and state["best_validation_score_"] is None:
                state["best_validation_score_"] = worst
            if state["history_"] is None:  # fitted before history_ existed
                state["history_"] = {}
            if not validating and state["best_loss_"] is None:
                state["best_loss_"] = np.inf
        state["n_iter_"] = 0  # as scikit-learn: the epochs of this call
        if validating:
            # The weights early stopping restores unless an epoch of this fit
            # scores better: the initial ones in a first fit; in a warm start,
            # as in scikit-learn (whose restored best weights *are* the live
            # ones), the weights of the last epoch.
            state["_best_params"] = model.params.copy() if first_pass else model.params

        # scorers in metrics / early_stopping_monitor score the estimator itself
        # after each epoch: it holds the network being trained (restored by _fit
        # if this fit fails)
        self.model_ = model
        self._link_weights()
        skl = SklearnCallbacks.start(self, X, Y, sample_weight, incremental)
        interrupted = self._train(
            model,
            X,
            Y,
            sample_weight,
            state,
            incremental,
            random_state,
            validation,
            skl,
        )
        if skl is not None:
            skl.end(model)
        state.pop("_best_params", None)
        for k, v in state.items():
            setattr(self, k, v)
        self.model_ = model
        self._link_weights()
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(hidden) + 2
        self.out_activation_ = self._output()[0]
        self.interrupted_ = interrupted
        return self

    def _check_same_network(self, Y, hidden):
        if Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, but the fitted model has "
                f"{self.n_outputs_}; refit with warm_start=False."
            )
        # the parameters that make the network; once they matched model_, later
        # partial_fit calls with the same ones skip building a network to compare
        # (50 us of a call: 1-2% of a partial_fit epoch on breast cancer)
        key = (tuple(hidden_blocks(self)), bool(self.batch_norm), self._output())
        if _SAME_NETWORK.get(self.model_) == key:
            return
        if signature(self._network(Y.shape[1])) != signature(self.model_) or (
            self.model_.loss.name != self._output()[1]
        ):
            raise ValueError(
                "hidden_layer_sizes, activation, dropout, batch_norm or loss changed "
                "since the last fit; warm_start and partial_fit need the same "
                "network. Refit with warm_start=False."
            )
        _SAME_NETWORK[self.model_] = key

    def _train(
        self,
        model,
        X,
        Y,
        sample_weight,
        state,
        incremental,
        random_state,
        validation,
        skl=None,
    ):
        """Run the solver, then check that it did not diverge."""
        # Divergence watch: the loss of a few rows before and after training
        probe = (X[:32], Y[:32], None if sample_weight is None else sample_weight[:32])
        with np.errstate(all="ignore"):
            start_loss = model.evaluate(*probe, return_dict=True)["loss"]
        if self.solver == "lbfgs":
            done = len(state["loss_curve_"])
            interrupted = fit_lbfgs(self, model, X, Y, sample_weight, state)
            record_history(state, {"loss": state["loss_curve_"][done:]})
        else:
            interrupted = fit_stochastic(
                self,
                model,
                X,
                Y,
                sample_weight,
                state,
                incremental,
                random_state,
                validation,
                skl,
            )
        # no reference to the training data stays behind (L-BFGS ran on all of X)
        with np.errstate(all="ignore"):
            end_loss = model.evaluate(*probe, return_dict=True)["loss"]
        if not np.isfinite(model.params).all():
            raise TrainingDivergedError(NON_FINITE + ADVICE)
        if not np.isfinite(end_loss):  # finite weights, but outputs that overflow
            raise TrainingDivergedError(
                "Solver produced parameter weights whose outputs are non-finite on "
                "the training data." + ADVICE
            )
        if end_loss > 10 * start_loss + 1e-3:  # relative and absolute growth
            warnings.warn(
                f"The training loss grew from {start_loss:.4g} to {end_loss:.4g}: "
                "training is diverging. Scale the input features (for example with "
                "StandardScaler) or lower learning_rate_init.",
                UserWarning,
                stacklevel=1,
            )
        return interrupted

    def _warn_if_unscaled(self, X, limit=1e6):
        """Warn when features are so large that training cannot go well."""
        values = X.data if hasattr(X, "data") and not isinstance(X, np.ndarray) else X
        if values.size and max(values.max(), -values.min()) > limit:
            warnings.warn(
                f"X has values of magnitude above {limit:g}; the network will train "
                "badly or diverge. Scale the features first (for example with "
                "StandardScaler in a Pipeline).",
                UserWarning,
                stacklevel=1,
            )

    def _validation_data(self, X_val, y_val, sample_weight_val):
        """The explicit validation set, checked and encoded as the training data."""
        if X_val is None or y_val is None:
            raise ValueError("X_val and y_val must be given together.")
        try:
            X_val, Y_val = self._validate_input(X_val, y_val, True, reset=False)
        except ValueError as exc:
            raise ValueError(f"X_val / y_val: {exc}") from None
        if sample_weight_val is not None:
            sample_weight_val = _check_sample_weight(
                sample_weight_val, X_val, dtype=X_val.dtype, ensure_non_negative=True
            )
        return ValidationData(X_val, Y_val, sample_weight_val, self._targets(Y_val))

    def _monitored_scorers(self) -> list[str]:
        """scikit-learn scorers evaluated on the validation data each epoch."""
        names = list(self.metrics or [])
        if self.early_stopping_monitor not in ("val_score", "val_loss", *names):
            names.append(self.early_stopping_monitor)
        return names

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
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def _check_predict_input(self, X):
        """X validated against the fit (features, dtype); assigned weights synced."""
        check_is_fitted(self, "model_")
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        self._sync_weights()
        return X

    def _forward(self, X):
        """Validated input -> output logits of the network."""
        X = self._check_predict_input(X)
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
        check_is_fitted(self, "model_")
        dense = [
            i for i, lay in enumerate(self.model_.layers) if lay in self._dense_layers()
        ]
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
        X = self._check_predict_input(X)
        # hidden layer k ends where the next DenseBlock starts
        return self.model_.predict_until(X, dense[layer % n_hidden + 1])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
