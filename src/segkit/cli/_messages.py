"""The command's own progress lines in English and Chinese (``--lang``).

The report's texts live with the report (:mod:`segkit.report._i18n`); these
are only the lines the command prints about what it did.
"""

from __future__ import annotations

import argparse
from typing import Any

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "wrote.customers": "wrote {n} customers to {path}",
        "wrote.report_on": "wrote the report on {n} customers to {path}",
        "wrote.report": "wrote the report to {path}",
        "wrote.table": "wrote the customer table to {path}",
        "demo.header": (
            "segkit {version} demo: CDNOW sample, {transactions} transactions of "
            "{customers} customers, as of {as_of}"
        ),
        "pii.left_out": "left out {n} personal-data columns of the customers: {columns}",
    },
    "zh": {
        "wrote.customers": "已将 {n} 位客户写入 {path}",
        "wrote.report_on": "已将 {n} 位客户的报告写入 {path}",
        "wrote.report": "已将报告写入 {path}",
        "wrote.table": "已将客户表写入 {path}",
        "demo.header": (
            "segkit {version} 演示：CDNOW 样本，{customers} 位客户的 {transactions} 笔交易，"
            "截至 {as_of}"
        ),
        "pii.left_out": "已去除客户文件中的 {n} 个个人信息列：{columns}",
    },
}


def say(args: argparse.Namespace, message: str, **values: Any) -> str:
    """The line ``message`` in the language of ``--lang``, with counts as ``2,999``."""
    lang = getattr(args, "lang", "en")
    shown = {k: f"{v:,}" if isinstance(v, int) else v for k, v in values.items()}
    return TEXT.get(lang, TEXT["en"])[message].format(**shown)
