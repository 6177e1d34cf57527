"""The module names of versions before the layered layout, for old pickles.

Until 0.1 every module sat in one flat folder (``sknetscratch.model``,
``sknetscratch.layers``, ...), and a pickle or joblib file names the module of
each class it holds. :func:`install` adds an import hook that answers those
old names with the modules that hold the classes now, so such files keep
loading. Nothing here imports the package's modules until an old name is
imported.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: old module name -> the module that holds its contents now
MOVED = {
    "sknetscratch._architecture": "sknetscratch.estimators._network",
    "sknetscratch._base": "sknetscratch.estimators._base",
    "sknetscratch._csv": "sknetscratch.io.csv",
    "sknetscratch._dask": "sknetscratch.estimators.dask",
    "sknetscratch._data": "sknetscratch.nn.inputs",
    "sknetscratch._flat": "sknetscratch.nn.parameters",
    "sknetscratch._seeding": "sknetscratch.estimators._seeding",
    "sknetscratch._training": "sknetscratch.training.loop",
    "sknetscratch.activations": "sknetscratch.nn.activations",
    "sknetscratch.callbacks": "sknetscratch.training.callbacks",
    "sknetscratch.classifier": "sknetscratch.estimators.classifier",
    "sknetscratch.gradcheck": "sknetscratch.training.gradcheck",
    "sknetscratch.initializers": "sknetscratch.nn.initializers",
    "sknetscratch.layers": "sknetscratch.nn.layers",
    "sknetscratch.losses": "sknetscratch.nn.losses",
    "sknetscratch.model": "sknetscratch.training.model",
    "sknetscratch.normalization": "sknetscratch.nn.layers.normalization",
    "sknetscratch.optimizers": "sknetscratch.optim",
    "sknetscratch.regressor": "sknetscratch.estimators.regressor",
    "sknetscratch.schedules": "sknetscratch.optim.schedules",
    "sknetscratch.summary": "sknetscratch.nn.summary",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module name as the module that replaced it."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        """The module is already executed: it is the new one."""


def install() -> None:
    """Add the hook once (importing the package calls it)."""
    if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
        sys.meta_path.append(_MovedModules())
