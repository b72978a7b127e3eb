"""Readers for shop exports: text encodings, the "Online Retail" shape, Tmall/Taobao orders.

Public through :mod:`segkit.io`.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segkit._time import one_format
from segkit._validation import as_pandas, require_columns, show_values
from segkit.errors import ParameterError, SchemaError
from segkit.transactions import parse_numbers

__all__ = ["detect_encoding", "read_online_retail", "read_text", "read_tmall_orders"]

#: Encodings tried in this order when a file has no byte-order mark.
ENCODINGS = ("utf-8", "gb18030")


def detect_encoding(data: bytes) -> str:
    """The encoding of a text file's bytes: a byte-order mark, else UTF-8, else GB18030.

    GB18030 is a superset of GBK and GB2312, what Excel writes on Chinese
    Windows. UTF-16 files (Excel's "Unicode text") carry a byte-order mark.

    Raises
    ------
    SchemaError
        The bytes are none of these (the message suggests ``encoding=``).

    Examples
    --------
    >>> detect_encoding("订单".encode("gbk")), detect_encoding("订单".encode("utf-8-sig"))
    ('gb18030', 'utf-8-sig')
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in data[:4000]:
        raise SchemaError(
            "the file looks binary or UTF-16 without a byte-order mark; save it as CSV "
            "(UTF-8), or pass encoding='utf-16-le'"
        )
    for name in ENCODINGS:
        try:
            data.decode(name)
        except UnicodeDecodeError:
            continue
        return name
    raise SchemaError(
        "the file is neither UTF-8 nor GBK/GB18030 text; pass its encoding, e.g. "
        "encoding='big5' or encoding='cp1252'"
    )


def read_text(
    path: Any, *, sep: str | None = None, encoding: str | None = None, dtype: Any = None
) -> pd.DataFrame:
    """Read a CSV/TSV file whose encoding is detected (see :func:`detect_encoding`)."""
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise SchemaError(f"{path.name} is empty: no header and no rows")
    chosen = encoding or detect_encoding(data)
    try:
        return pd.read_csv(
            path, sep=sep, engine="python" if sep is None else "c", encoding=chosen, dtype=dtype
        )
    except pd.errors.EmptyDataError as exc:
        raise SchemaError(f"{path.name} is empty: no header and no rows") from exc
    except (ValueError, UnicodeError) as exc:
        raise SchemaError(f"could not read {path.name} as {chosen} text: {exc}") from exc


def _source(source: Any, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    if not isinstance(source, str | os.PathLike):
        return as_pandas(source, "source").copy()
    path = Path(source)
    if not path.exists():
        raise ParameterError(f"no such file: {path}")
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        return pd.read_excel(path, dtype=dict.fromkeys(text_columns, str))
    return read_text(path, dtype=dict.fromkeys(text_columns, str))


def _times(series: pd.Series, column: str, date_format: str | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    if date_format is not None:
        parsed = pd.to_datetime(series, format=date_format, errors="coerce")
        failed = parsed.isna().to_numpy() & series.notna().to_numpy()
    else:
        parsed, failed = one_format(series, column)
    if failed.any():
        raise SchemaError(
            f"column {column!r} has {int(failed.sum())} value(s) that are not dates at index "
            f"{show_values(series.index[failed])}: {show_values(series[failed])}"
        )
    return parsed


# --------------------------------------------------------------------------- #
# "Online Retail"
# --------------------------------------------------------------------------- #
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


def read_online_retail(source: Any, *, date_format: str | None = None) -> pd.DataFrame:
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
    raw = _source(source, ("Invoice", "InvoiceNo", "StockCode"))
    found = {}
    for name, options in _RETAIL.items():
        hit = next((o for o in options if o in raw.columns), None)
        if hit is None and name != "description" and name != "country":
            require_columns(raw, [options[0]], "Online Retail export")
        if hit is not None:
            found[name] = hit
    out = pd.DataFrame(index=pd.RangeIndex(len(raw)))
    out["customer_id"] = raw[found["customer_id"]].to_numpy()
    out["order_id"] = raw[found["order_id"]].astype(str).str.strip().to_numpy()
    out["timestamp"] = _times(raw[found["timestamp"]], found["timestamp"], date_format).to_numpy()
    out["product"] = raw[found["product"]].astype(str).str.strip().to_numpy()
    if "description" in found:
        out["description"] = raw[found["description"]].to_numpy()
    for name in ("quantity", "price"):
        out[name] = _numbers(raw[found[name]], found[name])
    if "country" in found:
        out["country"] = raw[found["country"]].to_numpy()
    return out


def _numbers(series: pd.Series, column: str) -> np.ndarray[Any, Any]:
    values = parse_numbers(series).to_numpy()
    bad = np.isnan(values) & series.notna().to_numpy()
    if bad.any():
        raise SchemaError(
            f"column {column!r} has {int(bad.sum())} value(s) that are not numbers at index "
            f"{show_values(series.index[bad])}: {show_values(series[bad])}"
        )
    return values


# --------------------------------------------------------------------------- #
# Tmall / Taobao
# --------------------------------------------------------------------------- #
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


def read_tmall_orders(source: Any, *, keep_all: bool = False) -> pd.DataFrame:
    """Read a Tmall/Taobao seller-centre order export (one row per order).

    Columns read: 订单编号 (order id), 买家会员名 (buyer), 订单付款时间 (payment
    time), 买家实际支付金额 (amount paid), 订单状态 (status); 退款金额 (refunded
    amount) is subtracted when present. Order ids keep every digit (also
    when Excel wrote them as ``="2968…"``). The file may be UTF-8 (with or
    without a byte-order mark) or GBK/GB18030.

    Orders whose status is closed (交易关闭: cancelled or refunded in full),
    unpaid (等待买家付款) or under refund (退款…) are not purchases: they are
    left out unless ``keep_all``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``order_id``, ``timestamp``, ``amount``, ``status``.

    Examples
    --------
    >>> raw = pd.DataFrame({"订单编号": ['="2968123456789012345"', "2968123456789012346"],
    ...     "买家会员名": ["小明", "tb_8848"], "订单付款时间": ["2024-03-01 10:00:00", None],
    ...     "买家实际支付金额": ["¥128.00", "59.90"], "订单状态": ["交易成功", "交易关闭"]})
    >>> read_tmall_orders(raw)[["customer_id", "order_id", "amount"]].values.tolist()
    [['小明', '2968123456789012345', 128.0]]
    """
    raw = _source(source, (_TMALL["order_id"],))
    raw.columns = [str(c).strip() for c in raw.columns]
    require_columns(raw, list(_TMALL.values()), "Tmall/Taobao order export")
    ids = raw[_TMALL["order_id"]].astype(str).str.strip().str.replace(r'^="?|"$', "", regex=True)
    status = raw[_TMALL["status"]].astype(str).str.strip()
    paid = raw[_TMALL["timestamp"]]
    bought = ~status.str.contains("|".join(NOT_PURCHASED), regex=True) & paid.notna()
    amount = _numbers(raw[_TMALL["amount"]], _TMALL["amount"])
    if "退款金额" in raw.columns:
        amount = amount - np.nan_to_num(_numbers(raw["退款金额"], "退款金额"))
    out = pd.DataFrame(
        {
            "customer_id": raw[_TMALL["customer_id"]].astype(str).str.strip().to_numpy(),
            "order_id": ids.to_numpy(),
            "timestamp": pd.NaT,
            "amount": amount,
            "status": status.to_numpy(),
        }
    )
    rows = bought.to_numpy() if not keep_all else paid.notna().to_numpy()
    out.loc[paid.notna().to_numpy(), "timestamp"] = _times(
        paid[paid.notna()], _TMALL["timestamp"], None
    ).to_numpy()
    out["timestamp"] = pd.to_datetime(out["timestamp"])
    return out[rows | keep_all].reset_index(drop=True)
