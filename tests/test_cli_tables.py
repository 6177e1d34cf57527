"""The command line on real tables nobody here prepared: palmerpenguins' two
CSVs, scikit-learn's diabetes as CSV, and copies in other formats (issue 24)."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import numpy as np
import pytest
from test_cli import run

from sknetscratch.io.persistence import load_pipeline

palmerpenguins = pytest.importorskip("palmerpenguins")
DATA = Path(palmerpenguins.__file__).parent / "data"


def _cv_mean(out: str) -> float:
    return float(re.search(r"^  mean (-?\d+\.\d+)", out, re.M).group(1))


@pytest.mark.parametrize(
    "name, target, args, low",
    [
        ("penguins.csv", "species", ["--max-iter", "60"], 0.95),
        ("penguins-raw.csv", "Species", ["--max-iter", "60"], 0.90),
        ("penguins.csv", "body_mass_g", ["--max-iter", "60"], 0.75),
    ],
)
def test_penguins_cross_validate_well_without_drop(name, target, args, low, tmp_path):
    code, out, err = run(
        "train", DATA / name, "--target", target, "--cv", "3", *args,
        "--out", "m.npz", cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert _cv_mean(out) >= low, out
    assert "baseline" in out and "shuffled" in out
    pipe, meta = load_pipeline(tmp_path / "m.npz")
    if name == "penguins-raw.csv":
        assert "Individual ID" in out and "Date Egg (dates)" in out
        assert "Individual ID" not in meta["features"]
    code, out, err = run(
        "predict", "m.npz", DATA / name, "--out", "p.csv", cwd=tmp_path
    )
    assert code == 0, err


def test_diabetes_as_csv_regression(tmp_path):
    from sklearn.datasets import load_diabetes

    load_diabetes(as_frame=True).frame.to_csv(tmp_path / "d.csv", index=False)
    code, out, err = run(
        "train", "d.csv", "--target", "target", "--cv", "3", "--max-iter", "60",
        "--out", "m.npz", cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "Task: regress" in out
    assert _cv_mean(out) >= 0.40, out


def test_other_formats_train_and_an_index_column_is_not_a_feature(tmp_path):
    import pandas as pd

    frame = pd.read_csv(DATA / "penguins.csv")
    frame["island"] = frame["island"].str.replace("Biscoe", "Biscoé")
    frame.to_csv(tmp_path / "semi.csv", sep=";", index=False)
    frame.to_csv(tmp_path / "tab.tsv", sep="\t", index=False)
    with gzip.open(tmp_path / "z.csv.gz", "wt", encoding="utf-8") as fh:
        frame.to_csv(fh, index=False)
    frame.to_csv(tmp_path / "latin.csv", index=False, encoding="latin-1")
    frame.to_csv(tmp_path / "unnamed.csv")  # an unnamed index column
    frame.rename_axis("row").to_csv(tmp_path / "named.csv")
    for name in os.listdir(tmp_path):
        code, out, err = run(
            "train", name, "--target", "species", "--cv", "0", "--max-iter", "5",
            "--out", f"{name}.npz", cwd=tmp_path,
        )  # fmt: skip
        assert code == 0, (name, err)
        _, meta = load_pipeline(tmp_path / f"{name}.npz")
        assert "island" in meta["text_features"], name
        assert not {"row", "Unnamed: 0"} & set(meta["features"]), name
        if name == "latin.csv":
            assert "read it as latin-1" in err


def test_labels_are_the_strings_in_the_file(tmp_path):
    rng = np.random.default_rng(0)
    rows = ["x,label"] + [
        f"{v:.3f},{'10' if v > 0 else '1_0'}" for v in rng.normal(size=40)
    ]
    (tmp_path / "l.csv").write_text("\n".join(rows) + "\n")
    code, out, err = run(
        "train", "l.csv", "--target", "label", "--cv", "0", "--max-iter", "5",
        "--out", "m.npz", cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "2 classes: 10, 1_0" in out
