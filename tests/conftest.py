"""Test configuration.

Under pytest-xdist each worker limits BLAS to one thread: two workers each
running 2-thread BLAS on 2 cores slow each other down many times over.
"""

import os

import pytest

# Lets scikit-learn's check_array_api_input run (on NumPy) instead of skipping;
# it must be set before scipy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
# examples call plt.show(): draw off-screen, never open a window
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread_per_xdist_worker():
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
