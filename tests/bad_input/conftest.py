"""The bad-input matrix's runner: build the inputs, call, check the outcome and the inputs.

A case is ``(make, call, expect)``: ``make(tmp_path)`` returns the inputs as a
dict, ``call(**inputs)`` calls one public entry point, and ``expect`` is either
an exception *instance* (the exact SegkitError subclass must be raised and its
message must contain the instance's message) or the exact value ``call`` must
return. Every case then checks that the caller's inputs are unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from segkit.errors import SegkitError


def _snapshot(value: Any) -> Any:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=True)
    return copy.deepcopy(value)


def _assert_unchanged(before: Any, after: Any) -> None:
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(after, before)
    elif isinstance(before, pd.Series):
        pd.testing.assert_series_equal(after, before)
    else:
        assert after == before


@pytest.fixture
def run_case(tmp_path: Path) -> Callable[..., None]:
    def run(make: Callable[[Path], dict[str, Any]], call: Callable[..., Any], expect: Any) -> None:
        inputs = make(tmp_path)
        before = {name: _snapshot(value) for name, value in inputs.items()}
        if isinstance(expect, BaseException):
            with pytest.raises(SegkitError) as info:
                call(**inputs)
            assert type(info.value) is type(expect), f"{type(info.value).__name__}: {info.value}"
            assert str(expect) in str(info.value)
        else:
            assert call(**inputs) == expect
        for name, value in before.items():
            _assert_unchanged(value, inputs[name])

    return run


# --------------------------------------------------------------------------- #
# Inputs the case tables of both matrix files build
# --------------------------------------------------------------------------- #
COLS = {"customer": "cid", "timestamp": "ts", "amount": "amount"}
RAW = {"customer": "c", "timestamp": "d", "amount": "a"}

#: what a case's ``make`` is: the inputs, built in the test's temporary folder
Make = Callable[[Path], dict[str, Any]]


def file(name: str, content: str | bytes, encoding: str = "utf-8") -> Make:
    """A case input ``path``: ``content`` written to ``name`` (text in ``encoding``)."""

    def make(tmp: Path) -> dict[str, Any]:
        path = tmp / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return {"path": path}

    return make


def frame(**columns: Any) -> Make:
    """A case input ``df`` with these columns."""
    return lambda tmp: {"df": pd.DataFrame(columns)}


def laughs(tail: str, depth: int = 9) -> str:
    """YAML whose anchors expand tenfold per level ("billion laughs"), then ``tail``."""
    lines = ['a0: &a0 "lol"']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, depth + 1)]
    return "\n".join(lines) + "\n" + tail
