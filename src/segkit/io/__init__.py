"""Readers for the exports people have, and a writer for CRM imports.

Every reader returns frames with segkit's column names, ready for
:func:`segkit.summarize` (``customer_id``, ``timestamp``, ``amount`` and,
where the source has them, ``order_id`` and more), and raises a
:class:`~segkit.errors.ColumnNotFoundError` naming what is missing.

* :func:`read_transactions` — any CSV, Parquet or Excel file, with a column
  mapping;
* :func:`read_online_retail` — the "Online Retail" invoice-line shape;
* :func:`read_tmall_orders` — Tmall/Taobao order exports (GBK or UTF-8);
* :func:`read_shopify_orders` — Shopify's orders export (one row per line item);
* :func:`read_ga4` — Google Analytics 4 events in the BigQuery export schema;
* :func:`write_crm` — one row per customer with tags, segment and lifecycle
  state, in the shape CRM import tools take.
"""

from segkit.io._crm import write_crm
from segkit.io._ga4 import read_ga4
from segkit.io._online_retail import read_online_retail
from segkit.io._read import read_transactions
from segkit.io._shopify import read_shopify_orders
from segkit.io._text import detect_encoding, read_text
from segkit.io._tmall import read_tmall_orders
from segkit.transactions import ids_as_read

__all__ = [
    "detect_encoding",
    "ids_as_read",
    "read_ga4",
    "read_online_retail",
    "read_shopify_orders",
    "read_text",
    "read_tmall_orders",
    "read_transactions",
    "write_crm",
]
