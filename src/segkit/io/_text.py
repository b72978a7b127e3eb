"""Text files as shops write them: the encoding detected, the source read once."""

from __future__ import annotations

import codecs
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit._time import one_format
from segkit._validation import as_pandas, show_values
from segkit.errors import ParameterError, SchemaError
from segkit.transactions import parse_numbers

__all__ = ["detect_encoding", "numbers", "read_source", "read_text", "times"]

#: Encodings tried in this order when a file has no byte-order mark.
ENCODINGS = ("utf-8", "gb18030")


def detect_encoding(data: bytes) -> str:
    """The encoding of a text file's bytes: a byte-order mark, else UTF-8, else GB18030.

    GB18030 is a superset of GBK and GB2312, what Excel writes on Chinese
    Windows. UTF-16 files (Excel's "Unicode text") carry a byte-order mark.

    Raises
    ------
    SchemaError
        The bytes are none of these (the message suggests ``encoding=``).

    Examples
    --------
    >>> detect_encoding("订单".encode("gbk")), detect_encoding("订单".encode("utf-8-sig"))
    ('gb18030', 'utf-8-sig')
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in data[:4000]:
        raise SchemaError(
            "the file looks binary or UTF-16 without a byte-order mark; save it as CSV "
            "(UTF-8), or pass encoding='utf-16-le'"
        )
    for name in ENCODINGS:
        try:
            data.decode(name)
        except UnicodeDecodeError:
            continue
        return name
    raise SchemaError(
        "the file is neither UTF-8 nor GBK/GB18030 text; pass its encoding, e.g. "
        "encoding='big5' or encoding='cp1252'"
    )


def read_text(
    path: Any, *, sep: str | None = None, encoding: str | None = None, dtype: Any = None
) -> pd.DataFrame:
    """Read a CSV/TSV file whose encoding is detected (see :func:`detect_encoding`)."""
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise SchemaError(f"{path.name} is empty: no header and no rows")
    chosen = encoding or detect_encoding(data)
    try:
        with warnings.catch_warnings():
            # A row with more fields than the header would shift the columns (or, with
            # index_col=False, lose the extra fields): an error either way.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path,
                sep=sep,
                engine="python" if sep is None else "c",
                encoding=chosen,
                dtype=dtype,
                index_col=False,
            )
    except pd.errors.ParserWarning as exc:
        raise SchemaError(
            f"{path.name} has rows with more fields than its header (a separator inside an "
            "unquoted value, such as 1.234,50 in a comma-separated file?); quote those values "
            "or pass sep="
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise SchemaError(f"{path.name} is empty: no header and no rows") from exc
    except (ValueError, UnicodeError) as exc:
        raise SchemaError(f"could not read {path.name} as {chosen} text: {exc}") from exc


def read_source(source: Any, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    if not isinstance(source, str | os.PathLike):
        return as_pandas(source, "source").copy()
    path = Path(source)
    if not path.exists():
        raise ParameterError(f"no such file: {path}")
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        try:
            return pd.read_excel(path, dtype=dict.fromkeys(text_columns, str))
        except (ValueError, OSError, zipfile.BadZipFile) as exc:  # not an Excel workbook
            raise SchemaError(f"could not read {path}: {exc}") from exc
    return read_text(path, dtype=dict.fromkeys(text_columns, str))


def times(series: pd.Series, column: str, date_format: str | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    if date_format is not None:
        parsed = pd.to_datetime(series, format=date_format, errors="coerce")
        failed = parsed.isna().to_numpy() & series.notna().to_numpy()
    else:
        parsed, failed = one_format(series, column)
    if failed.any():
        raise SchemaError(
            f"column {column!r} has {int(failed.sum())} value(s) that are not dates at index "
            f"{show_values(series.index[failed])}: {show_values(series[failed])}"
        )
    return parsed


def numbers(series: pd.Series, column: str) -> np.ndarray[Any, Any]:
    values = parse_numbers(series).to_numpy()
    bad = np.isnan(values) & series.notna().to_numpy()
    if bad.any():
        raise SchemaError(
            f"column {column!r} has {int(bad.sum())} value(s) that are not numbers at index "
            f"{show_values(series.index[bad])}: {show_values(series[bad])}"
        )
    return values
