"""ScratchMLPClassifier: the user's job, drop-in parity with MLPClassifier, API details."""

import os
import signal
import warnings

import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    make_classification,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import Model, ScratchMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="module")
def small():
    X, y = make_classification(
        n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return StandardScaler().fit_transform(X), y


def test_pipeline_10fold_cv_on_breast_cancer_reaches_097(cancer):
    X, y = cancer
    # default parameters; random_state fixed so the test is deterministic (the
    # spread over seeds is in docs/estimators.md)
    nn = ScratchMLPClassifier(random_state=0)
    pipe = Pipeline([("scale", StandardScaler()), ("nn", nn)])
    scores = cross_val_score(
        pipe, X, y, cv=StratifiedKFold(10, shuffle=True, random_state=0)
    )
    assert scores.mean() >= 0.97, scores


def test_grid_search_parallel_refits(cancer):
    X, y = cancer
    pipe = Pipeline(
        [("scale", StandardScaler()), ("nn", ScratchMLPClassifier(max_iter=50))]
    )
    grid = GridSearchCV(
        pipe,
        {
            "nn__hidden_layer_sizes": [(20,), (30, 10)],
            "nn__alpha": [1e-4, 1e-1],
            "nn__learning_rate_init": [1e-3, 1e-2],
        },
        cv=3,
        n_jobs=2,
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 8
    best = grid.best_estimator_.named_steps["nn"]
    assert best.get_params()["alpha"] == grid.best_params_["nn__alpha"]
    assert grid.score(X, y) > 0.95


def test_binary_target_one_sigmoid_unit_two_proba_columns(cancer):
    X, y = cancer
    X = StandardScaler().fit_transform(X)
    clf = ScratchMLPClassifier(max_iter=20, random_state=0).fit(X, y)
    assert clf.coefs_[-1].shape == (100, 1)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_string_and_object_labels(small):
    X, y = small
    names = np.array(["ant", "bee", "cat"])
    for labels in (names[y], names[y].astype(object), list(names[y])):
        clf = ScratchMLPClassifier(max_iter=30, random_state=0).fit(X, labels)
        assert set(clf.predict(X)) <= set(names)
        assert list(clf.classes_) == list(names)
        assert clf.score(X, labels) > 0.6


def test_multilabel_indicator_targets():
    X, Y = make_multilabel_classification(n_samples=100, n_classes=4, random_state=0)
    clf = ScratchMLPClassifier(max_iter=200, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    assert clf.predict(X).shape == Y.shape
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_array_equal(clf.predict(X), (proba > 0.5).astype(int))
    assert clf.score(X, Y) > 0.5


def test_predict_log_proba_is_finite_far_from_the_data(cancer):
    X, y = cancer
    clf = make_pipeline(
        StandardScaler(), ScratchMLPClassifier(max_iter=50, random_state=0)
    )
    clf.fit(X, y)
    far = X * 1e6
    log_proba = clf.predict_log_proba(far)
    assert np.isfinite(log_proba).all()
    # and it is the log of predict_proba where that is representable
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(
        clf.predict_log_proba(X), np.log(proba), rtol=1e-10, atol=1e-15
    )
    ref = make_pipeline(StandardScaler(), MLPClassifier(max_iter=50, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not np.isfinite(ref.fit(X, y).predict_log_proba(far)).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
def test_predict_log_proba_is_the_log_of_predict_proba(task):
    """As scikit-learn's: log(predict_proba) to the bit, so a multilabel row
    whose probabilities round to 1.0 keeps its ties and its argmax."""
    if task == "multilabel":  # scikit-learn's test_predict_proba_multilabel
        X, y = make_multilabel_classification(
            n_samples=50, random_state=0, return_indicator=True
        )
    else:
        X, y = make_classification(
            50,
            n_features=6,
            n_classes=2 if task == "binary" else 3,
            n_informative=4,
            random_state=0,
        )
        X = X * 20  # large logits: probabilities that round to 0 and 1
    params = {"solver": "lbfgs", "hidden_layer_sizes": 5, "random_state": 0}
    clf = ScratchMLPClassifier(**params).fit(X, y)
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    assert (proba == 1).any()  # saturated: where a log-sigmoid breaks the ties
    positive = proba > 0
    np.testing.assert_array_equal(log_proba[positive], np.log(proba[positive]))
    np.testing.assert_array_equal(log_proba.argmax(axis=1), proba.argmax(axis=1))
    assert np.isfinite(log_proba).all()
    ref = MLPClassifier(**params).fit(X, y)
    with np.errstate(divide="ignore"):
        ref_log_proba = ref.predict_log_proba(X)
    if task == "binary":  # scikit-learn's first column is log(1 - p), which
        # cancels where p nears 1 (ours is log sigmoid(-z)): compare log p
        log_proba, ref_log_proba, positive = (
            a[:, 1:] for a in (log_proba, ref_log_proba, positive)
        )
    finite = np.isfinite(ref_log_proba)
    np.testing.assert_array_equal(finite, positive)
    np.testing.assert_allclose(log_proba[finite], ref_log_proba[finite], atol=1e-10)


def test_stratified_split_error_names_the_classes_as_scikit_learn():
    """scikit-learn's test_early_stopping_stratified: a class with one member
    cannot be split; the message names it as scikit-learn does."""
    X = [[1, 2], [2, 3], [3, 4], [4, 5]]
    y = [0, 0, 0, 1]
    message = (
        r"The least populated classes in y have only 1 member.*Classes with "
        r"too few members are: \['True'\]$"
    )
    for est in (ScratchMLPClassifier, MLPClassifier):
        with pytest.raises(ValueError, match=message):
            est(early_stopping=True).fit(X, y)


def test_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    clf = ScratchMLPClassifier(max_iter=20, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.feature_names_in_, X.columns.to_numpy())
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X.to_numpy())
    renamed = X.rename(columns={X.columns[0]: "other"})
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(renamed)
    assert isinstance(pd.Series(clf.predict(X)).iloc[0], (int, np.integer))


def test_warm_start_and_partial_fit_counting_rule(small):
    X, y = small
    clf = ScratchMLPClassifier(max_iter=5, warm_start=True, random_state=0)
    clf.fit(X, y)
    first = list(clf.loss_curve_)
    clf.fit(X, y)  # continues: 5 more epochs
    # as scikit-learn: n_iter_ counts this call's epochs, loss_curve_ them all
    assert clf.n_iter_ == 5 and len(clf.loss_curve_) == 10
    assert clf.loss_curve_[:5] == first
    assert clf.loss_curve_[5] < first[0]
    clf.partial_fit(X, y)  # one more epoch
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 11

    inc = ScratchMLPClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        inc.partial_fit(X, y)
    for _ in range(3):
        inc.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert inc.n_iter_ == 1 and len(inc.loss_curve_) == 3
    assert list(inc.classes_) == [0, 1, 2]
    with pytest.raises(ValueError, match="classes not in"):
        inc.partial_fit(X, y + 5)
    assert not hasattr(ScratchMLPClassifier(solver="lbfgs"), "partial_fit")


def test_ctrl_c_stops_after_the_current_batch_and_keeps_a_usable_model(
    monkeypatch, small
):
    X, y = small
    calls = {"n": 0}
    original = Model.train_step

    def interrupting_step(self, *args, **kwargs):
        calls["n"] += 1
        loss = original(self, *args, **kwargs)
        if calls["n"] == 7:
            os.kill(os.getpid(), signal.SIGINT)
        return loss

    monkeypatch.setattr(Model, "train_step", interrupting_step)
    clf = ScratchMLPClassifier(max_iter=50, batch_size=40, random_state=0)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X, y)
    assert calls["n"] == 7  # 40-sample batches: 3 per epoch, stopped in epoch 3
    assert clf.interrupted_ is True
    assert clf.n_iter_ == len(clf.loss_curve_) == 2
    assert np.isfinite(clf.model_.params).all()
    assert clf.predict(X).shape == y.shape


def test_failed_fit_leaves_the_fitted_model_unchanged(small):
    X, y = small
    clf = ScratchMLPClassifier(max_iter=10, random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    state = {k: v for k, v in vars(clf).items()}
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(bad, y)
    clf.set_params(warm_start=True, solver="sgd", learning_rate_init=10.0)
    with (
        pytest.warns(UserWarning, match="magnitude above 1e\\+06"),
        pytest.raises(ValueError, match="Solver produced non-finite parameter"),
    ):
        clf.fit(X * 1e100, y)
    clf.set_params(warm_start=False, solver="adam", learning_rate_init=0.001)
    assert vars(clf).keys() == state.keys()
    changed = {"warm_start", "solver", "learning_rate_init"}  # set_params above
    assert all(vars(clf)[k] is state[k] for k in state if k not in changed)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_solvers_schedules_and_early_stopping(cancer):
    X, y = cancer
    X = StandardScaler().fit_transform(X)
    for params in (
        {"solver": "sgd", "learning_rate": "adaptive", "learning_rate_init": 0.1},
        {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.5},
        {"solver": "sgd", "nesterovs_momentum": False},
        {"solver": "lbfgs"},
    ):
        clf = ScratchMLPClassifier(max_iter=60, random_state=0, **params).fit(X, y)
        assert clf.score(X, y) > 0.9, params
        assert clf.n_iter_ == len(clf.loss_curve_)
    es = ScratchMLPClassifier(early_stopping=True, max_iter=300, random_state=0).fit(
        X, y
    )
    assert es.n_iter_ < 300 and len(es.validation_scores_) == es.n_iter_
    assert es.best_validation_score_ == max(es.validation_scores_)
    assert es.best_loss_ is None or np.isfinite(es.best_loss_)


def test_an_exploding_loss_warns(small):
    X, y = small
    with pytest.warns(UserWarning, match="training is diverging"):
        ScratchMLPClassifier(solver="sgd", learning_rate_init=10.0, max_iter=5).fit(
            X, y
        )


def test_lbfgs_warns_when_not_converged(cancer):
    X, y = cancer
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        ScratchMLPClassifier(solver="lbfgs", max_iter=3, random_state=0).fit(
            StandardScaler().fit_transform(X), y
        )


def test_switching_between_labels_and_multilabel_is_a_clear_error(small):
    X, y = small
    clf = ScratchMLPClassifier(max_iter=2, random_state=0).fit(X, y)
    indicator = np.eye(3, dtype=int)[y]
    with pytest.raises(ValueError, match="multilabel indicator matrix"):
        clf.partial_fit(X, indicator)


def test_ctrl_c_in_the_first_epoch_leaves_a_defined_loss(monkeypatch, small):
    X, y = small
    original = Model.train_step

    def interrupt_at_once(self, *args, **kwargs):
        loss = original(self, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)
        return loss

    monkeypatch.setattr(Model, "train_step", interrupt_at_once)
    with pytest.warns(UserWarning, match="interrupted"):
        clf = ScratchMLPClassifier(max_iter=5, random_state=0).fit(X, y)
    assert clf.interrupted_ and clf.n_iter_ == 0 and np.isnan(clf.loss_)
    assert clf.predict(X).shape == y.shape


def test_no_divergence_warning_when_a_tiny_loss_wobbles_up():
    from sknetscratch import ScratchMLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = X @ [1.0, -2.0]
    reg = ScratchMLPRegressor(
        hidden_layer_sizes=(), solver="lbfgs", alpha=0, max_iter=500, random_state=0
    ).fit(X, y)  # loss ~1e-9
    reg.set_params(solver="adam", warm_start=True, max_iter=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg.fit(X, y)
    assert not [w for w in caught if "diverging" in str(w.message)]


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        (3, "`y` has classes not in `self.classes_`"),  # integers: membership only
        (0.5, "Unknown label type: continuous"),  # floats: scikit-learn's check
    ],
)
def test_later_partial_fit_refuses_labels_outside_classes(small, shift, message):
    """After the first call, integer labels are only checked for membership in
    classes_ (which implies scikit-learn's target-type check); other labels go
    through that check again."""
    X, y = small
    clf = ScratchMLPClassifier(random_state=0).partial_fit(X, y, classes=np.unique(y))
    before = clf.model_.params.copy()
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(X, y + shift)
    np.testing.assert_array_equal(clf.model_.params, before)
    clf.partial_fit(X, y.astype(float))  # the same labels as floats are fine


# -- class_weight --------------------------------------------------------------------


def test_class_weight_balanced_helps_the_minority_class():
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import train_test_split

    X, y = make_classification(
        n_samples=2000,
        n_features=10,
        n_informative=3,
        class_sep=0.8,
        weights=[0.95, 0.05],
        flip_y=0,
        random_state=0,
    )
    Xtr, Xte, ytr, yte = train_test_split(X, y, stratify=y, random_state=0)
    scores = {}
    for cw in (None, "balanced"):
        clf = make_pipeline(
            StandardScaler(),
            ScratchMLPClassifier((16,), max_iter=60, random_state=0, class_weight=cw),
        )
        scores[cw] = balanced_accuracy_score(yte, clf.fit(Xtr, ytr).predict(Xte))
    # unweighted, it predicts the majority class only (balanced accuracy 0.5)
    assert scores["balanced"] > scores[None] + 0.1, scores


def test_class_weight_is_a_sample_weight_per_class(small):
    X, y = small
    kw = dict(hidden_layer_sizes=(6,), max_iter=10, random_state=0)
    weights = {0: 3.0, 1: 0.5}  # class 2 weighs 1
    a = ScratchMLPClassifier(class_weight=weights, **kw).fit(X, y)
    sw = np.array([weights.get(c, 1.0) for c in y])
    b = ScratchMLPClassifier(**kw).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = ScratchMLPClassifier(class_weight=weights, **kw).fit(X, y, sample_weight=sw)
    d = ScratchMLPClassifier(**kw).fit(X, y, sample_weight=sw**2)  # multiplied
    np.testing.assert_allclose(c.predict_proba(X), d.predict_proba(X), rtol=1e-12)
    labels = np.array(["x", "y", "z"])[y]  # keys are class labels
    e = ScratchMLPClassifier(class_weight={"x": 3.0, "y": 0.5}, **kw).fit(X, labels)
    np.testing.assert_array_equal(e.predict_proba(X), a.predict_proba(X))


def test_class_weight_refusals(small):
    X, y = small
    inc = ScratchMLPClassifier(class_weight="balanced")
    with pytest.raises(ValueError, match="'balanced' is not supported for partial_fit"):
        inc.partial_fit(X, y, classes=[0, 1, 2])
    ScratchMLPClassifier(class_weight={0: 2.0}, max_iter=2).partial_fit(
        X, y, classes=[0, 1, 2]
    )  # a dict is fine
    Y = make_multilabel_classification(n_samples=len(X), n_classes=3, random_state=0)[1]
    with pytest.raises(ValueError, match="None or 'balanced' for multilabel"):
        ScratchMLPClassifier(class_weight={0: 2.0}).fit(X, Y)
    ScratchMLPClassifier(class_weight="balanced", max_iter=2).fit(X, Y)
    with pytest.raises(ValueError, match="class_weight"):
        ScratchMLPClassifier(class_weight="auto").fit(X, y)
