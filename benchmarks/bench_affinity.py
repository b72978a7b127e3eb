"""Benchmark: CoPurchaseRecommender at scale, and against mlxtend's association rules.

1. Scale: order lines of ``--customers`` customers (default 1,000,000), about
   ten lines each (10,000,000), over ``--products`` products (50,000), with
   planted category preferences and complementary pairs. Times ``fit`` and the
   top-10 for every customer (one run each: wall and CPU seconds), and the
   process's peak resident memory.
2. Against mlxtend (``apriori`` with ``max_len=2`` + ``association_rules``) on
   a size its dense one-hot input can hold (``--small-orders`` orders of
   ``--small-products`` products): pair rules with support, confidence and
   lift, medians of interleaved runs, the ratio, and a check that both give
   the same rules and numbers. mlxtend is timed on a ready one-hot frame
   (building it is not counted).

Machine load is printed before and after: the machine is shared, so wall
times under load overstate; CPU seconds are printed beside them.

    flock /tmp/segkit-bench.lock python benchmarks/bench_affinity.py
    python benchmarks/bench_affinity.py --customers 100000 --products 20000
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from _common import row
from segkit.affinity import CoPurchaseRecommender


def planted_lines(
    n_customers: int, n_lines: int, n_products: int, *, seed: int = 0, categories: int = 25
) -> pd.DataFrame:
    """Order lines with a favourite category per customer and a partner per product.

    About 2.5 lines per order; a line's category is the customer's favourite
    with probability 0.6; products within a category follow a Zipf-like
    popularity; 30% of lines bring their product's complementary partner
    into the same order.
    """
    rng = np.random.default_rng(seed)
    category_of = np.sort(rng.integers(0, categories, n_products))
    weight = 1.0 / (1.0 + rng.permutation(n_products)) ** 0.9
    cum = np.cumsum(weight)
    first = np.searchsorted(category_of, np.arange(categories))
    last = np.searchsorted(category_of, np.arange(categories), side="right")
    base = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
    span = cum[last - 1] - base
    partner = rng.permutation(n_products)
    favourite = rng.integers(0, categories, n_customers)
    n_base = int(n_lines / 1.3)
    n_orders = max(n_customers, int(n_base / 1.9))
    owner = np.concatenate(
        [np.arange(n_customers), rng.integers(0, n_customers, n_orders - n_customers)]
    )
    line_order = np.sort(
        np.concatenate([np.arange(n_orders), rng.integers(0, n_orders, n_base - n_orders)])
    )
    cust = owner[line_order]
    cat = np.where(rng.random(n_base) < 0.6, favourite[cust], rng.integers(0, categories, n_base))
    product = np.searchsorted(cum, base[cat] + rng.random(n_base) * span[cat])
    product = np.minimum(product, n_products - 1)
    pair = rng.random(n_base) < 0.3
    orders = np.concatenate([line_order, line_order[pair]])
    products = np.concatenate([product, partner[product[pair]]])
    day = rng.integers(0, 730, n_orders)
    return pd.DataFrame(
        {
            "customer_id": owner[orders].astype(np.int64),
            "order_id": orders.astype(np.int64),
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(day[orders], unit="D"),
            "product": products.astype(np.int64),
        }
    )


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"


def timed(func: Any) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = func()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def scale(args: argparse.Namespace) -> None:
    print(f"\n1. Scale: {args.customers:,} customers, {args.products:,} products")
    n_lines = 10 * args.customers
    wall, _, lines = timed(
        lambda: planted_lines(args.customers, n_lines, args.products, seed=args.seed)
    )
    print(
        f"  generated {len(lines):,} lines, {lines['order_id'].nunique():,} orders in {wall:.1f} s"
    )
    rec = CoPurchaseRecommender(similarity="lift", min_support=2)
    wall, cpu, _ = timed(
        lambda: rec.fit(lines, customer="customer_id", order="order_id", item="product")
    )
    print(
        f"  fit: {wall:.1f} s wall, {cpu:.1f} s CPU (goal < 30 s); "
        f"{rec.cooccurrence_.nnz:,} pairs, {rec.similarity_.nnz:,} neighbours kept"
    )
    wall, cpu, out = timed(lambda: rec.recommend(k=10))
    print(
        f"  top-10 for all {rec.customers_.size:,} customers: {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU (goal < 60 s); {len(out):,} rows"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    print(f"  peak resident memory of the process (data included): {peak:.2f} GiB (goal < 8)")


def one_hot(lines: pd.DataFrame) -> pd.DataFrame:
    orders, order_labels = pd.factorize(lines["order_id"])
    items, item_labels = pd.factorize(lines["product"], sort=True)
    dense = np.zeros((order_labels.size, item_labels.size), dtype=bool)
    dense[orders, items] = True
    return pd.DataFrame(dense, columns=[str(v) for v in item_labels])


def versus_mlxtend(args: argparse.Namespace) -> None:
    print(f"\n2. Pair rules on {args.small_orders:,} orders of {args.small_products} products")
    if importlib.util.find_spec("mlxtend") is None:
        print("  mlxtend is not installed: pip install mlxtend")
        return
    from mlxtend.frequent_patterns import apriori, association_rules

    customers = args.small_orders // 2
    lines = planted_lines(customers, customers * 5, args.small_products, seed=args.seed + 1)
    lines = lines[lines["order_id"] < args.small_orders]
    lines = lines.assign(product=lines["product"].astype(str))
    hot = one_hot(lines)
    n_orders = len(hot)
    min_support = args.min_support

    def ours() -> pd.DataFrame:
        rec = CoPurchaseRecommender(min_support=min_support).fit(
            lines, customer="customer_id", order="order_id", item="product"
        )
        return rec.association_rules()

    def theirs() -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frequent = apriori(hot, min_support=min_support, use_colnames=True, max_len=2)
            return association_rules(frequent, len(hot), metric="lift", min_threshold=0.0)

    times: dict[str, list[float]] = {"segkit": [], "mlxtend": []}
    results: dict[str, pd.DataFrame] = {}
    for _ in range(args.repeat):
        for name, func in (("segkit", ours), ("mlxtend", theirs)):
            wall, _, results[name] = timed(func)
            times[name].append(wall)
    med = {name: float(np.median(t)) for name, t in times.items()}
    print(f"  {n_orders:,} orders, min_support {min_support} ({load()})")
    print(row("mlxtend apriori(max_len=2) + association_rules", med["mlxtend"]))
    print(
        row("segkit CoPurchaseRecommender.fit + association_rules", med["segkit"], med["mlxtend"])
    )
    a = results["segkit"]
    b = results["mlxtend"]
    b = pd.DataFrame(
        {
            "antecedent": [next(iter(s)) for s in b["antecedents"]],
            "consequent": [next(iter(s)) for s in b["consequents"]],
            "support": b["support"].to_numpy(),
            "confidence": b["confidence"].to_numpy(),
            "lift": b["lift"].to_numpy(),
        }
    )
    merged = a.merge(b, on=["antecedent", "consequent"], suffixes=("", "_mlxtend"))
    worst = max(
        float(np.abs(merged[c] - merged[f"{c}_mlxtend"]).max()) if len(merged) else 0.0
        for c in ("support", "confidence", "lift")
    )
    print(
        f"  rules: segkit {len(a):,}, mlxtend {len(b):,}, in both {len(merged):,}; "
        f"largest difference in support/confidence/lift {worst:.2e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--small-orders", type=int, default=20_000)
    parser.add_argument("--small-products", type=int, default=300)
    parser.add_argument("--min-support", type=float, default=0.001)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    print(f"bench_affinity: {load()}")
    if not args.skip_scale:
        scale(args)  # first, so that the peak memory is the scale run's
    versus_mlxtend(args)
    print(f"\ndone: {load()}")


if __name__ == "__main__":
    main()
