"""One row per customer for CRM imports, ids written as they were read."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import require_columns, show_values
from segkit._writers import check_target, write_table
from segkit.errors import ParameterError
from segkit.transactions import ids_as_read

__all__ = ["write_crm"]


def write_crm(
    table: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    tags: pd.DataFrame | None = None,
    columns: Iterable[str] = ("segment", "lifecycle_state"),
    id_name: str = "Customer ID",
    tag_name: str = "Tag",
    separator: str = ",",
    money: Iterable[str] | None = None,
    escape_formulas: bool = True,
    encoding: str = "utf-8",
    recommendations: int | pd.DataFrame | None = None,
    recommender: Any = None,
    recommendation_name: str = "Recommended",
) -> pd.DataFrame:
    """Shape a customer table for a CRM import, and optionally write it.

    One row per customer: the id, the chosen columns and the customer's tags
    joined by ``separator`` in one cell. Zoho CRM's import maps such a
    comma-separated column to the record's tags; HubSpot, Salesforce and
    similar tools take the same shape with a multi-select or text field.

    Ids are written as they were read: integer-valued float ids (what a CSV
    reader makes of an id column with gaps) become integers, strings stay
    strings. Money columns are rounded to cents.

    Parameters
    ----------
    table : pandas.DataFrame
        Indexed by customer id.
    path : path, optional
        Where to write: ``.csv`` (no index column), or ``.xlsx`` (needs the
        ``excel`` extra). The file is written completely or not at all, with
        the permissions of any file you create (your umask).
    tags : pandas.DataFrame, optional
        Boolean tag columns aligned on ``table``'s index (``TagEngine.apply``
        with ``output="wide"``).
    columns : iterable of str
        Columns of ``table`` to include (missing ones are an error).
    id_name, tag_name, separator : str
        Header of the id and tag columns; separator between tags.
    money : iterable of str, optional
        Columns rounded to cents; by default the chosen columns among
        ``revenue``, ``avg_order_value``, ``repeat_aov``, ``expected_spend``,
        ``clv`` and ``revenue_<window>``.
    escape_formulas : bool, default True
        Write text that a spreadsheet would run as a formula (starting with
        ``=``, ``+``, ``-``, ``@``, tab or carriage return) with a leading
        ``'``, so a customer name or tag such as ``=HYPERLINK(...)`` cannot run
        when the file is opened in Excel. ``False`` writes cells unchanged.
    encoding : str, default "utf-8"
        ``"utf-8-sig"`` adds a byte-order mark, which Excel needs to show
        Chinese (and other non-ASCII) text in a CSV correctly.
    recommendations : int or pandas.DataFrame, optional
        Add a ``recommendation_name`` column with each customer's top items
        in rank order, joined by ``separator``: an int ``k`` asks the fitted
        ``recommender`` (:class:`segkit.affinity.CoPurchaseRecommender`) for
        ``k`` items per customer; a frame is the output of its ``recommend``
        (customer, ``rank``, item, ...) used as it is.
    recommender : CoPurchaseRecommender, optional
        Needed when ``recommendations`` is an int.
    recommendation_name : str
        Header of the recommendations column.

    Returns
    -------
    pandas.DataFrame
        The rows (before formula escaping, which only changes the file).

    Raises
    ------
    ParameterError
        ``table`` is not a DataFrame, a chosen column has the id or tag
        column's name, or the file cannot be written (missing folder, a
        folder given as the file, no permission).

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.io import write_crm
    >>> table = pd.DataFrame({"segment": ["champions", "lost"], "clv": [10.456, 2.0]},
    ...                      index=pd.Index([7.0, 9.0], name="customer_id"))
    >>> tags = pd.DataFrame({"vip": [True, False], "newsletter": [True, True]}, index=table.index)
    >>> write_crm(table, tags=tags, columns=["segment", "clv"]).values.tolist()
    [[7, 'champions', 10.46, 'vip,newsletter'], [9, 'lost', 2.0, 'newsletter']]
    """
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(
            f"write_crm needs the customer table as a pandas DataFrame, got {type(table).__name__}"
        )
    columns = list(columns)
    require_columns(table, columns, "customer table")
    if separator in {"", "\n"}:
        raise ParameterError("separator must be a visible character such as ',' or ';'")
    for header, role in (
        (id_name, "id_name"),
        (tag_name if tags is not None else None, "tag_name"),
    ):
        if header is not None and header in columns:
            raise ParameterError(
                f"column {header!r} would replace the {role.removesuffix('_name')} column "
                f"of the same name; pass another {role}= (e.g. {role}='{header} (CRM)')"
            )
    if path is not None:
        check_target(path, "the CRM file")
    money = (
        [c for c in columns if c in _MONEY or str(c).startswith("revenue_")]
        if money is None
        else list(money)
    )
    require_columns(table, money, "customer table")
    out = pd.DataFrame({id_name: ids_as_read(table.index)})
    for column in columns:
        values = table[column]
        if column in money:
            if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(
                values.dtype
            ):
                raise ParameterError(
                    f"money column {column!r} holds {values.dtype} values, not amounts; leave it "
                    "out of money= (money columns are written rounded to cents)"
                )
            out[column] = values.round(2).to_numpy()
        else:
            out[column] = values.astype(object).where(values.notna(), "").to_numpy()
    if tags is not None:
        _check_tags(tags, table.index)
        if not tags.index.equals(table.index):
            tags = tags.reindex(table.index)
        names = np.asarray([str(c) for c in tags.columns], dtype=object)
        for name in names:
            if separator in name:
                raise ParameterError(f"tag {name!r} contains the separator {separator!r}")
        hit = tags.isin([True]).to_numpy(dtype=bool)  # NA and False are untagged
        out[tag_name] = [separator.join(names[row]) for row in hit]
    if recommendations is not None:
        out[recommendation_name] = _recommended(
            table.index, recommendations, recommender, separator
        )
    if path is not None:
        write_table(
            out,
            path,
            index=False,
            escape=escape_formulas,
            encoding=encoding,
            what="the CRM file",
        )
    return out


_MONEY = frozenset({"revenue", "avg_order_value", "repeat_aov", "expected_spend", "clv"})


def _recommended(index: pd.Index, recommendations: Any, recommender: Any, sep: str) -> list[str]:
    """Each customer's recommended items in rank order, joined by ``sep``."""
    if isinstance(recommendations, pd.DataFrame):
        recs = recommendations
    elif isinstance(recommendations, int | np.integer) and not isinstance(recommendations, bool):
        if recommender is None or not hasattr(recommender, "recommend"):
            raise ParameterError(
                f"recommendations={int(recommendations)} needs a fitted recommender: "
                "write_crm(..., recommendations=k, recommender=CoPurchaseRecommender().fit(...))"
            )
        recs = recommender.recommend(index, k=int(recommendations))
    else:
        raise ParameterError(
            "recommendations must be a number of items per customer or the frame of "
            f"CoPurchaseRecommender.recommend; got {type(recommendations).__name__}"
        )
    if "rank" not in recs.columns or list(recs.columns).index("rank") != 1:
        raise ParameterError(
            "the recommendations frame must be CoPurchaseRecommender.recommend's: "
            "customer, rank, item, ..."
        )
    customer, item = recs.columns[0], recs.columns[2]
    recs = recs.sort_values([customer, "rank"], kind="stable")
    names = recs[item].astype(str)
    bad = names[names.str.contains(sep, regex=False)]
    if len(bad):
        raise ParameterError(
            f"recommended item {bad.iloc[0]!r} contains the separator {sep!r}; "
            "pass another separator="
        )
    joined = names.groupby(recs[customer].to_numpy(), sort=False).agg(sep.join)
    return joined.reindex(index).fillna("").tolist()


def _check_tags(tags: Any, index: pd.Index) -> None:
    """Tags are booleans for customers of the table (else every tag would silently vanish)."""
    if not isinstance(tags, pd.DataFrame):
        raise ParameterError(f"tags must be a DataFrame of booleans; got {type(tags).__name__}")
    unknown = tags.index.difference(index)
    if len(unknown):
        raise ParameterError(
            f"tags has {len(unknown):,} customer id(s) that are not in the table, e.g. "
            f"{show_values(unknown)}; align it with the table (same index)"
        )
    for column in tags.columns:
        values = tags[column]
        if pd.api.types.is_bool_dtype(values.dtype):
            continue
        given = values.dropna()
        if not given.map(lambda v: isinstance(v, bool | np.bool_)).all():
            shown = show_values(list(given.unique()))
            raise ParameterError(f"tag column {column!r} must hold True/False; got {shown}")
