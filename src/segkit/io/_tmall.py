"""Tmall/Taobao seller-centre order exports."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from segkit._validation import require_columns
from segkit.errors import SchemaError
from segkit.io._text import numbers, read_source, times
from segkit.transactions import check_decimal

__all__ = ["NOT_PURCHASED", "UNPAID", "read_tmall_orders"]

_TMALL = {
    "order_id": "订单编号",
    "customer_id": "买家会员名",
    "timestamp": "订单付款时间",
    "amount": "买家实际支付金额",
    "status": "订单状态",
}
#: Order states that are not purchases: closed (cancelled or refunded in full),
#: waiting for payment.
NOT_PURCHASED = ("交易关闭", "等待买家付款", "退款")
#: Why an order is left out, by the text in its status (the first that matches).
_REASONS = (
    ("交易关闭", "closed (交易关闭)"),
    ("等待买家付款", "waiting for payment (等待买家付款)"),
    ("退款", "refund (退款)"),
)
#: An order without a payment time was never paid: not a purchase.
UNPAID = "not paid (no 订单付款时间)"
#: Payment times that mean "none" in exports.
_BLANK = ("", "-", "--", "null", "NULL", "None", "nan", "NaT")


def read_tmall_orders(
    source: Any,
    *,
    keep_all: bool = False,
    date_format: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    """Read a Tmall/Taobao seller-centre order export (one row per order).

    Columns read: 订单编号 (order id), 买家会员名 (buyer), 订单付款时间 (payment
    time), 买家实际支付金额 (amount paid), 订单状态 (status); 退款金额 (refunded
    amount) is subtracted when present. Order ids keep every digit (also
    when Excel wrote them as ``="2968…"``). The file may be UTF-8 (with or
    without a byte-order mark) or GBK/GB18030.

    Orders whose status is closed (交易关闭: cancelled or refunded in full),
    unpaid (等待买家付款) or under refund (退款…) are not purchases, and
    neither is an order with a blank payment time (``""``, ``-`` or missing:
    never paid): they are left out unless ``keep_all`` (then their
    ``timestamp`` is missing where no payment time was given). How many were
    left out, by reason, is in ``result.attrs["left_out"]``.

    Parameters
    ----------
    source : path or DataFrame
        ``.csv`` (encoding detected) or ``.xlsx``, or a frame.
    keep_all : bool, default False
        Keep the orders that are not purchases too (with their ``status``).
    date_format : str, optional
        The format of 订单付款时间 (e.g. ``"%Y/%m/%d %H:%M"``), for a file
        re-saved by Excel whose dates read two ways; by default one format is
        inferred for the whole column.
    encoding : str, optional
        The text encoding of a CSV file; by default detected (UTF-8, GBK/GB18030).
    decimal : {".", ","}, optional
        The decimal separator of 买家实际支付金额 and 退款金额 written as
        text, when a column cannot say it (``","``: ``1.500`` is 1500,
        ``"."``: 1.5); by default the column's values decide and a column
        that reads two ways is refused
        (:func:`segkit.transactions.parse_numbers`).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (the buyer's name as written: ``007`` stays ``007``),
        ``order_id``, ``timestamp``, ``amount``, ``status``.

    Examples
    --------
    >>> raw = pd.DataFrame({"订单编号": ['="2968123456789012345"', "2968123456789012346"],
    ...     "买家会员名": ["小明", "tb_8848"], "订单付款时间": ["2024-03-01 10:00:00", None],
    ...     "买家实际支付金额": ["¥128.00", "59.90"], "订单状态": ["交易成功", "交易关闭"]})
    >>> orders = read_tmall_orders(raw)
    >>> orders[["customer_id", "order_id", "amount"]].values.tolist()
    [['小明', '2968123456789012345', 128.0]]
    >>> orders.attrs["left_out"]["closed (交易关闭)"]
    1
    """
    as_text = (_TMALL["order_id"], _TMALL["customer_id"], _TMALL["timestamp"])
    check_decimal(decimal)
    raw = read_source(source, as_text, encoding, (_TMALL["amount"], "退款金额"))
    raw.columns = [str(c).strip() for c in raw.columns]
    require_columns(raw, list(_TMALL.values()), "Tmall/Taobao order export")
    ids = raw[_TMALL["order_id"]].astype(str).str.strip().str.replace(r'^="?|"$', "", regex=True)
    _check_order_ids(ids)
    status = raw[_TMALL["status"]].astype(str).str.strip()
    paid = raw[_TMALL["timestamp"]]
    if not pd.api.types.is_datetime64_any_dtype(paid.dtype):
        text = paid.astype("string").str.strip()
        paid = paid.where(~text.isin(_BLANK).fillna(True).to_numpy(dtype=bool))
    has_time = paid.notna().to_numpy()
    reason = np.full(len(raw), "", dtype=object)
    reason[~has_time] = UNPAID  # the status says more, where it says why
    for text_in_status, why in reversed(_REASONS):
        reason[status.str.contains(text_in_status, regex=False).to_numpy()] = why
    buyer = raw[_TMALL["customer_id"]]  # read as text: "007" is not 7; a blank stays missing
    buyer = buyer.where(buyer.isna(), buyer.astype(str).str.strip())
    # Orders left out may say "-" where nothing was paid: only the kept need numbers.
    needed = reason == ""
    amount = numbers(raw[_TMALL["amount"]], _TMALL["amount"], decimal, needed=needed)
    if "退款金额" in raw.columns:
        refund = numbers(raw["退款金额"], "退款金额", decimal, needed=needed)
        amount = amount - np.nan_to_num(refund)
    out = pd.DataFrame(
        {
            "customer_id": buyer.to_numpy(),
            "order_id": ids.to_numpy(),
            "timestamp": pd.NaT,
            "amount": amount,
            "status": status.to_numpy(),
        }
    )
    out.loc[has_time, "timestamp"] = times(
        paid[has_time], _TMALL["timestamp"], date_format
    ).to_numpy()
    out["timestamp"] = pd.to_datetime(out["timestamp"])
    left = reason != ""
    kept = out if keep_all else out[~left].reset_index(drop=True)
    kept.attrs["left_out"] = {
        why: int((reason == why).sum()) for why in (UNPAID, *(w for _, w in _REASONS))
    }
    return kept


def _check_order_ids(ids: pd.Series) -> None:
    """Order ids that a spreadsheet rounded (``2.96812E+18``) are refused, naming the rows.

    Excel shows a 19-digit 订单编号 as a number with 15 significant digits and
    saves it so (a workbook keeps the nearest double, ``2968123456789011968``):
    different orders then share one id, and counting distinct orders would
    merge them.
    """
    scientific = r"[+-]?\d(?:\.\d*)?[eE][+-]?\d+"
    rounded = ids.str.fullmatch(scientific).fillna(False).to_numpy(dtype=bool)
    long = ids.str.fullmatch(r"\d{18,19}").fillna(False).to_numpy(dtype=bool)
    # A workbook cell holds a number as a double: its digits are the double's value,
    # which a real 18- or 19-digit id is with odds of 1 in 59 or less (1 in 2,048 from
    # 2**63 on, beyond the int64 range, where doubles are 2,048 apart): all of three or
    # more ids are such values by chance with odds below 1 in 200,000.
    if (
        not rounded.any()
        and long.sum() >= 3
        and all(int(float(int(v))) == int(v) for v in ids[long])
    ):
        rounded = long
    if rounded.any():
        rows = np.flatnonzero(rounded)
        raise SchemaError(
            f"column '订单编号' has {rows.size:,} order id(s) rounded by a spreadsheet, in rows "
            f"{rows[:5].tolist()}: {ids.iloc[rows[:5]].tolist()}; a 19-digit order id keeps "
            "its digits only as text: export the orders again and read the file without "
            "opening it in Excel (or format the column as text before saving)"
        )
