"""The shape of the package: what ``import segkit`` loads."""

from __future__ import annotations

import subprocess
import sys

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
