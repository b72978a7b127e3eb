"""The bad-input matrix, issue #11 (raw shop exports): the readers' date formats and ids.

Cases as in ``test_issue18.py``: ``11.NN-what`` builds its inputs, calls one
public entry point and states the exact error (class and key message) or the
exact value; conftest.run_case checks that the inputs are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from segkit.errors import ParameterError, SchemaError, SegkitError
from segkit.io import (
    detect_encoding,
    read_online_retail,
    read_shopify_orders,
    read_tmall_orders,
    read_transactions,
)

from .conftest import Make, file


def Raises(error: type[SegkitError], fragment: str) -> SegkitError:
    return error(fragment)


def case(case_id: str, make: Make, call: Callable[..., Any], expect: Any) -> Any:
    return pytest.param(make, call, expect, id=case_id)


COLUMNS = {"customer": "c", "timestamp": "d", "amount": "a"}
DST = "c,d,a\n1,2024-03-09 10:00:00 -0500,5\n2,2024-03-11 10:00:00 -0400,7\n"
TMALL = (
    "订单编号,买家会员名,订单付款时间,买家实际支付金额,订单状态\n"
    "2968123456789012345,007,01/02/2024 10:00,10.00,交易成功\n"
    "2968123456789012346,7,03/02/2024 10:00,20.00,交易成功\n"
    "2968123456789012347,,05/02/2024 10:00,30.00,交易成功\n"
)
SHOPIFY = (
    "Name,Email,Created at,Total\n"
    "#1001,a@x.com,09/03/2024 10:00:00 -0500,5\n"
    "#1002,b@x.com,11/03/2024 10:00:00 -0400,7\n"
)
RETAIL = (
    "Invoice,StockCode,Quantity,InvoiceDate,Price,Customer ID\n1,A,2,12/1/2010 8:26,1.25,12346.0\n"
)


def _stamps(frame: pd.DataFrame) -> list[str]:
    return [str(t) for t in frame["timestamp"]]


CASES = [
    case(
        "11.01-date-format-not-a-format",
        file("t.csv", DST),
        lambda path: read_transactions(path, columns=COLUMNS, date_format="%Q"),
        Raises(ParameterError, "date_format '%Q' is not a date format"),
    ),
    case(
        "11.02-date-format-bad-directive-online-retail",
        file("r.csv", RETAIL),
        lambda path: read_online_retail(path, date_format="%m/%d/%Y %H:%M %Q"),
        Raises(ParameterError, "date_format '%m/%d/%Y %H:%M %Q' is not a date format"),
    ),
    case(
        "11.03-date-format-values-not-in-it-tmall",
        file("o.csv", TMALL, "gbk"),
        lambda path: read_tmall_orders(path, date_format="%Y-%m-%d %H:%M"),
        Raises(SchemaError, "column '订单付款时间' has 3 value(s) not in date_format '%Y-%m-%d"),
    ),
    case(
        "11.04-date-format-changing-offsets-are-the-written-wall-clock",
        file("t.csv", DST),
        lambda path: _stamps(
            read_transactions(path, columns=COLUMNS, date_format="%Y-%m-%d %H:%M:%S %z")
        ),
        ["2024-03-09 10:00:00", "2024-03-11 10:00:00"],
    ),
    case(
        "11.05-tmall-date-format-settles-day-and-month",
        file("o.csv", TMALL, "gbk"),
        lambda path: _stamps(read_tmall_orders(path, date_format="%d/%m/%Y %H:%M")),
        ["2024-02-01 10:00:00", "2024-02-03 10:00:00", "2024-02-05 10:00:00"],
    ),
    case(
        "11.06-tmall-dates-that-read-two-ways-name-the-option",
        file("o.csv", TMALL, "gbk"),
        lambda path: read_tmall_orders(path),
        Raises(SchemaError, "has dates that read two ways"),
    ),
    case(
        "11.07-shopify-date-format-with-changing-offsets",
        file("s.csv", SHOPIFY),
        lambda path: _stamps(read_shopify_orders(path, date_format="%d/%m/%Y %H:%M:%S %z")),
        ["2024-03-09 10:00:00", "2024-03-11 10:00:00"],
    ),
    case(
        "11.08-tmall-buyer-names-as-written",  # "007" is not 7; a blank buyer is no "nan"
        file("o.csv", TMALL, "gb18030"),
        lambda path: (
            read_tmall_orders(path, date_format="%d/%m/%Y %H:%M")["customer_id"]
            .fillna("<missing>")
            .tolist()
        ),
        ["007", "7", "<missing>"],
    ),
]

CP1252 = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,CRÈME BRÛLÉE,6,12/1/2010 8:26,2.55,0017850,United Kingdom\n"
    "536366,71053,€ SIGN,6,12/13/2010 8:28,3.39,17850,France\n"
)
CASES += [
    case(
        "11.09-cp1252-file-says-pass-its-encoding",
        file("r.csv", CP1252, "cp1252"),
        lambda path: read_online_retail(path),
        Raises(SchemaError, "pass its encoding, e.g. encoding='big5' or encoding='cp1252'"),
    ),
    case(
        "11.10-online-retail-takes-the-encoding",  # and 0017850 is not 17850
        file("r.csv", CP1252, "cp1252"),
        lambda path: (
            read_online_retail(path, encoding="cp1252")[["description", "customer_id"]]
            .to_numpy()
            .tolist()
        ),
        [["CRÈME BRÛLÉE", "0017850"], ["€ SIGN", "17850"]],
    ),
    case(
        "11.11-unknown-encoding",
        file("r.csv", CP1252, "cp1252"),
        lambda path: read_transactions(
            path,
            columns={"customer": "CustomerID", "timestamp": "InvoiceDate", "amount": "UnitPrice"},
            encoding="latin-9x",
        ),
        Raises(ParameterError, "unknown encoding 'latin-9x'"),
    ),
    case(
        "11.12-tmall-shopify-take-the-encoding",
        lambda tmp: {
            "a": file("o.csv", TMALL, "gb18030")(tmp)["path"],
            "b": file("s.csv", SHOPIFY, "utf-16")(tmp)["path"],
        },
        lambda a, b: [
            len(read_tmall_orders(a, encoding="gb18030", date_format="%d/%m/%Y %H:%M")),
            len(read_shopify_orders(b, encoding="utf-16", date_format="%d/%m/%Y %H:%M:%S %z")),
        ],
        [3, 2],
    ),
]

WESTERN = "Kunde,Datum,Betrag\nMüller,2024-01-02,10\nJürgen,2024-01-05,12\n"
CASES += [
    case(
        "11.13-western-file-is-not-read-as-gb18030",  # no silent 'M黮ler'
        file("w.csv", WESTERN, "cp1252"),
        lambda path: read_transactions(
            path, columns={"customer": "Kunde", "timestamp": "Datum", "amount": "Betrag"}
        ),
        Raises(SchemaError, "('Müller' would read 'M黮ler'): it looks like a Western file; pass"),
    ),
    case(
        "11.14-western-file-with-its-encoding",
        file("w.csv", WESTERN, "cp1252"),
        lambda path: read_transactions(
            path,
            columns={"customer": "Kunde", "timestamp": "Datum", "amount": "Betrag"},
            encoding="cp1252",
        )["customer_id"].tolist(),
        ["Müller", "Jürgen"],
    ),
    case(
        "11.15-chinese-of-four-byte-characters-only-is-gb18030",
        lambda tmp: {"data": "名,额\n𠀀,1\n".encode("gb18030")[6:]},
        lambda data: detect_encoding(data),
        "gb18030",
    ),
]

CASES += [
    case(
        "11.16-encoding-utf-8-on-a-file-with-a-byte-order-mark",
        file("w.csv", "\ufeff" + WESTERN, "utf-8"),
        lambda path: read_transactions(
            path,
            columns={"customer": "Kunde", "timestamp": "Datum", "amount": "Betrag"},
            encoding="utf-8",
        )["customer_id"].tolist(),
        ["Müller", "Jürgen"],
    ),
    case(
        "11.17-encoding-of-a-workbook",
        lambda tmp: {"path": (tmp / "o.xlsx").touch() or tmp / "o.xlsx"},  # refused unopened
        lambda path: read_tmall_orders(path, encoding="gbk"),
        Raises(ParameterError, "encoding= reads text (CSV) files; o.xlsx is a workbook"),
    ),
    case(
        "11.18-encoding-of-a-parquet-file",
        lambda tmp: {"path": (tmp / "t.parquet").touch() or tmp / "t.parquet"},
        lambda path: read_transactions(path, columns=COLUMNS, encoding="gbk"),
        Raises(ParameterError, "encoding= reads text (CSV) files; t.parquet is not one"),
    ),
]

ROUNDED = (
    "订单编号,买家会员名,订单付款时间,买家实际支付金额,订单状态\n"
    "2968123456789012345,小明,2024-02-01 10:00,10.00,交易成功\n"
    "2.96812E+18,小明,2024-02-03 10:00,20.00,交易成功\n"
    "2.96812E+18,小明,2024-02-05 10:00,30.00,交易成功\n"
)
CASES += [
    case(
        "11.19-tmall-order-ids-rounded-by-excel",  # two orders would count as one
        file("o.csv", ROUNDED, "gbk"),
        lambda path: read_tmall_orders(path),
        Raises(
            SchemaError,
            "column '订单编号' has 2 order id(s) rounded by a spreadsheet, in rows [1, 2]: "
            "['2.96812E+18', '2.96812E+18']; a 19-digit order id keeps its digits only as text",
        ),
    ),
]

CASES += [
    case(
        "11.20-tmall-order-ids-that-a-workbook-held-as-numbers",
        file(
            "o.csv",
            ROUNDED.replace("2968123456789012345", "2968123456789011968")
            .replace("2.96812E+18", "2968123456789022208", 1)
            .replace("2.96812E+18", "2968123456789032448"),
            "gbk",
        ),
        lambda path: read_tmall_orders(path),
        Raises(SchemaError, "has 3 order id(s) rounded by a spreadsheet, in rows [0, 1, 2]"),
    ),
    case(
        "11.26-tmall-order-ids-beyond-int64-that-a-workbook-held-as-numbers",
        file(
            "o.csv",
            ROUNDED.replace("2968123456789012345", "9300000000000000000")
            .replace("2.96812E+18", "9300000000000002048", 1)
            .replace("2.96812E+18", "9300000000000004096"),
            "gbk",
        ),
        lambda path: read_tmall_orders(path),
        Raises(SchemaError, "has 3 order id(s) rounded by a spreadsheet, in rows [0, 1, 2]"),
    ),
    case(
        "11.21-tmall-19-digit-order-ids-as-text-are-read",
        file(
            "o.csv",
            ROUNDED.replace("2.96812E+18", "2968123456789012346", 1).replace(
                "2.96812E+18", "2968123456789012347"
            ),
            "gbk",
        ),
        lambda path: read_tmall_orders(path)["order_id"].tolist(),
        ["2968123456789012345", "2968123456789012346", "2968123456789012347"],
    ),
]

LINES = "o,c,d,q,p\n1,7,2024-01-02,2,1.50\nC2,7,2024-01-03,-1,1.50\n3,,2024-01-04,1,4\n"
LINE_COLUMNS = {"customer": "c", "timestamp": "d", "order": "o"}
CASES += [
    case(
        "11.22-read-transactions-quantity-times-price",
        file("l.csv", LINES),
        lambda path: (
            read_transactions(path, columns={**LINE_COLUMNS, "quantity": "q", "price": "p"})[
                ["order_id", "quantity", "price", "amount"]
            ]
            .to_numpy()
            .tolist()
        ),
        [["1", 2.0, 1.5, 3.0], ["C2", -1.0, 1.5, -1.5], ["3", 1.0, 4.0, 4.0]],
    ),
    case(
        "11.23-read-transactions-amount-and-quantity",
        file("l.csv", LINES),
        lambda path: read_transactions(
            path, columns={**LINE_COLUMNS, "amount": "p", "quantity": "q", "price": "p"}
        ),
        Raises(ParameterError, "pass amount='p' or quantity= and price=, not both"),
    ),
    case(
        "11.24-read-transactions-quantity-without-price",
        file("l.csv", LINES),
        lambda path: read_transactions(path, columns={**LINE_COLUMNS, "quantity": "q"}),
        Raises(ParameterError, "quantity= needs price= too (amount = quantity * price)"),
    ),
    case(
        "11.25-read-transactions-quantity-not-a-number",
        file("l.csv", LINES.replace(",-1,", ",minus one,")),
        lambda path: read_transactions(
            path, columns={**LINE_COLUMNS, "quantity": "q", "price": "p"}
        ),
        Raises(SchemaError, "column 'q' has 1 value(s) that are not amounts, in rows [1]"),
    ),
]


@pytest.mark.parametrize(("make", "call", "expect"), CASES)
def test_issue11_readers(make: Make, call: Callable[..., Any], expect: Any, run_case: Any) -> None:
    run_case(make, call, expect)
