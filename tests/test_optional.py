"""Every optional dependency fails the same way: one line naming the extra to install."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest

import segkit
from segkit._optional import DISTRIBUTION, import_optional, install_hint
from segkit.errors import MissingDependencyError, SegkitError

ROOT = Path(__file__).resolve().parents[1]


def test_distribution_name_is_the_free_pypi_name() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^name = "segkit-crm"$', text, re.MULTILINE)
    assert DISTRIBUTION == "segkit-crm"
    assert install_hint("yaml") == "pip install 'segkit-crm[yaml]'"


def test_no_install_line_names_the_taken_pypi_name() -> None:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    files += sorted((ROOT / "src" / "segkit").rglob("*.py"))
    bad = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in files
        if path.name != "changelog.md"
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"pip install\s+['\"]?segkit(\[|['\"]?\s*$)", line)
    ]
    assert bad == []


def _hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


@pytest.mark.parametrize(
    ("modules", "call", "message"),
    [
        (
            ("yaml",),
            lambda tmp: segkit.tagging.rules_from_yaml(
                "rules:\n  - name: a\n    when: orders > 1\n"
            ),
            "reading YAML rule files needs PyYAML; install it with pip install 'segkit-crm[yaml]'",
        ),
        (
            ("yaml",),
            lambda tmp: segkit.Lifecycle.from_yaml("states: []\n"),
            "reading YAML lifecycle files needs PyYAML; install it with pip install 'segkit-crm[yaml]'",
        ),
        (
            ("matplotlib", "matplotlib.pyplot"),
            lambda tmp: segkit.plotting.pyplot(),
            "drawing segkit's plots needs matplotlib; install it with pip install 'segkit-crm[plot]'",
        ),
        (
            ("pyarrow",),
            lambda tmp: segkit.io.read_transactions(
                tmp / "t.parquet", columns={"customer": "c", "timestamp": "t", "amount": "a"}
            ),
            "reading t.parquet needs pyarrow; install it with pip install 'segkit-crm[parquet]'",
        ),
    ],
    ids=["yaml-rules", "yaml-lifecycle", "plot", "parquet"],
)
def test_missing_extra_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, modules: tuple[str, ...], call, message: str
) -> None:

    (tmp_path / "t.parquet").write_bytes(b"PAR1")
    _hide(monkeypatch, *modules)
    with pytest.raises(MissingDependencyError) as info:
        call(tmp_path)
    assert str(info.value) == message
    assert isinstance(info.value, SegkitError)
    assert isinstance(info.value, ImportError)


def test_import_optional_returns_the_module() -> None:
    assert import_optional("json", extra="yaml", what="x").dumps([1]) == "[1]"
    assert pd is import_optional("pandas", extra="yaml", what="x")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    assert commands[:2] == [
        "pip install . && segkit demo",
        'pip install -e ".[test]" && python -m pytest -q',
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci
    # the wheel is built under the PyPI name and its demo runs
    assert any("segkit_crm-*.whl" in line for line in ci)
    assert any(line.strip().endswith('segkit" demo >/dev/null)') for line in ci)
    assert any("fonts-noto-cjk" in line for line in ci)
