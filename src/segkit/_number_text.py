"""Numbers written as text in shop exports: one convention per column.

``"1.234,56"`` (decimal comma), ``"1,234.56"`` (decimal point), ``"¥12,800"``,
``"(12.50)"`` (a negative amount), ``"1.5E3"``, ``"12,50\u00a0€"``, ``"Rs. 1,200"``.
A column is read one way: a value that reads only one way (``"2,50"``,
``"12.50"``, ``"1.234,50"``, ``"1.234.567"``) settles it, ``decimal=`` states
it, and a column where nothing settles a value that reads two ways
(``"1.500"``: 1500 or 1.5) is refused. The public names are re-exported by
:mod:`segkit.transactions`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import ParameterError, SchemaError

__all__ = ["check_decimal", "number_convention", "parse_numbers"]

_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
#: A number as pandas reads one from a CSV file: no digit groups, a decimal point.
PLAIN_NUMBER = rf"[+-]?{_NUMBER}"
_NUMBER_TEXT = re.compile(rf"^{_NUMBER}$")  # the sign is read apart
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
#: A currency word in any script ("EUR", "zł", "руб."), with the "/" of "S/" and a "." that
#: ends it ("Rs.", "руб.", "S/."); also matches numerals that are no digits ("½"), which
#: :func:`_around` refuses.
_WORD = r"[^\W\d_]++/?\.?"
#: What may stand around a number: spaces of any kind, signs ("€", "₽", "\\": the yen sign of
#: Japanese code pages, 0x5C in Shift_JIS/cp932), and words; :func:`_around` checks the
#: characters (this also matches "%" or "#", which are refused there). Possessive: no
#: backtracking, and the suffix starts after a digit or separator only, so linear in the text.
_AROUND = rf"(?:[^\w.,/()+\-\u2212\uff0d]|{_WORD})*+"
_PREFIX = re.compile(rf"^{_AROUND}")
_SUFFIX = re.compile(rf"(?<=[\d.,]){_AROUND}$")
#: For the evidence: an exponent ending the number ("1.5E3", "(1.5E3 €)").
_EXPONENT = re.compile(rf"(?<=\d)[eE][+-]?\d+(?={_AROUND}\)?$)")
#: For the evidence: what is neither digit nor separator, and the dot or slash of a word.
_NOT_DIGITS = re.compile(rf"{_WORD}|[^\d.,]")

_IntArray = np.ndarray[Any, np.dtype[np.int64]]
_BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


def parse_numbers(
    series: pd.Series, column: Any = None, *, decimal: str | None = None
) -> pd.Series:
    """Read numbers written as text the way exports write them; NaN where not a number.

    ``"12.50"``, ``"1.5E3"`` (1500), ``"(12.50)"`` (an accounting negative,
    -12.5), ``"-£12.50"``, ``"−3"`` (the Unicode minus), ``"1,234.50"`` and
    ``"1 234,50"`` (digit groups), ``"¥1200"``, ``"12 EUR"``, ``"1,200元"``;
    around the number, spaces of any kind (``"12,50\u00a0€"``), currency
    signs (Unicode category Sc: ``"₽"``, ``"₺"``) and currency words in any
    script, with a dot or slash of theirs (``"Rs. 1,200"``, ``"100 руб."``,
    ``"12,50 zł"``, ``"S/ 100"``). Anything else around it (``"12%"``), or an
    ``e`` alone (``"E3"``, ``"12e"``), is no number.

    One convention for the whole column, as with dates
    (:func:`number_convention`): ``decimal=","`` reads ``"1.234,50"``,
    ``"1.500"`` (1500) and ``"1,234"`` (1.234); ``decimal="."`` reads
    ``"1,234.50"``, ``"1.500"`` (1.5) and ``"1,234"`` (1234). A value written
    the other way is not a number then. By default the column's values decide:
    a value that can be read one way only (``"2,50"``, ``"1.234,50"``,
    ``"12.50"``, ``"0.500"``, and ``"1.234.567"`` or ``"1,234,567"``: two
    separators of one kind group digits) settles the column; a column in which no value
    settles it and a value with dots reads two ways (``"1.500"``: 1500 or 1.5)
    is refused; otherwise ``"1,234"`` groups digits (1234). Numbers (and
    Decimal objects) pass through as float64.

    Parameters
    ----------
    series : pandas.Series
        The column; the caller's series is not changed.
    column : optional
        The column's name in messages (default: the series' name).
    decimal : {".", ",", None}
        The decimal separator, when the column cannot say it; the other one
        groups digits (spaces and apostrophes always do).

    Raises
    ------
    SchemaError
        The column writes numbers both ways (``"1,234.50"`` and
        ``"1.234,50"``), or reads two ways and ``decimal`` is not given.
    ParameterError
        ``decimal`` is neither ``"."`` nor ``","``.

    Examples
    --------
    >>> parse_numbers(pd.Series(["1.5E3", "(12.50)", "1,234.5", "£3", "x"])).tolist()
    [1500.0, -12.5, 1234.5, 3.0, nan]
    >>> parse_numbers(pd.Series(["12,5", "1,234", "1.000,25"])).tolist()
    [12.5, 1.234, 1000.25]
    >>> parse_numbers(pd.Series(["1.500", "2,50"])).tolist()
    [1500.0, 2.5]
    >>> parse_numbers(pd.Series(["1.000", "1.000.000", "12,50\u00a0€", "100 руб."])).tolist()
    [1000.0, 1000000.0, 12.5, 100.0]
    >>> parse_numbers(pd.Series(["1.500", "250"], name="Betrag"), decimal=",").tolist()
    [1500.0, 250.0]
    """
    comma = _comma_given(decimal)
    if pd.api.types.is_bool_dtype(series.dtype):
        return pd.Series(np.nan, index=series.index)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return pd.Series(series.to_numpy(dtype=np.float64, na_value=np.nan), index=series.index)
    codes, given, is_text = _distinct_texts(series)
    if comma is None:
        comma = _column_says_comma(series, column, codes, given, is_text)
    values = np.array([_one_number(v, comma) for v in given], dtype=np.float64)
    out = np.where(codes >= 0, values[np.maximum(codes, 0)] if values.size else np.nan, np.nan)
    return pd.Series(out, index=series.index)


def number_convention(series: pd.Series, column: Any = None, decimal: str | None = None) -> str:
    """The decimal separator of a column of numbers as text: ``"."`` or ``","``.

    ``decimal`` when given (checked); otherwise decided by the column's values
    as :func:`parse_numbers` decides, with the same errors. A column without
    text reads ``"."``.

    Examples
    --------
    >>> number_convention(pd.Series(["1.500", "2,50"])), number_convention(pd.Series(["1,200"]))
    (',', '.')
    """
    comma = _comma_given(decimal)
    if comma is None and not (
        pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype)
    ):
        comma = _column_says_comma(series, column, *_distinct_texts(series))
    return "," if comma else "."


def check_decimal(decimal: Any) -> None:
    """Refuse a ``decimal=`` that is neither ``"."`` nor ``","`` (None: the column decides)."""
    if decimal is not None and (not isinstance(decimal, str) or decimal not in (".", ",")):
        raise ParameterError(
            f"decimal must be '.' or ',' (the decimal separator; the other one groups "
            f"digits), not {decimal!r}"
        )


def _comma_given(decimal: str | None) -> bool | None:
    """Whether ``decimal`` names the comma (None: not given, the column decides)."""
    check_decimal(decimal)
    return None if decimal is None else decimal == ","


def _distinct_texts(series: pd.Series) -> tuple[_IntArray, np.ndarray[Any, Any], _BoolArray]:
    """The codes of the values, the distinct values, and which of those are text.

    Text is trimmed and loses its digit-group spaces and apostrophes. The
    distinct values are a new array: the caller's series is not touched.
    """
    codes, uniques = pd.factorize(series.astype("object"), use_na_sentinel=True)
    given = np.asarray(uniques, dtype=object).copy()
    is_text = np.fromiter((isinstance(v, str) for v in given), dtype=bool, count=given.size)
    if is_text.any():
        text = pd.Series(given[is_text], dtype=object).str.strip()
        text = text.str.replace(_GROUPS, "", regex=True)  # "1 234,50", "1'234.50"
        given[is_text] = text.to_numpy(dtype=object)
    return np.asarray(codes, dtype=np.int64), given, is_text


def _column_says_comma(
    series: pd.Series,
    column: Any,
    codes: _IntArray,
    given: np.ndarray[Any, Any],
    is_text: _BoolArray,
) -> bool:
    """Whether the column's text (:func:`_distinct_texts`) writes a decimal comma."""
    if not is_text.any():
        return False
    name = series.name if column is None else column
    text = pd.Series(given[is_text], dtype=object)
    return _decimal_comma(text, name, lambda i: _first_row(series, codes, is_text, i))


def _first_row(
    series: pd.Series, codes: _IntArray, is_text: _BoolArray, i: int
) -> tuple[Any, Any]:
    """The index label and the value as written of the first row holding distinct text ``i``."""
    code = int(np.flatnonzero(is_text)[i])
    row = int(np.argmax(codes == code))
    return series.index[row : row + 1].tolist()[0], series.iloc[row : row + 1].tolist()[0]


#: A digit-group separator between digits: a space, a no-break or thin space, an apostrophe.
_GROUPS = r"(?<=\d)[ \u00a0\u202f'\u2019](?=\d{3}(?!\d))"
#: Text whose comma can only be a decimal comma: "12,5", "1.234,50", "0,500", "1234,500",
#: and dots that can only group digits: "1.234.567" (two dots: no decimal point).
_SAYS_COMMA = (
    r"\d,(?:\d{1,2}|\d{4,})$|\.\d{3},\d*$|^0,\d|^\d{4,},\d|^,\d"
    r"|^\d{1,3}(?:\.\d{3}){2,}(?:,\d*)?$"
)
#: Text whose dot can only be a decimal point: "12.5", "1,234.50", "0.500", "1234.500",
#: and commas that can only group digits: "1,234,567" (two commas: no decimal comma).
_SAYS_POINT = (
    r"\d\.(?:\d{1,2}|\d{4,})$|,\d{3}\.\d*$|^0\.\d|^\d{4,}\.\d|^\.\d"
    r"|^\d{1,3}(?:,\d{3}){2,}(?:\.\d*)?$"
)
#: Text that reads two ways: one dot with three digits after it ("1.500"): digit groups
#: with a decimal comma (1500), a decimal with a decimal point (1.5). Two such dots
#: ("1.234.567") settle a decimal comma.
_READS_TWO_WAYS = re.compile(r"^[1-9]\d{0,2}\.\d{3}$")
#: A number written with a decimal comma: dots group digits ("1.234,5"), or none ("1234,5").
_COMMA_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d*)(?:,\d*)?(?:[eE][+-]?\d+)?$")


def _decimal_comma(text: pd.Series, column: Any, where: Callable[[int], tuple[Any, Any]]) -> bool:
    """Whether a column's distinct texts write numbers with a decimal comma.

    Refused: both ways in one column, and a column that reads two ways with
    nothing to settle it (``where(i)`` gives the index label and value of the
    first row holding distinct text ``i``, for the message).
    """
    # the messages' subject: an unnamed series is "the values"
    name, writes, has = (
        ("the values", "write", "have")
        if column is None
        else (f"column {column!r}", "writes", "has")
    )
    exponent = text.str.contains(_EXPONENT, regex=True).to_numpy(dtype=bool)
    core = text.str.replace(_EXPONENT, "", regex=True)  # "1.5E3": the mantissa
    core = core.str.replace(_NOT_DIGITS, "", regex=True)  # "Rs. 1,200": the word's dot
    comma = core.str.contains(_SAYS_COMMA, regex=True).to_numpy(dtype=bool)
    point = core.str.contains(_SAYS_POINT, regex=True).to_numpy(dtype=bool)
    if comma.any() and point.any():
        i, j = int(np.flatnonzero(comma)[0]), int(np.flatnonzero(point)[0])
        raise SchemaError(
            f"{name} {writes} numbers two ways: with a decimal comma ({text.iloc[i]!r}) and "
            f"with a decimal point ({text.iloc[j]!r}); write them one way, or pass "
            "decimal=',' or decimal='.' to read the column one way (a value written the other "
            "way is then no number)"
        )
    if comma.any() or point.any():
        return bool(comma.any())
    # "1.500E3" is 1500: nobody groups the digits of a mantissa
    two_ways = core.str.match(_READS_TWO_WAYS).to_numpy(dtype=bool) & ~exponent
    if two_ways.any():
        i = int(np.flatnonzero(two_ways)[0])
        label, value = where(i)
        digits = core.iloc[i]
        raise SchemaError(
            f"{name} {has} numbers that read two ways: "
            f"{value!r} at index {label!r} is {int(digits.replace('.', ''))} if dots group "
            f"thousands and {float(digits)} if a dot "
            "is the decimal point, and no value settles which (such as '2,50', '1.234,50', "
            "'12.50' or '0.500'); pass decimal=',' (German style, 1.500 = 1500) or "
            "decimal='.' (1.500 = 1.5)"
        )
    return False


def _around(text: str) -> str | None:
    """``text`` without the currency signs, words and spaces around the number.

    None when what stands around it is not a currency: a character other
    than a space, a letter, a currency sign, ``"\\"`` or a currency word's
    ``"/"`` or ``"."`` (``"12%"``, ``"12½"``), or only an ``"e"`` (``"E3"``,
    ``"12e"``: an exponent without its mantissa or its power).
    """
    first, last = text[:1].isdecimal(), text[-1:].isdecimal()
    if first and last:  # nothing around: most values
        return text
    before = None if first else _PREFIX.match(text)
    start = before.end() if before else 0
    after = None if last else _SUFFIX.search(text, start)
    end = after.start() if after else len(text)
    if start == 0 and end == len(text):
        return text
    stripped = text[:start] + text[end:]
    if not all(_currency_char(c) for c in stripped):
        return None
    letters = "".join(c for c in stripped if c.isalpha()) if "e" in stripped.lower() else ""
    if letters in ("e", "E"):
        return None
    return text[start:end]


@functools.cache
def _currency_char(c: str) -> bool:
    """Whether ``c`` may stand around a number: a letter, a space, a currency sign."""
    return c.isalpha() or c.isspace() or c in "\\/." or unicodedata.category(c) == "Sc"


def _one_number(value: Any, comma: bool = False) -> float:
    """One distinct value as a float (NaN when no number); ``comma``: a decimal comma."""
    if isinstance(value, bool):
        return float("nan")
    if isinstance(value, int | float | Decimal | np.number):
        return float(value)
    if not isinstance(value, str):
        return float("nan")
    text = value.strip().replace("\u2212", "-").replace("\uff0d", "-")  # the minus sign, too
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    sign = ""
    if text[:1] in "+-":
        sign, text = text[:1], text[1:]
    if text.lower() in ("inf", "infinity"):
        return float(sign + "inf")
    bare = _around(text)  # "£3", "12\u00a0€", "RMB 5", "Rs. 1,200", "100 руб."
    if bare is None:
        return float("nan")
    text = bare
    if text[:1] in "+-" and not sign:
        sign, text = text[:1], text[1:]
    if sign and negative:  # "(-12)": which sign was meant?
        return float("nan")
    if comma:
        if not _COMMA_NUMBER.match(text):  # "12.50" is no number with a decimal comma
            return float("nan")
        text = text.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER_TEXT.match(text):
        return float("nan")
    number = float(sign + text)
    return -number if negative else number
