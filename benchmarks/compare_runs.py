"""Compare ``bench_mlp.py --json`` runs of two commits made in one session.

``bench_mlp.py`` pairs sknetscratch with scikit-learn inside each round, so
its ``sklearn/ours`` ratio is the machine-independent figure; this script sets
that ratio for the *after* runs against the *before* runs, configuration by
configuration (the mean over the runs given of each side's median ratio):
``after/before`` below 1 means the newer commit lost ground against
scikit-learn. ``ours/loop`` (the same training as one bare NumPy loop, timed in
the same rounds) is shown too: it does not depend on scikit-learn.

Run, for example::

    python benchmarks/compare_runs.py --before old-1.json old-2.json \\
        --after new-1.json new-2.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys


def _ratios(paths, name):
    out = {}
    for path in paths:
        with open(path) as f:
            for r in json.load(f)["results"]:
                value = r["ratios"].get(name, {}).get("median")
                if value is not None:
                    out.setdefault((r["problem"], r["dtype"]), []).append(value)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--before", nargs="+", required=True, help="JSON files, older commit"
    )
    p.add_argument("--after", nargs="+", required=True, help="JSON files, newer commit")
    args = p.parse_args(argv)
    print(
        f"{'cfg':<4}{'dtype':<9}{'sklearn/ours before':>21}{'after':>8}"
        f"{'after/before':>14}{'ours/loop before':>18}{'after':>8}"
    )
    skl_b, skl_a = (
        _ratios(args.before, "sklearn/ours"),
        _ratios(args.after, "sklearn/ours"),
    )
    loop_b, loop_a = _ratios(args.before, "ours/loop"), _ratios(args.after, "ours/loop")
    for key in sorted(skl_b.keys() & skl_a.keys()):
        b, a = statistics.mean(skl_b[key]), statistics.mean(skl_a[key])
        lb = statistics.mean(loop_b[key]) if key in loop_b else float("nan")
        la = statistics.mean(loop_a[key]) if key in loop_a else float("nan")
        print(
            f"{key[0]:<4}{key[1]:<9}{b:>21.3f}{a:>8.3f}{a / b:>14.3f}{lb:>18.3f}{la:>8.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
