"""Size, share, value share and medians per segment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import numeric_column, require_columns, require_frame, show_values
from segkit.errors import ParameterError, SchemaError
from segkit.evaluate._labels import segment_codes, segment_labels, segment_order

__all__ = ["segment_summary"]


def segment_summary(
    table: Any,
    by: str | pd.Series,
    value: str | None = "revenue",
    columns: Sequence[str] | None = None,
    *,
    min_group: int | None = None,
    other: str = "other",
) -> pd.DataFrame:
    """Size, share, value share and medians per segment.

    Parameters
    ----------
    table : DataFrame
        The customer table, one row per customer; it is not modified.
    by : str or Series
        A column of ``table`` holding each customer's segment, or a Series of
        segments aligned on ``table``'s index (e.g. ``seg.predict(table)``).
        Customers without a segment are counted under ``"(none)"``.
    value : str or None, default "revenue"
        Numeric column whose total and share each segment holds.
    columns : sequence of str, optional
        Numeric columns whose median to show per segment; default ``[value]``.
    min_group : int, optional
        Privacy (:mod:`segkit.privacy`): no row describes fewer than this
        many customers. Segments with fewer are merged into one ``other``
        row (its totals, shares and medians computed over their customers);
        when ``other`` itself has fewer, it is left out. The result's
        ``attrs["note"]`` says what was merged or left out, as the report does.
    other : str, default "other"
        The label of the merged row.

    Returns
    -------
    DataFrame
        Indexed by segment (categorical order, else largest first), with
        ``customers``, ``share``, ``<value>_total``, ``<value>_share`` and
        ``<column>_median`` for each column.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"segment": ["a", "b", "a", "a"], "revenue": [10.0, 50.0, 20.0, 20.0]})
    >>> segment_summary(t, "segment")
             customers  share  revenue_total  revenue_share  revenue_median
    segment
    a                3   0.75           50.0            0.5            20.0
    b                1   0.25           50.0            0.5            50.0
    >>> t = pd.DataFrame({"segment": list("aaaabbc"), "revenue": [1.0] * 7})
    >>> small = segment_summary(t, "segment", min_group=3)
    >>> small[["customers", "share"]].round(2)
             customers  share
    segment
    a                4   0.57
    other            3   0.43
    >>> small.attrs["note"]
    "2 segments with fewer than 3 customers are merged into 'other' (minimum group size 3)."
    """
    if min_group is not None and (
        isinstance(min_group, bool) or not isinstance(min_group, int | np.integer) or min_group < 0
    ):
        raise ParameterError(
            f"min_group must be a whole number of customers (0 for none); got {min_group!r}"
        )
    df = require_frame(table, "customer table")
    if isinstance(by, str):
        require_columns(df, [by], "customer table")
        segments = df[by]
        name = by
    elif isinstance(by, pd.Series):
        if by.index.has_duplicates:
            raise SchemaError("the 'by' Series has duplicated customer ids in its index")
        missing = df.index.difference(by.index)
        if len(missing) == len(df) and len(df):
            raise SchemaError(
                "the 'by' Series shares no customer id with the table's index; align them "
                f"first (table index starts {show_values(df.index)}, by index starts "
                f"{show_values(by.index)})"
            )
        segments = by.reindex(df.index)
        name = str(by.name) if by.name is not None else "segment"
    else:
        raise ParameterError(
            f"'by' must be a column name or a Series of segments; got {type(by).__name__}"
        )
    segments = segment_labels(segments, "the segments")
    if columns is None:
        columns = [] if value is None else [value]
    elif isinstance(columns, str):
        columns = [columns]
    wanted = ([value] if value is not None else []) + list(columns)
    require_columns(df, wanted, "customer table")
    data = {c: numeric_column(df, c, "customer table", allow_nan=True) for c in wanted}
    categories = segment_order(segments)
    codes = segment_codes(segments, categories)
    k = len(categories)
    counts = np.bincount(codes, minlength=k)
    note = ""
    if min_group:
        categories, codes, note = _merge_small(categories, codes, counts, int(min_group), other)
        k = len(categories)
        counts = np.bincount(codes[codes >= 0], minlength=k)
    out = pd.DataFrame(
        {"customers": counts, "share": counts / max(len(df), 1)},
        index=pd.Index(categories, name=name),
    )
    if value is not None:
        v = data[value]
        inside = codes >= 0  # customers of a group too small to show count in no row
        totals = np.bincount(codes[inside], weights=np.nan_to_num(v[inside]), minlength=k)
        out[f"{value}_total"] = totals
        grand = float(np.nansum(v))  # of every customer, shown or not
        out[f"{value}_share"] = totals / grand if grand else np.nan
    if columns:
        frame = pd.DataFrame({c: data[c] for c in columns})
        medians = frame[codes >= 0].groupby(codes[codes >= 0]).median()
        for c in columns:
            out[f"{c}_median"] = medians[c].reindex(range(k)).to_numpy()
    if not isinstance(segments.dtype, pd.CategoricalDtype):
        out = out.sort_values("customers", ascending=False, kind="stable")
        if note and other in out.index:  # the merged row last, as in the report
            out = pd.concat([out.drop(index=other), out.loc[[other]]])
    if note:
        out.attrs["note"] = note
    return out


def _merge_small(
    categories: Sequence[Any], codes: Any, counts: Any, k: int, other: str
) -> tuple[list[Any], Any, str]:
    """Merge the segments of fewer than ``k`` customers into ``other`` (code -1: left out).

    An existing segment named ``other`` joins the merged row.
    """
    small = (counts > 0) & (counts < k)
    if not small.any():
        return list(categories), codes, ""
    n_small = int(small.sum())
    named = np.asarray([str(c) == other for c in categories])
    merge = small | named
    kept = [c for c, m in zip(categories, merge, strict=True) if not m]
    position = np.full(len(categories), -1, dtype=np.int64)
    position[~merge] = np.arange(len(kept))
    merged = int(counts[merge].sum())
    if merged >= k:
        position[merge] = len(kept)
        kept.append(other)
        note = (
            f"{n_small} segments with fewer than {k} customers are merged into {other!r} "
            f"(minimum group size {k})."
        )
    else:
        note = (
            f"{n_small} segments with fewer than {k} customers are left out: together they "
            f"are fewer than {k} too (minimum group size {k})."
        )
    return kept, np.where(codes >= 0, position[codes], -1), note
