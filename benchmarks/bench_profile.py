"""Benchmark: the main job, ``segkit.profile``, step by step.

Goal (issue "the main job"): on 10M rows / 1M customers, ``profile()`` within
3x the time of its two indispensable parts measured in the same run —
``summarize`` plus the BG/NBD fit — and under 15 s, with peak memory under 3x
the input columns it reads.

For each size this prints the machine's load (before, between and after the
runs), then, over ``--repeat`` rounds that run the parts and the whole job
interleaved (parts, profile, parts, profile, ...), the median time of every
step and of the total, the ratio to the parts, and — from one more run under
``tracemalloc`` (slower, so not timed) — the peak memory of every step above
what the run held when the step started, and the peak of the whole job and of
the parts, as multiples of the input columns read.

    python benchmarks/bench_profile.py                      # 100k and 1M customers
    python benchmarks/bench_profile.py --customers 100000 --repeat 5
    flock /tmp/segkit-bench.lock python benchmarks/bench_profile.py   # shared machine
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
import warnings
from typing import Any

import pandas as pd

import segkit
from segkit.clv import BetaGeo
from segkit.datasets import make_transactions
from segkit.profiling._options import ProfileOptions
from segkit.profiling._steps import STEPS, Run

COLS = {
    "customer": "customer_id",
    "timestamp": "timestamp",
    "amount": "amount",
    "order": "order_id",
}
MiB = 2**20


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def parts(tx: pd.DataFrame) -> tuple[float, float]:
    """summarize + the BG/NBD fit in weeks: what profile cannot do without.

    Returns the wall-clock time and the process's CPU time (every thread).
    """
    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = segkit.summarize(tx, **COLS)
        data = pd.DataFrame({"x": table["x"], "t_x": table["t_x"] / 7, "T": table["T"] / 7})
        BetaGeo().fit(data)
    return time.perf_counter() - start, time.process_time() - cpu


def whole(tx: pd.DataFrame) -> tuple[float, float, dict[str, float]]:
    """The wall-clock and CPU time of ``segkit.profile``, and its steps' times."""
    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = segkit.profile(tx, **COLS, progress=False)
    return time.perf_counter() - start, time.process_time() - cpu, p.seconds


def traced_steps(tx: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Per step: (MiB held when it started, peak MiB above that).

    Runs the steps the way ``segkit.profile`` runs them (without its progress
    bar) under tracemalloc, which sees numpy and pandas buffers.
    """
    inputs = {"customers": None, "events": None, "feedback": None, "complaints": None}
    peaks: dict[str, tuple[float, float]] = {}
    tracemalloc.start()
    try:
        run = Run(tx, columns=dict(COLS), options=ProfileOptions(progress=False), inputs=inputs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for step in STEPS:
                if step.wanted(run):
                    held = tracemalloc.get_traced_memory()[0]
                    tracemalloc.reset_peak()
                    step.run(run)
                    peak = tracemalloc.get_traced_memory()[1] - held
                    peaks[step.name] = (held / MiB, peak / MiB)
    finally:
        tracemalloc.stop()
    return peaks


def traced(func: Any) -> float:
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / MiB
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lines-per-order", type=float, default=1.4)
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    for n in args.customers:
        tx = make_transactions(n, seed=1, lines_per_order=args.lines_per_order)
        read = tx[list(COLS.values())].memory_usage(deep=True, index=False)
        input_mb = read.sum() / MiB
        print(f"\n{len(tx):,} rows, {n:,} customers; the input columns read: {input_mb:,.0f} MiB")
        print(f"  before: {load()}")
        whole_times, part_times, whole_cpu, part_cpu, steps = [], [], [], [], {}
        for _ in range(args.repeat):  # interleaved: parts, then the whole job
            seconds, cpu = parts(tx)
            part_times.append(seconds)
            part_cpu.append(cpu)
            seconds, cpu, per_step = whole(tx)
            whole_times.append(seconds)
            whole_cpu.append(cpu)
            for name, value in per_step.items():
                steps.setdefault(name, []).append(value)
        print(f"  after the timed runs: {load()}")
        peaks: dict[str, tuple[float, float]] = {}
        if not args.no_memory:
            peaks = traced_steps(tx)
            peak = traced(lambda data=tx: whole(data))
            base_peak = traced(lambda data=tx: parts(data))
        print(
            f"  {'step':<28} {'median s':>9} {'min s':>7} {'max s':>7} "
            f"{'held MiB':>9} {'+peak MiB':>9}"
        )
        for name, values in steps.items():
            extra = f" {peaks[name][0]:9.0f} {peaks[name][1]:9.0f}" if name in peaks else ""
            print(
                f"  {name:<28} {statistics.median(values):9.2f} {min(values):7.2f} "
                f"{max(values):7.2f}{extra}"
            )
        total, base = statistics.median(whole_times), statistics.median(part_times)
        for name, values in (
            ("profile() total", whole_times),
            ("summarize + BG/NBD fit", part_times),
        ):
            print(
                f"  {name:<28} {statistics.median(values):9.2f} {min(values):7.2f} "
                f"{max(values):7.2f}"
            )
        print(f"  ratio profile / parts (medians): {total / base:.2f}x (goal <= 3x, < 15 s at 1M)")
        cpu, base_cpu = statistics.median(whole_cpu), statistics.median(part_cpu)
        print(
            f"  CPU time (every thread, medians): profile {cpu:.2f} s, parts {base_cpu:.2f} s, "
            f"ratio {cpu / base_cpu:.2f}x"
        )
        if not args.no_memory:
            print(
                f"  peak traced memory: profile {peak:,.0f} MiB = {peak / input_mb:.2f}x the "
                f"input columns (goal < 3x); parts {base_peak:,.0f} MiB = "
                f"{base_peak / input_mb:.2f}x"
            )
        print(f"  end: {load()}")


if __name__ == "__main__":
    main()
