"""The "Online Retail" shape: one row per invoice line."""

from __future__ import annotations

from typing import Any

import pandas as pd

from segkit._validation import require_columns
from segkit.io._text import ids_from_text, numbers, read_source, times
from segkit.transactions import check_decimal

__all__ = ["read_online_retail"]

_RETAIL = {
    "order_id": ("Invoice", "InvoiceNo"),
    "product": ("StockCode",),
    "description": ("Description",),
    "quantity": ("Quantity",),
    "timestamp": ("InvoiceDate",),
    "price": ("Price", "UnitPrice"),
    "customer_id": ("Customer ID", "CustomerID"),
    "country": ("Country",),
}


def read_online_retail(
    source: Any,
    *,
    date_format: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    """Read an export in the "Online Retail" shape (one row per invoice line).

    The shape of the UCI "Online Retail" and "Online Retail II" data sets and
    of many shop systems: ``Invoice`` (or ``InvoiceNo``; cancellations start
    with ``C``), ``StockCode``, ``Description``, ``Quantity`` (negative on
    cancellations), ``InvoiceDate``, ``Price`` (or ``UnitPrice``),
    ``Customer ID`` (or ``CustomerID``; empty on guest lines), ``Country``.

    Nothing is dropped: pass the result to :func:`segkit.clean_transactions`
    with ``quantity="quantity", price="price", order="order_id",
    cancel_prefix="C"``.

    Parameters
    ----------
    source : path or DataFrame
        ``.csv`` (encoding detected) or ``.xlsx``, or a frame.
    date_format : str, optional
        The ``InvoiceDate`` format (e.g. ``"%m/%d/%Y %H:%M"``) when the column
        alone cannot tell day and month apart.
    encoding : str, optional
        The text encoding of a CSV file (e.g. ``"cp1252"`` for a file saved
        by Excel on a Western Windows); by default detected.
    decimal : {".", ","}, optional
        The decimal separator of ``Quantity`` and ``Price`` written as text,
        when a column cannot say it (``","``: ``1.500`` is 1500, ``"."``:
        1.5); by default the column's values decide and a column that reads
        two ways is refused (:func:`segkit.transactions.parse_numbers`).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (as read), ``order_id`` (text), ``timestamp``,
        ``product`` (text), ``description``, ``quantity``, ``price`` (float64)
        and ``country``.

    Examples
    --------
    >>> raw = pd.DataFrame({"Invoice": ["536365", "C536379"], "StockCode": ["85123A", "D"],
    ...     "Description": ["HEART", "Discount"], "Quantity": [6, -1],
    ...     "InvoiceDate": ["12/1/2010 8:26", "12/13/2010 9:41"], "Price": [2.55, 27.5],
    ...     "Customer ID": [17850.0, 14527.0], "Country": ["United Kingdom"] * 2})
    >>> out = read_online_retail(raw)
    >>> out["order_id"].tolist(), out["quantity"].tolist(), str(out["timestamp"][1])
    (['536365', 'C536379'], [6.0, -1.0], '2010-12-13 09:41:00')
    """
    ids = ("Customer ID", "CustomerID")  # read as written: 0012 is not 12
    check_decimal(decimal)
    money = (*_RETAIL["quantity"], *_RETAIL["price"])
    raw = read_source(source, ("Invoice", "InvoiceNo", "StockCode", *ids), encoding, money)
    found = {}
    for name, options in _RETAIL.items():
        hit = next((o for o in options if o in raw.columns), None)
        if hit is None and name != "description" and name != "country":
            require_columns(raw, [options[0]], "Online Retail export")
        if hit is not None:
            found[name] = hit
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    customer = raw[found["customer_id"]]
    if customer.dtype == object or pd.api.types.is_string_dtype(customer.dtype):
        customer = ids_from_text(customer)
    out["customer_id"] = customer.to_numpy()
    out["order_id"] = raw[found["order_id"]].astype(str).str.strip().to_numpy()
    out["timestamp"] = times(raw[found["timestamp"]], found["timestamp"], date_format).to_numpy()
    out["product"] = raw[found["product"]].astype(str).str.strip().to_numpy()
    if "description" in found:
        out["description"] = raw[found["description"]].to_numpy()
    for name in ("quantity", "price"):
        out[name] = numbers(raw[found[name]], found[name], decimal)
    if "country" in found:
        out["country"] = raw[found["country"]].to_numpy()
    return out
