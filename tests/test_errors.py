"""One errors module: every error class lives in segkit.errors."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from segkit import errors

SRC = Path(__file__).resolve().parents[1] / "src" / "segkit"

#: error classes that may live elsewhere, and why
ELSEWHERE = {
    # an internal signal of the bounded regex checker, never raised to callers: the
    # rule visitor turns it into a RuleTypeError that points into the rule
    "tagging/_regex.py": {"PatternError"},
}


def _error_classes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name.endswith("Error")
    }


def test_error_classes_are_defined_in_the_errors_module_only() -> None:
    found = {
        str(p.relative_to(SRC)): classes
        for p in sorted(SRC.rglob("*.py"))
        if p.name != "errors.py" or p.parent != SRC
        if (classes := _error_classes(p) - ELSEWHERE.get(str(p.relative_to(SRC)), set()))
    }
    assert found == {}


def test_the_scan_sees_error_classes() -> None:
    # the check above can fail: the scan finds the classes of segkit.errors itself
    assert {"SegkitError", "RuleError", "SegmentMapError"} <= _error_classes(SRC / "errors.py")


@pytest.mark.parametrize(
    ("module", "name"),
    [
        pytest.param("segkit.tagging", "RuleSyntaxError", id="tagging"),
        pytest.param("segkit.tagging.errors", "RuleError", id="tagging.errors-RuleError"),
        pytest.param("segkit.tagging.errors", "UnknownColumnError", id="tagging.errors-column"),
        pytest.param("segkit.tagging.errors", "RuleFileError", id="tagging.errors-file"),
        pytest.param("segkit.rfm", "SegmentMapError", id="rfm"),
        pytest.param("segkit.lifecycle", "LifecycleError", id="lifecycle"),
        pytest.param("segkit.lifecycle", "LifecycleCycleError", id="lifecycle-cycle"),
        pytest.param("segkit.cli", "CLIError", id="cli"),
    ],
)
def test_old_import_paths_give_the_same_class(module: str, name: str) -> None:
    cls = getattr(importlib.import_module(module), name)
    assert cls is getattr(errors, name)
    assert issubclass(cls, errors.SegkitError)


@pytest.mark.parametrize("name", sorted(n for n in errors.__all__ if n.endswith("Error")))
def test_every_error_is_a_segkit_error(name: str) -> None:
    cls = getattr(errors, name)
    assert issubclass(cls, errors.SegkitError)
    assert issubclass(cls, ValueError)
    assert cls.__module__ == "segkit.errors"
