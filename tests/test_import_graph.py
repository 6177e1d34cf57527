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

No module reaches into another's private names (a name with a leading
underscore; dunders such as ``__version__`` are not private): it imports none
(``from .x import _y``, at any depth), reads none off an imported module
(``x._y``), and imports no private module (``_x.py``) of another package. A
private module's own names that other modules use are public. In ``io/`` and
``cli/``, which drive estimators and models from outside, no attribute ``X._y``
of another object is used either (``self`` / ``cls`` of the method are the
object's own), but for the short :data:`OUTER_ALLOWED` list of scikit-learn's
names. See :func:`private_violations`.
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
LEAVES = {f"{PACKAGE}._version", f"{PACKAGE}._legacy", f"{PACKAGE}.backend"}
#: top-level modules that the sub-packages may import (they import nothing);
#: ``backend`` is the array namespace every layer computes with (issue 26)
SHARED = {f"{PACKAGE}._version", f"{PACKAGE}.backend"}
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


def _from_base(node: ast.ImportFrom, here: str, shown: str) -> str:
    """The module that ``from <base> import ...`` names, written in ``here``."""
    if node.level == 0:
        return node.module or ""
    parts = here.split(".")
    if node.level - 1 >= len(parts):
        raise AssertionError(f"{shown}:{node.lineno}: beyond the package")
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


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
            base = _from_base(node, here, shown)
            if base.partition(".")[0] != package:
                external.append((name, base.partition(".")[0], shown, node.lineno))
                continue
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


# ---------------------------------------------------------------- private names
#: the sub-packages whose modules touch no private attribute of an object other
#: than ``self`` / ``cls`` (they drive estimators and models from outside)
OUTER = ("io", "cli")
#: private attributes that those modules may still use on other objects, and why
#: (keep it short: a name that the package owns gets a public name instead)
OUTER_ALLOWED = {
    # scikit-learn's classmethod behind get_params(): the constructor's
    # parameter names, which the file format saves and checks
    "_get_param_names": "scikit-learn's BaseEstimator API",
    # what from_sklearn must read off a fitted MLPClassifier / MLPRegressor for
    # its next step to be scikit-learn's; scikit-learn has no public name for it
    "_optimizer": "scikit-learn's MLP: its SGD / Adam optimizer and state",
    "_no_improvement_count": "scikit-learn's MLP: its stopping rule's count",
}
#: calls whose second argument, a constant string, names an attribute
_GETATTR = ("getattr", "setattr", "hasattr", "delattr")


def _private(name: str) -> bool:
    """``_x`` and ``__x`` are private; a dunder such as ``__version__`` is not."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _may_import(source: str, target: str) -> bool:
    """Whether module ``source`` may import module ``target``: a module whose
    name (or a parent package's) starts with an underscore is private to the
    package that holds it, so only that package's modules import it."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if _private(part):
            owner = ".".join(parts[:i])
            return source == owner or source.startswith(owner + ".")
    return True


def _own(node: ast.AST, own: frozenset[str]) -> bool:
    """``self`` or ``cls`` of an enclosing method (``own``), or ``super()``: the
    object whose method this is."""
    if isinstance(node, ast.Name):
        return node.id in own
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "super"
    )


def _attributes(node: ast.AST, own: frozenset[str] = frozenset()):
    """``(object node, attribute name, line, own)`` for every ``X.name`` under
    ``node`` and every ``getattr(X, "name")`` (or setattr, hasattr, delattr).

    ``own`` holds ``self`` / ``cls`` where they are the first parameter of an
    enclosing function: a local variable named ``cls`` is someone else's class.
    """
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = [*node.args.posonlyargs, *node.args.args]
        if args and args[0].arg in ("self", "cls"):
            own = own | {args[0].arg}
    if isinstance(node, ast.Attribute):
        yield node.value, node.attr, node.lineno, own
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _GETATTR
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        yield node.args[0], node.args[1].value, node.lineno, own
    for child in ast.iter_child_nodes(node):
        yield from _attributes(child, own)


def private_violations(root: Path, package: str = PACKAGE) -> list[str]:
    """Each place where a module of the package uses another's private name.

    * ``from <module of the package> import _name``, at any depth: a private
      name of another module (``from .x import _y`` inside a function too);
    * an import of a private module (``_x.py``, or any module under a ``_x``
      package) from outside the package that holds it;
    * ``m._name`` (or ``getattr(m, "_name")``) where ``m`` is bound by an import
      to a module of the package, also through attributes (``pkg.nn.m._name``);
    * in ``io/`` and ``cli/``: ``X._name`` (or ``getattr(X, "_name")``) where
      ``X`` is anything but ``super()`` or the ``self`` / ``cls`` of an
      enclosing method (another object's private attribute), unless the name
      is in :data:`OUTER_ALLOWED`.

    Dunder names (``__version__``, ``__all__``, ``__future__``) are not private.
    The names bound to modules are collected per file, not per scope; an object
    reached through a computed string (``vars(x)["_y"]``) is not seen.
    """
    modules = _modules(root, package)
    found: set[tuple[str, int, str]] = set()
    for name, path in modules.items():
        found.update(_private_uses(name, path, modules, root, package))
    return [what for _, _, what in sorted(found)]


def _private_uses(name: str, path: Path, modules, root: Path, package: str):
    """``(path, line, message)`` for each private use in one module (see
    :func:`private_violations`)."""
    shown = os.path.relpath(path, root.parent)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = name if _is_package(path) else name.rpartition(".")[0]
    found = []

    def flag(line: int, what: str) -> None:
        found.append((shown, line, f"{shown}:{line}: {name} {what}"))

    def imports(target: str, line: int) -> None:
        if not _may_import(name, target):
            flag(line, f"imports {target}, private to another package")

    bound: dict[str, str] = {}  # a name -> the module of the package it is
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] == package:
                    imports(alias.name, node.lineno)
                    # `import a.b` binds `a`; `import a.b as m` binds `m` to a.b
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        bound[package] = package
            continue
        base = _from_base(node, here, shown)
        if base.partition(".")[0] != package:
            continue
        imports(base, node.lineno)
        for alias in node.names:
            full = f"{base}.{alias.name}"
            if full in modules:
                imports(full, node.lineno)
                bound[alias.asname or alias.name] = full
            elif _private(alias.name):
                flag(node.lineno, f"imports the private name {alias.name} of {base}")

    def module(node: ast.AST) -> str | None:
        """The module of the package that ``node`` names, if any."""
        if isinstance(node, ast.Name):
            return bound.get(node.id)
        if isinstance(node, ast.Attribute):
            parent = module(node.value)
            if parent is not None and f"{parent}.{node.attr}" in modules:
                return f"{parent}.{node.attr}"
        return None

    outer = _subpackage(name) in OUTER
    for obj, attr, line, own in _attributes(tree):
        if not _private(attr):
            continue
        owner = module(obj)
        if owner is not None:
            if f"{owner}.{attr}" in modules:
                imports(f"{owner}.{attr}", line)
            else:
                flag(line, f"uses the private name {attr} of {owner}")
        elif outer and not _own(obj, own) and attr not in OUTER_ALLOWED:
            flag(line, f"uses the private attribute {attr} of {ast.unparse(obj)}")
    return found


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


def test_the_checker_sees_private_names(tmp_path):
    root = _write(
        tmp_path,
        {
            "__init__.py": "from . import _legacy\n__version__ = '1'\n",
            "_legacy.py": "",
            "nn/__init__.py": "from .act import sigmoid\n",
            "nn/act.py": "def _sigmoid(z):\n    return z\n\n\nsigmoid = _sigmoid\n",
            "nn/_impl.py": "def _helper():\n    pass\n\n\nclass Shared:\n    pass\n",
            "nn/loss.py": """\
                from __future__ import annotations
                from .act import _sigmoid, sigmoid
                from . import act
                from ._impl import Shared
                import pkg.nn.act
                import pkg.nn.act as A


                def f(z):
                    from ._impl import _helper
                    a = act._sigmoid(z)
                    b = pkg.nn.act._sigmoid(z)
                    c = A._sigmoid(z)
                    d = getattr(act, "_sigmoid")(z)
                    return act.__doc__, pkg.__version__, act.sigmoid(z)
                """,
            "io/__init__.py": "",
            "io/save.py": """\
                from ..nn import _impl
                from ..nn._impl import Shared


                class Saver:
                    def save(self, est):
                        self._seen = est._relink()
                        cls = type(est)
                        super()._save(cls._get_param_names(), cls._other)
                        return est.model._slices, getattr(est, "_x"), est.__dict__

                    @classmethod
                    def make(cls):
                        return cls._private, (lambda: cls._also)
                """,
        },
    )
    loss, save = (
        os.path.join("pkg", "nn", "loss.py"),
        os.path.join("pkg", "io", "save.py"),
    )
    assert private_violations(root, "pkg") == [
        f"{save}:1: pkg.io.save imports pkg.nn._impl, private to another package",
        f"{save}:2: pkg.io.save imports pkg.nn._impl, private to another package",
        f"{save}:7: pkg.io.save uses the private attribute _relink of est",
        f"{save}:9: pkg.io.save uses the private attribute _other of cls",  # a local
        f"{save}:10: pkg.io.save uses the private attribute _slices of est.model",
        f"{save}:10: pkg.io.save uses the private attribute _x of est",
        f"{loss}:2: pkg.nn.loss imports the private name _sigmoid of pkg.nn.act",
        f"{loss}:10: pkg.nn.loss imports the private name _helper of pkg.nn._impl",
        f"{loss}:11: pkg.nn.loss uses the private name _sigmoid of pkg.nn.act",
        f"{loss}:12: pkg.nn.loss uses the private name _sigmoid of pkg.nn.act",
        f"{loss}:13: pkg.nn.loss uses the private name _sigmoid of pkg.nn.act",
        f"{loss}:14: pkg.nn.loss uses the private name _sigmoid of pkg.nn.act",
    ]


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


def test_no_module_uses_another_modules_private_names():
    found = private_violations(ROOT)
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
