"""Benchmark: loyalty points ledger (and tiers, cohorts) against pandas in the same run.

Points: ~10 million transactions of 1 million customers, a programme with a
bonus multiplier, a monthly cap and 12-month expiry, redemptions by a third
of the customers. segkit's ``PointsProgram.ledger`` is timed against the
same FIFO ledger written with pandas ``sort_values`` / ``groupby().cumsum()``
/ ``groupby().cummax()``, interleaved, medians; the results must agree.

    flock /tmp/segkit-bench.lock python benchmarks/bench_loyalty.py
    python benchmarks/bench_loyalty.py --customers 100000
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from segkit.datasets import make_transactions
from segkit.evaluate import cohort_retention
from segkit.loyalty import LoyaltyWarning, Multiplier, PointsProgram, Tier, TierProgram

COLUMNS = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}
AS_OF = "2025-12-31"
PROGRAM = PointsProgram(
    1.0,
    multipliers=[Multiplier("month == 12", 2.0)],
    cap_per_month=2_000,
    expiry_months=12,
)


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""


def make_redemptions(tx: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One redemption for a third of the customers, a fraction of what they spent so far."""
    rng = np.random.default_rng(seed)
    last = tx.groupby("customer_id", sort=False).agg(
        ts=("timestamp", "max"), spent=("amount", "sum")
    )
    pick = last.sample(frac=1 / 3, random_state=seed)
    return pd.DataFrame(
        {
            "customer_id": pick.index,
            "timestamp": pick["ts"] + pd.to_timedelta(rng.integers(0, 30, len(pick)), "D"),
            "points": np.floor(pick["spent"].clip(lower=0) * rng.uniform(0.1, 0.6, len(pick))),
        }
    )


def pandas_ledger(tx: pd.DataFrame, red: pd.DataFrame) -> pd.DataFrame:
    """The same FIFO ledger with pandas group-wise cumulative sums and maxima."""
    cut = pd.Timestamp(AS_OF) + pd.Timedelta(days=1) - pd.Timedelta(1)
    t = tx[(tx["timestamp"] <= cut) & (tx["amount"] != 0)].copy()
    t["month"] = t["timestamp"].dt.month
    factor = np.where(t["month"] == 12, 2.0, 1.0)
    t["pts"] = np.floor(np.round(t["amount"] * factor, 9))
    buy = t[t["amount"] > 0].copy()
    buy["ym"] = buy["timestamp"].dt.to_period("M")
    buy = buy.sort_values(["customer_id", "ym", "timestamp"], kind="stable")
    cum = buy.groupby(["customer_id", "ym"], sort=False)["pts"].cumsum()
    buy["pts"] = np.minimum(cum, 2000) - np.minimum(cum - buy["pts"], 2000)
    buy = buy.sort_values(["customer_id", "timestamp"], kind="stable")
    buy["C"] = buy.groupby("customer_id", sort=False)["pts"].cumsum()
    exp = buy[["customer_id", "timestamp", "C"]].copy()
    exp["timestamp"] = exp["timestamp"] + pd.DateOffset(months=12)
    exp = exp[exp["timestamp"] <= cut]
    ret = t[t["amount"] < 0]
    r = red[red["timestamp"] <= cut]
    events = pd.concat(
        [
            pd.DataFrame(
                {
                    "c": buy["customer_id"],
                    "t": buy["timestamp"],
                    "k": 1,
                    "inflow": buy["pts"],
                    "bought": buy["amount"],
                    "out": 0.0,
                    "thr": -np.inf,
                }
            ),
            pd.DataFrame(
                {
                    "c": exp["customer_id"],
                    "t": exp["timestamp"],
                    "k": 0,
                    "inflow": 0.0,
                    "bought": 0.0,
                    "out": 0.0,
                    "thr": exp["C"],
                }
            ),
            pd.DataFrame(
                {
                    "c": ret["customer_id"],
                    "t": ret["timestamp"],
                    "k": 2,
                    "inflow": 0.0,
                    "bought": 0.0,
                    "out": -ret["amount"],  # points set below
                    "thr": -np.inf,
                }
            ),
            pd.DataFrame(
                {
                    "c": r["customer_id"],
                    "t": r["timestamp"],
                    "k": 3,
                    "inflow": 0.0,
                    "bought": 0.0,
                    "out": r["points"].astype(float),
                    "thr": -np.inf,
                }
            ),
        ],
        ignore_index=True,
    ).sort_values(["c", "t", "k"], kind="stable")
    g = events.groupby("c", sort=False)
    events["U"] = g["inflow"].cumsum()
    # a return (no order ids) claws back the points earned per unit bought so far
    bought = g["bought"].cumsum()
    is_ret = (events["k"] == 2).to_numpy()
    rate = np.where(bought > 0, events["U"] / bought.where(bought > 0, 1.0), 0.0)
    events.loc[is_ret, "out"] = np.floor(np.round(events["out"] * rate, 9))[is_ret]
    events["S"] = g["out"].cumsum()
    events["v"] = events["thr"] - events["S"]
    events["X"] = events.groupby("c", sort=False)["v"].cummax().clip(lower=0)
    # (the pandas version does not cut withdrawals larger than the balance; it flags them)
    events["short"] = events["U"] - events["S"] - events["X"] < -1e-9
    short = events.groupby("c", sort=True)["short"].any()
    last = events.groupby("c", sort=True).tail(1).set_index("c")
    redeemed = events[events["k"] == 3].groupby("c")["out"].sum()
    clawed = events[events["k"] == 2].groupby("c")["out"].sum()
    out = pd.DataFrame(index=last.index)
    out["points_earned"] = last["U"] - clawed.reindex(out.index, fill_value=0.0)
    out["points_redeemed"] = redeemed.reindex(out.index, fill_value=0.0)
    out["points_expired"] = last["X"]
    out["points_balance"] = last["U"] - last["S"] - last["X"]
    out["short"] = short.reindex(out.index, fill_value=False)
    return out


def interleave(contenders: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, func in contenders.items():
            t = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - t)
    return times


def bench_points(tx: pd.DataFrame, rounds: int) -> None:
    red = make_redemptions(tx, 1)

    def ours() -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LoyaltyWarning)
            return PROGRAM.ledger(tx, **COLUMNS, redemptions=red, as_of=AS_OF)

    mine, theirs = ours(), pandas_ledger(tx, red)
    # compare where the pandas version is valid (no withdrawal beyond the balance)
    common = theirs.index[~theirs["short"]].intersection(mine.index)
    cols = ["points_earned", "points_redeemed", "points_expired", "points_balance"]
    fine = bool(np.allclose(mine.loc[common, cols], theirs.loc[common, cols]))
    share = len(common) / len(mine)
    times = interleave({"segkit": ours, "pandas": lambda: pandas_ledger(tx, red)}, rounds)
    a, b = statistics.median(times["segkit"]), statistics.median(times["pandas"])
    print(
        f"points ledger: {len(tx):,} transactions, {tx['customer_id'].nunique():,} customers, "
        f"{len(red):,} redemptions, expiry 12 months ({load()})"
    )
    print(f"  segkit PointsProgram.ledger   median {a:6.2f} s  runs {fmt(times['segkit'])}")
    print(f"  pandas groupby/cumsum ledger  median {b:6.2f} s  runs {fmt(times['pandas'])}")
    print(
        f"  segkit is {b / a:.1f}x faster; same ledgers for the {share:.1%} of customers "
        f"the pandas version handles (no withdrawal beyond the balance): {fine}"
    )


def pandas_cohorts(tx: pd.DataFrame) -> pd.DataFrame:
    """Customers by acquisition month x months since, with pandas groupby."""
    t = tx[tx["timestamp"] <= pd.Timestamp(AS_OF) + pd.Timedelta(days=1)]
    month = t["timestamp"].dt.year * 12 + t["timestamp"].dt.month
    buy = t["amount"] >= 0
    first = month[buy].groupby(t.loc[buy, "customer_id"]).min()
    cohort = t["customer_id"].map(first)
    frame = pd.DataFrame({"c": cohort, "age": month - cohort, "id": t["customer_id"]})
    revenue = t["amount"].groupby([frame["c"], frame["age"]]).sum().unstack()
    customers = frame[buy].drop_duplicates().groupby(["c", "age"]).size().unstack()
    assert revenue.shape[0] == customers.shape[0]
    return customers


def bench_cohorts(tx: pd.DataFrame, rounds: int) -> None:
    def ours() -> Any:
        return cohort_retention(tx, **COLUMNS, as_of=AS_OF)

    mine, theirs = ours().customers, pandas_cohorts(tx)
    same = bool(
        np.allclose(
            mine.fillna(0).to_numpy()[: len(theirs), : theirs.shape[1]],
            theirs.fillna(0).to_numpy(),
        )
    )
    times = interleave({"segkit": ours, "pandas": lambda: pandas_cohorts(tx)}, rounds)
    a, b = statistics.median(times["segkit"]), statistics.median(times["pandas"])
    print(f"cohort table: {len(tx):,} transactions, monthly cohorts ({load()})")
    print(f"  segkit cohort_retention        median {a:6.2f} s  runs {fmt(times['segkit'])}")
    print(f"  pandas groupby (same tables)   median {b:6.2f} s  runs {fmt(times['pandas'])}")
    print(f"  segkit is {b / a:.1f}x faster; same customer counts: {same}")


TIERS = TierProgram(
    [Tier("member"), Tier("silver", "revenue_365d >= 100"), Tier("gold", "revenue_365d >= 400")]
)
TIER_START, TIER_END = "2024-01-01", "2025-12-01"


def pandas_tiers(tx: pd.DataFrame) -> pd.Series:
    """Monthly tiers with protection (one level down per review) from 24 groupby sums.

    The month starts before ``TIER_END`` are instants (midnight): the window is
    ``(b - 365 days, b]``. The last point is ``TIER_END`` itself, a date, which
    by the time policy (docs/time.md) means that whole day: the window is the
    365 calendar days ending with it, ``[b + 1 day - 365 days, b + 1 day)``.
    """
    day = pd.Timedelta(days=1)
    bounds = pd.date_range(TIER_START, TIER_END, freq="MS")
    level = pd.Series(dtype=np.float64)
    for b in bounds:
        if b == bounds[-1]:  # the date TIER_END: the whole day
            end = b + day
            inside = (tx["timestamp"] >= end - pd.Timedelta(days=365)) & (tx["timestamp"] < end)
            present = tx.loc[tx["timestamp"] < end, "customer_id"].unique()
        else:
            inside = (tx["timestamp"] > b - pd.Timedelta(days=365)) & (tx["timestamp"] <= b)
            present = tx.loc[tx["timestamp"] <= b, "customer_id"].unique()
        revenue = tx[inside].groupby("customer_id")["amount"].sum().reindex(present, fill_value=0)
        qualified = (revenue >= 100).astype(float) + (revenue >= 400).astype(float)
        before = level.reindex(present).fillna(0.0)
        level = np.maximum(qualified, before - 1.0)
    return level


def bench_tiers(tx: pd.DataFrame, rounds: int) -> None:
    def ours() -> pd.DataFrame:
        return TIERS.replay(tx, **COLUMNS, start=TIER_START, end=TIER_END, output="changes")

    # 24 points: the month starts before TIER_END, then TIER_END itself (a date: the whole day)
    changes = ours()
    mine = changes.groupby("customer")["to"].last().cat.codes.astype(float)
    theirs = pandas_tiers(tx)
    same = float((mine.reindex(theirs.index) == theirs).mean())
    times = interleave({"segkit": ours, "pandas": lambda: pandas_tiers(tx)}, rounds)
    a, b = statistics.median(times["segkit"]), statistics.median(times["pandas"])
    n = tx["customer_id"].nunique()
    print(f"tiers: {n:,} customers x 24 monthly reviews, 3 tiers, protection ({load()})")
    print(f"  segkit TierProgram.replay      median {a:6.2f} s  runs {fmt(times['segkit'])}")
    print(f"  pandas 24 groupby sums         median {b:6.2f} s  runs {fmt(times['pandas'])}")
    print(f"  segkit is {b / a:.1f}x faster; same final tiers: {same:.2%}")


def fmt(xs: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", nargs="+", default=["points", "tiers", "cohorts"])
    args = parser.parse_args()
    t = time.perf_counter()
    tx = make_transactions(args.customers, seed=11, start="2023-01-01", end="2025-12-31")
    print(f"generated {len(tx):,} rows in {time.perf_counter() - t:.0f} s ({load()})")
    if "points" in args.only:
        bench_points(tx, args.rounds)
    if "tiers" in args.only:
        bench_tiers(tx, args.rounds)
    if "cohorts" in args.only:
        bench_cohorts(tx, args.rounds)


if __name__ == "__main__":
    main()
