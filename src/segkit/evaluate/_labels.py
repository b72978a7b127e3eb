"""Segment labels: one segment per customer, in a stable order, as integer codes.

Shared by :func:`~segkit.evaluate.segment_summary` and
:func:`~segkit.evaluate.migration`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import show_values
from segkit.errors import SchemaError

__all__ = ["GONE", "NEW", "NONE", "segment_codes", "segment_labels", "segment_order"]

#: Label of customers who have no segment (a missing value, or no tag).
NONE = "(none)"
#: Row of :attr:`Migration.counts` for customers present only in ``after``.
NEW = "(new)"
#: Column of :attr:`Migration.counts` for customers present only in ``before``.
GONE = "(gone)"


def segment_labels(data: Any, what: str) -> pd.Series:
    """One label per customer from a Series, a one-column frame or exclusive tag columns."""
    if isinstance(data, pd.DataFrame):
        if data.shape[1] == 1:
            data = data.iloc[:, 0]
        elif all(pd.api.types.is_bool_dtype(t) for t in data.dtypes):
            matrix = data.to_numpy(dtype=bool, na_value=False)
            several = matrix.sum(axis=1) > 1
            if several.any():
                raise SchemaError(
                    f"{what}: {int(several.sum())} customer(s) have more than one tag (e.g. "
                    f"{data.index[several].tolist()[0]!r}); migration needs one segment per "
                    "customer: pass the tags of one exclusive group"
                )
            names = np.asarray([str(c) for c in data.columns] + [NONE], dtype=object)
            picked = np.where(matrix.any(axis=1), matrix.argmax(axis=1), len(data.columns))
            data = pd.Series(
                pd.Categorical(names[picked], categories=list(names)), index=data.index
            )
        else:
            raise SchemaError(
                f"{what} must be a Series of segments (or boolean tag columns of one exclusive "
                f"group); got a DataFrame with columns {[str(c) for c in data.columns]}"
            )
    if not isinstance(data, pd.Series):
        raise SchemaError(
            f"{what} must be a pandas Series of segments indexed by customer; "
            f"got {type(data).__name__}"
        )
    if data.index.has_duplicates:
        dup = data.index[data.index.duplicated()].unique()
        raise SchemaError(
            f"{what} has duplicated customer ids in its index: {show_values(dup)}; "
            "pass one segment per customer"
        )
    if data.dtype == object:
        lists = data.map(lambda v: isinstance(v, list | tuple | set | frozenset))
        if lists.any():
            sizes = data[lists].map(len)
            if (sizes > 1).any():
                first = sizes[sizes > 1].index.tolist()[0]
                raise SchemaError(
                    f"{what}: customer {first!r} has several tags "
                    f"{sorted(map(str, data[first]))}; migration needs one "
                    "segment per customer: pass the tags of one exclusive group"
                )
            data = data.map(
                lambda v: (
                    (next(iter(v)) if v else None)
                    if isinstance(v, list | tuple | set | frozenset)
                    else v
                )
            )
    out: pd.Series = data
    return out


def segment_order(*series: pd.Series) -> list[Any]:
    """Segment order: categorical order when given, else sorted (numbers numerically)."""
    ordered: list[Any] = []
    plain: list[Any] = []
    for s in series:
        if isinstance(s.dtype, pd.CategoricalDtype):
            ordered.extend(c for c in s.cat.categories if c not in ordered)
        else:
            plain.extend(s.dropna().unique().tolist())
    rest = [v for v in dict.fromkeys(plain) if v not in ordered]
    try:
        rest = sorted(rest)
    except TypeError:
        rest = sorted(rest, key=str)
    out = ordered + rest
    has_none = any(s.isna().any() for s in series)
    if has_none and NONE not in out:
        out.append(NONE)
    return out


def segment_codes(s: pd.Series, categories: list[Any]) -> np.ndarray[Any, np.dtype[np.intp]]:
    values = s.astype(object).where(s.notna(), NONE)
    codes = pd.Index(categories).get_indexer(pd.Index(values))
    return np.asarray(codes, dtype=np.intp)
