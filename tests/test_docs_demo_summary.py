"""The demo (docs/getting_started.md) ends with its measured summary and a command."""

import re

import numpy as np
import pytest

from sknetscratch.cli.demo import _summary, run_demo


def _results(scores, seconds):
    return {
        "test_score": np.array(scores),
        "fit_time": np.array(seconds),
        "score_time": np.zeros(len(seconds)),
    }


def test_summary_states_the_measured_figures():
    ours = _results([0.9, 1.0], [0.1, 0.3])
    theirs = _results([0.9, 1.0], [0.4, 0.4])
    first, second = _summary(
        ours, theirs, True, 3e-15, folds=2, max_iter=50, seed=7
    ).split("\n")
    assert first == (
        "Summary: the same model as scikit-learn's MLPClassifier (largest difference "
        "3e-15 relative), mean 2-fold accuracy 0.9500 vs 0.9500, 2.0x as fast "
        "(0.20 s vs 0.40 s per fold)."
    )
    assert second == (
        "On your own CSV: sknetscratch train YOUR.csv --target COLUMN --hidden "
        "128,64,32 --max-iter 50 --seed 7 --cv 2 --out model.npz"
    )


def test_summary_says_so_when_the_models_differ_or_it_is_slower():
    ours = _results([0.8], [0.5])
    theirs = _results([0.9], [0.25])
    first = _summary(ours, theirs, False, 0.02, folds=1, max_iter=5, seed=0)
    assert "NOT the same model" in first and "2.0e-02 relative" in first
    assert "2.0x slower" in first and "0.8000 vs 0.9000" in first


# two folds of 20 epochs: the fits stop before they converge, on purpose
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_demo_ends_with_the_summary(tmp_path, capsys):
    run_demo(str(tmp_path / "demo.npz"), folds=2, max_iter=20, seed=0)
    lines = capsys.readouterr().out.rstrip("\n").split("\n")
    assert re.fullmatch(
        r"Summary: the same model as scikit-learn's MLPClassifier \(largest "
        r"difference \de[-+]\d\d relative\), mean 2-fold accuracy 0\.\d{4} vs 0\.\d{4}, "
        r".+ \(\d\.\d\d s vs \d\.\d\d s per fold\)\.",
        lines[-2],
    ), lines[-2]
    assert lines[-1].startswith("On your own CSV: sknetscratch train YOUR.csv")
    assert "--cv 2" in lines[-1] and "--max-iter 20" in lines[-1]
