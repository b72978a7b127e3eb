"""Reading and checking the feedback log and the complaints log.

The feedback log has one row per answer (customer, timestamp, kind, score,
optional text, channel, order); the complaints log one row per ticket
(customer, opened, resolved or missing while open, category, optional
severity). Column names are arguments. Kinds are matched case-insensitively
after stripping spaces; scores are checked against the scale of their kind.

Time
----
Timestamps are read by segkit's time policy (:mod:`segkit._time`,
``docs/time.md``): timezone-aware columns are compared on their own wall clock,
and a date-only ``as_of`` means that whole day. Rows after ``as_of`` are
ignored, never used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from segkit._time import parse_timestamps, read_timestamps, wall_clock
from segkit._validation import require_columns, require_frame, show_values
from segkit.errors import ParameterError, SchemaError, did_you_mean
from segkit.feedback.scores import KINDS

__all__ = ["ComplaintLog", "FeedbackLog", "feedback_from_survey"]

_IntArray = np.ndarray[Any, np.dtype[np.int64]]
_FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def _nullable_wall(df: pd.DataFrame, column: str, what: str) -> _IntArray:
    """A nullable timestamp column (open tickets) as wall-clock ns; NaT becomes int64 min."""
    series = df[column]
    if pd.api.types.is_numeric_dtype(series.dtype) and not series.isna().all():
        raise SchemaError(
            f"column {column!r} of the {what} holds numbers ({series.dtype}), not timestamps; "
            f"convert it first, e.g. pd.to_datetime(df[{column!r}], unit='s')"
        )
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = parse_timestamps(series.astype(object), column)
    return wall_clock(series).to_numpy(dtype="datetime64[ns]").view(np.int64)


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
    tz : tzinfo or None
        The zone of the timestamp column.
    """

    customer: pd.Series
    wall: _IntArray
    kind: np.ndarray[Any, np.dtype[np.int8]]
    kinds: tuple[str, ...]
    score: _FloatArray
    tz: Any = None

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
        stamps = read_timestamps(df[timestamp], timestamp, "feedback") if timestamp else None
        wall = stamps.wall if stamps is not None else np.zeros(len(df), dtype=np.int64)
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
            raise SchemaError(
                f"column {kind!r} of the feedback has {int(unknown.sum())} unknown or missing "
                f"kind(s) at index {show_values(shown.index)}: {show_values(shown)}; known kinds: "
                f"{list(limits)}"
                + (did_you_mean(first, list(limits)) if first else "")
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
        tz = stamps.tz if stamps is not None else None
        return cls(ids, wall, kind_pos.astype(np.int8), tuple(limits), values, tz)


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
    tz : tzinfo or None
        The zone of the ``opened`` column.
    """

    customer: pd.Series
    opened: _IntArray
    resolved: _IntArray
    tz: Any = None

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
        stamps = read_timestamps(df[opened], opened, "complaints")
        start = stamps.wall
        end = _nullable_wall(df, resolved, "complaints")
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
        return cls(ids, start, end, stamps.tz)


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
    read = df[timestamp]
    if not pd.api.types.is_datetime64_any_dtype(read.dtype):  # one format per column
        read = parse_timestamps(read, str(timestamp))
    stamps = read.to_numpy()
    parts = []
    for order, (kind_name, column) in enumerate(questions.items()):
        part = pd.DataFrame(
            {
                "customer_id": df[customer].to_numpy(),
                "timestamp": stamps,
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
