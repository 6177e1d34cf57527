"""The examples are run as tests: they must work and show what they claim."""

import runpy
from pathlib import Path

import pytest
from sklearn.datasets import load_iris

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


#: Examples run by another test module, against its fixtures.
ELSEWHERE = {"dask_scale_out.py": "tests/test_dask.py, on its LocalCluster"}


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(EXAMPLES.glob("*.py")) if p.name not in ELSEWHERE],
    ids=lambda p: p.name,
)
def test_every_example_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # whatever an example writes stays in tmp_path
    runpy.run_path(str(path), run_name="__main__")


def test_seed_blog_demo_reaches_096_hold_out_accuracy(capsys):
    namespace = runpy.run_path(str(EXAMPLES / "seed_blog_demo.py"))
    accuracy = namespace["main"]()
    out = capsys.readouterr().out
    assert "Total params: 14,337" in out
    assert accuracy >= 0.96
    assert f"Hold-out accuracy (first 100 rows): {accuracy:.2f}" in out


def test_compare_with_sklearn_shows_the_same_model():
    compare = runpy.run_path(str(EXAMPLES / "compare_with_sklearn.py"))["compare"]
    X, y = load_iris(return_X_y=True)
    accuracy, seconds, gap = compare(X, y, folds=3)
    assert accuracy["sknetscratch"] == accuracy["sklearn"]
    assert gap < 1e-12  # the same network, up to rounding
    assert set(seconds) == {"sknetscratch", "sklearn"}
