"""The command's own progress lines in English and Chinese (``--lang``).

The report's texts live with the report (:mod:`segkit.report._i18n`); these
are only the lines the command prints about what it did.
"""

from __future__ import annotations

import argparse
import unicodedata
from typing import Any

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "wrote.customers": "wrote {n} customers to {path}",
        "wrote.report_on": "wrote the report on {n} customers to {path}",
        "wrote.report": "wrote the report to {path}",
        "wrote.table": "wrote the customer table to {path}",
        "by.several": "--by {by!r}: {n} customer(s) have more than one {by!r} in the "
        "transactions (e.g. {shown}); each is counted under the one on most of their lines "
        "(ties: the later purchase); a --customers file can give one value each",
        "demo.header": (
            "segkit {version} demo: CDNOW sample, {transactions} transactions of "
            "{customers} customers, as of {as_of}"
        ),
        "pii.left_out": "left out {n} personal-data columns of the customers: {columns}",
        "clean.rows": "{n_in} rows in, {n_out} rows out",
        "clean.line": "  {label:<24} {rows:>10} rows {revenue:>16}",
        "clean.converted": "  converted {n:>6} values in {column!r}",
        "read.export": "read {n} {rows} from the {what} (--format {format})",
        "read.left_out": "; left out {n} orders: {reasons}",
        "clean.first_line_only": (
            "{n} of the lines dropped for a missing customer id belong to orders ({order}) "
            "that name their customer on another line: the export writes the order's fields "
            "on its first line only; read it with --format (e.g. --format shopify), or fill "
            "the customer id down each order first"
        ),
    },
    "zh": {
        "wrote.customers": "已将 {n} 位客户写入 {path}",
        "wrote.report_on": "已将 {n} 位客户的报告写入 {path}",
        "wrote.report": "已将报告写入 {path}",
        "wrote.table": "已将客户表写入 {path}",
        "by.several": "--by {by!r}：{n} 位客户在交易中有不止一个 {by!r}（例如 {shown}）；"
        "每位客户按其多数行上的值计入（相同时取较晚的购买）；"
        "可用 --customers 文件为每位客户给出一个值",
        "demo.header": (
            "segkit {version} 演示：CDNOW 样本，{customers} 位客户的 {transactions} 笔交易，"
            "截至 {as_of}"
        ),
        "pii.left_out": "已去除客户文件中的 {n} 个个人信息列：{columns}",
        "clean.rows": "清洗：读入 {n_in} 行，保留 {n_out} 行（行数与金额）",
        "clean.line": "  {label} {rows:>10} 行 {revenue:>16}",
        "clean.converted": "  {column!r} 列转换了 {n} 个值",
        "read.export": "已从{what}读入 {n} {rows}（--format {format}）",
        "read.left_out": "；未计入 {n} 个订单：{reasons}",
        "clean.first_line_only": (
            "因缺少客户编号而去除的行中，有 {n} 行所属的订单（{order}）在另一行写有客户："
            "该导出文件只在订单的第一行写订单信息；请用 --format 读取（如 --format shopify），"
            "或先在每个订单内向下填充客户编号"
        ),
    },
}


def say(args: argparse.Namespace, message: str, **values: Any) -> str:
    """The line ``message`` in the language of ``--lang``, with counts as ``2,999``."""
    lang = getattr(args, "lang", "en")
    shown = {k: f"{v:,}" if isinstance(v, int) else v for k, v in values.items()}
    return TEXT.get(lang, TEXT["en"])[message].format(**shown)


#: Names the command prints that come from the library (the cleaning report's
#: outcomes, the readers' exports and reasons), in Chinese; English prints them as
#: they are written.
NAMES_ZH: dict[str, str] = {
    "kept": "保留",
    "returns": "  其中退货",
    "missing customer id": "缺少客户编号",
    "missing timestamp": "缺少时间",
    "unparseable timestamp": "无法识别的时间",
    "timestamp out of range": "时间超出范围",
    "missing amount": "缺少金额",
    "amount not a number": "金额不是数字",
    "infinite amount": "金额为无穷大",
    "after as_of": "晚于截止日期",
    "duplicate row": "重复行",
    "negative amount": "负金额",
    "total": "合计",
    "orders": "个订单",
    "lines": "行",
    "Tmall/Taobao order export": "天猫/淘宝订单导出文件",
    "Shopify orders export": " Shopify 订单导出文件",
    "Online Retail export": " Online Retail 导出文件",
    "closed (交易关闭)": "交易关闭",
    "waiting for payment (等待买家付款)": "等待买家付款",
    "refund (退款)": "退款",
    "not paid (no 订单付款时间)": "未付款（无订单付款时间）",
    "voided (Financial Status)": "已作废（Financial Status）",
    "no e-mail (no customer)": "无电子邮箱（无客户）",
}


def name(args: argparse.Namespace, text: str) -> str:
    """A name from the library in the language of ``--lang`` (as written when unknown)."""
    if getattr(args, "lang", "en") == "zh":
        return NAMES_ZH.get(text, text)
    return "  of which returns" if text == "returns" else text


def _padded(text: str, width: int) -> str:
    """``text`` padded to ``width`` columns of a terminal (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 0)


def cleaning_report(args: argparse.Namespace, report: Any) -> str:
    """The cleaning report (:class:`segkit.CleaningReport`) in the language of ``--lang``.

    Rows and revenue per outcome, as ``str(report)`` prints them in English.
    """
    lines = [say(args, "clean.rows", n_in=report.n_input, n_out=report.n_output)]
    for outcome, row in report.summary.iterrows():
        label = _padded(name(args, str(outcome)), 24)
        revenue = f"{row['revenue']:,.2f}"
        lines.append(say(args, "clean.line", label=label, rows=int(row["rows"]), revenue=revenue))
    lines += [
        say(args, "clean.converted", n=n, column=column)
        for column, n in report.changed.items()
        if n
    ]
    return "\n".join(lines)


def read_export(
    args: argparse.Namespace, n: int, rows: str, what: str, left: dict[str, int]
) -> str:
    """The line that says what ``--format``'s reader read and left out, by reason."""
    line = say(
        args, "read.export", n=n, rows=name(args, rows), what=name(args, what), format=args.format
    )
    if left:
        comma = "，" if getattr(args, "lang", "en") == "zh" else ", "
        reasons = comma.join(f"{name(args, why)} {count:,}" for why, count in left.items())
        line += say(args, "read.left_out", n=sum(left.values()), reasons=reasons)
    return line
