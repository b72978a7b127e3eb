"""Every Python example of docs/dask.md runs, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("dask.distributed")

PAGE = Path(__file__).resolve().parents[2] / "docs" / "dask.md"


@pytest.mark.slow
def test_examples_run() -> None:
    if not PAGE.exists():
        pytest.skip("docs/ is not part of this checkout")
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 3
    namespace: dict[str, object] = {"__name__": "docs_dask"}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)
