"""Benchmark: segkit.summarize against pandas, Polars, DuckDB and lifetimes.

Generates ~10 million transactions of 1 million customers, then runs the
contenders interleaved (segkit, pandas, Polars, DuckDB, segkit, ...) for
``--repeat`` rounds and prints the median time of each, the ratios from this
same run, the machine's load before, between and after, and segkit's peak
memory (tracemalloc, one more run) relative to the input columns it reads.
lifetimes runs once (it is slow). Every contender's result is checked against
segkit's before any figure is printed.

segkit and pandas run on one core; Polars and DuckDB use every core (their
thread counts are printed). Polars reads a Polars copy of the input, made
before the timing (its conversion time is printed apart); DuckDB scans the
pandas frame in place.

    python benchmarks/bench_summarize.py            # 1,000,000 customers
    python benchmarks/bench_summarize.py --customers 100000
    flock /tmp/segkit-bench.lock python benchmarks/bench_summarize.py   # shared machine
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import segkit
from _common import median_time, peak_memory, row
from segkit.datasets import make_transactions

DAY = pd.Timedelta(days=1)
CHECKED = ["orders", "x", "t_x", "T", "revenue", "repeat_aov", "recency_days", "tenure_days"]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


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


def polars_query(tx: Any, as_of: pd.Timestamp) -> pd.DataFrame:
    """The same columns as one lazy Polars query (the input holds purchases only)."""
    import polars as pl

    day = pl.col("timestamp").dt.truncate("1d")
    first_day = pl.col("day").min()
    per_customer = (
        tx.lazy()
        .filter(pl.col("timestamp") <= as_of)
        .with_columns(day=day)
        .group_by("customer_id")
        .agg(
            first_purchase=pl.col("timestamp").min(),
            last_purchase=pl.col("timestamp").max(),
            orders=pl.len(),
            revenue=pl.col("amount").sum(),
            days=pl.col("day").n_unique(),
            first_day=first_day,
            last_day=pl.col("day").max(),
            repeat_spend=pl.col("amount").filter(pl.col("day") > first_day).sum(),
        )
        .with_columns(x=pl.col("days") - 1)
        .with_columns(
            avg_order_value=pl.col("revenue") / pl.col("orders"),
            recency_days=(pl.lit(as_of) - pl.col("last_purchase")).dt.total_microseconds()
            / 86_400e6,
            tenure_days=(pl.lit(as_of) - pl.col("first_purchase")).dt.total_microseconds()
            / 86_400e6,
            t_x=(pl.col("last_day") - pl.col("first_day")).dt.total_days().cast(pl.Float64),
            T=(pl.lit(as_of) - pl.col("first_day")).dt.total_microseconds() / 86_400e6,
            repeat_aov=pl.when(pl.col("x") > 0)
            .then(pl.col("repeat_spend") / pl.col("x"))
            .otherwise(0.0),
        )
        .sort("customer_id")
        .collect()
    )
    return per_customer.to_pandas().set_index("customer_id")


def duckdb_query(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The same columns in SQL; DuckDB scans the pandas frame in place."""
    import duckdb

    stamp = as_of.isoformat(sep=" ")
    sql = f"""
        WITH rows AS (
            SELECT customer_id, timestamp, amount, date_trunc('day', timestamp) AS day
            FROM tx WHERE timestamp <= CAST('{stamp}' AS TIMESTAMP_NS)
        ), firsts AS (
            SELECT customer_id, min(day) AS first_day FROM rows GROUP BY customer_id
        )
        SELECT r.customer_id,
               min(r.timestamp) AS first_purchase,
               max(r.timestamp) AS last_purchase,
               count(*) AS orders,
               sum(r.amount) AS revenue,
               count(DISTINCT r.day) - 1 AS x,
               any_value(f.first_day) AS first_day,
               max(r.day) AS last_day,
               coalesce(sum(r.amount) FILTER (WHERE r.day > f.first_day), 0) AS repeat_spend
        FROM rows r JOIN firsts f USING (customer_id)
        GROUP BY r.customer_id ORDER BY r.customer_id
    """
    with duckdb.connect() as con:
        con.register("tx", tx)
        out = con.sql(sql).df().set_index("customer_id")
    as_of64 = np.datetime64(as_of.to_datetime64(), "us")
    us = np.timedelta64(86_400_000_000, "us")

    def days(a: Any, b: Any) -> Any:
        return (np.asarray(a, dtype="datetime64[us]") - np.asarray(b, dtype="datetime64[us]")) / us

    out["avg_order_value"] = out["revenue"] / out["orders"]
    out["recency_days"] = days(as_of64, out["last_purchase"])
    out["tenure_days"] = days(as_of64, out["first_purchase"])
    out["t_x"] = days(out["last_day"], out["first_day"])
    out["T"] = days(as_of64, out["first_day"])
    out["repeat_aov"] = np.where(out["x"] > 0, out["repeat_spend"] / out["x"].clip(lower=1), 0.0)
    return out


def check(name: str, got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same customers, same values (sums of floats may differ in the last digits)."""
    np.testing.assert_array_equal(got.index.to_numpy(), want.index.to_numpy(), err_msg=name)
    for column in CHECKED:
        np.testing.assert_allclose(
            got[column].to_numpy(dtype=float),
            want[column].to_numpy(dtype=float),
            rtol=1e-9,
            atol=1e-6,
            err_msg=f"{name}: {column}",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-lifetimes", action="store_true")
    args = parser.parse_args()

    print(f"before: {load()}")
    start = time.perf_counter()
    tx = make_transactions(args.customers, seed=0, lines_per_order=1.53)
    # Purchases only, so that all contenders count the same purchase days
    # (lifetimes has no notion of returns).
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

    contenders: dict[str, Callable[[], pd.DataFrame]] = {
        "segkit.summarize": ours,
        "pandas groupby, written the obvious way": lambda: obvious_pandas(tx, as_of),
    }
    notes = []
    if importlib.util.find_spec("polars") is not None:
        import polars as pl

        start = time.perf_counter()
        tx_pl = pl.from_pandas(tx)
        notes.append(
            f"Polars {pl.__version__}, {pl.thread_pool_size()} threads; pandas -> Polars "
            f"conversion before the timing: {time.perf_counter() - start:.2f} s"
        )
        contenders["Polars, one lazy query"] = lambda: polars_query(tx_pl, as_of)
    else:
        notes.append("Polars: not installed")
    if importlib.util.find_spec("duckdb") is not None:
        import duckdb

        with duckdb.connect() as con:
            threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        notes.append(f"DuckDB {duckdb.__version__}, {threads} threads")
        contenders["DuckDB SQL on the pandas frame"] = lambda: duckdb_query(tx, as_of)
    else:
        notes.append("DuckDB: not installed")

    times: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    results: dict[str, pd.DataFrame] = {}
    loads = []
    for _ in range(args.repeat):
        for name, func in contenders.items():
            began, began_cpu = time.perf_counter(), time.process_time()
            results[name] = func()
            times[name].append(time.perf_counter() - began)
            cpu[name].append(time.process_time() - began_cpu)
        loads.append(os.getloadavg()[0])
    result = results["segkit.summarize"]
    for name, got in results.items():
        check(name, got, result)
    del results

    t_lifetimes = None
    if args.no_lifetimes:
        notes.append("lifetimes: skipped (--no-lifetimes)")
    elif importlib.util.find_spec("lifetimes") is None:
        notes.append("lifetimes: not installed (pip install lifetimes to compare)")
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

    peak = peak_memory(ours)
    t_ours = statistics.median(times["segkit.summarize"])
    print(f"\n1-min load after each round: {', '.join(f'{x:.2f}' for x in loads)}")
    print(f"after: {load()}")
    for note in notes:
        print("  " + note)
    print(
        f"\nmedian wall time of {args.repeat} interleaved rounds "
        "(segkit's speed relative to it; < 1 means segkit is slower), then the median CPU "
        "time of the process (all threads) and the same ratio on CPU time"
    )
    c_ours = statistics.median(cpu["segkit.summarize"])
    print(row("segkit.summarize", t_ours) + f"   {'':12}   cpu {c_ours:7.3f} s")
    for name, spent in times.items():
        if name != "segkit.summarize":
            median, c_median = statistics.median(spent), statistics.median(cpu[name])
            print(
                row(name, median) + f"   segkit {median / t_ours:5.2f}x   cpu {c_median:7.3f} s   "
                f"segkit {c_median / c_ours:5.2f}x"
            )
    if t_lifetimes is not None:
        print(
            row("lifetimes summary_data_from_transaction_data (1 run)", t_lifetimes)
            + f"   segkit {t_lifetimes / t_ours:.1f}x"
        )
    print(
        f"\npeak memory of summarize (tracemalloc): {peak / 2**20:.0f} MiB = "
        f"{peak / input_bytes:.2f}x the input columns it reads"
    )


if __name__ == "__main__":
    main()
