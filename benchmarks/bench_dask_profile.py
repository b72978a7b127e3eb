"""Benchmark: ``segkit.profile`` of a Parquet folder on Dask, step by step.

Generates a transaction log once as a folder of Parquet files (one file per
chunk of 1 million lines, made with numpy: customers in the chunk's own id
range who buy and drop out as in the BG/NBD story, orders of 1 to 4 lines,
log-normal amounts in cents, 3 % returns, timestamps to the second over three
years), then profiles it with
``segkit.profile(dask.dataframe.read_parquet(folder), ...)`` on a
``LocalCluster`` of 2 worker processes (1 thread each) with a memory limit of
3 GB each: the summary, RFM, CLV, tags, the lifecycle replay and the monthly
story, then renders the report. Prints the time of every step, the machine's
load average before and after, and the sizes.

With ``--pandas`` the same profile also runs on pandas in this process (the
files read with ``pandas.read_parquet``), interleaved with the Dask runs, and
the two customer tables are compared.

    flock /tmp/segkit-bench.lock python benchmarks/bench_dask_profile.py --rows 10_000_000 --pandas
    flock /tmp/segkit-bench.lock python benchmarks/bench_dask_profile.py --rows 100_000_000

The data sets are written under ``/tmp/segkit-dask-profile/`` and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path("/tmp/segkit-dask-profile")
LINES_PER_FILE = 1_000_000
LINES_PER_CUSTOMER = 7  # fewer than the 8 on average (3.2 orders of 2.5 lines)
START = np.datetime64("2023-01-01T00:00:00", "s")
SECONDS = 3 * 365 * 86_400
AS_OF = "2025-12-31"
COLUMNS = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}


def chunk(number: int, lines: int) -> pd.DataFrame:
    """``lines`` order lines of the chunk's own customers, ordered by time.

    Customers buy as in the BG/NBD story: a first purchase somewhere in the
    three years, a Gamma-distributed purchase rate, and an exponential
    lifetime after which they buy no more; orders have 1 to 4 lines.
    """
    rng = np.random.default_rng(number)
    customers = lines // LINES_PER_CUSTOMER  # enough for ``lines``; the last are cut short
    first = rng.integers(0, SECONDS, customers)
    life = rng.exponential(365 * 86_400, customers)
    rate = rng.gamma(0.8, 4.0 / (365 * 86_400), customers)  # purchases per second
    span = np.minimum(first + life, SECONDS) - first
    repeats = rng.poisson(rate * span)
    per = 1 + repeats
    who = np.repeat(np.arange(customers), per)
    offset = np.where(
        np.arange(len(who)) == np.repeat(np.cumsum(per) - per, per),
        0,
        rng.random(len(who)) * np.repeat(span, per),
    )
    when = START + (np.repeat(first, per) + offset.astype(np.int64)).astype("timedelta64[s]")
    size = rng.integers(1, 5, len(who))
    order = np.repeat(np.arange(len(who)) + number * 10**9, size)[:lines]
    frame = pd.DataFrame(
        {
            "customer_id": np.repeat(who + number * LINES_PER_FILE, size)[:lines],
            "order_id": order,
            "timestamp": np.repeat(when, size)[:lines].astype("datetime64[ns]"),
            "amount": np.round(rng.lognormal(3.0, 0.8, len(order)), 2),
        }
    )
    returns = rng.random(len(frame)) < 0.03
    frame.loc[returns, "amount"] = -frame.loc[returns, "amount"]
    return frame.sort_values("timestamp", kind="stable").reset_index(drop=True)


def generate(rows: int, per_file: int = LINES_PER_FILE) -> Path:
    """The folder of ``rows`` lines (written once, in chunks of ``per_file``, then reused)."""
    folder = ROOT / (f"rows_{rows}" if per_file == LINES_PER_FILE else f"rows_{rows}_{per_file}")
    done = folder / "_done.json"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for number in range(-(-rows // per_file)):
        lines = min(per_file, rows - number * per_file)
        chunk(number, lines).to_parquet(folder / f"part-{number:04d}.parquet", index=False)
        print(f"  wrote file {number + 1}", end="\r", flush=True)
    took = time.perf_counter() - start
    done.write_text(json.dumps({"rows": rows, "seconds": took}))
    print(f"generated {rows:,} lines in {took:.0f} s")
    return folder


class WorkerMemory:
    """The peak resident memory of every Dask worker process, sampled twice a second.

    The workers are this process's children (a ``LocalCluster``'s nannies run
    here); a worker that its nanny restarts (over 95 % of its limit) comes
    back as a new process, so the processes seen beyond the first workers
    count the restarts.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.peak: dict[int, int] = {}
        self.client = 0  # this process, which gathers the per-customer results
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.wait(0.5):
            self.client = max(self.client, me.memory_info().rss)
            for child in me.children(recursive=True):
                try:  # a process may end while it is looked at
                    if "resource_tracker" in " ".join(child.cmdline()):
                        continue
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                self.peak[child.pid] = max(self.peak.get(child.pid, 0), rss)

    def __enter__(self) -> WorkerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def __str__(self) -> str:
        peaks = sorted(self.peak.values(), reverse=True)
        shown = ", ".join(f"{rss / 2**30:.2f}" for rss in peaks[: self.workers])
        restarts = max(len(peaks) - self.workers, 0)
        return (
            f"peak worker RSS {shown} GiB; worker restarts {restarts}; "
            f"peak client RSS {self.client / 2**30:.2f} GiB"
        )


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run(tx: Any, options: dict[str, Any]) -> tuple[Any, dict[str, float], float]:
    import segkit

    start = time.perf_counter()
    result = segkit.profile(tx, **COLUMNS, **options)
    steps = dict(result.seconds)
    begin = time.perf_counter()
    result.report()
    steps["report"] = time.perf_counter() - begin
    return result, steps, time.perf_counter() - start


def show(name: str, steps: dict[str, float], total: float, before: str, after: str) -> None:
    print(f"{name}: {total:.1f} s in all (load before {before}, after {after})")
    for step, seconds in steps.items():
        print(f"  {step:<28} {seconds:8.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    parser.add_argument(
        "--file-lines",
        type=lambda s: int(s.replace("_", "")),
        default=LINES_PER_FILE,
        help="lines per file (and so per partition); smaller files with a smaller "
        "--memory-limit reproduce the memory pattern of a larger log",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each backend")
    parser.add_argument("--memory-limit", default="3GB", help="per Dask worker")
    parser.add_argument("--pandas", action="store_true", help="also profile on pandas")
    parser.add_argument("--no-lifecycle", action="store_true", help="leave out the replay")
    parser.add_argument("--holdout-days", type=int, default=None)
    args = parser.parse_args()

    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    folder = generate(args.rows, args.file_lines)
    size = sum(f.stat().st_size for f in folder.glob("*.parquet"))
    files = len(list(folder.glob("*.parquet")))
    print(f"data: {args.rows:,} lines, {size / 2**30:.2f} GiB of Parquet in {files} files")
    options: dict[str, Any] = {"as_of": AS_OF, "progress": False}
    if args.no_lifecycle:
        options["lifecycle"] = None
    if args.holdout_days:
        options["holdout_days"] = args.holdout_days
    totals: dict[str, list[float]] = {"dask": [], "pandas": []}
    tables: dict[str, pd.DataFrame] = {}
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=args.memory_limit,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        for i in range(args.repeat):
            before = load()
            with WorkerMemory(2) as memory:
                result, steps, total = run(dd.read_parquet(folder), options)
            show(f"dask run {i + 1}", steps, total, before, load())
            print(f"  {memory} (limit {args.memory_limit} each)")
            print(f"  {len(result.table):,} customers; notes: {result.notes}")
            totals["dask"].append(total)
            tables["dask"] = result.table
            del result
            client.restart()  # deterministic keys: the next run must not reuse results
            if args.pandas:
                before = load()
                tx = pd.read_parquet(folder)
                result, steps, total = run(tx, options)
                show(f"pandas run {i + 1}", steps, total, before, load())
                totals["pandas"].append(total)
                tables["pandas"] = result.table
                del result, tx
    for name, runs in totals.items():
        if runs:
            print(f"{name}: median {statistics.median(runs):.1f} s over {len(runs)} run(s)")
    if "pandas" in tables:
        try:
            pd.testing.assert_frame_equal(tables["dask"], tables["pandas"], check_exact=True)
            print("customer tables: identical")
        except AssertionError as error:
            print(f"customer tables DIFFER: {str(error).splitlines()[:4]}")


if __name__ == "__main__":
    main()
