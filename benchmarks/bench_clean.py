"""Benchmark: clean_transactions + summarize on raw order lines, against pandas.

Generates about 10 million order lines (about 3 million orders of 1 million
customers; products, equal line totals, cancellation invoices, guest lines),
then times, interleaved, median of ``--repeat`` runs each:

* segkit: ``clean_transactions`` (quantity x price, every-column duplicates,
  guests, cancellations) and then ``summarize`` with the order column;
* pandas, written the obvious way: ``drop_duplicates()`` on every column,
  ``dropna`` of the customer, then a ``groupby`` for orders (distinct order ids
  with a positive net), revenue and the last purchase.

It prints the ratios from this same run, and checks that cleaning costs less
than summarize (the acceptance bound of the real-exports issue). Run it under
the shared benchmark lock:

    flock /tmp/segkit-bench.lock python benchmarks/bench_clean.py
    python benchmarks/bench_clean.py --customers 100000      # a quick look
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import pandas as pd

import segkit
from segkit.datasets import make_transactions

COLUMNS = {
    "customer": "customer_id",
    "timestamp": "timestamp",
    "quantity": "quantity",
    "price": "price",
    "order": "order_id",
}


def obvious_pandas(raw: pd.DataFrame) -> pd.DataFrame:
    """Deduplicate, drop guests, count orders with a positive net, sum revenue."""
    tx = raw.drop_duplicates().dropna(subset=["customer_id"])
    tx = tx.assign(amount=tx["quantity"] * tx["price"])
    net = tx.groupby(["customer_id", "order_id"], sort=False)["amount"].sum()
    orders = (net > 1e-9).groupby(level=0).sum()  # float sums of cents: 1e-15 is zero
    per = tx.groupby("customer_id").agg(revenue=("amount", "sum"), last=("timestamp", "max"))
    per["orders"] = orders
    return per[per["orders"] > 0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*have only returns", category=UserWarning)

    start = time.perf_counter()
    raw = make_transactions(
        args.customers,
        seed=0,
        products=20_000,
        lines_per_order=3.4,
        alpha=125.0,
        cancel_rate=0.01,
        guest_rate=0.01,
    )
    made = time.perf_counter() - start
    n_orders = raw["order_id"].nunique()
    print(
        f"{len(raw):,} order lines, {n_orders:,} orders, "
        f"{raw['customer_id'].nunique():,} customers (generated in {made:.0f} s; "
        f"{raw.memory_usage(deep=True).sum() / 2**20:.0f} MiB)"
    )
    print(f"machine load (1, 5, 15 min): {os.getloadavg()}")

    times: dict[str, list[float]] = {"clean": [], "summarize": [], "pandas": []}
    cpu: dict[str, list[float]] = {"clean": [], "summarize": [], "pandas": []}
    ours = theirs = None
    for run in range(args.repeat):  # interleaved, so load changes hit both alike
        t0, c0 = time.perf_counter(), time.process_time()
        clean, report = segkit.clean_transactions(raw, **COLUMNS)
        t1, c1 = time.perf_counter(), time.process_time()
        ours = segkit.summarize(
            clean, customer="customer_id", timestamp="timestamp", amount="amount",
            order="order_id",
        )  # fmt: skip
        t2, c2 = time.perf_counter(), time.process_time()
        theirs = obvious_pandas(raw)
        t3, c3 = time.perf_counter(), time.process_time()
        for name, wall, busy in (
            ("clean", t1 - t0, c1 - c0),
            ("summarize", t2 - t1, c2 - c1),
            ("pandas", t3 - t2, c3 - c2),
        ):
            times[name].append(wall)
            cpu[name].append(busy)
        print(
            f"run {run + 1}: clean {t1 - t0:.2f} s, summarize {t2 - t1:.2f} s, "
            f"pandas {t3 - t2:.2f} s (load {os.getloadavg()[0]:.1f})"
        )
        del clean
    assert ours is not None
    assert theirs is not None
    theirs.index = theirs.index.astype(np.int64)
    np.testing.assert_array_equal(ours["orders"], theirs["orders"].reindex(ours.index))
    np.testing.assert_allclose(
        ours["revenue"], theirs["revenue"].reindex(ours.index), rtol=1e-9, atol=1e-6
    )
    print(report)

    med = {k: statistics.median(v) for k, v in times.items()}
    busy = {k: statistics.median(v) for k, v in cpu.items()}
    both = med["clean"] + med["summarize"]
    print(f"\nmedian of {args.repeat} interleaved runs    wall time   (CPU time of this process)")
    print(f"  segkit clean_transactions          {med['clean']:8.2f} s  ({busy['clean']:.2f} s)")
    print(
        f"  segkit summarize (order=)          {med['summarize']:8.2f} s  "
        f"({busy['summarize']:.2f} s)"
    )
    print(f"  segkit clean + summarize           {both:8.2f} s")
    print(
        f"  pandas drop_duplicates + groupby   {med['pandas']:8.2f} s  ({busy['pandas']:.2f} s)"
        f"   segkit {med['pandas'] / both:.2f}x the speed"
    )
    ratio = med["clean"] / med["summarize"]
    print(
        f"\ncleaning / summarize = {ratio:.2f} wall, "
        f"{busy['clean'] / busy['summarize']:.2f} CPU (must be below 1)"
    )
    print(f"machine load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
