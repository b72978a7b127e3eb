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
    """
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
    out = pd.DataFrame(
        {"customers": counts, "share": counts / max(len(df), 1)},
        index=pd.Index(categories, name=name),
    )
    if value is not None:
        v = data[value]
        totals = np.bincount(codes, weights=np.nan_to_num(v), minlength=k)
        out[f"{value}_total"] = totals
        grand = totals.sum()
        out[f"{value}_share"] = totals / grand if grand else np.nan
    if columns:
        frame = pd.DataFrame({c: data[c] for c in columns})
        medians = frame.groupby(codes).median()
        for c in columns:
            out[f"{c}_median"] = medians[c].reindex(range(k)).to_numpy()
    if not isinstance(segments.dtype, pd.CategoricalDtype):
        out = out.sort_values("customers", ascending=False, kind="stable")
    return out
