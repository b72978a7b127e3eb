"""Benchmark: summarize + RFM on Dask against pandas in one process.

Generates a Parquet data set of transactions on disk in chunks (each chunk is
``segkit.datasets.make_transactions`` of 250,000 customers with its own seed
and id range; about 2.4 million rows), then:

1. profiles it on a ``dask.distributed.LocalCluster`` of 2 worker processes
   limited to 3 GB each: ``summarize`` (customers partitioned by hash), the
   RFM fit (a value-count reduction) and the RFM transform (a map), and
   prints the time;
2. runs the pandas path (read the Parquet files, ``summarize``, RFM fit and
   transform) in a subprocess limited to the same 6 GB of address space, and
   reports whether it completes, with its time and peak resident memory;
3. with ``--pandas-probe-rows``, measures the peak resident memory of the
   pandas path on a prefix of the data, to extrapolate.

    python benchmarks/bench_dask.py                      # 100 million rows
    python benchmarks/bench_dask.py --rows 20_000_000
    python benchmarks/bench_dask.py --rows 2_000_000 --repeat 1   # quick check

Generated files live under ``benchmarks/_data/`` (git-ignored) and are reused.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from segkit.datasets import make_transactions

HERE = Path(__file__).resolve().parent
CUSTOMERS_PER_CHUNK = 250_000
COLUMNS = ["customer_id", "order_id", "timestamp", "amount"]
AS_OF = "2025-12-31 23:59:59"
GB = 1024**3


def generate(rows: int) -> tuple[Path, int]:
    """Write chunks until at least ``rows`` rows exist; return the folder and the row count."""
    folder = HERE / "_data" / f"transactions_{rows}"
    done = folder / "_done.json"
    if done.exists():
        return folder, int(json.loads(done.read_text())["rows"])
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    total = 0
    chunk = 0
    start = time.perf_counter()
    while total < rows:
        tx = make_transactions(CUSTOMERS_PER_CHUNK, seed=1000 + chunk)[COLUMNS]
        tx["customer_id"] += chunk * CUSTOMERS_PER_CHUNK
        tx["order_id"] += chunk * 10**9
        tx.to_parquet(folder / f"part-{chunk:04d}.parquet", index=False)
        total += len(tx)
        chunk += 1
        print(f"  wrote chunk {chunk}: {total:,} rows", end="\r", flush=True)
    print(f"\ngenerated {total:,} rows in {chunk} files in {time.perf_counter() - start:.0f} s")
    done.write_text(json.dumps({"rows": total, "files": chunk}))
    return folder, total


# --------------------------------------------------------------------------- #
# pandas in one process (run in a subprocess with a memory limit)
# --------------------------------------------------------------------------- #
PANDAS_SCRIPT = r"""
import json, resource, sys, time
limit = int(sys.argv[3])
if limit:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import pandas as pd, pyarrow.parquet as pq, segkit
files = sorted(__import__("pathlib").Path(sys.argv[1]).glob("part-*.parquet"))
max_rows = int(sys.argv[2])
start = time.perf_counter()
try:
    parts, n = [], 0
    for f in files:
        if max_rows and n >= max_rows:
            break
        parts.append(pq.read_table(f, columns=["customer_id", "timestamp", "amount"]).to_pandas())
        n += len(parts[-1])
    tx = pd.concat(parts, ignore_index=True)
    del parts
    table = segkit.summarize(tx, customer="customer_id", timestamp="timestamp",
                             amount="amount", as_of=sys.argv[4])
    scorer = segkit.RFMScorer().fit(table)
    scores = scorer.transform(table)
    edges = {k: v.tolist() for k, v in scorer.bin_edges_.items()}
    status = "completed"
except MemoryError:
    status, edges = "MemoryError", None
    n = n if "n" in dir() else 0
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"status": status, "rows": n, "seconds": elapsed, "peak_rss": peak,
                  "edges": edges}))
"""


def run_pandas(folder: Path, max_rows: int, limit_bytes: int) -> dict[str, object]:
    """Run the pandas path in a fresh interpreter; report status, time and peak RSS."""
    proc = subprocess.run(
        [sys.executable, "-c", PANDAS_SCRIPT, str(folder), str(max_rows), str(limit_bytes), AS_OF],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"status": f"crashed (exit {proc.returncode}): {tail}"}
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- #
# Dask on a LocalCluster
# --------------------------------------------------------------------------- #
def run_dask(
    folder: Path, repeat: int, memory_limit: str
) -> tuple[list[float], dict[str, list[float]]]:
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    import segkit
    from segkit.dask import rfm_fit, rfm_transform, summarize_dask

    times = []
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        for i in range(repeat):
            start = time.perf_counter()
            tx = dd.read_parquet(
                str(folder / "part-*.parquet"), columns=["customer_id", "timestamp", "amount"]
            )
            table = summarize_dask(
                tx, customer="customer_id", timestamp="timestamp", amount="amount", as_of=AS_OF
            )
            # The summary is needed twice (fit, then transform): keep it on the workers.
            table = table.persist()
            scorer = rfm_fit(segkit.RFMScorer(), table)
            scores = rfm_transform(scorer, table)
            counts = scores["segment"].value_counts().compute()
            elapsed = time.perf_counter() - start
            times.append(elapsed)
            edges = {k: v.tolist() for k, v in scorer.bin_edges_.items()}
            print(f"  dask run {i + 1}: {elapsed:.1f} s, {int(counts.sum()):,} customers scored")
            del table, scores
            # Graph keys are deterministic: without a restart the next run could reuse
            # results the workers still hold.
            client.restart()
    return times, edges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=100_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="Dask runs (median is quoted)")
    parser.add_argument("--memory-limit", default="3GB", help="per Dask worker")
    parser.add_argument(
        "--pandas-limit-gb",
        type=float,
        default=6.0,
        help="address-space limit of the pandas process (0: none); default the cluster's total",
    )
    parser.add_argument(
        "--pandas-probe-rows",
        type=lambda s: int(s.replace("_", "")),
        default=0,
        help="also measure pandas' peak memory, unlimited, on the first N rows",
    )
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()

    folder, rows = generate(args.rows)
    size = sum(f.stat().st_size for f in folder.glob("*.parquet"))
    print(f"data set: {rows:,} rows, {size / GB:.2f} GiB of Parquet in {folder}")
    if args.generate_only:
        return

    print(f"Dask LocalCluster, 2 worker processes x 1 thread, memory_limit={args.memory_limit}:")
    times, edges = run_dask(folder, args.repeat, args.memory_limit)
    print(f"dask: completed, median {statistics.median(times):.1f} s over {len(times)} run(s)")
    print(f"RFM edges: {edges}")

    if args.pandas_probe_rows:
        probe = run_pandas(folder, args.pandas_probe_rows, 0)
        if probe.get("status") == "completed":
            per_row = float(probe["peak_rss"]) / float(probe["rows"])  # type: ignore[arg-type]
            print(
                f"pandas probe on {int(probe['rows']):,} rows (no limit): "  # type: ignore[call-overload]
                f"{probe['seconds']:.1f} s, peak RSS {float(probe['peak_rss']) / GB:.2f} GiB "  # type: ignore[arg-type]
                f"({per_row:.0f} bytes/row) -> about {per_row * rows / GB:.1f} GiB "
                f"for {rows:,} rows"
            )
        else:
            print(f"pandas probe: {probe}")
    if not args.skip_pandas:
        limit = int(args.pandas_limit_gb * GB)
        label = f"{args.pandas_limit_gb:g} GB address-space limit" if limit else "no limit"
        result = run_pandas(folder, 0, limit)
        if result.get("status") == "completed":
            print(
                f"pandas, one process, {label}: completed in {result['seconds']:.1f} s, "
                f"peak RSS {float(result['peak_rss']) / GB:.2f} GiB"  # type: ignore[arg-type]
            )
            print(f"RFM edges identical on Dask and pandas: {result['edges'] == edges}")
        else:
            print(f"pandas, one process, {label}: {result}")
    print(
        f"(peak RSS of this driver process: {resource.getrusage(0).ru_maxrss / 1024**2:.2f} GiB)"
    )


if __name__ == "__main__":
    main()
