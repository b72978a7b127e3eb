"""Text files as shops write them: the encoding detected, the source read once."""

from __future__ import annotations

import codecs
import csv
import os
import re
import warnings
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit._offsets import written_wall_clock
from segkit._time import one_format
from segkit._validation import as_pandas, show_values
from segkit.errors import ParameterError, SchemaError
from segkit.transactions import parse_numbers

__all__ = [
    "detect_encoding",
    "ids_from_text",
    "in_format",
    "numbers",
    "read_source",
    "read_text",
    "times",
]

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
        if name == "gb18030" and (where := _lone_high_byte(data)) is not None:
            field = re.split(rb"[\r\n,;\t]", data[max(where - 40, 0) : where + 40])
            word = next(f for f in field if any(c >= 0x80 for c in f))
            raise SchemaError(
                "the file is not UTF-8, and reads as GBK/GB18030 only by joining single "
                f"accented letters to the next character ({word.decode('cp1252', 'replace')!r} "
                f"would read {word.decode('gb18030', 'replace')!r}): it looks like a Western "
                "file; pass its encoding, e.g. encoding='cp1252'"
            )
        if name == "gb18030" and (word := _shift_jis_word(data)) is not None:
            # a warning, not an error: Chinese text written in traditional characters
            # is mostly outside GB2312 too, and may read as cp932 as well
            warnings.warn(
                "the file is not UTF-8 and is read as GBK/GB18030, in which most of its "
                f"characters are rare ones ({word.decode('cp932')!r} reads "
                f"{word.decode('gb18030')!r}): if it is Japanese Shift_JIS, read it with the "
                "encoding cp932 (encoding='cp932'; on the command line --encoding cp932)",
                UserWarning,
                stacklevel=2,
            )
        return name
    raise SchemaError(
        "the file is neither UTF-8 nor GBK/GB18030 text; pass its encoding, e.g. "
        "encoding='big5' or encoding='cp1252'"
    )


def _lone_high_byte(data: bytes) -> int | None:
    """Where a Western (cp1252/latin-1) file that decodes as GB18030 shows it, else None.

    Chinese text in GBK/GB18030 has characters of two bytes that are both 0x81
    or above (every common one), or of four bytes (high, digit, high, digit);
    ``Müller`` in cp1252 has lone high bytes only, each of which GB18030 joins
    to the next letter (``M黮ler``). A file with non-ASCII bytes of which no two
    are neighbours, and no four-byte character, is no Chinese text: the
    position of its first high byte.
    """
    b = np.frombuffer(data, dtype=np.uint8)
    high = b >= 0x80
    if not high.any() or (high[:-1] & high[1:]).any():
        return None
    digit = (b >= 0x30) & (b <= 0x39)
    if len(b) >= 4 and (high[:-3] & digit[1:-2] & high[2:-1] & digit[3:]).any():
        return None
    return int(np.flatnonzero(high)[0])


def _shift_jis_word(data: bytes, sample: int = 1 << 20) -> bytes | None:
    """The first non-ASCII field of what may be a Japanese Shift_JIS file, else None.

    Chinese text in GBK/GB18030 is written almost wholly in the characters of
    GB2312, both of whose bytes are 0xA1 or above; the kanji and kana of
    Shift_JIS (cp932) mostly start with a byte from 0x81 to 0x9F, which GBK
    reads as rare characters (``会員`` as ``夛堳``). Text (the first MiB, cut at
    a line end) that decodes as cp932 and of whose two-byte characters, read
    as GB18030, fewer than half are in GB2312 may be Japanese (or Chinese in
    traditional characters: a hint, not a verdict).
    """
    head = data[:sample]
    if len(data) > sample:
        head = head[: head.rfind(b"\n") + 1]
    try:
        head.decode("cp932")  # most Chinese files fail here already
        text = head.decode("gb18030")
    except UnicodeDecodeError:
        return None
    pairs = gb2312 = 0
    for char, n in Counter(text).items():
        if ord(char) > 0x7F and len(b := char.encode("gb18030")) == 2:
            pairs += n
            gb2312 += n if b[0] >= 0xA1 and b[1] >= 0xA1 else 0
    if not pairs or gb2312 >= pairs / 2:
        return None
    fields = re.split(rb"[\r\n,;\t]", head)
    return next(f for f in fields if any(c >= 0x80 for c in f))


def _title_line(text: str) -> tuple[str, int] | None:
    """A report title on line 1 above the header (Excel exports): its text and the columns.

    Line 2 has three fields or more, and line 3 (when there is one) no fewer;
    line 1 is one field: no separator of line 2's, or only empty fields after
    its text (a title in merged cells, ``订单报表,,,``). Quoted separators do
    not count.
    """
    lines = [line for line in text.splitlines()[:4] if line.strip()]
    if len(lines) < 2:
        return None
    split = {
        sep: [next(csv.reader([line], delimiter=sep), []) for line in lines[:3]]
        for sep in (",", ";", "\t", "|")
    }
    # Line 1 is the header when some separator gives it as many fields as the
    # lines below (a ';' file with decimal commas has 3 ','-fields on line 2).
    named = {sep: sum(1 for x in f[0] if x.strip()) for sep, f in split.items()}
    if any(
        named[sep] >= 2 and all(len(g) == len(f[0]) for g in f[1:]) for sep, f in split.items()
    ):
        return None
    for fields in split.values():
        n = len(fields[1])
        if n < 3 or (len(fields) > 2 and len(fields[2]) < n):
            continue
        first = fields[0]
        while len(first) > 1 and not first[-1].strip():
            first = first[:-1]
        if len(first) == 1:
            return first[0].strip(), n
    return None


def read_text(
    path: Any, *, sep: str | None = None, encoding: str | None = None, dtype: Any = None
) -> pd.DataFrame:
    """Read a CSV/TSV file whose encoding is detected (see :func:`detect_encoding`)."""
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise SchemaError(f"{path.name} is empty: no header and no rows")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ParameterError(
                f"unknown encoding {encoding!r}; use e.g. 'utf-8', 'gb18030' or 'cp1252'"
            ) from None
    chosen = encoding or detect_encoding(data)
    if data.startswith(codecs.BOM_UTF8) and codecs.lookup(chosen).name == "utf-8":
        chosen = "utf-8-sig"  # the byte-order mark is no part of the first column's name
    if sep is None and (title := _title_line(data[:65536].decode(chosen, "replace"))):
        shown, columns = title
        raise SchemaError(
            f"line 1 of {path.name} looks like a title above the header ({shown!r}; line 2 "
            f"has {columns} columns): delete the line(s) above the header and read the file "
            "again"
        )
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


_INTEGER_ID = r"[+-]?(?:0|[1-9]\d{0,17})(?:\.0*)?"


def ids_from_text(text: pd.Series) -> pd.Series:
    """An id column read as text: numbers when every id is a plain integer, else text.

    ``"007"`` and ``"7"`` are two customers: a column with a leading zero
    anywhere stays text, so no id is changed by reading it.
    """
    given = text.dropna()
    if len(given) and given.str.strip().str.fullmatch(_INTEGER_ID).all():
        return pd.Series(pd.to_numeric(text.str.strip()), index=text.index, name=text.name)
    return text


def read_source(
    source: Any,
    text_columns: tuple[str, ...] = (),
    encoding: str | None = None,
    numbers: tuple[str, ...] = (),
) -> pd.DataFrame:
    """A frame, a workbook or a CSV file; ``text_columns`` read as text.

    Of a CSV file the ``numbers`` columns are read as text too, for
    :func:`segkit.transactions.parse_numbers` to read with one convention:
    pandas would read ``1.500`` as 1.5 even where the file means 1500.
    """
    if not isinstance(source, str | os.PathLike):
        return as_pandas(source, "source").copy()
    path = Path(source)
    if not path.exists():
        raise ParameterError(f"no such file: {path}")
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        if encoding is not None:
            raise ParameterError(f"encoding= reads text (CSV) files; {path.name} is a workbook")
        try:
            return pd.read_excel(path, dtype=dict.fromkeys(text_columns, str))
        except (ValueError, OSError, zipfile.BadZipFile) as exc:  # not an Excel workbook
            raise SchemaError(f"could not read {path}: {exc}") from exc
    as_text = dict.fromkeys((*text_columns, *numbers), str)
    return read_text(path, dtype=as_text, encoding=encoding)


def in_format(
    series: pd.Series, column: Any, date_format: str, option: str = "date_format"
) -> pd.Series:
    """A text column read with one explicit format; blank values are missing.

    Offsets that change inside the column (``-0500``, then ``-0400``: summer
    time) are read as the wall clock written in each value, as without a
    format (docs/time.md); a single offset gives timezone-aware times.

    Raises
    ------
    ParameterError
        ``date_format`` is blank or not a strptime format (``%Q``).
    SchemaError
        Values that are not in the format, naming the rows (``option`` names
        where the format was given: ``date_format`` or ``--date-format``).
    """
    if not date_format.strip():
        raise ParameterError(
            f"{option} {date_format!r} is empty: give the column's format, e.g. "
            "'%d/%m/%Y %H:%M', or leave it out to read one format inferred for the column"
        )
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    text = written_wall_clock(series)
    fmt = date_format
    if text is not series:  # the offsets differ: each value's wall clock, the format without %z
        fmt = re.sub(r"\s*%z", "", date_format)
    given = series.notna().to_numpy() & ~(
        series.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    )
    try:
        parsed = pd.to_datetime(text.where(given), format=fmt, errors="coerce")
    except ValueError as exc:  # a bad directive, or offsets pandas will not mix
        if "directive" in str(exc) or "format" in str(exc):
            raise ParameterError(
                f"{option} {date_format!r} is not a date format: {exc}; write it with "
                "strptime codes, e.g. '%m/%d/%Y %H:%M'"
            ) from None
        raise SchemaError(
            f"column {column!r} could not be read with {option} {date_format!r}: {exc}"
        ) from None
    bad = given & parsed.isna().to_numpy()
    if bad.any():
        raise SchemaError(
            f"column {column!r} has {int(bad.sum())} value(s) not in {option} {date_format!r}, "
            f"in rows {series.index[bad][:5].tolist()}: {series[bad].head(5).tolist()}"
        )
    return parsed


def times(series: pd.Series, column: str, date_format: str | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    if date_format is not None:
        return in_format(series, column, date_format)
    parsed, failed = one_format(series, column)
    if failed.any():
        raise SchemaError(
            f"column {column!r} has {int(failed.sum())} value(s) that are not dates at index "
            f"{show_values(series.index[failed])}: {show_values(series[failed])}"
        )
    return parsed


def numbers(
    series: pd.Series, column: str, decimal: str | None = None, *, needed: Any = None
) -> np.ndarray[Any, Any]:
    """A column of numbers, text read by :func:`segkit.transactions.parse_numbers`.

    A value that is no number is an error naming its rows; with ``needed`` (a
    boolean mask) only in those rows, the others are NaN (a closed order's
    "-" is no amount, and no error either).
    """
    values = parse_numbers(series, column, decimal=decimal).to_numpy()
    bad = np.isnan(values) & series.notna().to_numpy()
    if needed is not None:
        bad &= np.asarray(needed, dtype=bool)
    if bad.any():
        raise SchemaError(
            f"column {column!r} has {int(bad.sum())} value(s) that are not numbers at index "
            f"{show_values(series.index[bad])}: {show_values(series[bad])}"
        )
    return values
