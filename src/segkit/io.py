"""Readers for the exports people have, and a writer for CRM imports.

Every reader returns frames with segkit's column names, ready for
:func:`segkit.summarize` (``customer_id``, ``timestamp``, ``amount`` and,
where the source has them, ``order_id`` and more), and raises a
:class:`~segkit.errors.ColumnNotFoundError` naming what is missing.

* :func:`read_transactions` — any CSV, Parquet or Excel file, with a column
  mapping;
* :func:`read_shopify_orders` — Shopify's orders export (one row per line item);
* :func:`read_ga4` — Google Analytics 4 events in the BigQuery export schema;
* :func:`write_crm` — one row per customer with tags, segment and lifecycle
  state, in the shape CRM import tools take.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit._optional import missing
from segkit._shop_exports import detect_encoding, read_online_retail, read_text, read_tmall_orders
from segkit._time import one_format
from segkit._validation import as_pandas, require_columns
from segkit._writers import check_target, write_table
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.transactions import parse_numbers

__all__ = [
    "detect_encoding",
    "read_ga4",
    "read_online_retail",
    "read_shopify_orders",
    "read_tmall_orders",
    "read_transactions",
    "write_crm",
]

_ROLES = ("customer", "timestamp", "amount", "order")


_INTEGER_ID = r"[+-]?(?:0|[1-9]\d{0,17})(?:\.0*)?"


def _ids_from_text(text: pd.Series) -> pd.Series:
    """An id column read as text: numbers when every id is a plain integer, else text.

    ``"007"`` and ``"7"`` are two customers: a column with a leading zero
    anywhere stays text, so no id is changed by reading it.
    """
    given = text.dropna()
    if len(given) and given.str.strip().str.fullmatch(_INTEGER_ID).all():
        return pd.Series(pd.to_numeric(text.str.strip()), index=text.index, name=text.name)
    return text


def _read_any(
    source: Any, *, sheet: str | int | None = 0, sep: str | None = None, ids: Iterable[str] = ()
) -> pd.DataFrame:
    if not isinstance(source, str | os.PathLike):
        return as_pandas(source, "source").copy()
    path = Path(source)
    if not path.exists():
        raise ParameterError(f"no such file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in {".parquet", ".pq"}:
            return pd.read_parquet(path)
        if suffix in {".xlsx", ".xlsm", ".xls"}:
            frame = pd.read_excel(path, sheet_name=sheet)
            if isinstance(frame, dict):
                raise ParameterError("sheet must name one sheet, not None")
            return frame
        if suffix in {".csv", ".txt", ".tsv"}:
            # The encoding is detected (UTF-8 with or without BOM, UTF-16, GBK/GB18030);
            # sep=None sniffs ; , tab.
            frame = read_text(path, sep=sep, dtype=dict.fromkeys(ids, str))
            for column in ids:
                if column in frame.columns:
                    frame[column] = _ids_from_text(frame[column])
            return frame
    except ImportError:
        extra = "parquet" if suffix in {".parquet", ".pq"} else "excel"
        raise missing(extra, f"reading {path.name}") from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"could not read {path}: {exc}") from exc
    raise ParameterError(f"cannot read {path.name}: use a .csv, .parquet or .xlsx file")


def read_transactions(
    source: Any,
    *,
    columns: Mapping[str, str],
    keep: Iterable[str] = (),
    sheet: str | int | None = 0,
    sep: str | None = None,
) -> pd.DataFrame:
    """Read a transaction file and rename its columns to segkit's names.

    Parameters
    ----------
    source : path or DataFrame
        A ``.csv`` (delimiter sniffed, byte-order mark dropped), ``.parquet``
        or ``.xlsx`` file, or a frame already in memory.
    columns : mapping
        ``{"customer": ..., "timestamp": ..., "amount": ..., "order": ...}``
        naming the source columns; ``order`` is optional.
    keep : iterable of str
        Other source columns to carry along unchanged.
    sheet, sep
        The Excel sheet, and a CSV delimiter when sniffing is not wanted.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``timestamp`` (datetime64), ``amount`` (float64),
        ``order_id`` when mapped, then the ``keep`` columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.io import read_transactions
    >>> raw = pd.DataFrame({"Client": ["a", "b"], "Date": ["2024-01-03", "2024-02-01"],
    ...                     "Total": ["10.5", "3"]})
    >>> tx = read_transactions(raw, columns={"customer": "Client", "timestamp": "Date",
    ...                                      "amount": "Total"})
    >>> tx.values.tolist()
    [['a', Timestamp('2024-01-03 00:00:00'), 10.5], ['b', Timestamp('2024-02-01 00:00:00'), 3.0]]
    """
    unknown = set(columns) - set(_ROLES)
    if unknown:
        raise ParameterError(f"columns has unknown keys {sorted(unknown)}; use {list(_ROLES)}")
    for role in ("customer", "timestamp", "amount"):
        if role not in columns:
            raise ParameterError(f"columns must name the {role!r} column")
    ids = [columns[role] for role in ("customer", "order") if role in columns]
    raw = _read_any(source, sheet=sheet, sep=sep, ids=ids)
    keep = list(keep)
    require_columns(raw, [*columns.values(), *keep], "source file")
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    out["customer_id"] = raw[columns["customer"]].to_numpy()
    out["timestamp"] = _parse_time(raw[columns["timestamp"]], columns["timestamp"])
    out["amount"] = _parse_amount(raw[columns["amount"]], columns["amount"])
    if "order" in columns:
        out["order_id"] = raw[columns["order"]].to_numpy()
    for name in keep:
        if name in out.columns:  # keep=["customer_id"] would replace the id column
            raise ParameterError(
                f"keep names {name!r}, a column segkit's reader already writes; rename it in "
                f"the source first, e.g. raw.rename(columns={{{name!r}: {name + '_source'!r}}})"
            )
        out[name] = raw[name].to_numpy()
    return out


def _parse_time(series: pd.Series, column: str, *, utc: bool = False) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.reset_index(drop=True)
    series = series.reset_index(drop=True)
    if utc:
        try:
            parsed = pd.to_datetime(series, errors="coerce", format="mixed", utc=True)
        except (ValueError, TypeError):
            parsed = pd.Series(pd.NaT, index=series.index)
        bad = parsed.isna().to_numpy() & series.notna().to_numpy()
    else:
        # One format for the whole column (ambiguous day/month or mixed formats refused).
        parsed, bad = one_format(series, column)
    if bad.any():
        where = np.flatnonzero(bad)[:5].tolist()
        shown = series[bad].head(5).tolist()
        never = [v for v in shown if str(v).strip()[:4] in ("9999", "2999", "3000")]
        hint = (
            "; a 'never' date such as 9999-12-31 is not a transaction time: drop those rows"
            " (segkit.clean_transactions drops them as 'timestamp out of range')"
            if never
            else ""
        )
        raise SchemaError(
            f"column {column!r} has {int(bad.sum())} value(s) that are not dates, in rows "
            f"{where}: {shown}{hint}"
        )
    if getattr(parsed.dtype, "tz", None) is None:
        parsed = parsed.astype("datetime64[ns]")
    return parsed.reset_index(drop=True)


#: A digit-group separator between digits: a space, a no-break or thin space, an apostrophe.
_GROUPS = r"(?<=\d)[ \u00a0\u202f'\u2019](?=\d{3}(?!\d))"


def _decimal_comma(text: pd.Series, column: str) -> bool:
    """Whether a column writes its numbers with a decimal comma ("1.234,50", "12,5").

    One convention for the whole column, as with dates: "1,234" is 1234 in a
    column that writes "12.50" and 1.234 in one that writes "12,50"; a column
    that writes both is refused.
    """
    core = text.str.replace(r"[^\d.,]", "", regex=True)
    comma = core.str.contains(r"\d,(?:\d{1,2}|\d{4,})$|\.\d{3},\d+$", regex=True).to_numpy()
    point = core.str.contains(r"\d\.(?:\d{1,2}|\d{4,})$|,\d{3}\.\d+$", regex=True).to_numpy()
    if comma.any() and point.any():
        i, j = int(np.flatnonzero(comma)[0]), int(np.flatnonzero(point)[0])
        raise SchemaError(
            f"column {column!r} writes numbers two ways: with a decimal comma (row "
            f"{text.index[i]}: {text.iloc[i]!r}) and with a decimal point (row {text.index[j]}: "
            f"{text.iloc[j]!r}); write them one way, or convert the column yourself"
        )
    return bool(comma.any())


def _parse_amount(series: pd.Series, column: str) -> np.ndarray[Any, Any]:
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    ):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = np.array(series.astype(object), dtype=object)
    is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=values.size)
    if is_text.any():
        text = pd.Series(values[is_text], dtype=object).str.strip()
        text = text.str.replace(_GROUPS, "", regex=True)  # "1 234,50", "1'234.50"
        if _decimal_comma(text, column):
            text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        values[is_text] = text.to_numpy(dtype=object)
    numbers = parse_numbers(pd.Series(values, dtype=object)).to_numpy(dtype=np.float64)
    bad = ~np.isfinite(numbers) & series.notna().to_numpy()  # "NaN", "Infinity", "1e400": no
    if bad.any():
        where = np.flatnonzero(bad)[:5].tolist()
        raise SchemaError(
            f"column {column!r} has {int(bad.sum())} value(s) that are not amounts, in rows "
            f"{where}: {series[bad].head(5).tolist()}"
        )
    return numbers


# --------------------------------------------------------------------------- #
# Shopify
# --------------------------------------------------------------------------- #
_SHOPIFY_REQUIRED = ("Name", "Email", "Created at", "Total")


def read_shopify_orders(source: Any, *, lines: bool = False) -> pd.DataFrame:
    """Read Shopify's orders export CSV.

    The export has one row per line item; order-level fields (``Email``,
    ``Total``, ``Financial Status``, ...) are filled on the first row of each
    order only. Customers are identified by their e-mail address (trimmed and
    lower-cased); orders without one are dropped, as are orders whose
    financial status is ``voided``.

    Parameters
    ----------
    source : path or DataFrame
        The export (``orders_export.csv``).
    lines : bool, default False
        False: one row per order, ``amount`` = ``Total`` minus ``Refunded
        Amount`` (when present). True: one row per line item, ``amount`` =
        quantity × price minus the line discount, with ``product`` and
        ``vendor``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``order_id`` (the order ``Name``), ``timestamp``
        (``Created at``, timezone-aware UTC), ``amount`` and, per order,
        ``currency``, ``financial_status``, ``discount_code``, ``source``.

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.io import read_shopify_orders
    >>> export = pd.DataFrame({
    ...     "Name": ["#1001", "#1001", "#1002"],
    ...     "Email": ["Ann@Example.com", None, "bo@example.com"],
    ...     "Financial Status": ["paid", None, "refunded"],
    ...     "Created at": ["2024-03-01 10:00:00 +0100", "2024-03-01 10:00:00 +0100",
    ...                    "2024-03-02 09:30:00 +0100"],
    ...     "Total": [53.9, None, 20.0], "Refunded Amount": [0.0, None, 20.0],
    ...     "Lineitem quantity": [1, 2, 1], "Lineitem price": [33.9, 10.0, 20.0],
    ...     "Lineitem name": ["Mask", "Soap", "Cream"]})
    >>> read_shopify_orders(export)[["customer_id", "order_id", "amount"]]
           customer_id order_id  amount
    0  ann@example.com    #1001    53.9
    1   bo@example.com    #1002     0.0
    """
    raw = _read_any(source)
    require_columns(raw, _SHOPIFY_REQUIRED, "Shopify orders export")
    # Order-level fields: take each order's first non-empty value.
    first = raw.groupby("Name", sort=False).first()
    orders = pd.DataFrame(
        {
            "customer_id": first["Email"].astype("string").str.strip().str.lower(),
            "order_id": first.index.astype(str),
            "timestamp": _parse_time(first["Created at"], "Created at", utc=True).to_numpy(),
            "amount": _parse_amount(first["Total"], "Total"),
        }
    )
    if "Refunded Amount" in first.columns:
        refunded = _parse_amount(first["Refunded Amount"], "Refunded Amount")
        orders["amount"] = orders["amount"] - np.nan_to_num(refunded)
    for source_name, name in [
        ("Currency", "currency"),
        ("Financial Status", "financial_status"),
        ("Discount Code", "discount_code"),
        ("Source", "source"),
    ]:
        if source_name in first.columns:
            orders[name] = first[source_name].to_numpy()
    keep = orders["customer_id"].notna().to_numpy().copy()
    if "financial_status" in orders.columns:
        keep &= (
            (orders["financial_status"].astype("string").str.lower() != "voided")
            .fillna(True)
            .to_numpy()
        )
    orders = orders[keep].reset_index(drop=True)
    if not lines:
        return orders
    require_columns(raw, ["Lineitem quantity", "Lineitem price"], "Shopify orders export")
    # Order names compare as text: numeric names (1001) read as numbers too.
    names = raw["Name"].astype(str)
    items = raw[names.isin(orders["order_id"])].reset_index(drop=True)
    item_names = pd.Index(names[names.isin(orders["order_id"])])
    per_order = orders.set_index("order_id")
    quantity = _parse_amount(items["Lineitem quantity"], "Lineitem quantity")
    price = _parse_amount(items["Lineitem price"], "Lineitem price")
    amount = quantity * price
    if "Lineitem discount" in items.columns:
        amount -= np.nan_to_num(_parse_amount(items["Lineitem discount"], "Lineitem discount"))
    out = pd.DataFrame(
        {
            "customer_id": per_order.loc[item_names, "customer_id"].to_numpy(),
            "order_id": item_names.to_numpy(),
            "timestamp": per_order.loc[item_names, "timestamp"].to_numpy(),
            "amount": amount,
            "quantity": quantity,
        }
    )
    for source_name, name in [
        ("Lineitem name", "product"),
        ("Vendor", "vendor"),
        ("Lineitem sku", "sku"),
    ]:
        if source_name in items.columns:
            out[name] = items[source_name].to_numpy()
    out["timestamp"] = pd.to_datetime(out["timestamp"], utc=True)
    return out


# --------------------------------------------------------------------------- #
# GA4
# --------------------------------------------------------------------------- #
def _flat(raw: pd.DataFrame, dotted: str) -> pd.Series | None:
    """A nested GA4 field, as a flattened column ``a.b`` or inside a struct column ``a``."""
    if dotted in raw.columns:
        return raw[dotted]
    head, _, tail = dotted.partition(".")
    if tail and head in raw.columns:
        return raw[head].map(lambda v: v.get(tail) if isinstance(v, Mapping) else None)
    return None


def read_ga4(
    source: Any, *, customer: str = "auto", events: Iterable[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read Google Analytics 4 events in the BigQuery export schema.

    Parameters
    ----------
    source : path or DataFrame
        Rows of the ``events_*`` table, flattened (``ecommerce.purchase_revenue``
        columns) or with the ``ecommerce`` struct as dicts (Parquet).
    customer : {"auto", "user_id", "user_pseudo_id"}
        ``"auto"`` uses ``user_id`` where set and ``user_pseudo_id`` elsewhere.
    events : iterable of str, optional
        Event names to keep in the event log (default: every event but
        ``purchase``).

    Returns
    -------
    transactions : pandas.DataFrame
        From ``purchase`` events: ``customer_id``, ``order_id``
        (``ecommerce.transaction_id``), ``timestamp`` (UTC, from
        ``event_timestamp`` in microseconds), ``amount``
        (``ecommerce.purchase_revenue``).
    events : pandas.DataFrame
        ``customer_id``, ``timestamp``, ``event`` for the other events, for
        :func:`segkit.event_features`.

    Examples
    --------
    >>> import pandas as pd
    >>> from segkit.io import read_ga4
    >>> raw = pd.DataFrame({
    ...     "event_name": ["page_view", "purchase"],
    ...     "event_timestamp": [1700000000000000, 1700000100000000],
    ...     "user_id": [None, "u1"], "user_pseudo_id": ["p9", "p9"],
    ...     "ecommerce.purchase_revenue": [None, 42.0],
    ...     "ecommerce.transaction_id": [None, "T1"]})
    >>> tx, ev = read_ga4(raw)
    >>> tx[["customer_id", "order_id", "amount"]].values.tolist()
    [['u1', 'T1', 42.0]]
    >>> ev["event"].tolist(), ev["customer_id"].tolist()
    (['page_view'], ['p9'])
    """
    if customer not in {"auto", "user_id", "user_pseudo_id"}:
        raise ParameterError(
            f"customer must be 'auto', 'user_id' or 'user_pseudo_id'; got {customer!r}"
        )
    raw = _read_any(source)
    require_columns(raw, ["event_name", "event_timestamp"], "GA4 export")
    ids: pd.Series
    if customer == "auto":
        have = [c for c in ("user_id", "user_pseudo_id") if c in raw.columns]
        if not have:
            raise ColumnNotFoundError(
                ["user_id", "user_pseudo_id"], list(raw.columns), "GA4 export"
            )
        ids = raw[have[0]].astype("string")
        for other in have[1:]:
            ids = ids.fillna(raw[other].astype("string"))
    else:
        require_columns(raw, [customer], "GA4 export")
        ids = raw[customer].astype("string")
    micros = pd.to_numeric(raw["event_timestamp"], errors="coerce")
    if micros.isna().any():
        rows = np.flatnonzero(micros.isna().to_numpy())[:5].tolist()
        raise SchemaError(
            f"column 'event_timestamp' has values that are not microseconds, in rows {rows}"
        )
    stamp = pd.to_datetime(micros.to_numpy(dtype=np.int64), unit="us", utc=True)
    name = raw["event_name"].astype("string")
    purchase = (name == "purchase").fillna(False).to_numpy()
    revenue = _flat(raw, "ecommerce.purchase_revenue")
    if purchase.any() and revenue is None:
        raise ColumnNotFoundError(["ecommerce.purchase_revenue"], list(raw.columns), "GA4 export")
    tx = pd.DataFrame(
        {
            "customer_id": ids[purchase].to_numpy(),
            "order_id": (
                _flat(raw, "ecommerce.transaction_id")[purchase].to_numpy()  # type: ignore[index]
                if _flat(raw, "ecommerce.transaction_id") is not None
                else None
            ),
            "timestamp": stamp[purchase],
            "amount": (
                pd.to_numeric(revenue[purchase], errors="coerce").to_numpy(dtype=np.float64)
                if revenue is not None
                else np.zeros(0)
            ),
        }
    )
    keep = ~purchase & ids.notna().to_numpy()
    if events is not None:
        keep &= name.isin(list(events)).fillna(False).to_numpy()
    ev = pd.DataFrame(
        {
            "customer_id": ids[keep].to_numpy(),
            "timestamp": stamp[keep],
            "event": name[keep].to_numpy(),
        }
    )
    return tx.dropna(subset=["customer_id"]).reset_index(drop=True), ev.reset_index(drop=True)


# --------------------------------------------------------------------------- #
# CRM export
# --------------------------------------------------------------------------- #
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
            values = pd.to_numeric(values, errors="coerce").round(2)
            out[column] = values.to_numpy()
        else:
            out[column] = values.astype(object).where(values.notna(), "").to_numpy()
    if tags is not None:
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


def ids_as_read(index: pd.Index) -> np.ndarray[Any, Any]:
    """Customer ids as people wrote them: integer-valued float ids become integers.

    A CSV reader turns an integer id column with a gap into floats (``7.0``);
    written back, ``7.0`` no longer matches the CRM's ``7``. Strings stay
    strings; other floats stay as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> ids_as_read(pd.Index([7.0, 9.0])).tolist(), ids_as_read(pd.Index(["007"])).tolist()
    ([7, 9], ['007'])
    """
    values = index.to_numpy()
    if pd.api.types.is_float_dtype(index.dtype):
        finite = np.isfinite(values)
        if (
            finite.all()
            and (values == np.round(values)).all()
            and np.abs(values).max(initial=0) < 2**53
        ):
            return values.astype(np.int64)
    return values


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
