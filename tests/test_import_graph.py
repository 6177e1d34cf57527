"""The package's import graph: no cycle, one dependency direction, a NumPy-only core.

Every ``import`` and ``from ... import`` statement of every module under
``sknetscratch/`` is read with :mod:`ast`, at module level and inside functions
and methods alike (a deferred import is still a dependency). An import of
``a.b.c`` is an edge to ``a.b.c`` alone: the parent packages that Python imports
on the way are not counted as edges. ``from . import x`` is an edge to the
submodule ``x`` when there is one, else to the package's ``__init__``. Imports
made with :func:`importlib.import_module` and a computed name (the package's
PEP 562 ``_LAZY`` names, the ``_legacy`` hook) are not statements and are not
counted.

The layers, lowest first: ``nn`` and ``optim`` (NumPy only; neither imports the
other), ``training``, ``estimators``, ``io``, ``cli``. A module may import only
modules of its own layer or lower ones. Modules of the sub-packages never import
the top-level package (its ``__init__``); ``_version.py`` and ``_legacy.py``
import nothing from the package. The last test fits and saves a core ``Model`` in
a process where scikit-learn, SciPy and pandas cannot be imported.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

import sknetscratch

ROOT = Path(sknetscratch.__file__).parent
PACKAGE = "sknetscratch"

#: sub-package -> layer; a module may import only its own layer or lower ones
LAYERS = {"nn": 0, "optim": 0, "training": 1, "estimators": 2, "io": 3, "cli": 4}
#: pairs of sub-packages of one layer that must not import each other
APART = {("nn", "optim"), ("optim", "nn")}
#: top-level modules that import nothing from the package
LEAVES = {f"{PACKAGE}._version", f"{PACKAGE}._legacy"}
#: top-level modules that the sub-packages may import (they import nothing)
SHARED = {f"{PACKAGE}._version"}
#: what the core (nn, optim, training) never imports
SCIENTIFIC = ("sklearn", "scipy", "pandas")
CORE = ("nn", "optim", "training")


@dataclass(frozen=True)
class Import:
    """One import statement: ``source`` imports ``target`` at ``path:line``."""

    source: str
    target: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source} imports {self.target}"


def _modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` under ``root``."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _statements(tree: ast.AST):
    """Every import statement in the tree, at any depth."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node


def import_graph(root: Path, package: str = PACKAGE):
    """``(modules, internal, external)`` of the package at ``root``.

    ``internal`` lists an :class:`Import` per imported module of the package;
    ``external`` lists ``(module, top-level name of what it imports, path, line)``.
    """
    modules = _modules(root, package)
    internal: list[Import] = []
    external: list[tuple[str, str, str, int]] = []
    for name, path in modules.items():
        shown = os.path.relpath(path, root.parent)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        here = name if _is_package(path) else name.rpartition(".")[0]
        for node in _statements(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.partition(".")[0]
                    if top == package:
                        internal.append(Import(name, alias.name, shown, node.lineno))
                    else:
                        external.append((name, top, shown, node.lineno))
                continue
            if node.level == 0:
                base = node.module or ""
                if base.partition(".")[0] != package:
                    external.append((name, base.partition(".")[0], shown, node.lineno))
                    continue
            else:
                parts = here.split(".")
                if node.level - 1 >= len(parts):
                    raise AssertionError(f"{shown}:{node.lineno}: beyond the package")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            if base not in modules:
                raise AssertionError(f"{shown}:{node.lineno}: no module {base!r}")
            targets = {
                f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                for a in node.names
            }
            for target in sorted(targets):
                internal.append(Import(name, target, shown, node.lineno))
    return modules, internal, external


def _cycles(modules, imports: list[Import]) -> list[list[Import]]:
    """The import statements inside each strongly connected component (Tarjan's
    algorithm) of more than one module, or of one module that imports itself."""
    graph: dict[str, list[str]] = {m: [] for m in modules}
    for imp in imports:
        graph[imp.source].append(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            components.append(component)

    for v in graph:
        if v not in index:
            visit(v)
    found = []
    for component in components:
        inside = [i for i in imports if i.source in component and i.target in component]
        if len(component) > 1 or inside:
            found.append(sorted(inside, key=lambda i: (i.path, i.line)))
    return found


def _subpackage(module: str) -> str | None:
    """``nn`` for ``sknetscratch.nn.layers``; None for a top-level module."""
    parts = module.split(".")
    return (
        parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else None
    )


def layer_violations(imports: list[Import]) -> list[str]:
    """Each import against the layer order, with its reason."""
    found = []
    for imp in imports:
        src, dst = _subpackage(imp.source), _subpackage(imp.target)
        if imp.source in LEAVES:
            found.append(f"{imp}: {imp.source} must import nothing from the package")
        elif src is None:  # the package __init__ and __main__ may import anything
            continue
        elif dst is None:
            if imp.target not in SHARED:
                found.append(f"{imp}: a sub-package imports the top-level {imp.target}")
        elif (src, dst) in APART:
            found.append(f"{imp}: {src} and {dst} must not import each other")
        elif LAYERS[dst] > LAYERS[src]:
            found.append(f"{imp}: {src} (layer {LAYERS[src]}) imports {dst} (layer "
                         f"{LAYERS[dst]}), a higher layer")  # fmt: skip
    return found


def core_violations(modules, external) -> list[str]:
    """Each import of scikit-learn, SciPy or pandas by a module of the core."""
    return [
        f"{path}:{line}: {module} (the core) imports {top}"
        for module, top, path, line in external
        if _subpackage(module) in CORE and top in SCIENTIFIC
    ]


@pytest.fixture(scope="module")
def graph():
    return import_graph(ROOT)


# ------------------------------------------------------------------- the checker
def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / "pkg"


def test_the_checker_sees_deferred_and_relative_imports(tmp_path):
    root = _write(
        tmp_path,
        {
            "__init__.py": "from .sub import thing\n",
            "sub/__init__.py": "from . import a\nthing = 1\n",
            "sub/a.py": "import numpy\n\n\ndef f():\n    from . import b\n",
            "sub/b.py": "from .. import sub\nfrom . import thing\n",
            "c.py": "import pkg.sub.a\nfrom pkg.sub import a, b\n",
        },
    )
    modules, internal, external = import_graph(root, "pkg")
    edges = {(i.source, i.target, i.line) for i in internal}
    assert edges == {
        ("pkg", "pkg.sub", 1),
        ("pkg.sub", "pkg.sub.a", 1),
        ("pkg.sub.a", "pkg.sub.b", 5),  # inside a function
        ("pkg.sub.b", "pkg.sub", 1),  # `from .. import sub`: the sub-package
        ("pkg.sub.b", "pkg.sub", 2),  # `from . import thing`: its __init__
        ("pkg.c", "pkg.sub.a", 1),  # not pkg, nor pkg.sub
        ("pkg.c", "pkg.sub.a", 2),
        ("pkg.c", "pkg.sub.b", 2),
    }
    assert external == [("pkg.sub.a", "numpy", os.path.join("pkg", "sub", "a.py"), 1)]
    (cycle,) = _cycles(modules, internal)
    assert {(i.source, i.target) for i in cycle} == {
        ("pkg.sub", "pkg.sub.a"),
        ("pkg.sub.a", "pkg.sub.b"),
        ("pkg.sub.b", "pkg.sub"),
    }
    assert any(str(i).startswith(os.path.join("pkg", "sub", "a.py:5")) for i in cycle)


def test_the_checker_knows_the_layers():
    def imp(source, target):
        return Import(source, target, "x.py", 1)

    bad = [
        imp("sknetscratch.nn.layers", "sknetscratch.optim"),
        imp("sknetscratch.training.model", "sknetscratch.estimators.classifier"),
        imp("sknetscratch.io.onnx._api", "sknetscratch"),
        imp("sknetscratch._version", "sknetscratch.nn"),
        imp("sknetscratch.estimators", "sknetscratch.cli.parser"),
    ]
    good = [
        imp("sknetscratch.training.model", "sknetscratch.nn.layers"),
        imp("sknetscratch.cli.parser", "sknetscratch._version"),
        imp("sknetscratch", "sknetscratch.io.persistence"),
        imp("sknetscratch.io.persistence", "sknetscratch.io.persistence._format"),
    ]
    assert len(layer_violations(bad)) == len(bad)
    assert layer_violations(good) == []


# ---------------------------------------------------------------- the package
def test_the_graph_is_read(graph):
    modules, internal, _ = graph
    assert {"sknetscratch.training.model", "sknetscratch.cli.parser"} <= set(modules)
    edges = {(i.source, i.target) for i in internal}
    assert ("sknetscratch.training.model", "sknetscratch.nn.layers") in edges


def test_no_import_cycle(graph):
    modules, internal, _ = graph
    cycles = _cycles(modules, internal)
    report = "\n\n".join(
        "a cycle through these imports:\n" + "\n".join(f"  {i}" for i in cycle)
        for cycle in cycles
    )
    assert not cycles, report


def test_imports_follow_the_layer_order(graph):
    _, internal, _ = graph
    found = layer_violations(internal)
    assert not found, "\n".join(found)


def test_the_core_imports_no_scikit_learn_scipy_or_pandas(graph):
    modules, _, external = graph
    found = core_violations(modules, external)
    assert not found, "\n".join(found)


def test_a_core_fit_checkpoint_and_load_need_no_scikit_learn(tmp_path):
    script = textwrap.dedent(
        """
        import sys

        for name in ("sklearn", "scipy", "pandas"):
            sys.modules[name] = None  # any import of them fails

        import numpy as np

        import sknetscratch
        from sknetscratch import DenseBlock, Model

        assert sknetscratch.__file__.startswith(sys.argv[2]), sknetscratch.__file__

        rng = np.random.default_rng(0)
        X = rng.normal(size=(40, 3))
        y = (X[:, 0] > 0).astype(float)
        path = sys.argv[1]
        model = Model([DenseBlock(4, "relu"), DenseBlock(1, "sigmoid")])
        model.compile("adam", "binary_crossentropy")
        ckpt = sknetscratch.ModelCheckpoint(path, monitor="loss")
        model.fit(X, y, epochs=3, random_state=0, callbacks=[ckpt])
        loaded = sknetscratch.load(path)
        assert isinstance(loaded, Model)
        assert np.array_equal(loaded.predict(X), model.predict(X))
        sknetscratch.save(loaded, path)
        loaded = sknetscratch.load(path)
        try:  # what cannot be saved is a TypeError, not an ImportError
            sknetscratch.save({}, path + ".not")
        except TypeError:
            pass
        else:
            raise AssertionError("saved a dict")
        print("ok", sorted(m for m in sys.modules if m.startswith("sknetscratch.est")))
        """
    )
    path = os.pathsep.join([str(ROOT.parent), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=path)
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "model.npz"), str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok []", result.stdout
