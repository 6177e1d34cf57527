"""Scale sknetscratch out on Dask: a distributed grid search, out-of-core
training with dask-ml's Incremental, and a Hyperband search.

Starts a LocalCluster (two worker processes on this machine), or connects to the
running scheduler named by Dask's own setting, the ``DASK_SCHEDULER_ADDRESS``
environment variable (``scheduler-address`` in Dask's config)::

    python examples/dask_scale_out.py                                     # local
    DASK_SCHEDULER_ADDRESS=tcp://host:8786 python examples/dask_scale_out.py

(a real cluster is started with ``dask scheduler`` on one machine and
``dask worker tcp://host:8786`` on each of the others). Needs the Dask extra:
``pip install "sknetscratch[dask]"``. Uses scikit-learn's bundled data only.
"""

import warnings

import joblib
import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import ScratchMLPClassifier

try:
    import dask
    import dask.array as da
    from dask_ml.model_selection import HyperbandSearchCV
    from dask_ml.wrappers import Incremental
    from distributed import Client, LocalCluster
except ImportError as exc:
    raise ImportError(
        f"This example needs Dask, distributed and dask-ml ({exc}). Install the "
        'extra: pip install "sknetscratch[dask]"'
    ) from exc


def grid_search(client):
    """GridSearchCV on the cluster through joblib's Dask backend."""
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(), ScratchMLPClassifier((32,), max_iter=30, random_state=0)
    )
    grid = {
        "scratchmlpclassifier__alpha": [1e-4, 1e-2, 1.0],
        "scratchmlpclassifier__learning_rate_init": [1e-3, 1e-2],
    }
    with joblib.parallel_backend("dask"):  # every fit runs on a worker
        remote = GridSearchCV(pipe, grid, cv=5, n_jobs=-1).fit(X, y)
    local = GridSearchCV(pipe, grid, cv=5, n_jobs=1).fit(X, y)
    equal = np.array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    print(f"GridSearchCV on the cluster: best {remote.best_params_}")
    print(
        f"  best CV accuracy {remote.best_score_:.4f}; same scores as n_jobs=1: {equal}"
    )
    return equal


def digits_on_dask(chunk_rows=200):
    """Scaled digits as dask arrays of ``chunk_rows``-row chunks (train, test)."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    chunks = (chunk_rows, X.shape[1])
    return (
        da.from_array(X_train, chunks=chunks),
        da.from_array(y_train, chunks=chunk_rows),
        X_test,
        y_test,
    )


def incremental(client, epochs=10):
    """Out-of-core training: the model visits the chunks, one partial_fit each."""
    X, y, X_test, y_test = digits_on_dask()
    inc = Incremental(
        ScratchMLPClassifier((64,), learning_rate_init=0.01, random_state=0),
        scoring="accuracy",
        random_state=0,
    )
    for _ in range(epochs):  # one partial_fit pass over the chunks per call
        inc.partial_fit(X, y, classes=np.arange(10))
    accuracy = inc.score(X_test, y_test)
    print(
        f"Incremental: {epochs} passes over {X.numblocks[0]} chunks of "
        f"{X.chunks[0][0]} rows; hold-out accuracy {accuracy:.4f}"
    )
    return accuracy


def hyperband(client):
    """Hyperband: many configurations, the poor ones stopped after few epochs."""
    X, y, X_test, y_test = digits_on_dask(chunk_rows=100)
    params = {
        "alpha": np.logspace(-5, 0, 6),
        "learning_rate_init": np.logspace(-4, -1, 4),
        # ints, not tuples: dask-ml stacks each parameter's values into one
        # NumPy array for cv_results_, which fails for tuples of unequal length
        "hidden_layer_sizes": [32, 64, 128],
    }
    search = HyperbandSearchCV(
        ScratchMLPClassifier(random_state=0), params, max_iter=9, random_state=0
    )
    # dask-ml 2025.1 calls dask.persist inside its asynchronous loop, which
    # dask >= 2025.3 refuses unless the client's get is the configured scheduler
    with dask.config.set(scheduler=client.get):
        search.fit(X, y, classes=np.arange(10))
    best = {
        k: getattr(v, "item", lambda v=v: v)() for k, v in search.best_params_.items()
    }
    print(
        f"HyperbandSearchCV: {search.metadata_['n_models']} models, "
        f"{search.metadata_['partial_fit_calls']} partial_fit calls; best "
        f"{best}, hold-out accuracy {search.score(X_test, y_test):.4f}"
    )
    return search


def main(address=None):
    """Run the three demos on the scheduler at ``address`` (default: Dask's
    ``scheduler-address`` setting), or on a new LocalCluster if there is none."""
    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # short fits
    address = address or dask.config.get("scheduler-address", None)
    if address is None:
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    else:
        cluster = None
    try:
        with Client(cluster if address is None else address) as client:
            print(f"Dask scheduler at {client.scheduler.address}")
            return {
                "grid_search_equal_to_local": grid_search(client),
                "incremental_accuracy": incremental(client),
                "hyperband": hyperband(client),
            }
    finally:
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
