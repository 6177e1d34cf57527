"""ScratchMLPRegressor: parity with MLPRegressor, Poisson loss, API details."""

import inspect

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import mean_poisson_deviance, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknetscratch import ScratchMLPRegressor
from sknetscratch.nn.losses import AbsoluteError, Huber, Quantile

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def linear():
    """An easy, nearly linear problem: standardised X, one target."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 1.5]) + 0.1 * np.tanh(X[:, 0] * X[:, 1])
    return X, y + 0.05 * rng.normal(size=200)


@pytest.fixture(scope="module")
def multi():
    X, Y = make_regression(
        n_samples=120, n_features=5, n_informative=4, n_targets=3, random_state=0
    )
    return StandardScaler().fit_transform(X), Y / Y.std(axis=0)


@pytest.fixture(scope="module")
def counts():
    """y ~ Poisson(exp(0.5 + X w)): counts from 0 to about 20, a quarter zeros."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = rng.poisson(np.exp(0.5 + X @ np.array([0.6, -0.5, 0.4, 0.0])))
    return X, y.astype(np.float64)


# -- side by side with scikit-learn ---------------------------------------------


@pytest.mark.parametrize(
    "target, params",
    [
        ("one", {"solver": "sgd", "learning_rate_init": 0.01}),
        ("one", {"solver": "sgd", "nesterovs_momentum": False, "alpha": 0.5}),
        ("one", {"solver": "sgd", "learning_rate": "invscaling"}),
        ("one", {"solver": "adam", "learning_rate_init": 0.01, "alpha": 0.1}),
        ("one", {"solver": "lbfgs"}),
        ("counts", {"loss": "poisson", "learning_rate_init": 0.01}),
        ("counts", {"loss": "poisson", "solver": "lbfgs"}),
        ("two", {"solver": "adam", "learning_rate_init": 0.01, "alpha": 0.0}),
    ],
    ids=[
        "sgd",
        "sgd-momentum-l2",
        "sgd-invscaling",
        "adam-l2",
        "lbfgs",
        "poisson-adam",
        "poisson-lbfgs",
        "2-outputs-adam",
    ],
)
def test_same_start_follows_sklearn_trajectory(linear, target, params):
    """From the same weights, ours and scikit-learn's take the same steps."""
    X, y = linear
    y = {
        "one": y,
        "counts": np.round(np.exp(y / 3)),
        "two": np.column_stack([y, np.sin(2 * X[:, 0])]),
    }[target]
    kw = dict(
        hidden_layer_sizes=(10,),
        max_iter=1,
        batch_size=50,  # 4 mini-batches per epoch
        shuffle=False,
        warm_start=True,
        random_state=0,
        **params,
    )
    if kw.get("learning_rate") == "invscaling":
        kw["learning_rate_init"] = 0.05
    ours = ScratchMLPRegressor(**kw).fit(X, y)
    ref = MLPRegressor(**kw).fit(X, y)
    start = [w.copy() for pair in zip(ref.coefs_, ref.intercepts_) for w in pair]
    ours.model_.set_weights(start)  # Keras order: W, b of each layer
    ours.set_params(max_iter=30).fit(X, y)  # warm start from the same weights
    ref.set_params(max_iter=30).fit(X, y)
    assert ours.out_activation_ == ref.out_activation_
    # as scikit-learn: n_iter_ counts the epochs (or iterations) of the last fit
    assert ours.n_iter_ == ref.n_iter_
    if kw.get("solver") == "lbfgs":
        np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-6)
        assert ours.loss_ == pytest.approx(ref.loss_, rel=1e-8)
        return
    assert ours.t_ == ref.t_ == 31 * len(X)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10)
    # the same loss values, with one output or several (scikit-learn's scaling)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)


# -- Poisson ----------------------------------------------------------------------


def test_poisson_beats_squared_error_on_counts(counts):
    X, y = counts
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0)
    params = dict(hidden_layer_sizes=(10,), max_iter=300, learning_rate_init=0.01)
    pois = ScratchMLPRegressor(loss="poisson", random_state=0, **params).fit(Xtr, ytr)
    sq = ScratchMLPRegressor(random_state=0, **params).fit(Xtr, ytr)
    assert pois.out_activation_ == "exp" and sq.out_activation_ == "identity"
    pred = pois.predict(Xte)
    assert pred.shape == yte.shape and (pred > 0).all()
    # squared error can predict <= 0, where the deviance is undefined: clip it
    # to a small positive value before scoring it
    sq_pred = np.clip(sq.predict(Xte), 1e-3, None)
    dev_pois = mean_poisson_deviance(yte, pred)
    dev_sq = mean_poisson_deviance(yte, sq_pred)
    assert dev_pois < dev_sq, (dev_pois, dev_sq)
    # and on par with scikit-learn's own Poisson MLP
    ref = MLPRegressor(loss="poisson", random_state=0, **params).fit(Xtr, ytr)
    assert ref.out_activation_ == "exp"
    assert dev_pois <= 1.05 * mean_poisson_deviance(yte, ref.predict(Xte))


def test_poisson_loss_is_the_half_deviance(counts):
    X, y = counts
    kw = dict(hidden_layer_sizes=(5,), solver="lbfgs", alpha=0.0, max_iter=20)
    reg = ScratchMLPRegressor(loss="poisson", random_state=0, **kw).fit(X, y)
    # with alpha=0 the reported loss is the half mean Poisson deviance
    half_deviance = 0.5 * mean_poisson_deviance(y, reg.predict(X))
    assert reg.loss_ == reg.loss_curve_[-1] == pytest.approx(half_deviance, rel=1e-10)


def test_poisson_rejects_negative_targets(counts):
    X, y = counts
    y = y.copy()
    y[3] = -1.0
    with pytest.raises(ValueError, match="negative"):
        ScratchMLPRegressor(loss="poisson").fit(X, y)
    with pytest.raises(ValueError, match="negative"):
        ScratchMLPRegressor(loss="poisson").partial_fit(X, y)
    ScratchMLPRegressor(max_iter=2).fit(X, y)  # squared error accepts them


# -- absolute_error, huber, quantile ------------------------------------------------


@pytest.fixture(scope="module")
def heteroscedastic():
    """y = x + noise whose scale grows with |x|: 3000 rows to fit, 3000 held out."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(6000, 1))
    y = X[:, 0] + (0.2 + 0.5 * np.abs(X[:, 0])) * rng.normal(size=6000)
    return X[:3000], y[:3000], X[3000:], y[3000:]


def test_quantile_models_cover_their_quantile_of_held_out_targets(heteroscedastic):
    X, y, X_test, y_test = heteroscedastic
    params = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0)
    high = ScratchMLPRegressor(loss="quantile", quantile=0.9, **params).fit(X, y)
    low = ScratchMLPRegressor(loss="quantile", quantile=0.1, **params).fit(X, y)
    assert high.out_activation_ == low.out_activation_ == "identity"
    upper, lower = high.predict(X_test), low.predict(X_test)
    assert 0.85 < np.mean(y_test <= upper) < 0.95
    assert 0.05 < np.mean(y_test <= lower) < 0.15
    # the 80% interval is conditional: it holds where the noise is small and
    # where it is large, and is much wider where the noise is large
    wide, narrow = np.abs(X_test[:, 0]) > 1.5, np.abs(X_test[:, 0]) < 0.3
    inside = (lower <= y_test) & (y_test <= upper)
    assert 0.7 < inside[wide].mean() < 0.9 and 0.7 < inside[narrow].mean() < 0.9
    width = upper - lower
    assert width[wide].mean() > 2.5 * width[narrow].mean()


def _early_stopping_split(reg, X, y):
    """The rows a first fit with early stopping holds out, drawn as scikit-learn
    draws them: ``check_random_state(random_state)`` gives the initial weights
    (per layer a kernel, then a bias), then the ``train_test_split``."""
    rs = np.random.RandomState(reg.random_state)
    units = [X.shape[1], *reg.hidden_layer_sizes, 1]
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        rs.uniform(size=(fan_in, fan_out))
        rs.uniform(size=fan_out)
    return train_test_split(X, y, random_state=rs, test_size=reg.validation_fraction)


def test_early_stopping_scores_quantile_models_by_their_loss(heteroscedastic):
    """R^2 would keep the epoch closest to the mean; the pinball loss keeps
    the epoch that fits the quantile."""
    X, y, X_test, y_test = heteroscedastic
    params = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0)
    for q in (0.9, 0.1):
        reg = ScratchMLPRegressor(loss="quantile", quantile=q, early_stopping=True)
        reg.set_params(**params).fit(X, y)
        assert all(s < 0 for s in reg.validation_scores_)  # negative pinball losses
        assert reg.best_validation_score_ == max(reg.validation_scores_)
        assert np.argmax(reg.validation_scores_) > 0
        assert q - 0.05 < np.mean(y_test <= reg.predict(X_test)) < q + 0.05
        # the score of the kept weights is their negative loss on the split
        _, X_val, _, y_val = _early_stopping_split(reg, X, y)
        value = Quantile(q)(y_val.reshape(-1, 1), reg.predict(X_val).reshape(-1, 1))
        assert reg.best_validation_score_ == pytest.approx(-value, rel=1e-12)


@pytest.fixture(scope="module")
def outliers():
    """sin(x) with small noise, 5% of the training targets shifted up by 10-30."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(2000, 1))
    y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=2000)
    bad = rng.random(2000) < 0.05
    y[bad] += rng.uniform(10, 30, size=bad.sum())
    X_test = rng.uniform(-3, 3, size=(1000, 1))
    return X, y, X_test, np.sin(X_test[:, 0])


def test_huber_and_absolute_error_resist_outliers(outliers):
    X, y, X_test, y_clean = outliers
    params = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0)
    mse = {
        loss: np.mean(
            (
                ScratchMLPRegressor(loss=loss, **params).fit(X, y).predict(X_test)
                - y_clean
            )
            ** 2
        )
        for loss in ("squared_error", "huber", "absolute_error")
    }
    assert mse["squared_error"] > 0.3, mse  # the outliers pull the mean far up
    assert mse["huber"] < 0.05 * mse["squared_error"], mse
    assert mse["absolute_error"] < 0.05 * mse["squared_error"], mse


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"loss": "absolute_error"}, AbsoluteError()),
        ({"loss": "huber"}, Huber(1.0)),
        ({"loss": "huber", "huber_delta": 0.25}, Huber(0.25)),
        ({"loss": "quantile"}, Quantile(0.5)),
        ({"loss": "quantile", "quantile": 0.75, "huber_delta": 3.0}, Quantile(0.75)),
    ],
)
def test_the_loss_is_built_from_its_parameter(linear, params, expected):
    X, y = linear
    reg = ScratchMLPRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    reg.set_params(**params).fit(X, y)
    assert reg.model_.loss == expected
    assert reg.out_activation_ == "identity"
    assert reg.model_.layers[-1].activation.name == "linear"
    # the reported loss is the core loss (summed over outputs) plus the L2 term
    penalty = 0.5 * reg.alpha * sum((W**2).sum() for W in reg.coefs_) / len(X)
    value = expected(y.reshape(-1, 1), reg.predict(X).reshape(-1, 1))
    reg.set_params(warm_start=True, max_iter=1, learning_rate_init=1e-12).fit(X, y)
    assert reg.loss_ == pytest.approx(value + penalty, rel=1e-6)


def test_defaults_and_unused_parameters_change_nothing(linear):
    X, y = linear
    reg = ScratchMLPRegressor()
    assert reg.huber_delta == 1.0 and reg.quantile == 0.5
    # the new parameters come after all of scikit-learn's, keyword-only
    params = inspect.signature(ScratchMLPRegressor).parameters
    names = list(params)
    assert names.index("huber_delta") > names.index("max_fun")
    assert params["quantile"].kind is inspect.Parameter.KEYWORD_ONLY
    kw = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    ref = ScratchMLPRegressor(**kw).fit(X, y)
    other = ScratchMLPRegressor(huber_delta=7.0, quantile=0.2, **kw).fit(X, y)
    np.testing.assert_array_equal(other.predict(X), ref.predict(X))
    assert other.loss_curve_ == ref.loss_curve_
    assert type(other.model_.loss).__name__ == "OutputMeanSquaredError"


@pytest.mark.parametrize(
    "params, match",
    [
        ({"loss": "hinge"}, "'loss' parameter"),
        ({"huber_delta": 0.0}, "'huber_delta' parameter"),
        ({"huber_delta": -1.0}, "'huber_delta' parameter"),
        ({"huber_delta": "1"}, "'huber_delta' parameter"),
        ({"quantile": 0.0}, "'quantile' parameter"),
        ({"quantile": 1.0}, "'quantile' parameter"),
        ({"quantile": 1.5}, "'quantile' parameter"),
    ],
)
def test_loss_parameters_are_validated(linear, params, match):
    X, y = linear
    with pytest.raises(ValueError, match=match):
        ScratchMLPRegressor(**{"loss": "huber", **params}).fit(X, y)


def test_warm_start_follows_a_changed_loss_parameter(linear):
    """Same loss, other parameter: the network is the same, the loss follows."""
    X, y = linear
    reg = ScratchMLPRegressor(
        loss="quantile",
        hidden_layer_sizes=(5,),
        max_iter=5,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    reg.set_params(quantile=0.9).fit(X, y)
    assert reg.model_.loss == Quantile(0.9) and len(reg.loss_curve_) == 10
    reg.set_params(loss="huber", huber_delta=0.5)
    with pytest.raises(ValueError, match="loss changed"):
        reg.fit(X, y)
    assert reg.model_.loss == Quantile(0.9)  # refused: left as it was


@parametrize_with_checks(
    [
        ScratchMLPRegressor(loss="huber", max_iter=100, random_state=0),
        ScratchMLPRegressor(
            loss="quantile", quantile=0.9, max_iter=100, random_state=0
        ),
        ScratchMLPRegressor(loss="absolute_error", max_iter=100, random_state=0),
    ]
)
def test_sklearn_checks_pass_with_the_robust_losses(estimator, check):
    check(estimator)


# -- shapes and fitted attributes ---------------------------------------------------


def test_target_shapes(multi):
    X, Y = multi
    n = len(X)
    kw = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    one = ScratchMLPRegressor(**kw).fit(X, Y[:, 0])
    assert one.predict(X).shape == (n,) and one.n_outputs_ == 1
    three = ScratchMLPRegressor(**kw).fit(X, Y)
    assert three.predict(X).shape == (n, 3) and three.n_outputs_ == 3
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        col = ScratchMLPRegressor(**kw).fit(X, Y[:, :1])
    assert col.predict(X).shape == (n,) and col.n_outputs_ == 1
    # a column vector is the same target as the 1-D one
    np.testing.assert_array_equal(col.predict(X), one.predict(X))
    # scikit-learn does the same
    with pytest.warns(DataConversionWarning):
        ref = MLPRegressor(**kw).fit(X, Y[:, :1])
    assert ref.predict(X).shape == (n,)


# -- sample weights ------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning")
def test_zero_weights_equal_removing_rows(multi):
    X, Y = multi
    w = np.ones(len(X))
    w[::3] = 0.0
    keep = w > 0
    params = dict(
        hidden_layer_sizes=(8,),
        max_iter=30,
        random_state=0,
        batch_size=len(X),
        shuffle=False,
    )
    a = ScratchMLPRegressor(**params).fit(X, Y, sample_weight=w)
    b = ScratchMLPRegressor(**params).fit(X[keep], Y[keep])
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)


def test_sample_weight_changes_the_fit_and_is_validated(linear):
    X, y = linear
    w = np.where(X[:, 0] > 0, 10.0, 0.1)
    kw = dict(hidden_layer_sizes=(5,), max_iter=10, random_state=0)
    a = ScratchMLPRegressor(**kw).fit(X, y)
    b = ScratchMLPRegressor(**kw).fit(X, y, w)
    assert not np.allclose(a.predict(X), b.predict(X))
    with pytest.raises(ValueError, match="[Nn]egative"):
        ScratchMLPRegressor().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="non-zero|sum of sample_weight"):
        ScratchMLPRegressor().fit(X, y, sample_weight=np.zeros(len(y)))


# -- partial_fit, warm_start, early stopping, solvers ------------------------------


def test_partial_fit_runs_one_epoch_per_call(linear):
    X, y = linear
    reg = ScratchMLPRegressor(
        hidden_layer_sizes=(10,), random_state=0, learning_rate_init=0.01
    )
    for k in range(1, 4):
        reg.partial_fit(X, y)
        assert reg.n_iter_ == 1 and len(reg.loss_curve_) == k
        assert reg.t_ == k * len(X)
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]
    with pytest.raises(ValueError, match="features"):
        reg.partial_fit(X[:, :3], y)
    with pytest.raises(ValueError, match="outputs"):
        reg.partial_fit(X, np.column_stack([y, y]))
    assert len(reg.loss_curve_) == 3 and reg.t_ == 3 * len(X)  # failures: no change
    assert not hasattr(ScratchMLPRegressor(solver="lbfgs"), "partial_fit")
    es = ScratchMLPRegressor(early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stop"):
        es.partial_fit(X, y)
    assert not hasattr(es, "model_")


def test_warm_start_continues_and_accumulates(linear):
    X, y = linear
    reg = ScratchMLPRegressor(
        hidden_layer_sizes=(10,), max_iter=5, warm_start=True, random_state=0
    )
    reg.fit(X, y)
    first = list(reg.loss_curve_)
    params = reg.model_.params.copy()
    reg.fit(X, y)  # continues from the fitted weights: 5 more epochs
    # as scikit-learn: n_iter_ counts this call's epochs, loss_curve_ them all
    assert reg.n_iter_ == 5 and len(reg.loss_curve_) == 10
    assert reg.loss_curve_[:5] == first
    assert reg.loss_curve_[5] < first[0]
    assert not np.array_equal(reg.model_.params, params)
    reg.partial_fit(X, y)
    assert reg.n_iter_ == 1 and len(reg.loss_curve_) == 11
    # without warm_start a fit starts over
    reg.set_params(warm_start=False).fit(X, y)
    assert reg.n_iter_ == len(reg.loss_curve_) == 5
    assert reg.loss_curve_ == first


@pytest.mark.parametrize(
    "param, value",
    [("loss", "poisson"), ("loss", "huber"), ("activation", "tanh")],
)
def test_warm_start_with_another_network_refuses_or_follows(counts, param, value):
    """A warm start never keeps training a network other than the one it reports."""
    X, y = counts
    reg = ScratchMLPRegressor(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    reg.set_params(warm_start=True).fit(X, y)
    before = reg.predict(X)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        reg.set_params(hidden_layer_sizes=(6,)).fit(X, y)
    reg.set_params(hidden_layer_sizes=(5,), **{param: value})
    try:
        reg.fit(X, y)
    except ValueError:  # refusing, as for hidden_layer_sizes, leaves it unchanged
        assert reg.out_activation_ == "identity"
        np.testing.assert_array_equal(reg.predict(X), before)
        return
    # or the network follows the new parameters
    assert reg.model_.layers[0].activation.name == reg.activation
    assert reg.model_.loss.name == reg.loss
    if value == "poisson":
        assert reg.out_activation_ == "exp"
        assert (reg.predict(X) > 0).all()


def test_early_stopping_scores_r2_and_keeps_the_best_weights(linear):
    X, y = linear
    reg = ScratchMLPRegressor(
        hidden_layer_sizes=(20,), early_stopping=True, learning_rate_init=0.01
    )
    reg.set_params(max_iter=500, random_state=0).fit(X, y)
    assert 0 < reg.n_iter_ < 500
    assert len(reg.validation_scores_) == len(reg.loss_curve_) == reg.n_iter_
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    assert reg.best_validation_score_ > 0.95
    assert all(s <= 1.0 for s in reg.validation_scores_)
    assert reg.best_loss_ is None
    # the scores are R^2 on the held-out split, and the best weights are kept
    _, X_val, _, y_val = _early_stopping_split(reg, X, y)
    assert len(y_val) == round(0.1 * len(y))
    assert reg.t_ == reg.n_iter_ * (len(y) - len(y_val))
    assert r2_score(y_val.ravel(), reg.predict(X_val)) == pytest.approx(
        reg.best_validation_score_, rel=1e-12
    )


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "sgd", "learning_rate_init": 0.01},
        {"solver": "sgd", "learning_rate": "adaptive", "learning_rate_init": 0.01},
        {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.2},
        {"solver": "adam", "learning_rate_init": 0.01},
        {"solver": "lbfgs"},
    ],
    ids=["sgd", "sgd-adaptive", "sgd-invscaling", "adam", "lbfgs"],
)
def test_solvers_fit_an_easy_problem(linear, params):
    X, y = linear
    reg = ScratchMLPRegressor(
        hidden_layer_sizes=(10,), max_iter=200, random_state=0, **params
    )
    reg.fit(X, y)
    assert reg.score(X, y) > 0.9, reg.score(X, y)
    assert reg.n_iter_ == len(reg.loss_curve_)
    assert np.isfinite(reg.loss_curve_).all()


# -- dtypes and sparse input -------------------------------------------------------


# -- model, reproducibility, persistence, output -------------------------------------
