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


def _torch_device_missing(device: str) -> bool:
    """Whether PyTorch is installed but cannot use ``device`` here.

    scikit-learn's array API checks skip a CUDA device only when PyTorch was
    built without CUDA: a CUDA build on a machine without a GPU (or driver)
    would fail them instead."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return False  # scikit-learn's checks skip: torch is not installed
    import torch

    backend = {"cuda": torch.cuda, "mps": torch.backends.mps}.get(device)
    backend = getattr(torch, "xpu", None) if backend is None else backend
    return backend is None or not backend.is_available()


def pytest_collection_modifyitems(config, items):
    """Skip scikit-learn's array API checks on a PyTorch accelerator that this
    machine does not have (see :func:`_torch_device_missing`)."""
    missing = {}
    for item in items:
        if "check_array_api" not in item.nodeid or "torch" not in item.nodeid:
            continue
        for device in ("cuda", "mps", "xpu"):
            if f"'torch', device='{device}'" in item.nodeid or (
                f"torch,device_name={device}" in item.nodeid
                or f"torch-{device}" in item.nodeid
            ):
                if device not in missing:
                    missing[device] = _torch_device_missing(device)
                if missing[device]:
                    reason = f"PyTorch has no {device} device here"
                    item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread_per_xdist_worker():
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
