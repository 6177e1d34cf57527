"""Side-by-side timings of the fast paths in the core, each against its plain form.

``bench_mlp.py`` measures whole epochs; this script isolates the choices made
inside them, so that each one is backed by a number measured in one run:

``adam step``
    One Adam step on a parameter vector of the size of configuration (b) (60k
    weights) or (c) (535k), walked in blocks of ``optim.base.BLOCK_SIZE``
    entries (what ``Model.train_step`` does), against the same step on the
    whole vector (``BLOCK_SIZE`` set beyond the vector's length).
``bias gradient``
    ``DenseBlock``'s bias gradient as the product ``ones @ delta`` on a
    200 x 256 delta, against ``delta.sum(axis=0)``.
``inference``
    ``Model.predict_logits`` on 50,000 rows of the (b) and (c) networks in
    blocks of ``model.INFERENCE_BLOCK_ROWS`` rows, against one pass over all
    rows.
``log loss``
    The classifier's loss (scikit-learn's clipped log-loss, from
    ``sknetscratch.estimators.classifier``) on a batch of 256 x 10 logits, value and
    gradient from one softmax, against the generic ``Loss.value_and_gradient``
    (``per_sample`` then ``gradient``, each with its own softmax).

Both forms of each pair run interleaved, ``--rounds`` times; the table gives
the median time of each and the median of the per-round ratios
(plain / fast: above 1 means the fast path is faster). The numbers are the
same either way (``tests/test_optimizers.py``, ``tests/test_activations.py``
and ``tests/test_model.py`` check it); only the time differs.

Run ``python benchmarks/bench_kernels.py`` (about a minute) or with ``--quick``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info

from sknetscratch import DenseBlock, Model
from sknetscratch.estimators.classifier import SklearnLogLoss
from sknetscratch.nn import network as model_module
from sknetscratch.nn.losses import Loss
from sknetscratch.optim import Adam
from sknetscratch.optim import base as optim_base

SEED = 0


def _median_ms(times):
    return statistics.median(times) * 1e3


def paired(fast, plain, rounds, number=1):
    """Median ms of ``fast`` and ``plain`` and the median per-round ratio."""
    fast(), plain()  # warm-up
    t_fast, t_plain = [], []
    for r in range(rounds):
        for f, out in ((fast, t_fast), (plain, t_plain))[:: 1 if r % 2 else -1]:
            t0 = time.perf_counter()
            for _ in range(number):
                f()
            out.append((time.perf_counter() - t0) / number)
    ratios = [p / f for p, f in zip(t_plain, t_fast)]
    return _median_ms(t_fast), _median_ms(t_plain), statistics.median(ratios)


def _network(n_in, hidden, n_out, dtype):
    model = Model()
    for units in hidden:
        model.add(DenseBlock(units, "relu"))
    model.add(DenseBlock(n_out, "softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy", alpha=1e-4)
    return model.build(n_in, np.random.default_rng(SEED), dtype)


def bench_adam(size_name, model, rounds):
    rng = np.random.default_rng(SEED)
    params = model.params
    grads = rng.standard_normal(params.shape).astype(params.dtype)
    scratch = np.empty_like(params)
    fast_opt, plain_opt = Adam(), Adam()
    block = optim_base.BLOCK_SIZE

    def fast():
        optim_base.BLOCK_SIZE = block
        fast_opt.update(params, grads, scratch)

    def plain():  # one step over the whole vector
        optim_base.BLOCK_SIZE = params.shape[0] + 1
        plain_opt.update(params, grads, scratch)

    try:
        return (f"adam step {size_name}", *paired(fast, plain, rounds, number=20))
    finally:
        optim_base.BLOCK_SIZE = block


def bench_bias_gradient(dtype, rounds):
    delta = np.random.default_rng(SEED).standard_normal((200, 256)).astype(dtype)
    ones, out = np.ones(200, dtype), np.empty(256, dtype)

    def fast():
        np.matmul(ones, delta, out=out)

    def plain():
        np.sum(delta, axis=0, out=out)

    return ("bias gradient 200x256", *paired(fast, plain, rounds, number=200))


def bench_inference(name, model, n_rows, rounds):
    X = np.random.default_rng(SEED).standard_normal((n_rows, model.input_dim))
    X = X.astype(model.dtype)
    rows = model_module.INFERENCE_BLOCK_ROWS

    def fast():
        model_module.INFERENCE_BLOCK_ROWS = rows
        model.predict_logits(X)

    def plain():
        model_module.INFERENCE_BLOCK_ROWS = n_rows + 1
        model.predict_logits(X)

    try:
        return (f"inference {name}, {n_rows:,} rows", *paired(fast, plain, rounds))
    finally:
        model_module.INFERENCE_BLOCK_ROWS = rows


def bench_log_loss(dtype, rounds):
    rng = np.random.default_rng(SEED)
    z = rng.standard_normal((256, 10)).astype(dtype)
    y = np.eye(10, dtype=dtype)[rng.integers(0, 10, 256)]
    loss = SklearnLogLoss()

    def fast():
        loss.value_and_gradient(y, z)

    def plain():
        Loss.value_and_gradient(loss, y, z)

    return ("log loss 256x10 logits", *paired(fast, plain, rounds, number=200))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15)")
    p.add_argument("--quick", action="store_true", help="5 rounds, 10k rows")
    p.add_argument(
        "--dtypes",
        default="float64,float32",
        help="comma-separated dtypes (default float64,float32)",
    )
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    rounds = 5 if args.quick else args.rounds
    n_rows = 10_000 if args.quick else 50_000
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    print(
        f"numpy {np.__version__} | BLAS: "
        + ", ".join(
            f"{i.get('internal_api')} {i.get('version')} "
            f"{i.get('architecture')} x{i.get('num_threads')}"
            for i in blas
        )
    )
    print(
        f"BLOCK_SIZE={optim_base.BLOCK_SIZE}  "
        f"INFERENCE_BLOCK_ROWS={model_module.INFERENCE_BLOCK_ROWS}  rounds={rounds}"
    )
    rows = []
    for dtype in (np.dtype(d) for d in args.dtypes.split(",")):
        net_b = _network(100, (256, 128), 10, dtype)
        net_c = _network(784, (512, 256), 10, dtype)
        results = [
            bench_adam(f"(b) {net_b.params.size:,} weights", net_b, rounds),
            bench_adam(f"(c) {net_c.params.size:,} weights", net_c, rounds),
            bench_bias_gradient(dtype, rounds),
            bench_log_loss(dtype, rounds),
            bench_inference("(b) network", net_b, n_rows, rounds),
            bench_inference("(c) network", net_c, n_rows, rounds),
        ]
        rows += [(name, dtype.name, *rest) for name, *rest in results]
    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'kernel':<{width}}  dtype    fast ms   plain ms  plain/fast")
    for name, dtype, fast, plain, ratio in rows:
        print(f"{name:<{width}}  {dtype:<7}  {fast:8.3f}  {plain:9.3f}  {ratio:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
