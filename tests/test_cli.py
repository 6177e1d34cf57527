"""The ``sknetscratch`` command, run as a user runs it: the installed entry point in
a subprocess, on small CSV files in a temporary folder that is also its working
directory (so nothing is written anywhere else)."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import save
from sknetscratch.io.persistence import load_pipeline, save_pipeline

REPO = Path(__file__).resolve().parents[1]
_EXE = Path(sys.executable).parent / (
    "sknetscratch.exe" if sys.platform == "win32" else "sknetscratch"
)
#: The installed console script; ``python -m sknetscratch`` if it is not installed.
COMMAND = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "sknetscratch"]
FEATURES = ["x1", "x2", "x3"]
#: The command runs this checkout's code, as the tests around it do.
_PYTHONPATH = {
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")])
    )
}


@pytest.fixture(scope="module", autouse=True)
def _matplotlib_config(tmp_path_factory):
    """matplotlib's font cache goes to a temporary folder, not ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLCONFIGDIR", str(tmp_path_factory.mktemp("mplconfig")))
        yield


def run(*args, cwd, command=COMMAND, env=None):
    """Run the command; return (exit code, stdout, stderr)."""
    full_env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "PYTHONIOENCODING": "utf-8",
        **_PYTHONPATH,
        **(env or {}),
    }
    proc = subprocess.run(
        [*command, *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        encoding="utf-8",
        timeout=300,
    )
    return proc.returncode, proc.stdout, proc.stderr


def write(path: Path, header, rows) -> Path:
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def classification_rows(n=45, seed=0):
    """Three separable string classes in three numeric columns."""
    rng = np.random.default_rng(seed)
    names = np.array(["bird", "cat", "dog"])
    y = np.arange(n) % 3
    X = rng.normal(size=(n, 3)) * 0.3 + y[:, None] * [2.0, -1.0, 0.5]
    return [[*map(repr, row.tolist()), names[k]] for row, k in zip(X, y)]


def _frame(rows):
    """The feature columns of rows as the command reads them."""
    return pd.DataFrame([[float(v) for v in r[:3]] for r in rows], columns=FEATURES)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A classifier trained by the command (with --plot), and its output."""
    folder = tmp_path_factory.mktemp("cli")
    write(folder / "train.csv", [*FEATURES, "label"], classification_rows())
    result = run(
        "train", "train.csv", "--target", "label", "--hidden", "8",
        "--learning-rate-init", "0.05", "--max-iter", "30", "--cv", "3", "--seed",
        "0", "--out", "model.npz", "--plot", "curve.png", cwd=folder,
    )  # fmt: skip
    return folder, result


def test_train_reports_cv_and_curve_and_writes_model_and_plot(trained):
    folder, (code, out, err) = trained
    assert code == 0, err
    assert "Task: classify (guessed:" in out
    assert "3 classes: bird, cat, dog" in out
    assert "3-fold cross-validation (accuracy, shuffled folds):" in out
    scores = [float(s) for s in re.findall(r"fold +\d: (\d\.\d+)", out)]
    assert len(scores) == 3 and all(0 <= s <= 1 for s in scores)
    assert re.search(r"loss \(30 epochs\): \d+\.\d+ [▁▂▃▄▅▆▇█]+ \d+\.\d+", out)
    assert "Traceback" not in err
    pipe, meta = load_pipeline(folder / "model.npz")
    assert [name for name, _ in pipe.steps] == ["columns", "net"]
    assert meta["features"] == FEATURES and meta["target"] == "label"
    assert meta["task"] == "classify"
    assert meta["cv_scores"] == pytest.approx(scores, abs=1e-4)
    png = (folder / "curve.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000


def test_plot_writes_matplotlib_config_into_a_temporary_folder(
    trained, tmp_path_factory
):
    config = Path(os.environ["MPLCONFIGDIR"])
    assert config.is_relative_to(tmp_path_factory.getbasetemp())
    assert not trained[0].is_relative_to(config)


def test_predict_to_stdout_and_proba_to_file(trained):
    folder, _ = trained
    code, out, err = run("predict", "model.npz", "train.csv", cwd=folder)
    assert code == 0, err
    rows = list(csv.reader(out.splitlines()))
    pipe, _ = load_pipeline(folder / "model.npz")
    X = _frame(classification_rows())
    assert rows[0] == ["label"]
    assert [r[0] for r in rows[1:]] == pipe.predict(X).tolist()

    code, out, err = run(
        "predict", "model.npz", "train.csv", "--proba", "--out", "pred.csv", cwd=folder
    )
    assert code == 0, err
    assert "Wrote 45 predictions to pred.csv" in out
    with open(folder / "pred.csv", newline="") as fh:
        header, *body = list(csv.reader(fh))
    assert header == ["label", "proba_bird", "proba_cat", "proba_dog"]
    proba = np.array([[float(v) for v in r[1:]] for r in body])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(proba, pipe.predict_proba(X))
    classes = [h.removeprefix("proba_") for h in header[1:]]
    assert classes == ["bird", "cat", "dog"]
    assert [r[0] for r in body] == [classes[k] for k in proba.argmax(axis=1)]


def test_evaluate_prints_accuracy_and_confusion_matrix(trained):
    folder, _ = trained
    code, out, err = run("evaluate", "model.npz", "train.csv", cwd=folder)
    assert code == 0, err
    pipe, _ = load_pipeline(folder / "model.npz")
    rows = classification_rows()
    X = _frame(rows)
    y = np.array([r[3] for r in rows])
    assert f"Accuracy: {np.mean(pipe.predict(X) == y):.4f}" in out
    assert re.search(r"^ +bird +cat +dog$", out, re.M)  # predicted labels
    matrix = {}
    for line in out.splitlines():
        label, *counts = line.split() or [""]
        if label in ("bird", "cat", "dog") and all(c.isdigit() for c in counts):
            matrix[label] = [int(c) for c in counts]
    assert sorted(matrix) == ["bird", "cat", "dog"]
    assert [sum(counts) for counts in matrix.values()] == [15, 15, 15]  # true labels
    pred = pipe.predict(X)
    assert matrix["cat"][1] == np.sum((y == "cat") & (pred == "cat"))


def test_summary(trained):
    folder, _ = trained
    code, out, err = run("summary", "model.npz", cwd=folder)
    assert code == 0, err
    assert "Task: classify; target column 'label'" in out
    assert "Feature columns (3): x1, x2, x3" in out
    assert "Total params: 59" in out  # (3*8 + 8) + (8*3 + 3)
    assert "Classes: bird, cat, dog" in out
    assert "Cross-validation accuracy:" in out


def test_regression_train_evaluate_and_proba_refused(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    y = 3 * X[:, 0] - X[:, 1] + 0.5
    write(tmp_path / "reg.csv", ["a", "b", "y"], np.column_stack([X, y]).tolist())
    code, out, err = run(
        "train", "reg.csv", "--target", "y", "--solver", "lbfgs", "--hidden", "5",
        "--max-iter", "40", "--cv", "2", "--out", "reg.npz", cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "Task: regress (guessed:" in out
    assert "2-fold cross-validation (R2, shuffled folds):" in out
    assert re.search(r"loss \(\d+ iterations\)", out)

    code, out, err = run("evaluate", "reg.npz", "reg.csv", cwd=tmp_path)
    assert code == 0, err
    pipe, _ = load_pipeline(tmp_path / "reg.npz")
    r2 = 1 - np.sum(
        (y - pipe.predict(pd.DataFrame(X, columns=["a", "b"]))) ** 2
    ) / np.sum((y - y.mean()) ** 2)
    assert f"R2: {r2:.4f}" in out
    assert re.search(r"Residuals \(true - predicted\): min \S+ +25% ", out)

    code, out, err = run("predict", "reg.npz", "reg.csv", "--proba", cwd=tmp_path)
    assert code == 1
    assert "--proba needs a classification model" in err


def test_plot_without_matplotlib_says_what_to_install(tmp_path):
    fake = tmp_path / "no_mpl"
    (fake / "matplotlib").mkdir(parents=True)
    (fake / "matplotlib" / "__init__.py").write_text("raise ImportError('hidden')\n")
    write(tmp_path / "train.csv", [*FEATURES, "label"], classification_rows())
    code, out, err = run(
        "train", "train.csv", "--target", "label", "--out", "m.npz", "--plot", "p.png",
        cwd=tmp_path, env={"PYTHONPATH": os.pathsep.join([str(fake), str(REPO)])},
    )  # fmt: skip
    assert code == 1
    assert 'pip install "sknetscratch[plot]"' in err
    assert "Traceback" not in err
    assert not (tmp_path / "m.npz").exists()  # refused before training


def test_demo_reduced_time(tmp_path):
    code, out, err = run(
        "demo", "--folds", "3", "--max-iter", "20", "--out", "demo.npz",
        "--data-csv", "bc.csv", cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "Iteration 1, loss = " in out and "Iteration 20, loss = " in out
    assert "Total params: 14,337" in out
    assert re.search(r"Hold-out accuracy \(first 100 rows\): 0\.\d\d", out)
    folds = re.findall(
        r"^ +\d +(0\.\d{4}|1\.0000) +\d+\.\d\d +(0\.\d{4}|1\.0000)", out, re.M
    )
    assert len(folds) == 3
    verdict = re.search(
        r"at 1e-9 relative: (identical|not identical \(max rel diff \S+)", out
    )
    assert verdict, out
    assert verdict.group(1).startswith(_identical_verdict(folds=3, max_iter=20))
    assert sorted(os.listdir(tmp_path)) == ["bc.csv", "demo.npz"]

    code, out, err = run("evaluate", "demo.npz", "bc.csv", cwd=tmp_path)
    assert code == 0, err
    assert re.search(r"Accuracy: 0\.\d{4}", out)
    assert re.search(r"^ *benign +\d+ +\d+$", out, re.M)


def test_no_arguments_means_demo_with_its_defaults(tmp_path, monkeypatch):
    from sknetscratch.cli import demo as _demo
    from sknetscratch.cli import parser as cli

    calls = []
    monkeypatch.setattr(_demo, "run_demo", lambda *args: calls.append(args))
    monkeypatch.chdir(tmp_path)
    assert cli.main([]) == 0
    assert calls == [("sknetscratch-demo.npz", 10, 200, 0, None)]


def _identical_verdict(folds, max_iter):
    """The demo's comparison, recomputed here: 'identical' or 'not identical'."""
    import warnings

    from sklearn.datasets import load_breast_cancer
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknetscratch import ScratchMLPClassifier

    data = load_breast_cancer()
    X, y = data.data, data.target_names[data.target].astype(object)  # as the demo
    params = dict(hidden_layer_sizes=(128, 64, 32), max_iter=max_iter, random_state=0)
    for train, test in StratifiedKFold(folds).split(X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            a = make_pipeline(StandardScaler(), ScratchMLPClassifier(**params))
            b = make_pipeline(StandardScaler(), MLPClassifier(**params))
            a.fit(X[train], y[train])
            b.fit(X[train], y[train])
        pa, pb = a.predict_proba(X[test]), b.predict_proba(X[test])
        if not np.allclose(pa, pb, rtol=0, atol=1e-9 * np.abs(pb).max()):
            return "not identical"
        if a[-1].n_iter_ != b[-1].n_iter_:
            return "not identical"
        for wa, wb in zip(
            a[-1].coefs_ + a[-1].intercepts_, b[-1].coefs_ + b[-1].intercepts_
        ):
            if not np.allclose(wa, wb, rtol=0, atol=1e-9 * np.abs(wb).max()):
                return "not identical"
    return "identical"


# ----------------------------------------------------------------- bad input
BAD_CASES = {
    # name: (files to write, arguments, exit code, message)
    "missing file": ({}, ["train", "nope.csv", "--target", "label", "--out", "m.npz"], 1, r"nope\.csv: no such file"),
    "missing column": ("train", ["train", "train.csv", "--target", "y", "--out", "m.npz"], 1, r"train\.csv: no column 'y'; its columns are 'x1', 'x2', 'x3', 'label'"),
    "non-numeric value": ({"bad.csv": "x1,x2,x3\n1,2,3\n3,abc,4\n"}, ["predict", "MODEL", "bad.csv"], 1, r"bad\.csv, data row 2, column 'x2': 'abc' is not a number"),
    "JSON": ({"d.csv": '[{"x1": 1}]'}, ["train", "d.csv", "--target", "label", "--out", "m.npz"], 1, r"d\.csv: looks like JSON, not a table"),
    "target all empty": ({"t.csv": "x1,label\n1,\n2,\n"}, ["train", "t.csv", "--target", "label", "--out", "m.npz"], 1, r"t\.csv: fewer than 2 rows with a target value"),
    "empty file": ({"empty.csv": ""}, ["train", "empty.csv", "--target", "label", "--out", "m.npz"], 1, r"empty\.csv: the file is empty"),
    "header only": ({"head.csv": "x1,label\n"}, ["train", "head.csv", "--target", "label", "--out", "m.npz"], 1, r"head\.csv: the file has a header row but no data rows"),
    "ragged row": ({"rag.csv": "x1,label\n1,a\n2,b,c\n3,d\n"}, ["train", "rag.csv", "--target", "label", "--out", "m.npz"], 1, r"rag\.csv: not a readable table \(.*line 3"),
    "not a model file": ("train", ["summary", "train.csv"], 1, r"train\.csv: it is not a sknetscratch model file"),
    "model trained on other columns": ({"other.csv": "x1,z\n1,2\n"}, ["predict", "MODEL", "other.csv"], 1, r"other\.csv: the model .*model\.npz was trained on other columns; this file lacks 'x2', 'x3'"),
    "too many folds": ("train", ["train", "train.csv", "--target", "label", "--cv", "20", "--out", "m.npz"], 1, r"--cv 20: the smallest class has only 15 rows"),
    "output folder missing": ("train", ["train", "train.csv", "--target", "label", "--out", "no/m.npz"], 1, r"--out no/m\.npz: the folder .* does not exist"),
    "usage: no --target": ("train", ["train", "train.csv", "--out", "m.npz"], 2, r"the following arguments are required: --target"),
    "usage: bad --hidden": ("train", ["train", "train.csv", "--target", "label", "--hidden", "8,x", "--out", "m.npz"], 2, r"argument --hidden: expected positive layer sizes"),
    "usage: negative --alpha": ("train", ["train", "train.csv", "--target", "label", "--alpha", "-1", "--out", "m.npz"], 2, r"argument --alpha: expected a non-negative finite number; got '-1'"),
    "usage: nan --alpha": ("train", ["train", "train.csv", "--target", "label", "--alpha", "nan", "--out", "m.npz"], 2, r"argument --alpha: expected a non-negative finite number; got 'nan'"),
    "usage: zero --learning-rate-init": ("train", ["train", "train.csv", "--target", "label", "--learning-rate-init", "0", "--out", "m.npz"], 2, r"argument --learning-rate-init: expected a positive finite number; got '0'"),
    "usage: negative --seed": ("train", ["train", "train.csv", "--target", "label", "--seed", "-1", "--out", "m.npz"], 2, r"argument --seed: expected an integer from 0 to 2\*\*32 - 1; got '-1'"),
    "usage: demo --seed too large": ({}, ["demo", "--seed", str(2**32)], 2, r"argument --seed: expected an integer from 0 to 2\*\*32 - 1"),
    "usage: demo --folds 1": ({}, ["demo", "--folds", "1"], 2, r"argument --folds: expected at least 2 folds; got '1'$"),
    "usage: --plot not .png": ("train", ["train", "train.csv", "--target", "label", "--out", "m.npz", "--plot", "p.pdf"], 2, r"argument --plot: the plot is a PNG image: give a file name ending in \.png; got 'p\.pdf'"),
    "usage: unknown command (python -m)": ({}, ["fit", "train.csv"], 2, r"invalid choice: 'fit'"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input(case, tmp_path, trained):
    files, args, expected_code, message = BAD_CASES[case]
    if files == "train":
        files = {"train.csv": (trained[0] / "train.csv").read_text()}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    args = [str(trained[0] / "model.npz") if a == "MODEL" else a for a in args]
    before = set(os.listdir(tmp_path))
    command = COMMAND
    if "python -m" in case:  # the same command as a module
        command = [sys.executable, "-m", "sknetscratch"]
    code, out, err = run(*args, cwd=tmp_path, command=command)
    assert code == expected_code, (out, err)
    assert re.search(message, err, re.M), err
    assert "Traceback" not in err
    if expected_code == 1:  # one or two lines that name the problem
        lines = [ln for ln in err.splitlines() if not re.search("warning:|note:", ln)]
        assert 1 <= len(lines) <= 2 and lines[0].startswith("sknetscratch: error: "), (
            err
        )
    assert set(os.listdir(tmp_path)) == before  # nothing written


# ----------------------------------------------------- outputs that are inputs
SAME_FILE_CASES = {
    # name: (arguments, the file that must stay untouched, message)
    "train --out DATA": (["train", "train.csv", "--target", "label", "--out", "train.csv"], "train.csv", r"--out train\.csv: the same file as the data file train\.csv"),
    "train --out DATA via ./sub/..": (["train", "train.csv", "--target", "label", "--out", "sub/../train.csv"], "train.csv", r"--out sub/\.\./train\.csv: the same file as the data file"),
    "train --plot --out": (["train", "train.csv", "--target", "label", "--out", "m.png", "--plot", "./m.png"], None, r"--plot \./m\.png: the same file as --out m\.png"),
    "predict --out MODEL": (["predict", "model.npz", "train.csv", "--out", "model.npz"], "model.npz", r"--out model\.npz: the same file as the model file model\.npz"),
    "predict --out DATA": (["predict", "model.npz", "train.csv", "--out", "train.csv"], "train.csv", r"--out train\.csv: the same file as the data file train\.csv"),
    "demo --data-csv --out": (["demo", "--out", "x", "--data-csv", "x"], None, r"--data-csv x: the same file as --out x"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(SAME_FILE_CASES))
def test_an_output_that_is_an_input_or_another_output_is_refused(
    case, tmp_path, trained
):
    args, kept, message = SAME_FILE_CASES[case]
    (tmp_path / "sub").mkdir()
    for name in ("train.csv", "model.npz"):
        (tmp_path / name).write_bytes((trained[0] / name).read_bytes())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    code, out, err = run(*args, cwd=tmp_path)
    assert code == 1, (out, err)
    assert re.search(message, err), err
    assert "Traceback" not in err and len(err.splitlines()) <= 2
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before  # nothing written, the inputs untouched
    if kept:
        assert after[kept] == before[kept]


# ------------------------------------------------- model files that are not ours
def _tampered(name, model, folder):
    """Write a model file ``name`` derived from ``model`` in ``folder``; its path."""
    pipe, meta = load_pipeline(model)
    path = folder / f"{name}.npz"
    rows = classification_rows()
    X = np.array([[float(v) for v in r[:3]] for r in rows])
    if name == "foreign npz":
        np.savez(path, weights=np.ones(3))
    elif name == "no metadata":
        save(pipe, path)
    elif name == "scale_ None":
        pipe[0].scale_ = None
        save_pipeline(pipe, path, meta)
    elif name == "mean_ None":
        pipe[0].mean_ = None
        save_pipeline(pipe, path, meta)
    elif name == "2-feature scaler":
        pipe[0].fit(X[:, :2])
        save_pipeline(pipe, path, meta)
    elif name == "unfitted":
        pipe = Pipeline([(n, clone(e)) for n, e in pipe.steps])
        save_pipeline(pipe, path, meta)
    elif name == "unfitted scaler":
        pipe.steps[0] = ("scale", StandardScaler())
        save_pipeline(pipe, path, meta)
    else:
        changes = {
            "2 feature names": {"features": ["x1", "x2"]},
            "duplicate feature": {"features": ["x1", "x1", "x2"]},
            "target is a feature": {"features": ["x1", "x2", "label"]},
            "classifier says regress": {"task": "regress"},
        }[name]
        save_pipeline(pipe, path, {**meta, **changes})
    return path


TAMPERED_CASES = {
    "foreign npz": r"it is not a sknetscratch model file",
    "no metadata": r"a saved pipeline, but not one written by `sknetscratch train`",
    "unfitted": r"the saved pipeline is not fitted",
    "2 feature names": r"names 2 feature columns, but the pipeline takes 3",
    "duplicate feature": r"names the feature column\(s\) x1 twice",
    "target is a feature": r"its target column 'label' is also one of its features",
    "classifier says regress": r"says task 'regress', but holds a ScratchMLPClassifier",
}  # fmt: skip


@pytest.mark.parametrize("case", list(TAMPERED_CASES))
def test_inconsistent_model_files_are_refused(case, tmp_path, trained):
    (tmp_path / "train.csv").write_bytes((trained[0] / "train.csv").read_bytes())
    path = _tampered(case, trained[0] / "model.npz", tmp_path)
    code, out, err = run("evaluate", path.name, "train.csv", cwd=tmp_path)
    assert code == 1, (out, err)
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if "warning:" not in ln]
    assert len(lines) <= 2 and lines[0].startswith(f"sknetscratch: error: {path.name}")
    assert re.search(TAMPERED_CASES[case], err), err


def test_a_prediction_that_fails_is_a_data_error(tmp_path, trained):
    # finite in the CSV, but infinite once scaled: the network refuses it
    write(tmp_path / "huge.csv", FEATURES, [["0", "0", "1.7e308"]])
    code, out, err = run("predict", trained[0] / "model.npz", "huge.csv", cwd=tmp_path)
    assert code == 1, (out, err)
    assert re.search(
        r"huge\.csv, data row 1, column 'x3': 1\.7e\+308 is too large", err
    ), err
    assert "Traceback" not in err


def test_evaluate_refuses_a_feature_column_as_target(trained):
    folder, _ = trained
    code, out, err = run(
        "evaluate", "model.npz", "train.csv", "--target", "x2", cwd=folder
    )
    assert code == 1, (out, err)
    assert "--target x2: a feature column of the model model.npz" in err
    assert "Confusion" not in out


def test_blank_lines_are_skipped_but_a_line_of_commas_is_a_row(tmp_path):
    from sknetscratch.io.csv import read_table

    path = tmp_path / "d.csv"
    path.write_text("x,label\n\n1,a\n\n2,b\n")
    frame = read_table(str(path), text_columns=["label"])
    assert frame["label"].tolist() == ["a", "b"]
    path.write_text("x,label\n,\n2,b\n")
    frame = read_table(str(path), text_columns=["label"])
    assert len(frame) == 2 and frame.iloc[0].isna().all()


def test_whole_numbers_beyond_int64_are_a_regression_target(tmp_path):
    rows = [[i * 0.5, f"{i + 1}e19"] for i in range(12)]
    write(tmp_path / "big.csv", ["x", "y"], rows)
    code, out, err = run(
        "train", "big.csv", "--target", "y", "--solver", "lbfgs", "--max-iter", "5",
        "--cv", "0", "--out", "big.npz", cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert "Task: regress (guessed:" in out
    assert "Traceback" not in err
