"""Benchmark: KMeansSegmenter on 1 million customers x 3 features, auto-k over 2..8.

Builds a customer table from ``make_transactions`` (summarize), or with
``--synthetic`` draws the three features directly (faster to set up, same
shape). Prints median times of ``repeat`` runs for the whole fit (k-means and
silhouette for every k on a seeded 5,000-customer sample, k-means with the
chosen k on all customers, names, profiles, the rule tree on all customers
and its fidelity through the tag engine), for a fit
with a fixed k, for ``predict`` and for running the rules in the tag engine,
plus the chosen k, the silhouette scores and the rule fidelity.

    python benchmarks/bench_cluster.py                    # 1,000,000 customers
    python benchmarks/bench_cluster.py --customers 100000 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd

import segkit
from _common import median_time, row
from segkit.cluster import KMeansSegmenter
from segkit.datasets import make_transactions
from segkit.evaluate import concentration, segment_summary
from segkit.tagging import TagEngine

FEATURES = ["recency_days", "orders", "revenue"]


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    """Three skewed features with four planted groups."""
    rng = np.random.default_rng(seed)
    group = rng.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])
    recency = np.array([300.0, 120.0, 40.0, 8.0])[group] * rng.lognormal(0, 0.4, n)
    orders = np.maximum(
        1, np.round(np.array([1.0, 2.0, 5.0, 14.0])[group] * rng.lognormal(0, 0.3, n))
    )
    revenue = orders * np.array([30.0, 45.0, 60.0, 90.0])[group] * rng.lognormal(0, 0.3, n)
    return pd.DataFrame(
        {"recency_days": recency, "orders": orders, "revenue": revenue},
        index=pd.RangeIndex(n, name="customer_id"),
    )


def from_transactions(n: int) -> pd.DataFrame:
    """summarize() of synthetic transactions; net revenue below 0 (returns) is clipped to 0."""
    tx = make_transactions(n, seed=0)
    table = segkit.summarize(
        tx, customer="customer_id", timestamp="timestamp", amount="amount", order="order_id"
    )
    return table.assign(revenue=table["revenue"].clip(lower=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--synthetic", action="store_true", help="draw features directly")
    args = parser.parse_args()

    print(f"segkit {segkit.__version__}, {platform.python_implementation()} "
          f"{platform.python_version()}, {os.cpu_count()} CPUs")  # fmt: skip
    start = time.perf_counter()
    table = synthetic(args.customers) if args.synthetic else from_transactions(args.customers)
    table = table[FEATURES]
    print(f"customer table: {len(table):,} customers x {len(FEATURES)} features "
          f"({'synthetic' if args.synthetic else 'summarize(make_transactions)'}), "
          f"built in {time.perf_counter() - start:.1f} s")  # fmt: skip
    print(f"median of {args.repeat} run(s):")

    auto = KMeansSegmenter(features=FEATURES, random_state=0)
    t_auto, seg = median_time(lambda: auto.fit(table), args.repeat)
    print(row("fit, n_clusters='auto' (k = 2..8)", t_auto))
    fixed = KMeansSegmenter(features=FEATURES, n_clusters=seg.n_clusters_, random_state=0)
    t_fixed, _ = median_time(lambda: fixed.fit(table), args.repeat)
    print(row(f"fit, n_clusters={seg.n_clusters_}", t_fixed))
    t_predict, _ = median_time(lambda: seg.predict(table), args.repeat)
    print(row("predict", t_predict))
    engine = TagEngine(seg.to_rules())
    t_rules, _ = median_time(lambda: engine.apply(table), args.repeat)
    print(row("rules in the tag engine (apply)", t_rules))
    labels = seg.predict(table).map(dict(enumerate(seg.names_)))
    t_summary, _ = median_time(lambda: segment_summary(table, labels), args.repeat)
    print(row("segment_summary", t_summary))
    t_conc, _ = median_time(lambda: concentration(table["revenue"]), args.repeat)
    print(row("concentration (revenue)", t_conc))

    print(f"chosen k: {seg.n_clusters_}; silhouette by k: "
          + ", ".join(f"{k}: {s:.3f}" for k, s in seg.silhouette_scores_.items()))  # fmt: skip
    print(f"rule fidelity: {seg.fidelity_:.4f} with {len(seg.to_rules())} rules")
    for name, share in zip(seg.names_, seg.profiles_["share"], strict=True):
        print(f"  {share:6.1%}  {name}")
    verdict = "under" if t_auto < 60 else "OVER"
    print(f"auto-k fit: {t_auto:.1f} s, {verdict} the 60 s budget")


if __name__ == "__main__":
    main()
