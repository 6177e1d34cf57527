"""scikit-learn's own MLP tests, run against our estimators.

At collection this module reads the installed scikit-learn's
``sklearn/neural_network/tests/test_mlp.py`` (skipped when the installation
has no tests), rewrites its one import of the estimators so that
``MLPClassifier`` and ``MLPRegressor`` are ``ScratchMLPClassifier`` and
``ScratchMLPRegressor``, executes it as a module of its own and collects its
test functions here, parametrizations included: each runs as one of our
tests, under our warning rules, with the source lines of scikit-learn's file
in its tracebacks.

The tests that cannot pass are listed in :data:`KNOWN_FAILURES` with the
reason, as ``xfail(strict=True)``: the count stays honest, and a fix shows up
as an unexpected pass. A test scikit-learn adds in a later release runs
unlisted, so it fails until it passes or is listed.
"""

import functools
import sys
import types
from pathlib import Path

import pytest
import sklearn

SOURCE = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
SCRATCH = (
    "from sknetscratch import ScratchMLPClassifier as MLPClassifier, "
    "ScratchMLPRegressor as MLPRegressor"
)

#: Test function -> why it fails on our estimators (whole function: every
#: parametrization).
KNOWN_FAILURES = {
    "test_gradient": (
        "calls scikit-learn's private _initialize, _backprop, _unpack and "
        "_loss_grad_lbfgs and reads their lists of activations and deltas"
    ),
    "test_learning_rate_warmstart": (
        "reads _optimizer.learning_rate, scikit-learn's private optimizer object"
    ),
    "test_adaptive_learning_rate": (
        "reads _optimizer.learning_rate, scikit-learn's private optimizer object"
    ),
}

#: Test function -> ``(category, message)`` of a warning our estimators give
#: where scikit-learn's give none: the test asks for it (our warnings are
#: errors; scikit-learn's suite makes errors of deprecation warnings only).
OUR_WARNINGS = {
    "test_mlp_diverging_loss": (
        UserWarning,
        # early stopping restored the best weights after the loss diverged
        "Training diverged in epoch",
    ),
}


def _expecting(test, category, message):
    """``test``, which must give the warning ``(category, message)``."""

    @functools.wraps(test)  # same signature, parameters and marks
    def run(*args, **kwargs):
        with pytest.warns(category, match=message):
            return test(*args, **kwargs)

    return run


def _load():
    """scikit-learn's test module with our estimators in place of its own."""
    source = SOURCE.read_text(encoding="utf-8")
    if source.count(IMPORT) != 1:
        raise RuntimeError(
            f"{SOURCE} no longer imports the estimators as {IMPORT!r}; "
            "update tests/test_sklearn_peer_suite.py."
        )
    module = types.ModuleType("sklearn_test_mlp_on_sknetscratch")
    module.__file__ = str(SOURCE)
    sys.modules[module.__name__] = module  # pickling by joblib finds the module
    # one line for one line: tracebacks point at scikit-learn's source
    code = compile(source.replace(IMPORT, SCRATCH), str(SOURCE), "exec")
    exec(code, module.__dict__)
    return module


if not SOURCE.is_file():
    pytest.skip(
        f"scikit-learn's tests are not installed ({SOURCE})", allow_module_level=True
    )

_peer = _load()
PEER_TESTS = sorted(name for name in vars(_peer) if name.startswith("test_"))
for _name in PEER_TESTS:
    _test = getattr(_peer, _name)
    if _name in OUR_WARNINGS:
        _test = _expecting(_test, *OUR_WARNINGS[_name])
    if _name in KNOWN_FAILURES:
        _test = pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[_name])(_test)
    globals()[_name] = _test


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture (its conftest), at its default seed, 42."""
    return 42


def test_the_suite_runs_on_our_estimators():
    assert _peer.MLPClassifier.__name__ == "ScratchMLPClassifier"
    assert _peer.MLPRegressor.__name__ == "ScratchMLPRegressor"
    assert len(PEER_TESTS) >= 40
    listed = set(KNOWN_FAILURES) | set(OUR_WARNINGS)
    assert listed <= set(PEER_TESTS), "a listed test was removed"
