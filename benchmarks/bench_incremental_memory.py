"""Peak memory of out-of-core training: bounded by the chunk, not the data set.

A data set several times larger than one chunk is written to disk; each
measurement then runs in a fresh Python process, which reports its peak
resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and the peak of
memory traced by ``tracemalloc`` (NumPy's buffers included):

- ``floor``: the imports and a partial_fit on 10 rows (the interpreter,
  NumPy, scikit-learn, Dask: what every run pays);
- ``one-chunk``: one chunk read and one ``partial_fit`` on it (one chunk's
  working set);
- ``loop``: ``sknetscratch.partial_fit_blocks`` over every chunk, read from the
  file one at a time, for ``--epochs`` passes;
- ``incremental``: dask-ml's ``Incremental`` over a ``dask.array`` of the file
  (Dask's synchronous scheduler, so all the work is in the measured process),
  ``--epochs`` passes;
- ``in-memory``: the whole data set loaded and ``fit(max_iter=epochs)``, for
  contrast.

Chunks are read with ``np.fromfile`` (a plain read into a new buffer), not a
memory map: the pages of a map that has been read count in the resident size
until the kernel reclaims them, which would hide what the process itself holds.

    python benchmarks/bench_incremental_memory.py               # 400,000 x 32
    python benchmarks/bench_incremental_memory.py --smoke       # seconds

The "above floor" columns are what training added to the process's peak.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MODES = ("floor", "one-chunk", "loop", "incremental", "in-memory")


class FileRows:
    """Rows of a C-ordered array in a raw binary file, read on demand.

    ``FileRows(path, shape, dtype)[a:b]`` reads rows ``a:b`` into a new array;
    it is sliceable like an array, which is all ``partial_fit_blocks`` and
    ``dask.array.from_array`` need.
    """

    def __init__(self, path, shape, dtype):
        self.path, self.shape, self.dtype = str(path), tuple(shape), np.dtype(dtype)
        self.ndim = len(self.shape)

    def __getitem__(self, key):
        if isinstance(key, tuple):  # dask asks for (rows, columns)
            rows, rest = key[0], key[1:]
        else:
            rows, rest = key, ()
        start, stop, step = rows.indices(self.shape[0])
        assert step == 1, "FileRows reads contiguous row ranges only"
        row_size = int(np.prod(self.shape[1:], dtype=int))
        block = np.fromfile(
            self.path,
            dtype=self.dtype,
            count=(stop - start) * row_size,
            offset=start * row_size * self.dtype.itemsize,
        ).reshape((stop - start, *self.shape[1:]))
        return block[(slice(None), *rest)] if rest else block


def write_dataset(folder, n_rows, n_features, chunk_rows, seed=0):
    """A linearly separable-ish binary problem, written chunk by chunk."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=n_features)
    x_path, y_path = Path(folder) / "X.f64", Path(folder) / "y.i64"
    with open(x_path, "wb") as fx, open(y_path, "wb") as fy:
        for start in range(0, n_rows, chunk_rows):
            m = min(chunk_rows, n_rows - start)
            X = rng.normal(size=(m, n_features))
            y = (X @ w + 0.5 * rng.normal(size=m) > 0).astype(np.int64)
            X.tofile(fx)
            y.tofile(fy)
    return x_path, y_path


def child(args):
    """One measurement, in this (fresh) process; prints a JSON line."""
    import resource
    import tracemalloc

    import dask
    import dask.array as da
    from dask_ml.wrappers import Incremental

    from sknetscratch import ScratchMLPClassifier, partial_fit_blocks

    shape = (args.rows, args.features)
    X = FileRows(args.x_path, shape, np.float64)
    y = FileRows(args.y_path, (args.rows,), np.int64)
    classes = np.array([0, 1])

    def estimator():
        return ScratchMLPClassifier((64,), random_state=0, max_iter=args.epochs)

    warm = estimator().partial_fit(X[:10], y[:10], classes=classes)  # load code
    tracemalloc.start()
    t0 = time.perf_counter()
    if args.child == "floor":
        est = warm
    elif args.child == "one-chunk":
        est = estimator().partial_fit(
            X[: args.chunk_rows], y[: args.chunk_rows], classes=classes
        )
    elif args.child == "loop":
        est = partial_fit_blocks(
            estimator(),
            X,
            y,
            classes=classes,
            block_size=args.chunk_rows,
            epochs=args.epochs,
        )
    elif args.child == "incremental":
        Xd = da.from_array(X, chunks=(args.chunk_rows, args.features))
        yd = da.from_array(y, chunks=args.chunk_rows)
        inc = Incremental(estimator(), random_state=0)
        with dask.config.set(scheduler="synchronous"):
            for _ in range(args.epochs):
                inc.partial_fit(Xd, yd, classes=classes)
        est = inc.estimator_
    elif args.child == "in-memory":
        est = estimator().fit(X[:], y[:])
    seconds = time.perf_counter() - t0
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    probe = slice(0, min(args.rows, 20_000))
    print(
        json.dumps(
            {
                "mode": args.child,
                "maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                * 1024,  # kilobytes on Linux
                "traced_peak_bytes": traced_peak,
                "seconds": seconds,
                "rows_seen": int(est.t_),
                "accuracy_first_20k": float(est.score(X[probe], y[probe])),
            }
        )
    )


def run_child(mode, args, x_path, y_path):
    cmd = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--x-path",
        str(x_path),
        "--y-path",
        str(y_path),
        *("--rows", str(args.rows), "--features", str(args.features)),
        *("--chunk-rows", str(args.chunk_rows), "--epochs", str(args.epochs)),
    ]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(args.threads)}
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(args.threads)
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=400_000)
    p.add_argument("--features", type=int, default=32)
    p.add_argument("--chunk-rows", type=int, default=20_000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="BLAS threads")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: does it run?")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    p.add_argument("--x-path", help=argparse.SUPPRESS)
    p.add_argument("--y-path", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args)
    if args.smoke:
        args.rows, args.chunk_rows, args.epochs = 20_000, 2_000, 1

    mib = 2**20
    chunk_bytes = args.chunk_rows * (args.features + 1) * 8
    data_bytes = args.rows * (args.features + 1) * 8
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{os.cpu_count()} CPUs, BLAS threads {args.threads}"
    )
    print(
        f"data {args.rows:,} x {args.features} float64 + int64 labels = "
        f"{data_bytes / mib:.1f} MiB on disk; chunk {args.chunk_rows:,} rows = "
        f"{chunk_bytes / mib:.2f} MiB ({args.rows // args.chunk_rows} chunks); "
        f"{args.epochs} epoch(s); ScratchMLPClassifier((64,)), batch 200"
    )
    results = []
    with tempfile.TemporaryDirectory() as folder:
        x_path, y_path = write_dataset(
            folder, args.rows, args.features, args.chunk_rows
        )
        for mode in MODES:
            results.append(run_child(mode, args, x_path, y_path))
    floor = results[0]
    header = (
        f"{'mode':<12} {'peak RSS':>10} {'above floor':>12} {'x chunk':>8} "
        f"{'traced peak':>12} {'x chunk':>8} {'seconds':>8} {'rows seen':>10} "
        f"{'accuracy':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        above = r["maxrss_bytes"] - floor["maxrss_bytes"]
        r["rss_above_floor_bytes"] = above
        print(
            f"{r['mode']:<12} {r['maxrss_bytes'] / mib:>8.1f}Mi "
            f"{above / mib:>10.1f}Mi {above / chunk_bytes:>8.2f} "
            f"{r['traced_peak_bytes'] / mib:>10.1f}Mi "
            f"{r['traced_peak_bytes'] / chunk_bytes:>8.2f} {r['seconds']:>8.2f} "
            f"{r['rows_seen']:>10,} {r['accuracy_first_20k']:>8.3f}"
        )
    print(
        f"(chunk = {chunk_bytes / mib:.2f} MiB of X and y; data set = "
        f"{data_bytes / mib:.1f} MiB = {data_bytes / chunk_bytes:.0f} chunks)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "config": {k: v for k, v in vars(args).items() if k != "json"}
                    | {"chunk_bytes": chunk_bytes, "data_bytes": data_bytes},
                    "results": results,
                },
                indent=2,
                default=str,
            )
        )
    return results


if __name__ == "__main__":
    main()
