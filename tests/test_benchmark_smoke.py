"""Smoke test of ``benchmarks/bench_mlp.py``: it runs end to end on tiny data.

Only that the script works is checked (exit code, report tables, JSON output),
never the timings. One BLAS thread keeps it steady on a busy machine.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_mlp.py"


def test_benchmark_script_runs(tmp_path):
    out = tmp_path / "bench.json"
    cmd = [
        sys.executable,
        str(SCRIPT),
        "--smoke",
        "--configs",
        "a,b",
        "--memory",
        "--fit-check",
        "--numpy-loop",
        "--threads",
        "1",
        "--json",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for header in (
        "PER-EPOCH TRAINING TIME",
        "PAIRED RATIOS",
        "TRAINING LOSS",
        "PREDICT_PROBA THROUGHPUT",
        "FIT-BASED CHECK",
        "PEAK MEMORY",
        "threadpoolctl.threadpool_info()",
    ):
        assert header in proc.stdout, header
    results = json.loads(out.read_text())["results"]
    assert [(r["problem"], r["dtype"]) for r in results] == [
        ("a", "float64"),
        ("a", "float32"),
        ("b", "float64"),
        ("b", "float32"),
    ]
    for r in results:
        assert {"sknetscratch", "sklearn", "gemm_floor", "numpy_loop"} <= set(
            r["ms_per_epoch"]
        )
        assert {"ours/loop", "loop/floor"} <= set(r["ratios"])
        # the plain loop trains the same network: its loss is of the same size
        assert 0.5 < r["final_loss"]["numpy_loop"] / r["final_loss"]["sklearn"] < 2
        assert r["epochs"]["sknetscratch"] == r["epochs"]["sklearn"]


def test_benchmark_rejects_unknown_config(capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_mlp", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_mlp", bench)  # dataclasses need it
    spec.loader.exec_module(bench)
    with pytest.raises(SystemExit) as exc:
        bench.parse_args(["--configs", "z"])
    assert exc.value.code == 2
    assert "unknown config" in capsys.readouterr().err


def test_kernel_benchmark_runs():
    script = SCRIPT.parent / "bench_kernels.py"
    cmd = [sys.executable, str(script), "--quick", "--dtypes", "float32"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if "float32" in ln]
    assert len(lines) == 6, proc.stdout
    for line in lines:
        ratio = float(line.split()[-1])
        assert ratio > 0  # a number was measured (its value is not checked)


def test_time_to_accuracy_benchmark_runs(capsys):
    """It runs and reports every contender (only that: never the timings)."""
    path = SCRIPT.with_name("bench_time_to_accuracy.py")
    spec = importlib.util.spec_from_file_location("bench_time_to_accuracy", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = bench.main(["--smoke"])
    out = capsys.readouterr().out
    assert "target: scikit-learn's final validation accuracy" in out
    assert set(results) == {
        "scikit-learn, defaults",
        "ours, defaults",
        "ours, schedule + val-loss stopping",
    }
    # the defaults train scikit-learn's very model: they reach its final accuracy
    epochs, seconds, final, fit_epochs, _ = results["ours, defaults"]
    assert final == results["scikit-learn, defaults"][2] and epochs is not None
    assert fit_epochs == results["scikit-learn, defaults"][3]  # the same epochs


def test_ab_commits_benchmark_runs():
    """Both sides imported into one process (here the same checkout twice)."""
    script = SCRIPT.parent / "ab_commits.py"
    root = str(SCRIPT.parents[1])
    cmd = [sys.executable, str(script), "--before", root, "--after", root]
    proc = subprocess.run(
        [*cmd, "--rounds", "1"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {ln.split()[0]: ln.split() for ln in proc.stdout.splitlines()[3:6]}
    assert set(rows) == {"partial_fit", "train_step", "per"}, proc.stdout
    assert float(rows["train_step"][-1]) > 0  # a ratio was measured
    bad = subprocess.run(
        [*cmd[:3], "/nonexistent", *cmd[4:]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode != 0 and "no sknetscratch/ package" in bad.stderr


def test_benchmark_on_another_namespace_runs_or_says_why_not(tmp_path):
    """``--namespace torch``: the estimator on PyTorch CPU tensors, paired with
    the NumPy path (issue 26); without PyTorch, a message and exit 0."""
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(SCRIPT), "--smoke", "--configs", "a"]
    cmd += ["--dtypes", "float32", "--namespace", "torch", "--device", "cpu"]
    cmd += ["--threads", "1", "--json", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    if importlib.util.find_spec("torch") is None:
        assert "skipped: torch is not installed" in proc.stdout
        assert not out.exists()
        return
    (result,) = json.loads(out.read_text())["results"]
    assert {"sknetscratch_xp", "torch"} <= set(result["ms_per_epoch"])
    assert {"xp/ours", "xp/torch"} <= set(result["ratios"])
    # the same draws: the same loss as the NumPy path, to float32 rounding
    losses = result["final_loss"]
    assert abs(losses["sknetscratch_xp"] - losses["sknetscratch"]) < 1e-4


def test_benchmark_on_a_missing_device_says_why_not():
    cmd = [sys.executable, str(SCRIPT), "--smoke", "--namespace", "cupy"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2  # argparse: CuPy runs on a GPU only
    assert "--device cuda" in proc.stderr
