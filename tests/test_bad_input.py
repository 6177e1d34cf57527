"""Bad input, table-driven: every case runs for the classifier and the regressor.

Each case names what it feeds, where (fit, partial_fit, predict, predict_proba,
predict_log_proba) and what must happen: an error of a given type whose message
matches a regex (scikit-learn's wording where scikit-learn has one, checked
against MLPClassifier/MLPRegressor and ``sklearn.utils.check_array``), a warning,
or, when the input is acceptable, a check of the result. Cases that make sense
for one estimator only say so (``kinds``).

A second test re-runs a sample of the failing fits on an already fitted
estimator: the failed call must leave it exactly as it was.

Decisions recorded here (where scikit-learn's MLP is silent or inconsistent):

* numeric strings in X are accepted by fit, partial_fit and predict alike, and
  give the same model as the numbers (MLPClassifier accepts them in fit but
  refuses them in predict);
* float16, bool and object (numbers) X are accepted and trained in float64;
  float32 X is trained in float32;
* negative sample weights, a single class, or weights that leave a single class
  are refused (MLPClassifier/MLPRegressor accept them silently);
* huge inputs (X * 1e150) must raise or warn about scaling, never train
  silently; tiny inputs (X * 1e-150) must train to finite predictions.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

KINDS = ("clf", "reg")
ESTIMATORS = {"clf": ScratchMLPClassifier, "reg": ScratchMLPRegressor}
CLASSES = np.array([0, 1, 2])

_rng = np.random.RandomState(0)
X = _rng.standard_normal((20, 3))
Y = {"clf": np.array([0, 1, 2, 0] * 5), "reg": _rng.standard_normal(20)}


def _with(a, index, value):
    """Copy of ``a`` as float with ``a[index] = value``."""
    a = np.array(a, dtype=float)
    a[index] = value
    return a


X_NAN = _with(X, (0, 0), np.nan)
X_INF = _with(X, (0, 0), np.inf)


def make(kind, **params):
    """A small, fast estimator: one hidden layer of 5 units, 5 epochs."""
    params = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0, **params}
    return ESTIMATORS[kind](**params)


def kind_of(est):
    return "clf" if isinstance(est, ScratchMLPClassifier) else "reg"


def pf_kwargs(est):
    """``classes`` for the classifier's partial_fit, nothing for the regressor."""
    return {"classes": CLASSES} if kind_of(est) == "clf" else {}


def partial_fit(est, X_, y_, **kw):
    return est.partial_fit(X_, y_, **{**pf_kwargs(est), **kw})


def good_y(est):
    y = Y[kind_of(est)]
    return np.abs(y) if getattr(est, "loss", None) == "poisson" else y


def fitted(est):
    """``est`` fitted on the good data (left as it is if already fitted)."""
    return est if hasattr(est, "model_") else est.fit(X, good_y(est))


def partially_fitted(est):
    """``est`` after one partial_fit on the good data (unless already fitted)."""
    return est if hasattr(est, "model_") else partial_fit(est, X, good_y(est))


def output(est, X_=X):
    """predict_proba for the classifier, predict for the regressor."""
    return est.predict_proba(X_) if kind_of(est) == "clf" else est.predict(X_)


# --------------------------------------------------------------------------- table
@dataclass(frozen=True)
class Case:
    """One bad input.

    ``call(est)`` gets a fresh estimator (``make(kind, **params)``) and does the
    bad thing. Exactly one of ``raises`` (with ``match``), ``warns`` (with
    ``match``) or ``check`` says what must happen; ``check(est, result)`` runs
    after the call when it does not raise. Calls expected to succeed run with
    every warning but ConvergenceWarning turned into an error.
    """

    id: str
    call: Callable[[Any], Any]
    raises: type[BaseException] | None = None
    warns: type[Warning] | None = None
    match: str | None = None
    check: Callable[[Any, Any], None] | None = None
    kinds: tuple[str, ...] = KINDS
    params: dict = field(default_factory=dict)
    transactional: bool = False  # also run it on a fitted estimator


CASES: list[Case] = []


def case(*args, **kwargs):
    CASES.append(Case(*args, **kwargs))


# -- malformed X, in every method that takes X ----------------------------------
_BAD_X = [
    # id, X, error regex (the same for both estimators and every method)
    ("nan_X", X_NAN, r"Input X contains NaN"),
    ("inf_X", X_INF, r"Input X contains infinity or a value too large for dtype"),
    (
        "empty_X",
        np.empty((0, 3)),
        r"Found array with 0 sample\(s\) \(shape=\(0, 3\)\) while a minimum of 1 "
        r"is required",
    ),
    (
        "zero_features",
        np.empty((20, 0)),
        r"Found array with 0 feature\(s\) \(shape=\(20, 0\)\) while a minimum of 1 "
        r"is required",
    ),
    ("1d_X", X[:, 0], r"Expected 2D array, got 1D array instead"),
    ("3d_X", X[:, :, None], r"Found array with dim 3, while dim <= 2 is required"),
    ("complex_X", X + 1j, r"Complex data not supported"),
    (
        "ragged_X",
        [[1.0, 2.0, 3.0], [1.0, 2.0]] * 10,
        r"setting an array element with a sequence.*inhomogeneous shape",
    ),
    (
        "non_numeric_strings_X",
        np.array([["a", "b", "c"]] * 20),
        # scikit-learn: the first in fit, the second in predict
        r"could not convert string to float|"
        r"dtype='numeric' is not compatible with arrays of bytes/strings",
    ),
]

for _name, _Xb, _msg in _BAD_X:
    _n = len(_Xb)
    case(
        f"fit-{_name}",
        lambda est, Xb=_Xb, n=_n: est.fit(Xb, good_y(est)[:n]),
        ValueError,
        match=_msg,
        transactional=_name in ("nan_X", "empty_X", "3d_X", "ragged_X"),
    )
    case(
        f"partial_fit-{_name}",
        lambda est, Xb=_Xb, n=_n: partial_fit(est, Xb, good_y(est)[:n]),
        ValueError,
        match=_msg,
        transactional=_name in ("inf_X", "complex_X", "non_numeric_strings_X"),
    )
    case(
        f"predict-{_name}",
        lambda est, Xb=_Xb: fitted(est).predict(Xb),
        ValueError,
        match=_msg,
    )
    case(
        f"predict_proba-{_name}",
        lambda est, Xb=_Xb: fitted(est).predict_proba(Xb),
        ValueError,
        match=_msg,
        kinds=("clf",),
    )
    case(
        f"predict_log_proba-{_name}",
        lambda est, Xb=_Xb: fitted(est).predict_log_proba(Xb),
        ValueError,
        match=_msg,
        kinds=("clf",),
    )

# -- bad y ----------------------------------------------------------------------
for _method, _fn in (
    ("fit", lambda e, X_, y_: e.fit(X_, y_)),
    ("partial_fit", partial_fit),
):
    case(
        f"{_method}-nan_y",
        lambda est, f=_fn: f(est, X, _with(good_y(est), 0, np.nan)),
        ValueError,
        # the classifier's partial_fit reads the labels before validating them
        match=r"Input (y )?contains NaN",
        transactional=_method == "fit",
    )
    case(
        f"{_method}-inf_y",
        lambda est, f=_fn: f(est, X, _with(good_y(est), 0, np.inf)),
        ValueError,
        match=r"Input (y )?contains infinity or a value too large for dtype",
        transactional=_method == "partial_fit",
    )
    case(
        f"{_method}-mismatched_n_samples",
        lambda est, f=_fn: f(est, X, good_y(est)[:15]),
        ValueError,
        match=re.escape(
            "Found input variables with inconsistent numbers of samples: [20, 15]"
        ),
        transactional=_method == "fit",
    )
    case(
        f"{_method}-3d_y",
        lambda est, f=_fn: f(est, X, good_y(est)[:, None, None]),
        ValueError,
        match=r"Found array with dim 3, while dim <= 2 is required",
    )

# -- bad sample_weight ------------------------------------------------------------
_BAD_SW = [
    (
        "sample_weight_short",
        np.ones(15),
        r"sample_weight\.shape == \(15,\), expected \(20,\)!",
    ),
    (
        "sample_weight_2d",
        np.ones((20, 1)),
        r"Sample weights must be 1D array or scalar",
    ),
    (
        "sample_weight_nan",
        _with(np.ones(20), 0, np.nan),
        r"Input sample_weight contains NaN",
    ),
    (
        "sample_weight_inf",
        _with(np.ones(20), 0, np.inf),
        r"Input sample_weight contains infinity or a value too large",
    ),
    (
        "sample_weight_negative",
        _with(np.ones(20), 0, -1.0),
        r"Negative values in data passed to `sample_weight`",
    ),
    (
        "sample_weight_zero_sum",
        np.zeros(20),
        r"Sample weights must contain at least one non-zero number",
    ),
]
for _name, _sw, _msg in _BAD_SW:
    case(
        f"fit-{_name}",
        lambda est, sw=_sw: est.fit(X, good_y(est), sample_weight=sw),
        ValueError,
        match=_msg,
        transactional=_name in ("sample_weight_negative", "sample_weight_zero_sum"),
    )
    case(
        f"partial_fit-{_name}",
        lambda est, sw=_sw: partial_fit(est, X, good_y(est), sample_weight=sw),
        ValueError,
        match=_msg,
        transactional=_name == "sample_weight_nan",
    )

# the input is read (n_features_in_, classes_ set) before the weights are refused
case(
    "fit-new_features_and_labels_then_negative_sample_weight",
    lambda est: est.fit(
        X[:, :2],
        good_y(est) + 5 if kind_of(est) == "clf" else good_y(est),
        sample_weight=-np.ones(20),
    ),
    ValueError,
    match=r"Negative values in data passed to `sample_weight`",
    transactional=True,
)

# -- wrong number of features after fit ----------------------------------------------
_N_FEATURES = r"X has 2 features, but Scratch\w+ is expecting 3 features as input"
case(
    "predict-wrong_n_features",
    lambda est: fitted(est).predict(X[:, :2]),
    ValueError,
    match=_N_FEATURES,
)
case(
    "predict_proba-wrong_n_features",
    lambda est: fitted(est).predict_proba(X[:, :2]),
    ValueError,
    match=_N_FEATURES,
    kinds=("clf",),
)
case(
    "predict_log_proba-wrong_n_features",
    lambda est: fitted(est).predict_log_proba(X[:, :2]),
    ValueError,
    match=_N_FEATURES,
    kinds=("clf",),
)
case(
    "partial_fit-wrong_n_features",
    lambda est: partial_fit(fitted(est), X[:, :2], good_y(est)),
    ValueError,
    match=_N_FEATURES,
    transactional=True,
)
case(
    "warm_start_fit-wrong_n_features",
    lambda est: fitted(est).set_params(warm_start=True).fit(X[:, :2], good_y(est)),
    ValueError,
    match=_N_FEATURES,
    transactional=True,
)

# -- not fitted -------------------------------------------------------------------------
_NOT_FITTED = r"This Scratch\w+ instance is not fitted yet"
case(
    "predict-not_fitted", lambda est: est.predict(X), NotFittedError, match=_NOT_FITTED
)
for _m in ("predict_proba", "predict_log_proba"):
    case(
        f"{_m}-not_fitted",
        lambda est, m=_m: getattr(est, m)(X),
        NotFittedError,
        match=_NOT_FITTED,
        kinds=("clf",),
    )

# -- classifier targets --------------------------------------------------------------------
_CLF = ("clf",)
case(
    "partial_fit-unseen_label_later_call",
    lambda est: partially_fitted(est).partial_fit(X, Y["clf"] + 5),
    ValueError,
    match=r"`y` has classes not in `self\.classes_`",
    kinds=_CLF,
    transactional=True,
)
case(
    "partial_fit-label_not_in_classes_first_call",
    lambda est: est.partial_fit(X, Y["clf"] + 5, classes=CLASSES),
    ValueError,
    match=r"`y` has classes not in `self\.classes_`",
    kinds=_CLF,
)
case(
    "partial_fit-different_classes_later_call",
    lambda est: partially_fitted(est).partial_fit(X, Y["clf"], classes=[0, 1, 2, 3]),
    ValueError,
    match=r"`classes=.*` is not the same as on last call to partial_fit, was:",
    kinds=_CLF,
    transactional=True,
)
case(
    "partial_fit-first_call_without_classes",
    lambda est: est.partial_fit(X, Y["clf"]),
    ValueError,
    match=r"classes must be passed on the first call to partial_fit",
    kinds=_CLF,
)
case(
    "fit-continuous_y",
    lambda est: est.fit(X, Y["reg"]),
    ValueError,
    match=r"Unknown label type",
    kinds=_CLF,
    transactional=True,
)
case(
    "partial_fit-continuous_y",
    lambda est: est.partial_fit(X, Y["reg"], classes=CLASSES),
    ValueError,
    match=r"Unknown label type",
    kinds=_CLF,
)
case(
    "fit-warm_start_different_classes",
    lambda est: fitted(est).set_params(warm_start=True).fit(X, Y["clf"] % 2),
    ValueError,
    match=r"warm_start can only be used where `y` has the same classes as in the "
    r"previous call to fit",
    kinds=_CLF,
    transactional=True,
)
# a 2-D y of multiclass columns is neither multilabel nor single-output
_MULTICLASS_MULTIOUTPUT = np.c_[Y["clf"], Y["clf"][::-1]]
case(
    "fit-multiclass_multioutput_y",
    lambda est: est.fit(X, _MULTICLASS_MULTIOUTPUT),
    ValueError,
    match=r"Multioutput target data is not supported",
    kinds=_CLF,
    transactional=True,
)
case(
    "partial_fit-multiclass_multioutput_y",
    lambda est: est.partial_fit(X, _MULTICLASS_MULTIOUTPUT, classes=CLASSES),
    ValueError,
    match=r"Multioutput target data is not supported",
    kinds=_CLF,
)

# -- regressor targets -----------------------------------------------------------------------
_POISSON = (
    r"Some value\(s\) of y are negative which is not allowed for Poisson regression"
)
case(
    "fit-poisson_negative_y",
    lambda est: est.fit(X, Y["reg"]),
    ValueError,
    match=_POISSON,
    kinds=("reg",),
    params={"loss": "poisson"},
    transactional=True,
)
case(
    "partial_fit-poisson_negative_y",
    lambda est: est.partial_fit(X, Y["reg"]),
    ValueError,
    match=_POISSON,
    kinds=("reg",),
    params={"loss": "poisson"},
    transactional=True,
)
case(
    "fit-non_numeric_y",
    lambda est: est.fit(X, np.array(["a", "b"] * 10)),
    ValueError,
    match=r"could not convert string to float",
    kinds=("reg",),
    transactional=True,
)

# -- solver / estimator state -------------------------------------------------------------
case(
    "partial_fit-early_stopping",
    lambda est: partial_fit(est, X, good_y(est)),
    ValueError,
    match=r"partial_fit does not support early_stopping=True",
    params={"early_stopping": True},
)
case(
    "partial_fit-lbfgs",
    lambda est: partial_fit(est, X, good_y(est)),
    AttributeError,
    match=r"has no attribute 'partial_fit'",
    params={"solver": "lbfgs"},
)
_CHANGED = r"hidden_layer_sizes, activation, dropout, batch_norm or loss changed since the last fit"
for _name, _changed in (
    ("hidden_layer_sizes", {"hidden_layer_sizes": (6,)}),
    ("activation", {"activation": "tanh"}),
):
    case(
        f"warm_start_fit-{_name}_changed",
        lambda est, p=_changed: (
            fitted(est).set_params(warm_start=True, **p).fit(X, good_y(est))
        ),
        ValueError,
        match=_CHANGED,
        transactional=True,
    )
    case(
        f"partial_fit-{_name}_changed",
        lambda est, p=_changed: partial_fit(
            fitted(est).set_params(**p), X, good_y(est)
        ),
        ValueError,
        match=_CHANGED,
    )
case(
    "warm_start_fit-loss_changed",
    lambda est: (
        fitted(est).set_params(warm_start=True, loss="poisson").fit(X, np.abs(Y["reg"]))
    ),
    ValueError,
    match=_CHANGED,
    kinds=("reg",),
    transactional=True,
)

# -- hyperparameters: scikit-learn's InvalidParameterError ------------------------------------
_BAD_PARAMS = [
    (
        {"hidden_layer_sizes": 0},
        "must be an array-like or an int in the range [1, inf). Got 0 instead.",
    ),
    (
        {"hidden_layer_sizes": "10"},
        "must be an array-like or an int in the range [1, inf). Got '10' instead.",
    ),
    (
        {"activation": "nope"},
        None,
    ),  # its set of names is the package's, longer than sklearn's
    ({"solver": "x"}, None),
    ({"alpha": -1}, "must be a float in the range [0.0, inf). Got -1 instead."),
    (
        {"batch_size": 0},
        "must be a str among {'auto'} or an int in the range [1, inf). Got 0 instead.",
    ),
    ({"learning_rate": "x"}, None),
    (
        {"learning_rate_init": 0},
        "must be a float in the range (0.0, inf). Got 0 instead.",
    ),
    ({"power_t": -1}, "must be a float in the range [0.0, inf). Got -1 instead."),
    ({"max_iter": 0}, "must be an int in the range [1, inf). Got 0 instead."),
    (
        {"shuffle": "yes"},
        "must be an instance of 'bool' or an instance of 'numpy.bool'. Got 'yes' instead.",
    ),
    ({"tol": -1}, "must be a float in the range [0.0, inf). Got -1 instead."),
    ({"momentum": 2}, "must be a float in the range [0.0, 1.0]. Got 2 instead."),
    (
        {"validation_fraction": 1},
        "must be a float in the range [0.0, 1.0). Got 1 instead.",
    ),
    ({"beta_1": 1}, "must be a float in the range [0.0, 1.0). Got 1 instead."),
    ({"beta_2": 1}, "must be a float in the range [0.0, 1.0). Got 1 instead."),
    ({"epsilon": 0}, "must be a float in the range (0.0, inf). Got 0 instead."),
    (
        {"n_iter_no_change": 0},
        "must be an int in the range [1, inf) or a float among {inf}. Got 0 instead.",
    ),
    ({"max_fun": 0}, "must be an int in the range [1, inf). Got 0 instead."),
]


def _param_regex(name, value, tail):
    if tail is None:  # a str among a set (printed in no fixed order)
        return (
            rf"The '{name}' parameter of Scratch\w+ must be a str among \{{.*\}}"
            rf"( or an array-like| or an instance of '[\w.]+')?\. "
            rf"Got {re.escape(repr(value))} instead\."
        )
    return rf"The '{name}' parameter of Scratch\w+ " + re.escape(tail)


for _params, _tail in _BAD_PARAMS:
    ((_pname, _pval),) = _params.items()
    case(
        f"fit-{_pname}={_pval!r}".replace(" ", ""),
        lambda est, p=_params: est.set_params(**p).fit(X, good_y(est)),
        InvalidParameterError,
        match=_param_regex(_pname, _pval, _tail),
        transactional=_pname in ("alpha", "hidden_layer_sizes", "momentum"),
    )
_TAILS = {next(iter(p)): tail for p, tail in _BAD_PARAMS}
for _params in ({"alpha": -1}, {"batch_size": 0}, {"momentum": 2}):
    ((_pname, _pval),) = _params.items()
    case(
        f"partial_fit-{_pname}={_pval!r}".replace(" ", ""),
        lambda est, p=_params: partial_fit(est.set_params(**p), X, good_y(est)),
        InvalidParameterError,
        match=_param_regex(_pname, _pval, _TAILS[_pname]),
        # a fitted estimator's partial_fit skips validation, as scikit-learn's
        # (_fit_context): only the first call refuses
        transactional=False,
    )
# not caught by the constraint (an array-like): scikit-learn's own ValueError
case(
    "fit-hidden_layer_sizes=(10,0)",
    lambda est: est.set_params(hidden_layer_sizes=(10, 0)).fit(X, good_y(est)),
    ValueError,
    match=re.escape("hidden_layer_sizes must be > 0, got [10, 0]."),
    transactional=True,
)
case(
    "partial_fit-hidden_layer_sizes=(10,0)",
    lambda est: partial_fit(est.set_params(hidden_layer_sizes=(10, 0)), X, good_y(est)),
    ValueError,
    match=re.escape("hidden_layer_sizes must be > 0, got [10, 0]."),
)
case(
    "fit-loss='hinge'",
    lambda est: est.set_params(loss="hinge").fit(X, Y["reg"]),
    InvalidParameterError,
    match=_param_regex("loss", "hinge", None),
    kinds=("reg",),
    transactional=True,
)

# -- divergence -------------------------------------------------------------------------------
case(
    "fit-sgd_diverges",
    lambda est: est.fit(X * 1e150, good_y(est)),
    ValueError,  # TrainingDivergedError, or a refusal of the input before training
    match=r"StandardScaler",
    params={"solver": "sgd"},
    transactional=True,
    # fit warns of the magnitude of X ("... with StandardScaler ...") first
    warns=UserWarning,
)


# -- accepted input: what must happen instead of an error -----------------------------------
def _same_model_as_float64(X_other):
    """Fit on ``X_other`` trains in float64 exactly as on ``X_other`` as float64."""

    def check(est, result):
        assert result is est
        assert est.model_.dtype == "float64"
        assert all(W.dtype == np.float64 for W in est.coefs_)
        Xf = np.asarray(X_other, dtype=np.float64)
        ref = make(kind_of(est)).fit(Xf, good_y(est))
        np.testing.assert_array_equal(output(est, X_other), output(ref, Xf))
        np.testing.assert_array_equal(est.predict(X_other), ref.predict(Xf))

    return check


for _name, _Xo in (
    ("object_dtype_numbers_X", X.astype(object)),
    ("float16_X", X.astype(np.float16)),
    ("bool_X", X > 0),
    ("numeric_strings_X", X.astype(str)),  # exact round trip of float64 reprs
    ("list_of_lists_X", X.tolist()),
):
    case(
        f"fit-{_name}",
        lambda est, Xo=_Xo: est.fit(Xo, good_y(est)),
        check=_same_model_as_float64(_Xo),
    )
    case(
        f"partial_fit-{_name}",
        lambda est, Xo=_Xo: partial_fit(est, Xo, good_y(est)),
        check=lambda est, result, Xo=_Xo: np.testing.assert_array_equal(
            est.predict(Xo), est.predict(np.asarray(Xo, dtype=np.float64))
        ),
    )


def _is_1d_prediction(est, result):
    assert est.predict(X).shape == (20,)


case(
    "fit-column_vector_y",
    lambda est: est.fit(X, good_y(est)[:, None]),
    warns=DataConversionWarning,
    match=r"A column-vector y was passed when a 1d array was expected",
    check=_is_1d_prediction,
)
case(
    "partial_fit-column_vector_y",
    lambda est: partial_fit(est, X, good_y(est)[:, None]),
    warns=DataConversionWarning,
    match=r"A column-vector y was passed when a 1d array was expected",
    check=_is_1d_prediction,
)
case(
    "partial_fit-batch_with_one_of_the_classes",
    lambda est: est.partial_fit(X, np.zeros(20, dtype=int), classes=CLASSES),
    check=lambda est, result: np.testing.assert_array_equal(est.classes_, CLASSES),
    kinds=_CLF,
)


def _trains_in_float32(est, result):
    assert est.model_.dtype == "float32"
    assert output(est, X.astype(np.float32)).dtype == np.float32


case(
    "fit-float32_X_trains_in_float32",
    lambda est: est.fit(X.astype(np.float32), good_y(est)),
    check=_trains_in_float32,
)


def _finite_predictions(X_):
    def check(est, result):
        out = output(est, X_)
        assert np.isfinite(out).all()
        assert np.isfinite(est.predict(X_) if kind_of(est) == "reg" else out).all()

    return check


for _solver in ("adam", "sgd", "lbfgs"):
    case(
        f"fit-tiny_X_{_solver}",
        lambda est: est.fit(X * 1e-150, good_y(est)),
        check=_finite_predictions(X * 1e-150),
        params={"solver": _solver},
    )

_SCALING = re.compile(r"StandardScaler|[Ss]cal(e|ing) the (input|data|features)")
_GENERIC_CONVERGENCE = re.compile(r"failed to converge|Maximum iterations")


def _refuses_or_warns_about_scaling(train, X_train=X * 1e150, y_train=None):
    """Unscaled data: an error or a warning that says to scale; never silent garbage.

    The generic ConvergenceWarning of a short run (whose lbfgs wording also
    mentions scaling) does not count. When training is not refused, the
    predictions on the training data must be finite, without a RuntimeWarning.
    """

    def call(est):
        y_ = good_y(est) if y_train is None else y_train
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                train(est, X_train, y_)
            except ValueError as exc:  # TrainingDivergedError is a ValueError
                assert _SCALING.search(str(exc)), exc
                return "raised"
            finally:
                overflow = [w for w in record if issubclass(w.category, RuntimeWarning)]
                assert not overflow, [str(w.message) for w in overflow]
        told = [
            str(w.message)
            for w in record
            if _SCALING.search(str(w.message))
            and not _GENERIC_CONVERGENCE.search(str(w.message))
        ]
        assert told, (
            "training neither raised nor warned about scaling; got "
            f"{[str(w.message)[:80] for w in record]}"
        )
        assert np.isfinite(output(est, X_train)).all()
        return "warned"

    return call


def _fit(est, X_, y_):
    return est.fit(X_, y_)


for _solver in ("adam", "sgd", "lbfgs"):
    case(
        f"fit-huge_X_{_solver}",
        _refuses_or_warns_about_scaling(_fit),
        check=lambda est, result: None,
        params={"solver": _solver},
    )
for _solver in ("adam", "sgd"):
    case(
        f"partial_fit-huge_X_{_solver}",
        _refuses_or_warns_about_scaling(partial_fit),
        check=lambda est, result: None,
        params={"solver": _solver},
    )
# found by test_properties with X in [-100, 100]: the last SGD step leaves
# finite weights whose float32 predictions on the training data overflow
case(
    "fit-sgd_float32_diverges_in_last_epoch",
    _refuses_or_warns_about_scaling(
        _fit, np.array([[-63.0], [15.0]], dtype=np.float32), np.zeros(2)
    ),
    check=lambda est, result: None,
    kinds=("reg",),
    params={"solver": "sgd", "hidden_layer_sizes": (7,), "random_state": 1},
)


# --------------------------------------------------------------------------- tests
def _expand(cases, only_transactional=False):
    for c in cases:
        if only_transactional and not c.transactional:
            continue
        for kind in c.kinds:
            yield pytest.param(c, kind, id=f"{c.id}-{kind}")


def test_table_is_large_and_ids_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 30


def _warns(c):
    """``pytest.warns`` for a case that warns before it raises, else nothing."""
    if c.warns is None:
        return contextlib.nullcontext()
    return pytest.warns(c.warns, match=c.match)


@pytest.mark.parametrize("c, kind", list(_expand(CASES)))
def test_bad_input(c, kind):
    est = make(kind, **c.params)
    if c.raises is not None:
        with _warns(c), pytest.raises(c.raises, match=c.match):
            c.call(est)
        return
    if c.warns is not None:
        with pytest.warns(c.warns, match=c.match):
            result = c.call(est)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = c.call(est)
    c.check(est, result)


def _snapshot(est):
    return {
        "output": output(est).copy(),
        "predict": est.predict(X).copy(),
        "params": est.model_.params.copy(),
        "n_iter_": est.n_iter_,
        "loss_curve_": list(est.loss_curve_),
        "t_": est.t_,
        "best_loss_": est.best_loss_,
        "n_features_in_": est.n_features_in_,
        "classes_": getattr(est, "classes_", None),
        "attributes": sorted(vars(est)),
        "model_": est.model_,
    }


def _assert_same(before, after):
    for key, value in before.items():
        if key == "model_":
            assert after[key] is value, "model_ was replaced"
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(after[key], value, err_msg=key)
            assert after[key].dtype == value.dtype, key
        else:
            assert after[key] == value, key


@pytest.mark.parametrize("c, kind", list(_expand(CASES, only_transactional=True)))
def test_failed_fit_leaves_fitted_estimator_unchanged(c, kind):
    """fit good data, fail, and the estimator is bit-for-bit what it was."""
    est, twin = make(kind, **c.params), make(kind, **c.params)
    for e in (est, twin):
        fitted(e)
        partial_fit(e, X, good_y(e))  # optimizer state is part of the model
    before = _snapshot(est)
    with _warns(c), pytest.raises(c.raises, match=c.match):
        c.call(est)
    est.set_params(**{**twin.get_params()})  # undo set_params of the bad call
    _assert_same(before, _snapshot(est))
    # the next partial_fit continues exactly as if the failed call never happened
    partial_fit(est, X, good_y(est))
    partial_fit(twin, X, good_y(twin))
    np.testing.assert_array_equal(output(est), output(twin))
    assert est.n_iter_ == twin.n_iter_ and est.loss_curve_ == twin.loss_curve_


@pytest.mark.parametrize("kind", KINDS)
def test_numeric_strings_accepted_by_fit_and_predict_alike(kind):
    """Numeric strings: fit, partial_fit and every predict method agree."""
    Xs = np.array([["1", "2"], ["3", "-4.5"], ["0.25", "7"], ["-2", "1e-3"]] * 5)
    Xf = Xs.astype(np.float64)
    est = make(kind).fit(Xs, Y[kind])
    ref = make(kind).fit(Xf, Y[kind])
    methods = ["predict"] + (
        ["predict_proba", "predict_log_proba"] if kind == "clf" else []
    )
    for m in methods:
        np.testing.assert_array_equal(getattr(est, m)(Xs), getattr(ref, m)(Xf))
    partial_fit(est, Xs, Y[kind])
    partial_fit(ref, Xf, Y[kind])
    np.testing.assert_array_equal(est.predict(Xs), ref.predict(Xf))
