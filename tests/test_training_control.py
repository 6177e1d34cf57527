"""Training control beyond scikit-learn's MLP: an explicit validation set,
validation-loss curves, early stopping on the loss or a scorer, metrics, the
Keras-style history and callbacks."""

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import Callback, ScratchMLPClassifier, ScratchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def noisy():
    X, y = make_classification(
        n_samples=600, n_features=20, n_informative=4, flip_y=0.2, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def test_explicit_validation_set_records_curves_without_stopping(noisy):
    Xtr, Xva, ytr, yva = noisy
    clf = ScratchMLPClassifier((32,), max_iter=15, random_state=0, tol=0)
    clf.fit(Xtr, ytr, X_val=Xva, y_val=yva)
    assert clf.n_iter_ == 15 and clf.t_ == 15 * len(Xtr)  # no rows held out
    assert len(clf.validation_scores_) == len(clf.validation_loss_curve_) == 15
    np.testing.assert_allclose(clf.validation_scores_[-1], clf.score(Xva, yva))
    from sklearn.metrics import log_loss

    expected = log_loss(yva, clf.predict_proba(Xva)) + 0.5 * clf.alpha * sum(
        (W**2).sum() for W in clf.coefs_
    ) / len(Xva)
    assert clf.validation_loss_curve_[-1] == pytest.approx(expected, rel=1e-9)
    assert clf.best_validation_score_ is None  # not early stopping
    assert clf.best_loss_ == min(clf.loss_curve_)  # scikit-learn's training rule


def test_validation_loss_early_stopping_restores_the_best_epoch(noisy):
    Xtr, Xva, ytr, yva = noisy
    clf = ScratchMLPClassifier(
        (256,),
        alpha=0.0,
        learning_rate_init=0.01,
        early_stopping=True,
        early_stopping_monitor="val_loss",
        n_iter_no_change=5,
        max_iter=300,
        random_state=0,
    ).fit(Xtr, ytr, X_val=Xva, y_val=yva)
    assert clf.n_iter_ < 300  # a noisy problem: the validation loss turns up
    curve = clf.validation_loss_curve_
    assert clf.best_validation_score_ == min(curve)
    assert curve[-1] > min(curve)  # the last epoch was worse ...
    from sklearn.metrics import log_loss

    restored = log_loss(yva, clf.predict_proba(Xva))  # ... and its weights are gone
    assert restored <= curve[-1]
    assert restored == pytest.approx(min(curve), rel=1e-6, abs=1e-3)


def test_early_stopping_on_a_scorer_and_metrics_in_history(noisy):
    Xtr, Xva, ytr, yva = noisy
    clf = ScratchMLPClassifier(
        (32,),
        early_stopping=True,
        early_stopping_monitor="balanced_accuracy",
        metrics=["f1", "neg_log_loss"],
        max_iter=40,
        random_state=0,
    ).fit(Xtr, ytr)
    h = clf.history_
    n = clf.n_iter_
    assert {"loss", "val_loss", "val_score", "val_f1", "val_neg_log_loss"} <= set(h)
    assert {"val_balanced_accuracy", "learning_rate", "seconds"} <= set(h)
    assert all(len(h[k]) == n for k in h)
    assert h["loss"] == clf.loss_curve_ and h["val_score"] == clf.validation_scores_
    assert clf.best_validation_score_ == max(h["val_balanced_accuracy"])
    # the restored weights are those of the best balanced accuracy: on the
    # validation split, which is the held-out 10% that train_test_split drew
    assert set(h["learning_rate"]) == {0.001}


def test_history_records_sgd_invscaling_learning_rates():
    X, y = make_regression(n_samples=100, n_features=4, random_state=0)
    y = y / y.std()
    reg = ScratchMLPRegressor(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate="invscaling",
        learning_rate_init=0.05,
        power_t=0.5,
        max_iter=6,
        tol=0,
        random_state=0,
    ).fit(X, y)
    # scikit-learn's rule: after epoch k (t_ = k * n samples), lr0 / (t_ + 1) ** power_t
    expected = [0.05] + [0.05 / (k * 100 + 1) ** 0.5 for k in range(1, 6)]
    np.testing.assert_allclose(reg.history_["learning_rate"], expected, rtol=1e-12)


class _Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))


def test_callbacks_see_the_validation_logs_and_clone_copies_them(noisy):
    Xtr, Xva, ytr, yva = noisy
    rec = _Recorder()
    clf = ScratchMLPClassifier((8,), max_iter=4, random_state=0, callbacks=[rec])
    clf.fit(Xtr, ytr, X_val=Xva, y_val=yva)
    assert len(rec.logs) == 4
    assert {"loss", "val_loss", "val_score", "learning_rate", "seconds"} <= set(
        rec.logs[0]
    )
    assert [d["val_loss"] for d in rec.logs] == clf.validation_loss_curve_
    copy = clone(clf)
    assert copy.callbacks[0] is not rec and isinstance(copy.callbacks[0], _Recorder)


def test_a_callback_that_raises_leaves_the_estimator_as_it_was(noisy):
    Xtr, _, ytr, _ = noisy

    class Boom(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("boom")

    clf = ScratchMLPClassifier((8,), max_iter=5, random_state=0).fit(Xtr, ytr)
    before = clf.predict_proba(Xtr)
    loss_curve, t = list(clf.loss_curve_), clf.t_
    history = {k: list(v) for k, v in clf.history_.items()}
    clf.set_params(warm_start=True, callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        clf.fit(Xtr, ytr)
    np.testing.assert_array_equal(clf.predict_proba(Xtr), before)
    assert clf.loss_curve_ == loss_curve and clf.t_ == t
    assert clf.history_ == history  # the epochs of the failed fit are not kept
    assert clf.loss_curve_ is clf.history_["loss"]  # still one record


@pytest.mark.filterwarnings("ignore:X has values of magnitude")
def test_a_diverging_warm_fit_leaves_the_history_as_it_was(noisy):
    Xtr, _, ytr, _ = noisy
    clf = ScratchMLPClassifier((8,), max_iter=4, random_state=0).fit(Xtr, ytr)
    history = {k: list(v) for k, v in clf.history_.items()}
    n_iter, t, best = clf.n_iter_, clf.t_, clf.best_loss_
    clf.set_params(warm_start=True, solver="sgd", learning_rate_init=10.0)
    with pytest.raises(ValueError, match="Solver produced non-finite parameter"):
        with np.errstate(all="ignore"):
            clf.fit(Xtr * 1e100, ytr)
    assert clf.history_ == history and clf.loss_curve_ is clf.history_["loss"]
    assert (clf.n_iter_, clf.t_, clf.best_loss_) == (n_iter, t, best)


def test_a_failed_partial_fit_leaves_the_curves_as_they_were(noisy):
    Xtr, Xte, ytr, yte = noisy

    class Boom(Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("boom")

    clf = ScratchMLPClassifier((8,), random_state=0)
    for _ in range(3):
        clf.partial_fit(Xtr, ytr, classes=[0, 1])
    loss_curve = list(clf.loss_curve_)
    history = {k: list(v) for k, v in clf.history_.items()}
    clf.set_params(callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        clf.partial_fit(Xtr, ytr)
    assert clf.loss_curve_ == loss_curve and len(loss_curve) == 3
    assert clf.history_ == history
    clf.set_params(callbacks=None).partial_fit(Xtr, ytr)  # and training goes on
    assert clf.loss_curve_[:3] == loss_curve and len(clf.loss_curve_) == 4
    # a failed warm fit that logged validation keys for the first time
    clf.set_params(warm_start=True, max_iter=2, callbacks=[Boom()])
    history = {k: list(v) for k, v in clf.history_.items()}
    with pytest.raises(RuntimeError, match="boom"):
        clf.fit(Xtr, ytr, X_val=Xte, y_val=yte)
    assert clf.history_ == history and "val_loss" not in clf.history_
    assert clf.validation_scores_ is None and len(clf.loss_curve_) == 4


def test_x_val_through_a_pipeline_with_metadata_routing(noisy):
    Xtr, Xva, ytr, yva = noisy
    with sklearn.config_context(enable_metadata_routing=True):
        net = ScratchMLPClassifier((8,), max_iter=3, random_state=0)
        net.set_fit_request(X_val=True, y_val=True)
        pipe = make_pipeline(StandardScaler(), net)
        pipe.fit(Xtr, ytr, X_val=Xva, y_val=yva)  # X_val reaches the net as given
    assert len(pipe[-1].validation_loss_curve_) == 3


@pytest.mark.parametrize(
    "params, fit_kw, match",
    [
        ({}, {"X_val": "X"}, "X_val and y_val must be given together"),
        ({"metrics": ["accuracy"]}, {}, "metrics are evaluated on validation data"),
        (
            {"metrics": ["nope"], "early_stopping": True},
            {},
            "scorer names; \\['nope'\\]",
        ),
        ({"solver": "lbfgs"}, {"X_val": "X", "y_val": "y"}, "need a stochastic solver"),
        ({}, {"X_val": "X", "y_val": "y+9"}, "X_val / y_val: .*classes not in"),
        ({"early_stopping_monitor": "nope"}, {}, "'early_stopping_monitor' parameter"),
    ],
)
def test_bad_training_control_arguments(noisy, params, fit_kw, match):
    Xtr, Xva, ytr, yva = noisy
    values = {"X": Xva, "y": yva, "y+9": yva + 9}
    kw = {k: values[v] for k, v in fit_kw.items()}
    clf = ScratchMLPClassifier((4,), max_iter=2, **params)
    with pytest.raises(ValueError, match=match):
        clf.fit(Xtr, ytr, **kw)
    assert not hasattr(clf, "model_")


def test_defaults_still_train_scikit_learns_model():
    from sklearn.neural_network import MLPClassifier

    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    ours = ScratchMLPClassifier((8,), max_iter=30, random_state=0).fit(X, y)
    ref = MLPClassifier((8,), max_iter=30, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-9)
    assert ours.history_["loss"] == ours.loss_curve_


@pytest.mark.parametrize(
    "params",
    [
        {"early_stopping": True, "tol": 0.05, "n_iter_no_change": 2},
        {
            "solver": "sgd",
            "learning_rate": "adaptive",
            "tol": 10.0,
            "n_iter_no_change": 1,
        },
        {"solver": "sgd", "tol": 10.0, "n_iter_no_change": 2},
        {"max_iter": 3},
    ],
    ids=["validation-stop", "adaptive", "loss-stop", "max-iter"],
)
@pytest.mark.parametrize("verbose", [True, 1, 2])
def test_any_truthy_verbose_prints_what_sklearn_prints(noisy, capsys, verbose, params):
    from sklearn.neural_network import MLPClassifier

    Xtr, _, ytr, _ = noisy
    kw = {"hidden_layer_sizes": (4,), "max_iter": 8, "random_state": 0, **params}
    MLPClassifier(verbose=1, **kw).fit(Xtr, ytr)
    expected = capsys.readouterr().out
    ScratchMLPClassifier(verbose=verbose, **kw).fit(Xtr, ytr)
    assert capsys.readouterr().out == expected
    assert expected.startswith("Iteration 1, loss = ")


def test_the_keras_progress_bar_is_a_callback(noisy, capsys):
    from sknetscratch import ProgbarLogger

    Xtr, _, ytr, _ = noisy
    clf = ScratchMLPClassifier((4,), max_iter=2, random_state=0)
    clf.set_params(callbacks=[ProgbarLogger()]).fit(Xtr, ytr)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and "Iteration" not in "".join(out)
    # 420 rows, batches of 200: 3 steps per epoch
    assert (
        out[1].startswith("3/3 ") and "step - loss: " in out[1] and "\r" not in out[1]
    )
    clf.set_params(callbacks=[ProgbarLogger(2)], verbose=True).fit(Xtr, ytr)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Iteration 1, loss = ") and out[1].startswith(
        "Epoch 1/2 - "
    )


@pytest.mark.parametrize(
    "solver, cls_name, params",
    [
        ("adamw", "AdamW", {"weight_decay": 0.05}),
        ("rmsprop", "RMSprop", {"rho": 0.8}),
        ("nadam", "Nadam", {}),
        ("sgd", "SGD", {"clipnorm": 1.0}),
        ("adam", "Adam", {"clipvalue": 0.5}),
    ],
)
def test_every_solver_trains_with_its_settings(noisy, solver, cls_name, params):
    Xtr, Xva, ytr, yva = noisy
    clf = ScratchMLPClassifier(
        (16,), solver=solver, max_iter=30, random_state=0, **params
    ).fit(Xtr, ytr)
    opt = clf.model_.optimizer
    assert type(opt).__name__ == cls_name
    for name, value in params.items():
        assert getattr(opt, name) == value
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.score(Xva, yva) > 0.55  # a noisy problem: chance is 0.5
    clf.partial_fit(Xtr, ytr)  # and keeps training one epoch at a time
    assert clf.n_iter_ == 1


@pytest.mark.parametrize(
    "learning_rate, formula",
    [
        ("step", lambda e: 0.01 * 0.5 ** (e // 10)),
        ("exponential", lambda e: 0.01 * 0.96**e),
        ("cosine", lambda e: 0.01 * 0.5 * (1 + np.cos(np.pi * e / 25))),
    ],
)
@pytest.mark.parametrize("solver", ["adam", "rmsprop"])
def test_named_schedules_give_their_formula_per_epoch(
    noisy, learning_rate, formula, solver
):
    Xtr, _, ytr, _ = noisy
    clf = ScratchMLPClassifier(
        (8,),
        solver=solver,
        learning_rate=learning_rate,
        learning_rate_init=0.01,
        max_iter=25,
        tol=0,
        n_iter_no_change=100,
        random_state=0,
    ).fit(Xtr, ytr)
    expected = [formula(e) for e in range(25)]
    np.testing.assert_allclose(clf.history_["learning_rate"], expected, rtol=1e-12)


def test_a_schedule_instance_restarts_with_each_fit(noisy):
    from sknetscratch import CosineDecay

    Xtr, _, ytr, _ = noisy
    schedule = CosineDecay(0.02, decay_epochs=10, warmup_epochs=2)
    clf = ScratchMLPClassifier(
        (8,), learning_rate=schedule, max_iter=6, tol=0, warm_start=True,
        random_state=0,
    )  # fmt: skip
    clf.fit(Xtr, ytr).fit(Xtr, ytr)  # a warm start counts the epochs of its fit
    np.testing.assert_allclose(
        clf.history_["learning_rate"], [schedule(e) for e in range(6)] * 2, rtol=1e-12
    )
    assert clf.history_["learning_rate"][0] == 0.0  # the warm-up starts at 0
    for _ in range(3):  # partial_fit goes on from the epochs trained so far
        clf.partial_fit(Xtr, ytr)
    np.testing.assert_allclose(
        clf.history_["learning_rate"][12:], [schedule(e) for e in (12, 13, 14)]
    )


def _changed(before, after):
    return any((a != b).any() for a, b in zip(before, after))


def test_a_cosine_warm_start_trains(noisy):
    """The cosine schedule restarts in a warm start (it used to run at rate 0)."""
    Xtr, _, ytr, _ = noisy
    clf = ScratchMLPClassifier(
        (5,), learning_rate="cosine", learning_rate_init=0.01, max_iter=4, tol=0,
        warm_start=True, random_state=0,
    )  # fmt: skip
    clf.fit(Xtr, ytr)
    weights = [c.copy() for c in clf.coefs_]
    clf.fit(Xtr, ytr)
    rates = [0.01 * 0.5 * (1 + np.cos(np.pi * e / 4)) for e in range(4)]
    np.testing.assert_allclose(clf.history_["learning_rate"], rates * 2, rtol=1e-12)
    assert _changed(weights, clf.coefs_)


def test_partial_fit_with_cosine_keeps_learning_after_max_iter_calls(noisy):
    """partial_fit's epochs count over the calls; 'cosine' restarts every
    max_iter epochs (SGDR's warm restarts) instead of staying at rate 0."""
    Xtr, _, ytr, _ = noisy
    clf = ScratchMLPClassifier(
        (5,), learning_rate="cosine", learning_rate_init=0.01, max_iter=3,
        random_state=0,
    )  # fmt: skip
    for k in range(7):
        weights = [c.copy() for c in clf.coefs_] if k else None
        clf.partial_fit(Xtr, ytr, classes=[0, 1])
        if k >= 3:
            assert _changed(weights, clf.coefs_), k
    rates = [0.01 * 0.5 * (1 + np.cos(np.pi * (e % 3) / 3)) for e in range(7)]
    np.testing.assert_allclose(clf.history_["learning_rate"], rates, rtol=1e-12)
    assert min(rates) > 0


def test_history_records_the_rates_a_scheduler_callback_sets(noisy):
    """The rate logged is the one the epoch ran at, after every callback's
    on_epoch_begin (it used to lag one epoch behind a LearningRateScheduler)."""
    from sklearn.datasets import load_iris

    from sknetscratch import LearningRateScheduler

    X, y = load_iris(return_X_y=True)
    sched = LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    clf = ScratchMLPClassifier(
        (5,), solver="sgd", learning_rate_init=0.001, max_iter=3, callbacks=[sched],
        random_state=0,
    ).fit(X, y)  # fmt: skip
    np.testing.assert_allclose(
        clf.history_["learning_rate"], [0.1, 0.05, 0.1 / 3], rtol=1e-12
    )


def test_one_history_and_the_curves_are_its_lists(noisy):
    Xtr, Xva, ytr, yva = noisy
    clf = ScratchMLPClassifier((4,), max_iter=3, warm_start=True, random_state=0)
    clf.fit(Xtr, ytr, X_val=Xva, y_val=yva)
    h = clf.history_
    assert clf.loss_curve_ is h["loss"] and clf.validation_scores_ is h["val_score"]
    assert clf.validation_loss_curve_ is h["val_loss"]
    clf.fit(Xtr, ytr).partial_fit(Xtr, ytr)  # one History across fits
    assert clf.history_ is h and clf.loss_curve_ is h["loss"] and len(h["loss"]) == 7
    assert len(h["val_loss"]) == 3  # the later fits had no validation data
    lbfgs = ScratchMLPClassifier((4,), solver="lbfgs", max_iter=20, random_state=0)
    lbfgs.fit(Xtr, ytr)
    assert lbfgs.loss_curve_ is lbfgs.history_["loss"]
    assert len(lbfgs.loss_curve_) == lbfgs.n_iter_ and set(lbfgs.history_) == {"loss"}


def test_sklearn_schedules_apply_to_adam_too(noisy):
    Xtr, _, ytr, _ = noisy
    inv = ScratchMLPClassifier(
        (8,), learning_rate="invscaling", learning_rate_init=0.01, power_t=0.5,
        max_iter=4, tol=0, random_state=0,
    ).fit(Xtr, ytr)  # fmt: skip
    n = len(Xtr)
    expected = [0.01] + [0.01 / (k * n + 1) ** 0.5 for k in range(1, 4)]
    np.testing.assert_allclose(inv.history_["learning_rate"], expected, rtol=1e-12)
    adaptive = ScratchMLPClassifier(
        (8,), learning_rate="adaptive", learning_rate_init=0.01, tol=10.0,
        n_iter_no_change=2, max_iter=12, random_state=0,
    ).fit(Xtr, ytr)  # fmt: skip
    rates = adaptive.history_["learning_rate"]
    assert adaptive.n_iter_ == 12  # the rate drops instead of stopping
    assert rates[0] == 0.01 and rates[-1] < 0.01 / 5


def test_keras_callbacks_on_an_estimator(noisy, tmp_path):
    from sknetscratch import CSVLogger, EarlyStopping, ModelCheckpoint, load

    Xtr, Xva, ytr, yva = noisy
    path = tmp_path / "best.npz"
    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    clf = ScratchMLPClassifier(
        (256,),
        alpha=0.0,
        learning_rate_init=0.01,
        max_iter=200,
        random_state=0,
        callbacks=[
            ModelCheckpoint(path, monitor="val_loss", save_best_only=True),
            CSVLogger(tmp_path / "log.csv"),
            stop,
        ],
    ).fit(Xtr, ytr, X_val=Xva, y_val=yva)
    assert clf.n_iter_ < 200  # Keras' EarlyStopping ended it
    best = int(np.argmin(clf.validation_loss_curve_))
    assert stop.best == pytest.approx(clf.validation_loss_curve_[best])
    saved = load(path)  # the core Model, in the safe format
    np.testing.assert_allclose(saved.predict(Xva)[:, 0], clf.predict_proba(Xva)[:, 1])
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,") and len(rows) == clf.n_iter_ + 1
