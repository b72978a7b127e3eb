"""Shopify's orders export."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import require_columns
from segkit.io._read import parse_amount, parse_time, read_any
from segkit.transactions import check_decimal

__all__ = ["NO_EMAIL", "REFUND", "VOIDED", "read_shopify_orders"]

#: Why an order is left out (the keys of ``result.attrs["left_out"]``).
VOIDED = "voided (Financial Status)"
NO_EMAIL = "no e-mail (no customer)"
#: The ``product`` of the line that carries an order's ``Refunded Amount`` (``lines=True``).
REFUND = "(refund)"

_SHOPIFY_REQUIRED = ("Name", "Email", "Created at", "Total")
#: The export's numbers, read from a CSV file as text (one convention per column).
_SHOPIFY_NUMBERS = (
    "Total",
    "Refunded Amount",
    "Lineitem quantity",
    "Lineitem price",
    "Lineitem discount",
)


def read_shopify_orders(
    source: Any,
    *,
    lines: bool = False,
    date_format: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    """Read Shopify's orders export CSV.

    The export has one row per line item; order-level fields (``Email``,
    ``Total``, ``Financial Status``, ...) are filled on the first row of each
    order only. Customers are identified by their e-mail address (trimmed and
    lower-cased); orders without one are left out, as are orders whose
    financial status is ``voided``; how many, by reason, is in
    ``result.attrs["left_out"]``.

    ``Created at`` is the shop's local time with its UTC offset
    (``2024-03-09 10:00:00 -0500``). Like every reader (``docs/time.md``),
    this one keeps the wall clock written in each value: timezone-aware with
    that offset when the whole file has one offset, naive wall-clock times
    when the offsets change (a change to or from summer time), so days are
    the shop's days.

    Parameters
    ----------
    source : path or DataFrame
        The export (``orders_export.csv``).
    lines : bool, default False
        False: one row per order, ``amount`` = ``Total`` minus ``Refunded
        Amount`` (when present). True: one row per line item, ``amount`` =
        quantity × price minus the line discount, with ``product`` and
        ``vendor``, and for each order with a ``Refunded Amount`` one more
        line of minus that amount (``product`` ``"(refund)"``, quantity 0):
        an order refunded in full is no purchase in either shape. Line
        amounts leave out shipping and taxes, which ``Total`` holds.
    date_format : str, optional
        The format of ``Created at`` when the file was re-saved with another
        one (e.g. ``"%d/%m/%Y %H:%M %z"``); offsets that change are read as
        the wall clock written, as without a format.
    encoding : str, optional
        The text encoding of the CSV file; by default detected.
    decimal : {".", ","}, optional
        The decimal separator of ``Total``, ``Refunded Amount`` and the line
        items' numbers written as text, when a column cannot say it (``","``:
        ``1.500`` is 1500, ``"."``: 1.5); by default the column's values
        decide and a column that reads two ways is refused
        (:func:`segkit.transactions.parse_numbers`).

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``order_id`` (the order ``Name``), ``timestamp``
        (``Created at``: the shop's wall clock as written, see below),
        ``amount`` and, per order,
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
    check_decimal(decimal)
    raw = read_any(source, encoding=encoding, numbers=_SHOPIFY_NUMBERS)
    require_columns(raw, _SHOPIFY_REQUIRED, "Shopify orders export")
    # Order-level fields: take each order's first non-empty value.
    first = raw.groupby("Name", sort=False).first()
    orders = pd.DataFrame(
        {
            "customer_id": first["Email"].astype("string").str.strip().str.lower(),
            "order_id": first.index.astype(str),
            "timestamp": parse_time(first["Created at"], "Created at", date_format).array,
            "amount": parse_amount(first["Total"], "Total", decimal),
        }
    )
    if "Refunded Amount" in first.columns:
        refunded = np.nan_to_num(
            parse_amount(first["Refunded Amount"], "Refunded Amount", decimal)
        )
        orders["amount"] = orders["amount"] - refunded
        refunds = pd.Series(refunded, index=orders["order_id"].to_numpy())
    else:
        refunds = pd.Series(0.0, index=orders["order_id"].to_numpy())
    for source_name, name in [
        ("Currency", "currency"),
        ("Financial Status", "financial_status"),
        ("Discount Code", "discount_code"),
        ("Source", "source"),
    ]:
        if source_name in first.columns:
            orders[name] = first[source_name].to_numpy()
    voided = np.zeros(len(orders), dtype=bool)
    if "financial_status" in orders.columns:
        status = orders["financial_status"].astype("string").str.lower()
        voided = (status == "voided").fillna(False).to_numpy(dtype=bool)
    guest = orders["customer_id"].isna().to_numpy() & ~voided
    left_out = {VOIDED: int(voided.sum()), NO_EMAIL: int(guest.sum())}
    orders = orders[~(voided | guest)].reset_index(drop=True)
    orders.attrs["left_out"] = left_out
    if not lines:
        return orders
    require_columns(raw, ["Lineitem quantity", "Lineitem price"], "Shopify orders export")
    # Order names compare as text: numeric names (1001) read as numbers too.
    names = raw["Name"].astype(str)
    items = raw[names.isin(orders["order_id"])].reset_index(drop=True)
    item_names = pd.Index(names[names.isin(orders["order_id"])])
    per_order = orders.set_index("order_id")
    quantity = parse_amount(items["Lineitem quantity"], "Lineitem quantity", decimal)
    price = parse_amount(items["Lineitem price"], "Lineitem price", decimal)
    amount = quantity * price
    if "Lineitem discount" in items.columns:
        amount -= np.nan_to_num(
            parse_amount(items["Lineitem discount"], "Lineitem discount", decimal)
        )
    out = pd.DataFrame(
        {
            "customer_id": per_order.loc[item_names, "customer_id"].to_numpy(),
            "order_id": item_names.to_numpy(),
            "timestamp": per_order.loc[item_names, "timestamp"].array,
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
    # A refund is the order's, not a line's: one line of its own, so that an order
    # refunded in full nets to 0 or less (no purchase), as with lines=False.
    refund = refunds.reindex(per_order.index).to_numpy()
    back = per_order.index[refund > 0]
    if len(back):
        refund_lines = pd.DataFrame(
            {
                "customer_id": per_order.loc[back, "customer_id"].to_numpy(),
                "order_id": back.to_numpy(),
                "timestamp": per_order.loc[back, "timestamp"].array,
                "amount": -refund[refund > 0],
                "quantity": 0.0,
            }
        )
        if "product" in out.columns:
            refund_lines["product"] = REFUND
        out = pd.concat([out, refund_lines], ignore_index=True)
    out.attrs["left_out"] = left_out
    return out
