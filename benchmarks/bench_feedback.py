"""Benchmark: segkit.feedback.feedback_features against the obvious pandas groupby.

Generates 5 million answers and 1 million complaints of 1 million customers,
checks that both give the same columns, then times them interleaved (segkit,
pandas, segkit, pandas, ...) and prints the medians, the ratio from this same
run and the machine's load average before and after. Run it under the shared
benchmark lock:

    flock /tmp/segkit-bench.lock python benchmarks/bench_feedback.py
    python benchmarks/bench_feedback.py --customers 100000 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import pandas as pd

from _common import row
from segkit.feedback import feedback_features

WINDOWS = (90, 365)
DAY = pd.Timedelta(days=1)


def make_logs(customers: int, answers: int, complaints: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2023-01-01").value
    span = 730 * DAY.value
    kind = rng.choice(4, size=answers, p=[0.4, 0.35, 0.15, 0.1])
    lows, highs = np.array([0, 1, 1, 1]), np.array([10, 5, 5, 7])
    score = rng.integers(lows[kind], highs[kind] + 1).astype(np.float64)
    feedback = pd.DataFrame(
        {
            "customer_id": rng.integers(1, customers + 1, size=answers),
            "timestamp": pd.to_datetime(start + rng.integers(0, span, size=answers), unit="ns"),
            "kind": pd.Categorical.from_codes(kind, categories=["nps", "rating", "csat", "ces"]),
            "score": score,
        }
    )
    opened = start + rng.integers(0, span, size=complaints)
    took = (rng.lognormal(np.log(3.0), 0.8, size=complaints) * DAY.value).astype(np.int64)
    resolved = pd.to_datetime(opened + took, unit="ns").where(rng.random(complaints) > 0.2)
    tickets = pd.DataFrame(
        {
            "customer_id": rng.integers(1, customers + 1, size=complaints),
            "opened": pd.to_datetime(opened, unit="ns"),
            "resolved": resolved,
        }
    )
    return feedback, tickets


def obvious_pandas(fb: pd.DataFrame, cp: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The same columns, written the way most people would with groupby."""
    fb = fb[fb["timestamp"] <= as_of]
    cp = cp[cp["opened"] <= as_of]
    out = {}
    nps = fb[fb["kind"] == "nps"].sort_values("timestamp")
    out["last_nps"] = nps.groupby("customer_id")["score"].last()
    for w in WINDOWS:
        recent = fb[fb["timestamp"] > as_of - w * DAY]
        out[f"responses_{w}d"] = recent.groupby("customer_id").size()
        ratings = recent[recent["kind"] == "rating"]
        out[f"avg_rating_{w}d"] = ratings.groupby("customer_id")["score"].mean()
        out[f"low_ratings_{w}d"] = (ratings["score"] <= 2).groupby(ratings["customer_id"]).sum()
        out[f"complaints_{w}d"] = cp[cp["opened"] > as_of - w * DAY].groupby("customer_id").size()
    is_open = cp["resolved"].isna() | (cp["resolved"] > as_of)
    open_ = cp[is_open]
    out["complaints_open"] = open_.groupby("customer_id").size()
    # A date-only as_of counts whole calendar days to it (segkit's time policy).
    day = as_of.floor("D")
    oldest = open_.groupby("customer_id")["opened"].min().dt.floor("D")
    out["open_complaint_days"] = (day - oldest) / DAY
    latest = cp.groupby("customer_id")["opened"].max().dt.floor("D")
    out["days_since_last_complaint"] = (day - latest) / DAY
    done = cp[~is_open]
    days = (done["resolved"] - done["opened"]) / DAY
    out["median_resolution_days"] = days.groupby(done["customer_id"]).median()
    table = pd.DataFrame(out)
    counts = [c for c in table.columns if c.startswith(("responses_", "low_ratings_", "compl"))]
    table[counts] = table[counts].fillna(0).astype(np.int64)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--answers", type=int, default=5_000_000)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    fb, cp = make_logs(args.customers, args.answers, args.complaints)
    as_of = pd.Timestamp("2024-06-30 23:59:59.999999999")

    def ours() -> pd.DataFrame:
        return feedback_features(
            fb,
            cp,
            customer="customer_id",
            timestamp="timestamp",
            as_of="2024-06-30",
            windows=WINDOWS,
        )

    def theirs() -> pd.DataFrame:
        return obvious_pandas(fb, cp, as_of)

    print(
        f"{args.customers:,} customers, {len(fb):,} answers, {len(cp):,} complaints; "
        f"as_of 2024-06-30, windows {WINDOWS}"
    )
    a, b = ours(), theirs()  # warm-up, and the two must agree
    b = b.reindex(a.index)
    for column in b.columns:
        filled = (
            b[column].fillna(0)
            if column.startswith(("responses_", "low_", "compl"))
            else b[column]
        )
        np.testing.assert_allclose(a[column].to_numpy(float), filled.to_numpy(float), rtol=1e-9)
    print("results agree on every column")
    print(f"load average before: {os.getloadavg()}  (cores: {os.cpu_count()})")
    times: dict[str, list[float]] = {"segkit": [], "pandas": []}
    for _ in range(args.rounds):
        for name, func in (("segkit", ours), ("pandas", theirs)):
            start = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - start)
    print(f"load average after:  {os.getloadavg()}")
    seg, pan = statistics.median(times["segkit"]), statistics.median(times["pandas"])
    print(f"median of {args.rounds} interleaved runs")
    print(row("segkit.feedback.feedback_features", seg))
    print(row("pandas groupby (the obvious way)", pan))
    print(
        f"  segkit is {pan / seg:.1f}x faster than pandas; "
        f"goal < 3 s: {'met' if seg < 3 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
