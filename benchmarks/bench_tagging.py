"""Benchmark: segkit's TagEngine against a loop of DataFrame.eval and rule-engine.

Run from the repository root::

    python benchmarks/bench_tagging.py                      # 1M customers x 100 rules
    python benchmarks/bench_tagging.py --customers 200000   # quicker

Three ways to evaluate the same 100 rules (a realistic mix of comparisons,
and/or, in-lists, null checks and time windows), each written in its own
syntax with the same meaning:

* segkit: ``TagEngine(rules).apply(df, as_of=...)``, timed including rule
  parsing and compilation;
* pandas: ``df.eval(rule)`` for each rule (numexpr engine when installed);
  ``DataFrame.eval`` runs code built from the rule text, which is why segkit
  never calls it. It appears here only as a speed reference;
* rule-engine (``pip install rule-engine``): one ``Rule.matches(row)`` per rule
  per customer, measured on ``--re-customers`` customers and ``--re-rules``
  rules (a slice of the same mix) and scaled linearly to the full size.

Medians of ``--repeat`` runs are printed, with the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from segkit.tagging import Rule, TagEngine

AS_OF = pd.Timestamp("2024-03-31")
CITIES = ["Oslo", "Rome", "Paris", "Berlin", "Madrid", "Lisbon"]


def make_customers(n: int, seed: int = 0) -> pd.DataFrame:
    """A customer table like summarize + event_features produce, with ~5% nulls."""
    rng = np.random.default_rng(seed)
    recency = rng.integers(0, 720, n).astype(float)
    revenue = rng.gamma(2.0, 150.0, n)
    revenue[rng.random(n) < 0.05] = np.nan
    city = rng.choice(np.asarray(CITIES, dtype=object), n)
    city[rng.random(n) < 0.05] = None
    return pd.DataFrame(
        {
            "recency_days": recency,
            "orders": rng.poisson(3.0, n).astype(np.int64),
            "revenue": revenue,
            "city": pd.Series(city, dtype="str"),
            "channel": pd.Series(rng.choice(["web", "store", "app"], n), dtype="str"),
            "last_purchase": AS_OF - pd.to_timedelta(recency, unit="D"),
            "page_view_30d": rng.poisson(5.0, n).astype(np.int64),
            "email_open_30d": rng.poisson(1.0, n).astype(np.int64),
        }
    )


def make_rules(count: int) -> list[tuple[str, str, str, str]]:
    """(tag, segkit rule, DataFrame.eval expression, rule-engine rule), same meaning."""
    out = []
    for i in range(count):
        a, b = 50 + 10 * i, 1 + i % 7
        cutoff = (AS_OF - pd.Timedelta(days=10 + i)).strftime("%Y-%m-%d")
        kind = i % 5
        if kind == 0:
            seg = f"revenue >= {a} and orders >= {b}"
            pdx = f"revenue >= {a} and orders >= {b}"
            re_ = f"revenue != null and revenue >= {a} and orders >= {b}"
        elif kind == 1:
            seg = f"city in ['Oslo', 'Rome'] or recency_days < {i}"
            pdx = f"city in ['Oslo', 'Rome'] or recency_days < {i}"
            re_ = f"city in ['Oslo', 'Rome'] or recency_days < {i}"
        elif kind == 2:
            seg = f"revenue is null or page_view_30d > {b} and email_open_30d >= 1"
            pdx = f"revenue != revenue or page_view_30d > {b} and email_open_30d >= 1"
            re_ = f"revenue == null or page_view_30d > {b} and email_open_30d >= 1"
        elif kind == 3:
            seg = f"last_purchase >= as_of - {10 + i}d and channel != 'store'"
            pdx = f"last_purchase >= '{cutoff}' and channel != 'store'"
            re_ = f"last_purchase >= d\"{cutoff}\" and channel != 'store'"
        else:
            seg = f"not orders between 2 and {b + 2} and orders > 0 and revenue / orders > 50"
            pdx = (
                f"not (orders >= 2 and orders <= {b + 2}) and orders > 0 and revenue / orders > 50"
            )
            re_ = (
                f"not (orders >= 2 and orders <= {b + 2}) and revenue != null and orders > 0 "
                "and revenue / orders > 50"
            )
        out.append((f"tag_{i}", seg, pdx, re_))
    return out


CPU: list[float] = []  # CPU seconds of the last timed() call, per run


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall-clock seconds of ``repeat`` runs (CPU seconds go to ``CPU``)."""
    times, result = [], None
    CPU.clear()
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        CPU.append(time.process_time() - cpu)
    return statistics.median(times), result


def run_segkit(df: pd.DataFrame, rules: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    engine = TagEngine([Rule(tag, seg) for tag, seg, _, _ in rules])
    return engine.apply(df, as_of=AS_OF)


def run_pandas_eval(df: pd.DataFrame, rules: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    out = {}
    for tag, _, expr, _ in rules:
        out[tag] = df.eval(expr).to_numpy(dtype=bool)  # benchmark only: runs code from text
    return pd.DataFrame(out, index=df.index)


def run_rule_engine(
    records: list[dict[str, Any]], rules: list[tuple[str, str, str, str]]
) -> dict[str, list[bool]]:
    import rule_engine

    out = {}
    for tag, _, _, text in rules:
        rule = rule_engine.Rule(text)
        out[tag] = [rule.matches(row) for row in records]
    return out


def to_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts with None for nulls and datetime for timestamps."""
    columns = list(df.columns)
    arrays = []
    for c in columns:
        series = df[c]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            arrays.append([None if pd.isna(v) else v.to_pydatetime() for v in series])
        else:
            arrays.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
                           for v in series.astype(object)])  # fmt: skip
    return [dict(zip(columns, values, strict=True)) for values in zip(*arrays, strict=True)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--re-customers", type=int, default=100_000)
    parser.add_argument("--re-rules", type=int, default=10)
    parser.add_argument("--skip-rule-engine", action="store_true")
    args = parser.parse_args(argv)

    df = make_customers(args.customers)
    rules = make_rules(args.rules)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"{args.customers:,} customers x {len(rules)} rules; medians of {args.repeat} runs\n")

    seg_time, seg_out = timed(lambda: run_segkit(df, rules), args.repeat)
    seg_cpu = statistics.median(CPU)
    print(f"segkit TagEngine (compile + apply):  {seg_time:8.3f} s  (CPU {seg_cpu:.3f} s)")

    pd_time, pd_out = timed(lambda: run_pandas_eval(df, rules), max(1, args.repeat // 2))
    try:
        import numexpr

        engine = f"numexpr {numexpr.__version__}"
    except ImportError:
        engine = "python engine; numexpr not installed"
    pd_cpu = statistics.median(CPU)
    print(f"loop of DataFrame.eval ({engine}): {pd_time:8.3f} s  (CPU {pd_cpu:.3f} s)")
    mismatch = int((seg_out.to_numpy() != pd_out.to_numpy()).sum())
    print(f"  cells where segkit and DataFrame.eval disagree: {mismatch}")
    ratio, ratio_cpu = pd_time / seg_time, pd_cpu / seg_cpu
    print(f"  ratio DataFrame.eval / segkit: {ratio:8.1f}x  (CPU {ratio_cpu:.1f}x)")

    if not args.skip_rule_engine:
        try:
            import rule_engine
        except ImportError:
            print("\nrule-engine not installed (pip install rule-engine); skipped")
            return
        n_re = min(args.re_customers, args.customers)
        re_rules = rules[: args.re_rules]
        sample = df.iloc[:n_re]
        records = to_records(sample)
        re_time, re_out = timed(lambda: run_rule_engine(records, re_rules), 1)
        re_cpu = CPU[0]
        per = re_time / (n_re * len(re_rules))
        scaled = per * args.customers * len(rules)
        seg_sample = run_segkit(sample, re_rules)
        disagree = sum(
            int((np.asarray(re_out[tag]) != seg_sample[tag].to_numpy()).sum()) for tag in re_out
        )
        print(
            f"\nrule-engine {rule_engine.__version__} per object: {re_time:8.3f} s for "
            f"{n_re:,} customers x {len(re_rules)} rules "
            f"({per * 1e6:.2f} us per rule per customer)"
        )
        print(f"  cells where segkit and rule-engine disagree: {disagree}")
        print(f"  scaled to {args.customers:,} x {len(rules)}: {scaled:10.1f} s")
        scaled_cpu = re_cpu / (n_re * len(re_rules)) * args.customers * len(rules)
        print(
            f"  ratio rule-engine / segkit: {scaled / seg_time:10.0f}x  "
            f"(CPU {scaled_cpu / seg_cpu:.0f}x)"
        )


if __name__ == "__main__":
    main()
