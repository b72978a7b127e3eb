"""Benchmark: segkit.summarize against the obvious pandas groupby and lifetimes.

Generates ~10 million transactions of 1 million customers, then prints median
times (segkit and pandas: 3 runs each; lifetimes: 1 run, it is slow), the
speed-up ratios from this same run, and segkit's peak memory relative to the
input columns it reads.

    python benchmarks/bench_summarize.py            # 1,000,000 customers
    python benchmarks/bench_summarize.py --customers 100000
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import warnings

import numpy as np
import pandas as pd

import segkit
from _common import median_time, peak_memory, row
from segkit.datasets import make_transactions

DAY = pd.Timedelta(days=1)


def obvious_pandas(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The same columns, written the way most people would with groupby."""
    tx = tx[tx["timestamp"] <= as_of]
    buys = tx[tx["amount"] >= 0].assign(day=lambda d: d["timestamp"].dt.floor("D"))
    g = buys.groupby("customer_id")
    out = g.agg(
        first_purchase=("timestamp", "min"),
        last_purchase=("timestamp", "max"),
        orders=("amount", "size"),
    )
    out["revenue"] = tx.groupby("customer_id")["amount"].sum()
    out["avg_order_value"] = out["revenue"] / out["orders"]
    out["recency_days"] = (as_of - out["last_purchase"]) / DAY
    out["tenure_days"] = (as_of - out["first_purchase"]) / DAY
    daily = buys.groupby(["customer_id", "day"])["amount"].sum().reset_index()
    gd = daily.groupby("customer_id")
    first_day = gd["day"].min()
    out["x"] = gd.size() - 1
    out["t_x"] = (gd["day"].max() - first_day) / DAY
    out["T"] = (as_of - first_day) / DAY
    repeat_spend = gd["amount"].sum() - gd["amount"].first()
    out["repeat_aov"] = (repeat_spend / out["x"]).where(out["x"] > 0, 0.0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-lifetimes", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    tx = make_transactions(args.customers, seed=0, lines_per_order=1.53)
    # Purchases only, so that all three count the same purchase days (lifetimes
    # has no notion of returns).
    tx = tx.loc[tx["amount"] >= 0, ["customer_id", "timestamp", "amount"]].reset_index(drop=True)
    made = time.perf_counter() - start
    as_of = tx["timestamp"].max()
    input_bytes = int(tx.memory_usage(index=False, deep=True).sum())
    print(
        f"{len(tx):,} transactions of {tx['customer_id'].nunique():,} customers "
        f"(generated in {made:.1f} s; input columns {input_bytes / 2**20:.0f} MiB)"
    )

    def ours() -> pd.DataFrame:
        return segkit.summarize(tx, customer="customer_id", timestamp="timestamp", amount="amount")

    t_ours, result = median_time(ours, args.repeat)
    t_pandas, expected = median_time(lambda: obvious_pandas(tx, as_of), args.repeat)
    for column in ["orders", "x", "t_x", "T", "revenue", "repeat_aov"]:
        np.testing.assert_allclose(result[column], expected[column], rtol=1e-9, atol=1e-6)

    t_lifetimes = None
    if args.no_lifetimes:
        note = "lifetimes: skipped (--no-lifetimes)"
    elif importlib.util.find_spec("lifetimes") is None:
        note = "lifetimes: not installed (pip install lifetimes to compare)"
    else:
        from lifetimes.utils import summary_data_from_transaction_data

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_lifetimes, theirs = median_time(
                lambda: summary_data_from_transaction_data(
                    tx,
                    "customer_id",
                    "timestamp",
                    "amount",
                    observation_period_end=as_of,
                    freq="D",
                ),
                1,
            )
        np.testing.assert_array_equal(theirs["frequency"].to_numpy(), result["x"].to_numpy())
        note = ""

    peak = peak_memory(ours)
    print("\nmedian wall time (speed-up of segkit in the last column)")
    print(row("segkit.summarize", t_ours))
    print(
        row("pandas groupby, written the obvious way", t_pandas)
        + f"   segkit {t_pandas / t_ours:.1f}x faster"
    )
    if t_lifetimes is not None:
        print(
            row("lifetimes summary_data_from_transaction_data", t_lifetimes)
            + f"   segkit {t_lifetimes / t_ours:.1f}x faster"
        )
    else:
        print("  " + note)
    print(
        f"\npeak memory of summarize: {peak / 2**20:.0f} MiB = "
        f"{peak / input_bytes:.2f}x the input columns it reads"
    )


if __name__ == "__main__":
    main()
