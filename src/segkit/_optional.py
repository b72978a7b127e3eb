"""Optional dependencies: one import helper, one message for a missing extra.

segkit is published on PyPI as ``segkit-crm`` (the name ``segkit`` belongs to an
unrelated package); the import name and the command are ``segkit``. Every
optional dependency that is missing fails the same way, with one line naming
the extra to install::

    reading YAML rule files needs PyYAML; install it with pip install 'segkit-crm[yaml]'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

__all__ = ["DISTRIBUTION", "EXTRAS", "import_optional", "install_hint"]

#: The distribution name on PyPI.
DISTRIBUTION = "segkit-crm"

#: Each extra and the package it brings (the name people know it by).
EXTRAS = {
    "yaml": "PyYAML",
    "parquet": "pyarrow",
    "plot": "matplotlib",
    "dask": "dask",
    "excel": "openpyxl",
}


def install_hint(extra: str) -> str:
    """The pip command that installs ``extra``: ``pip install 'segkit-crm[yaml]'``."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def missing(extra: str, what: str) -> MissingDependencyError:
    """The error for ``what`` when the package of ``extra`` is not installed."""
    return MissingDependencyError(
        f"{what} needs {EXTRAS[extra]}; install it with {install_hint(extra)}"
    )


def import_optional(module: str, *, extra: str, what: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming ``extra``.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"yaml"`` or ``"matplotlib.pyplot"``.
    extra : str
        The segkit extra that installs it (a key of :data:`EXTRAS`).
    what : str
        What needs it, the start of the message ("reading YAML rule files").

    Examples
    --------
    >>> import_optional("json", extra="yaml", what="reading JSON").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise missing(extra, what) from None
