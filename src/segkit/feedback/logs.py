"""Reading and checking the feedback log and the complaints log.

The feedback log has one row per answer (customer, timestamp, kind, score,
optional text, channel, order); the complaints log one row per ticket
(customer, opened, resolved or missing while open, category, optional
severity). Column names are arguments. Kinds are matched case-insensitively
after stripping spaces; scores are checked against the scale of their kind.

Time
----
All cut-offs go through :func:`cutoff`: a date-only ``as_of`` (``"2024-06-30"``,
a ``datetime.date``) means the end of that day, inclusive; a timestamp means
that instant. Timezone-aware columns are compared on their own wall clock.
Rows after the cut-off are ignored, never used.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._validation import require_columns, require_frame, show_values
from segkit.errors import ParameterError, SchemaError, closest
from segkit.feedback.scores import KINDS

__all__ = ["ComplaintLog", "FeedbackLog", "cutoff", "feedback_from_survey", "wall_clock"]

_IntArray = np.ndarray[Any, np.dtype[np.int64]]
_FloatArray = np.ndarray[Any, np.dtype[np.float64]]
DAY_NS = 86_400 * 10**9
_DATE_ONLY = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$|^\s*\d{8}\s*$")


def cutoff(as_of: Any) -> int:
    """``as_of`` as wall-clock nanoseconds: the instant up to which rows count (inclusive).

    A date without a time (a ``datetime.date``, ``"2024-06-30"``, ``"20240630"``)
    is the end of that day; anything else is the instant it names.
    Timezone-aware values are read on their wall clock.

    Examples
    --------
    >>> cutoff("2024-06-30") == pd.Timestamp("2024-06-30 23:59:59.999999999").value
    True
    >>> cutoff("2024-06-30 12:00") == pd.Timestamp("2024-06-30 12:00").value
    True
    """
    date_only = (isinstance(as_of, _dt.date) and not isinstance(as_of, _dt.datetime)) or (
        isinstance(as_of, str) and bool(_DATE_ONLY.match(as_of))
    )
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"as_of must be a date or timestamp; got {as_of!r}") from exc
    if pd.isna(stamp):
        raise ParameterError(f"as_of must be a date or timestamp; got {as_of!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    value = int(stamp.as_unit("ns").value)
    return value + DAY_NS - 1 if date_only else value


def wall_clock(
    df: pd.DataFrame, column: str, what: str, *, allow_missing: bool = False
) -> _IntArray:
    """A timestamp column as int64 wall-clock nanoseconds (NaT as int64 min when allowed)."""
    series = df[column]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        parsed = series
    elif pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise SchemaError(
            f"column {column!r} of the {what} holds numbers ({series.dtype}), not timestamps; "
            f"convert it first, e.g. pd.to_datetime(df[{column!r}], unit='s')"
        )
    else:
        parsed = pd.to_datetime(series, errors="coerce", format="mixed")
        bad = parsed.isna().to_numpy() & series.notna().to_numpy()
        if bad.any():
            raise SchemaError(
                f"column {column!r} of the {what} has {int(bad.sum())} value(s) that are not "
                f"timestamps at index {show_values(df.index[bad])}: {show_values(series[bad])}"
            )
    tz = getattr(parsed.dtype, "tz", None)
    if tz is not None:
        parsed = parsed.dt.tz_localize(None)
    missing = parsed.isna().to_numpy()
    if missing.any() and not allow_missing:
        raise SchemaError(
            f"column {column!r} of the {what} has {int(missing.sum())} missing timestamp(s) at "
            f"index {show_values(df.index[missing])}; drop or fill them first"
        )
    return parsed.to_numpy(dtype="datetime64[ns]").view(np.int64)


def _customers(df: pd.DataFrame, column: str, what: str) -> pd.Series:
    series = df[column]
    missing = series.isna().to_numpy()
    if missing.any():
        raise SchemaError(
            f"column {column!r} of the {what} has {int(missing.sum())} missing customer id(s) "
            f"at index {show_values(df.index[missing])}; drop them first"
        )
    return series


@attrs.frozen
class FeedbackLog:
    """A checked feedback log as arrays (one entry per answer).

    Attributes
    ----------
    customer : Series
        Customer ids (the input column).
    wall : ndarray of int64
        Answer times, wall-clock nanoseconds.
    kind : ndarray of int8
        Position of the answer's kind in ``kinds``.
    kinds : tuple of str
    score : ndarray of float64
        The answer (NaN for a missing score, e.g. a text-only review).
    """

    customer: pd.Series
    wall: _IntArray
    kind: np.ndarray[Any, np.dtype[np.int8]]
    kinds: tuple[str, ...]
    score: _FloatArray

    @classmethod
    def read(
        cls,
        feedback: Any,
        *,
        customer: str,
        timestamp: str | None,
        kind: str = "kind",
        score: str = "score",
        scales: Mapping[str, tuple[int, int]] | None = None,
    ) -> FeedbackLog:
        """Check and read the named columns of a feedback log.

        Without ``timestamp`` every answer gets time 0 (for uses that ignore time).

        Raises
        ------
        SchemaError
            Missing customer ids or timestamps, an unknown kind, or a score
            outside its kind's scale (the rows are named).
        """
        df = require_frame(feedback, "feedback")
        names = [customer, kind, score] + ([timestamp] if timestamp is not None else [])
        require_columns(df, names, "feedback")
        limits = {**KINDS, **(scales or {})}
        ids = _customers(df, customer, "feedback")
        wall = (
            wall_clock(df, timestamp, "feedback")
            if timestamp is not None
            else np.zeros(len(df), dtype=np.int64)
        )
        raw = df[kind]
        if isinstance(raw.dtype, pd.CategoricalDtype):
            codes = raw.cat.codes.to_numpy().astype(np.int64)
            uniques = pd.Index(raw.cat.categories)
        else:
            codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        position_of = {name: i for i, name in enumerate(limits)}
        lookup = np.array(
            [position_of.get(str(u).strip().lower(), -1) for u in uniques] + [-1], dtype=np.int64
        )
        kind_pos = lookup[codes]  # code -1 (missing) takes the trailing -1
        unknown = kind_pos < 0
        if unknown.any():
            shown = pd.Series(raw.to_numpy()[unknown], index=df.index[unknown], dtype=object)
            shown = shown.where(shown.notna(), None)
            first = str(shown.dropna().iloc[0]).strip().lower() if shown.notna().any() else ""
            hint = closest(first, list(limits)) if first else None
            raise SchemaError(
                f"column {kind!r} of the feedback has {int(unknown.sum())} unknown or missing "
                f"kind(s) at index {show_values(shown.index)}: {show_values(shown)}; known kinds: "
                f"{list(limits)}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + "; add a scale for a new kind with scales={'name': (low, high)}"
            )
        values = _scores(df, score)
        lows = np.array([lo for lo, _ in limits.values()], dtype=np.float64)[kind_pos]
        highs = np.array([hi for _, hi in limits.values()], dtype=np.float64)[kind_pos]
        given = ~np.isnan(values)
        bad = given & ((values < lows) | (values > highs) | (values != np.round(values)))
        if bad.any():
            names = np.array(list(limits), dtype=object)[kind_pos[bad]]
            details = [
                f"{v:g} ({k} {limits[k][0]}..{limits[k][1]})"
                for v, k in zip(values[bad][:5].tolist(), names[:5].tolist(), strict=True)
            ]
            raise SchemaError(
                f"column {score!r} of the feedback has {int(bad.sum())} score(s) outside the "
                f"scale of their kind at index {show_values(df.index[bad])}: "
                f"{', '.join(details)}; fix or drop them, or pass scales={{kind: (low, high)}}"
            )
        return cls(ids, wall, kind_pos.astype(np.int8), tuple(limits), values)


def _scores(df: pd.DataFrame, column: str) -> _FloatArray:
    series = df[column]
    if pd.api.types.is_bool_dtype(series.dtype):
        raise SchemaError(f"column {column!r} of the feedback must hold numbers, not booleans")
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna().to_numpy() & series.notna().to_numpy()
    if bad.any():
        raise SchemaError(
            f"column {column!r} of the feedback has {int(bad.sum())} score(s) that are not "
            f"numbers at index {show_values(df.index[bad])}: {show_values(series[bad])}"
        )
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


@attrs.frozen
class ComplaintLog:
    """A checked complaints log as arrays (one entry per ticket).

    Attributes
    ----------
    customer : Series
    opened, resolved : ndarray of int64
        Wall-clock nanoseconds; ``resolved`` is int64 min for a ticket still open.
    """

    customer: pd.Series
    opened: _IntArray
    resolved: _IntArray

    @classmethod
    def read(
        cls,
        complaints: Any,
        *,
        customer: str,
        opened: str = "opened",
        resolved: str = "resolved",
    ) -> ComplaintLog:
        """Check and read the named columns of a complaints log.

        Raises
        ------
        SchemaError
            Missing customer ids or opening times, or a ticket resolved
            before it was opened (the rows are named).
        """
        df = require_frame(complaints, "complaints")
        require_columns(df, [customer, opened, resolved], "complaints")
        ids = _customers(df, customer, "complaints")
        start = wall_clock(df, opened, "complaints")
        end = wall_clock(df, resolved, "complaints", allow_missing=True)
        nat = np.iinfo(np.int64).min
        early = (end != nat) & (end < start)
        if early.any():
            raise SchemaError(
                f"{int(early.sum())} complaint(s) were resolved before they were opened, at "
                f"index {show_values(df.index[early])}: {resolved!r} "
                f"{show_values(df[resolved][early].astype(str))} before {opened!r} "
                f"{show_values(df[opened][early].astype(str))}; check the columns are not "
                "swapped or set the wrong resolutions to missing"
            )
        return cls(ids, start, end)


def feedback_from_survey(
    survey: Any,
    *,
    customer: str,
    timestamp: str,
    questions: Mapping[str, str],
    text: str | None = None,
) -> pd.DataFrame:
    """Turn a survey export (one row per respondent, one column per question) into a feedback log.

    Survey tools export a response per row with a column per question; segkit
    wants one row per answer. Unanswered questions (missing cells) give no row.

    Parameters
    ----------
    survey : DataFrame
        One row per response.
    customer, timestamp : str
        The respondent's customer id and the response time.
    questions : mapping of kind -> column
        Which column holds which kind of answer, e.g.
        ``{"nps": "How likely are you to recommend us?", "csat": "Q2"}``.
    text : str, optional
        A free-text column, kept on the row of the first question answered
        (so a comment is counted once).

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``timestamp``, ``kind``, ``score`` and, with
        ``text``, ``text``; sorted by response then question order.

    Examples
    --------
    >>> wide = pd.DataFrame({"id": [1, 2], "at": ["2024-01-05", "2024-01-06"],
    ...                      "Recommend?": [9, None], "Satisfied?": [4, 2]})
    >>> long = feedback_from_survey(wide, customer="id", timestamp="at",
    ...                             questions={"nps": "Recommend?", "csat": "Satisfied?"})
    >>> long[["customer_id", "kind", "score"]].values.tolist()
    [[1, 'nps', 9.0], [1, 'csat', 4.0], [2, 'csat', 2.0]]
    """
    df = require_frame(survey, "survey")
    if not questions:
        raise ParameterError("questions must map at least one kind to a column")
    require_columns(
        df, [customer, timestamp, *questions.values(), *([text] if text else [])], "survey"
    )
    parts = []
    for order, (kind_name, column) in enumerate(questions.items()):
        part = pd.DataFrame(
            {
                "customer_id": df[customer].to_numpy(),
                "timestamp": pd.to_datetime(df[timestamp]).to_numpy(),
                "kind": kind_name,
                "score": pd.to_numeric(df[column], errors="raise").to_numpy(dtype=np.float64),
                "_row": np.arange(len(df)),
                "_q": order,
            }
        )
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out = out[out["score"].notna()].sort_values(["_row", "_q"], kind="stable")
    if text:
        first = ~out["_row"].duplicated().to_numpy()
        comments = df[text].astype(object).to_numpy()[out["_row"].to_numpy()]
        keep = first & ~pd.isna(comments)
        shown: np.ndarray[Any, Any] = np.full(len(out), None, dtype=object)
        shown[keep] = comments[keep]
        out["text"] = pd.Series(shown, index=out.index, dtype="object")
    return out.drop(columns=["_row", "_q"]).reset_index(drop=True)
