"""The shape of the package: what ``import segkit`` loads."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("sklearn", "scipy.optimize", "scipy.integrate", "scipy.stats", "matplotlib", "dask")


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys\n{statement}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    return [m for m in out.split(",") if m]


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("import segkit", id="import-segkit"),
        pytest.param("import segkit.errors", id="import-errors"),
        pytest.param("import segkit.cli", id="import-cli"),
        pytest.param("from segkit import summarize, TagEngine, Lifecycle", id="light-names"),
    ],
)
def test_import_does_not_load_heavy_dependencies(statement: str) -> None:
    assert _loaded_after(statement) == []


def test_heavy_dependencies_load_on_first_use() -> None:
    # the check above can fail: looking up an estimator does load scikit-learn
    assert "sklearn" in _loaded_after("import segkit; segkit.RFMScorer")


def test_not_fitted_error_is_also_sklearns() -> None:
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    from segkit.errors import NotFittedError, SegkitError

    assert issubclass(NotFittedError, SegkitError)
    assert issubclass(NotFittedError, SklearnNotFittedError)
    assert NotFittedError.__module__ == "segkit.errors"
    import segkit

    with pytest.raises(SklearnNotFittedError, match="RFMScorer instance is not fitted yet"):
        segkit.RFMScorer().transform(None)


def test_public_names_resolve() -> None:
    import segkit

    for name in segkit.__all__:
        assert getattr(segkit, name) is not None, name
    assert set(segkit.__all__) <= set(dir(segkit))
    assert set(segkit.__all__) == {*segkit._EXPORTS, *segkit._SUBMODULES, "__version__"}
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        segkit.nope  # noqa: B018


# --------------------------------------------------------------------------- #
# The import graph of src/segkit, built from the source
# --------------------------------------------------------------------------- #
SRC = Path(__file__).resolve().parents[1] / "src" / "segkit"
#: layers above (or beside) the core: no core module may import them
UPPER = ("segkit.dask", "segkit.report", "segkit.cli", "segkit.__main__")
#: the only modules that may import segkit modules by name at run time: the lazy
#: facade and the seam that looks up the Dask layer and the report
BY_NAME_ALLOWED = {"segkit", "segkit._backend"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str) -> tuple[set[str], list[tuple[str, str]], list[str]]:
    """Modules imported (anywhere, also inside functions; not the type-only imports under
    ``if TYPE_CHECKING:``, which never run), the ``(module, name)`` pairs of ``from``
    imports, and modules imported by name (a string)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip.update(id(n) for sub in node.body for n in ast.walk(sub))
    found: set[str] = set()
    names: list[tuple[str, str]] = []
    by_name: list[str] = []
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "segkit")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "segkit":
                continue
            for alias in node.names:
                full = f"{module}.{alias.name}"
                found.add(full if full in MODULES else module)
                if full not in MODULES:
                    names.append((module, alias.name))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).startswith("segkit")
        ):
            by_name.append(str(node.args[0].value))
    return {m for m in found if m in MODULES and m != name}, names, by_name


GRAPH = {name: _imports(name) for name in MODULES}


def _in(module: str, layers: tuple[str, ...]) -> bool:
    return any(module == layer or module.startswith(layer + ".") for layer in layers)


def test_the_import_graph_is_acyclic() -> None:
    graph = {name: edges for name, (edges, _, _) in GRAPH.items()}
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")
    assert set(order) == set(MODULES)


def test_a_cycle_would_be_found() -> None:
    # the check above can fail: graphlib reports a two-module cycle
    with pytest.raises(graphlib.CycleError):
        list(graphlib.TopologicalSorter({"a": {"b"}, "b": {"a"}}).static_order())


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not _in(n, UPPER)))
def test_core_modules_do_not_import_the_upper_layers(name: str) -> None:
    edges, _, by_name = GRAPH[name]
    assert sorted(m for m in edges if _in(m, UPPER)) == []
    if name not in BY_NAME_ALLOWED:
        assert by_name == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _in(n, ("segkit.dask",))))
def test_the_dask_layer_uses_public_names_only(name: str) -> None:
    _, names, _ = GRAPH[name]
    private = [
        f"{module}.{item}"
        for module, item in names
        if item.startswith("_") and not _in(module, ("segkit.dask",))
    ]
    assert private == []


def test_the_graph_sees_the_dask_layer() -> None:
    # the checks above can fail: the graph does hold the layer and its imports
    edges, _, _ = GRAPH["segkit.dask._transactions"]
    assert {"segkit.features", "segkit._backend"} <= edges
    assert "segkit.dask._estimators" in GRAPH["segkit.dask"][0]
    assert ("segkit.transactions", "TransactionColumns") in GRAPH["segkit.dask._transactions"][1]
