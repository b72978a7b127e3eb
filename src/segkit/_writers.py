"""Writing tables to files people open: CSV (Excel-safe), Excel and Parquet.

One place decides how segkit writes a table, for :func:`segkit.io.write_crm`,
:meth:`segkit.Profile.to_csv` and the command line:

* **Formula injection.** A spreadsheet runs a cell that starts with ``=``,
  ``+``, ``-``, ``@``, a tab, a carriage return or a line feed as a formula
  (also after leading spaces, and in the full-width forms ``＝＋－＠``)
  (``=HYPERLINK(...)`` in a customer name, a tag called ``=evil()``). Such text
  cells, headers and index labels are written with a leading ``'`` (the OWASP
  recommendation) unless the caller opts out with ``escape_formulas=False``.
  Numbers, and text that is a plain number such as ``-12.5``, are unchanged.
* **Atomic.** The file is written next to its target and moved into place when
  complete; a failure leaves neither a half-written target nor a temporary file.
* **Permissions** follow the user's umask, like any file the user creates.
* **Errors** are one line: a missing folder, a folder given as the file, an
  unwritable place or a missing Excel/Parquet package raise a
  :class:`~segkit.errors.SegkitError`.
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from segkit._optional import import_optional
from segkit.errors import ParameterError

__all__ = ["check_target", "escape_formula", "escape_formulas", "write_table"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _first_visible(text: str) -> str:
    """The first character that is not a space, a control or a format character, in NFKC.

    Spreadsheets skip leading spaces and read full-width ``＝＋－＠`` (and the
    small ``﹦``) as their ASCII forms, so those must trigger the escape too.
    """
    for char in text:
        if unicodedata.category(char) not in ("Zs", "Zl", "Zp", "Cc", "Cf"):
            return unicodedata.normalize("NFKC", char)[:1]
    return ""


def escape_formula(value: Any) -> Any:
    """``value`` with a leading ``'`` when a spreadsheet would run it as a formula.

    A cell is a formula when its first character is ``=``, ``+``, ``-``,
    ``@``, a tab, a carriage return or a line feed, also after leading spaces
    or invisible characters and in full-width forms (``＝``). Text that is a
    plain number such as ``-12.5`` is unchanged.

    Examples
    --------
    >>> [escape_formula(v) for v in ["=1+1", "@SUM(A1)", "-12.5", "-2+3", "ok", 7]]
    ["'=1+1", "'@SUM(A1)", '-12.5', "'-2+3", 'ok', 7]
    >>> [escape_formula(v) for v in [" =1+1", "＝1+1", "\u00a0@x", " -3"]]
    ["' =1+1", "'＝1+1", "'\xa0@x", ' -3']
    """
    if not isinstance(value, str) or not value:
        return value
    trigger = value.startswith(_TRIGGERS) or _first_visible(value) in _TRIGGERS
    if trigger and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def _escape_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_names([escape_formula(n) for n in index.names])
    if not (index.dtype == object or pd.api.types.is_string_dtype(index.dtype)):
        return index.rename(escape_formula(index.name))  # the header of the id column
    labels: pd.Index = pd.Index(
        [escape_formula(v) for v in index], name=escape_formula(index.name), dtype=object
    )
    return labels


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, headers and index labels cannot run as formulas."""
    out = frame.copy()
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        text = column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
        if text or isinstance(column.dtype, pd.CategoricalDtype):
            values = column.astype(object).map(escape_formula, na_action="ignore")
            out.isetitem(position, values.to_numpy(dtype=object))
    out.columns = pd.Index([escape_formula(c) if isinstance(c, str) else c for c in frame.columns])
    out.index = _escape_labels(frame.index)
    return out


#: Excel stores every number as a double: integers beyond 2**53 lose digits there.
_EXACT_LIMIT = 2**53


def _too_big(values: pd.Index | pd.Series) -> bool:
    if not pd.api.types.is_integer_dtype(values.dtype):
        return False
    present = values.dropna()
    if len(present) == 0:
        return False
    return max(abs(int(present.min())), abs(int(present.max()))) > _EXACT_LIMIT


def _exact_in_excel(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with integer columns (and index) beyond 2**53 as text, so Excel keeps every digit.

    Long order and customer ids (a Tmall order number has 19 digits) would
    otherwise be rounded to the nearest double; other columns are unchanged.
    """
    big = [i for i in range(frame.shape[1]) if _too_big(frame.iloc[:, i])]
    index_big = not isinstance(frame.index, pd.MultiIndex) and _too_big(frame.index)
    if not big and not index_big:
        return frame
    out = frame.copy()
    for position in big:
        column = frame.iloc[:, position]
        text = [None if pd.isna(v) else str(int(v)) for v in column]
        out.isetitem(position, pd.array(text, dtype=object))
    if index_big:
        out.index = pd.Index(
            [None if pd.isna(v) else str(int(v)) for v in frame.index],
            name=frame.index.name,
            dtype=object,
        )
    return out


def check_target(path: str | os.PathLike[str], what: str = "the output") -> Path:
    """``path`` as a :class:`~pathlib.Path` once it is known to be writable (else one line)."""
    target = Path(path)
    if target.is_dir():
        raise ParameterError(f"{what} {str(target)!r} is a folder; give a file name inside it")
    if target.exists() and not target.is_file():  # a device, a pipe: never replaced by a file
        raise ParameterError(f"{what} {str(target)!r} is not a regular file; give a file name")
    folder = target.parent
    if not folder.exists():
        raise ParameterError(
            f"the folder {str(folder)!r} of {what} does not exist; create it first"
        )
    if not os.access(folder, os.W_OK):
        raise ParameterError(f"cannot write {what} to {str(folder)!r}: permission denied")
    return target


def write_atomic(path: str | os.PathLike[str], write: Callable[[Path], None], what: str) -> Path:
    """Call ``write(tmp)`` and move ``tmp`` to ``path``; permissions from the umask."""
    target = check_target(path, what)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        write(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise ParameterError(f"cannot write {what} to {str(target)!r}: {exc.strerror}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def write_table(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    index: bool = True,
    escape: bool = True,
    encoding: str = "utf-8",
    what: str = "the table",
) -> Path:
    """Write ``frame`` as ``.csv`` (or ``.txt``/``.tsv``), ``.xlsx`` or ``.parquet``.

    ``encoding="utf-8-sig"`` writes a byte-order mark so that Excel reads
    Chinese (and any non-ASCII) text correctly. Excel files are always written
    with escaped formulas unless ``escape=False``; Parquet keeps values as they
    are (no spreadsheet reads it).
    """
    suffix = Path(path).suffix.lower()
    if suffix in {".parquet", ".pq"}:
        import_optional("pyarrow", extra="parquet", what=f"writing {Path(path).name}")
        return write_atomic(
            path, lambda tmp: frame.to_parquet(tmp, index=index, engine="pyarrow"), what
        )
    shown = escape_formulas(frame) if escape else frame
    if suffix in {".xlsx", ".xlsm"}:
        import_optional("openpyxl", extra="excel", what=f"writing {Path(path).name}")
        shown = _exact_in_excel(shown)

        def write_excel(tmp: Path) -> None:
            try:
                shown.to_excel(tmp, index=index, engine="openpyxl")
            except Exception as exc:  # openpyxl's IllegalCharacterError has no common base
                if type(exc).__name__ != "IllegalCharacterError":
                    raise
                raise ParameterError(
                    f"{what} holds control characters (such as \\x00) that Excel cannot "
                    f"store: {str(exc)[:80]!r}; remove them, or write a .csv file"
                ) from None

        return write_atomic(path, write_excel, what)
    sep = "\t" if suffix == ".tsv" else ","
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise ParameterError(
            f"unknown encoding {encoding!r}; use 'utf-8' or 'utf-8-sig'"
        ) from None

    def write_csv(tmp: Path) -> None:
        try:
            shown.to_csv(tmp, index=index, sep=sep, encoding=encoding)
        except UnicodeEncodeError as exc:
            raise ParameterError(
                f"{what} holds {exc.object[exc.start : exc.end]!r}, which {encoding!r} cannot "
                "write; use encoding='utf-8' (or 'utf-8-sig' for Excel)"
            ) from None

    return write_atomic(path, write_csv, what)
