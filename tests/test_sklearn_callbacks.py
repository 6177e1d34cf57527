"""scikit-learn 1.9's own callback API (sklearn.callback) on our estimators, as on
LogisticRegression: ScoringMonitor per epoch, ProgressBar, a callback that stops
training, inside a Pipeline and a GridSearchCV."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor

callback = pytest.importorskip(
    "sklearn.callback", reason="scikit-learn < 1.9 has no callback API"
)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_scoring_monitor_scores_every_epoch(iris):
    X, y = iris
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = ScratchMLPClassifier((8,), max_iter=6, tol=0, random_state=0)
    clf.set_callbacks(monitor).fit(X, y)
    rows = monitor.get_logs().data
    epochs = [r for r in rows if r["task_name"] == "epoch"]
    assert [r["task_id_path"] for r in epochs] == [(0, k) for k in range(6)]
    assert epochs[-1]["accuracy"] == pytest.approx(clf.score(X, y))
    (root,) = [r for r in rows if r["task_name"] == "fit"]
    assert root["accuracy"] == pytest.approx(clf.score(X, y))
    assert len({r["accuracy"] for r in epochs}) > 1  # each epoch's own network


def test_without_callbacks_nothing_is_set_up(iris):
    X, y = iris
    clf = ScratchMLPClassifier((4,), max_iter=2, random_state=0).fit(X, y)
    assert not hasattr(clf, "_callback_fit_ctx") and not hasattr(clf, "_skl_callbacks")


class _StopAfter:
    """A FitCallback that asks to stop after ``n`` epochs."""

    def __init__(self, n):
        self.n, self.ended = n, 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            self.ended += 1
            return self.ended >= self.n
        return False


@pytest.mark.parametrize("cls", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_a_callback_can_stop_training(iris, cls):
    X, y = iris
    est = cls(hidden_layer_sizes=(4,), max_iter=50, random_state=0)
    est.set_callbacks(_StopAfter(3)).fit(X, y)
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 3


def test_inside_a_pipeline_and_a_grid_search(iris, capsys):
    pytest.importorskip("rich", reason="scikit-learn's ProgressBar needs rich")
    X, y = iris
    monitor = callback.ScoringMonitor(scoring="accuracy")
    net = ScratchMLPClassifier((8,), max_iter=4, tol=0, random_state=0)
    pipe = make_pipeline(StandardScaler(), net.set_callbacks(monitor))
    pipe.set_callbacks(callback.ProgressBar()).fit(X, y)
    assert len([r for r in monitor.get_logs().data if r["task_name"] == "epoch"]) == 4
    grid = GridSearchCV(
        ScratchMLPClassifier((8,), max_iter=4, random_state=0),
        {"alpha": [1e-4, 1e-2]},
        cv=2,
    )
    grid.set_callbacks(callback.ProgressBar()).fit(X, y)
    assert np.isfinite(grid.best_score_)
