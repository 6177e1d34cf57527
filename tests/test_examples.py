"""The examples are run as tests: they must work and show what they claim."""

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_seed_blog_demo_reaches_096_hold_out_accuracy(capsys):
    namespace = runpy.run_path(str(EXAMPLES / "seed_blog_demo.py"))
    accuracy = namespace["main"]()
    out = capsys.readouterr().out
    assert "Total params: 14,337" in out
    assert accuracy >= 0.96
    assert f"Hold-out accuracy (first 100 rows): {accuracy:.2f}" in out
