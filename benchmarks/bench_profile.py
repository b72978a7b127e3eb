"""Benchmark: the main job, ``segkit.profile``, step by step.

Goal (issue "the main job"): on 10M rows / 1M customers, ``profile()`` within
3x the time of its two indispensable parts measured in the same run —
``summarize`` plus the BG/NBD fit — and under 15 s, with peak memory under 3x
the input columns it reads. Prints, for each size, the machine's load, the
median time of each step over the runs, the ratio to summarize + BG/NBD, and
the peak traced memory relative to the input columns.

    python benchmarks/bench_profile.py                      # 100k and 1M customers
    python benchmarks/bench_profile.py --customers 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import pandas as pd

import segkit
from _common import peak_memory
from segkit.clv import BetaGeo
from segkit.datasets import make_transactions

COLS = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}


def parts(tx: pd.DataFrame) -> float:
    """summarize + the BG/NBD fit in weeks: what profile cannot do without."""
    start = time.perf_counter()
    table = segkit.summarize(tx, **COLS, order="order_id")
    data = pd.DataFrame({"x": table["x"], "t_x": table["t_x"] / 7, "T": table["T"] / 7})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        BetaGeo().fit(data)
    return time.perf_counter() - start


def whole(tx: pd.DataFrame) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    p = segkit.profile(tx, **COLS, order="order_id", progress=False)
    return time.perf_counter() - start, p.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    for n in args.customers:
        tx = make_transactions(n, seed=1)
        read = tx[["customer_id", "timestamp", "amount", "order_id"]].memory_usage(deep=True)
        input_mb = read.sum() / 2**20
        print(f"\n{len(tx):,} rows, {n:,} customers; input columns read {input_mb:,.0f} MiB")
        print(f"  load average before: {os.getloadavg()[0]:.2f} (2 cores)")
        whole_times, part_times, steps = [], [], {}
        for _ in range(args.repeat):  # interleaved: parts, then the whole job
            part_times.append(parts(tx))
            seconds, per_step = whole(tx)
            whole_times.append(seconds)
            for name, value in per_step.items():
                steps.setdefault(name, []).append(value)
        for name, values in steps.items():
            print(f"  {name:<28} {statistics.median(values):8.2f} s")
        total, base = statistics.median(whole_times), statistics.median(part_times)
        print(f"  {'profile() total':<28} {total:8.2f} s")
        print(f"  {'summarize + BG/NBD fit':<28} {base:8.2f} s")
        print(f"  ratio profile / parts: {total / base:.2f}x (goal <= 3x, and < 15 s at 1M)")
        if not args.no_memory:
            peak = peak_memory(lambda data=tx: whole(data)) / 2**20
            ratio = peak / input_mb
            print(f"  peak traced memory {peak:,.0f} MiB = {ratio:.2f}x the input (goal < 3x)")
        print(f"  load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
