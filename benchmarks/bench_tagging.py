"""Benchmark: segkit's TagEngine against Polars and DuckDB (and DataFrame.eval, rule-engine).

Run from the repository root (1M rows: take the bench lock)::

    flock /tmp/segkit-bench.lock python benchmarks/bench_tagging.py   # 1M customers x 100 rules
    python benchmarks/bench_tagging.py --customers 200000               # quicker

The same 100 rules (a realistic mix of comparisons, and/or/not, in-lists,
null checks, ratios and time windows), each written in the contender's own
syntax with the same three-valued (Kleene) meaning: a comparison with a
missing value is unknown, and a tag is given where its rule is true.

* segkit: ``TagEngine(rules).apply(df, as_of=...)``, including parsing,
  compilation and building the pandas output frame;
* Polars: one ``select`` of 100 boolean expressions (``fill_null(False)``) on
  a Polars frame built before timing; the result is a Polars frame;
* DuckDB: one ``SELECT`` of 100 ``COALESCE(condition, false)`` over the
  frame as an Arrow table registered before timing; fetched as Arrow;
* optionally ``DataFrame.eval`` per rule (``--pandas-eval``; it runs code
  built from the rule text, which is why segkit never calls it) and
  rule-engine on a sample scaled up (``--rule-engine``).

Contenders run interleaved (one round runs each once), ``--repeat`` rounds;
medians are printed with the ratios, the CPU time, and the machine's load
average before and after. Cells where a contender's tags differ from
segkit's are counted (they must be 0).
"""

from __future__ import annotations

import argparse
import os
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


def make_rules(count: int) -> list[dict[str, Any]]:
    """The same rules in each contender's syntax: segkit, pandas, rule-engine, SQL, and the
    parameters the Polars expression is built from."""
    out = []
    for i in range(count):
        a, b = 50 + 10 * i, 1 + i % 7
        cutoff = (AS_OF - pd.Timedelta(days=10 + i)).strftime("%Y-%m-%d")
        kind = i % 5
        if kind == 0:
            seg = f"revenue >= {a} and orders >= {b}"
            pdx = f"revenue >= {a} and orders >= {b}"
            re_ = f"revenue != null and revenue >= {a} and orders >= {b}"
            sql = f"revenue >= {a} AND orders >= {b}"
        elif kind == 1:
            seg = f"city in ['Oslo', 'Rome'] or recency_days < {i}"
            pdx = f"city in ['Oslo', 'Rome'] or recency_days < {i}"
            re_ = f"city in ['Oslo', 'Rome'] or recency_days < {i}"
            sql = f"city IN ('Oslo', 'Rome') OR recency_days < {i}"
        elif kind == 2:
            seg = f"revenue is null or page_view_30d > {b} and email_open_30d >= 1"
            pdx = f"revenue != revenue or page_view_30d > {b} and email_open_30d >= 1"
            re_ = f"revenue == null or page_view_30d > {b} and email_open_30d >= 1"
            sql = f"revenue IS NULL OR page_view_30d > {b} AND email_open_30d >= 1"
        elif kind == 3:
            seg = f"last_purchase >= as_of - {10 + i}d and channel != 'store'"
            pdx = f"last_purchase >= '{cutoff}' and channel != 'store'"
            re_ = f"last_purchase >= d\"{cutoff}\" and channel != 'store'"
            sql = f"last_purchase >= TIMESTAMP '{cutoff}' AND channel <> 'store'"
        else:
            seg = f"not orders between 2 and {b + 2} and orders > 0 and revenue / orders > 50"
            pdx = (
                f"not (orders >= 2 and orders <= {b + 2}) and orders > 0 and revenue / orders > 50"
            )
            re_ = (
                f"not (orders >= 2 and orders <= {b + 2}) and revenue != null and orders > 0 "
                "and revenue / orders > 50"
            )
            sql = f"NOT (orders BETWEEN 2 AND {b + 2}) AND orders > 0 AND revenue / orders > 50"
        out.append(
            {"tag": f"tag_{i}", "segkit": seg, "pandas": pdx, "rule_engine": re_, "sql": sql,
             "kind": kind, "a": a, "b": b, "i": i, "cutoff": pd.Timestamp(cutoff)}
        )  # fmt: skip
    return out


def polars_expr(rule: dict[str, Any]) -> Any:
    """The rule as a Polars expression (Polars' boolean logic with nulls is Kleene too)."""
    import polars as pl

    c, kind, a, b, i = pl.col, rule["kind"], rule["a"], rule["b"], rule["i"]
    if kind == 0:
        expr = (c("revenue") >= a) & (c("orders") >= b)
    elif kind == 1:
        expr = c("city").is_in(["Oslo", "Rome"]) | (c("recency_days") < i)
    elif kind == 2:
        expr = c("revenue").is_null() | ((c("page_view_30d") > b) & (c("email_open_30d") >= 1))
    elif kind == 3:
        expr = (c("last_purchase") >= rule["cutoff"]) & (c("channel") != "store")
    else:
        expr = (
            ~c("orders").is_between(2, b + 2)
            & (c("orders") > 0)
            & (c("revenue") / c("orders") > 50)
        )
    return expr.fill_null(False).alias(rule["tag"])


def run_segkit(df: pd.DataFrame, rules: list[dict[str, Any]]) -> pd.DataFrame:
    engine = TagEngine([Rule(r["tag"], r["segkit"]) for r in rules])
    return engine.apply(df, as_of=AS_OF)


def run_polars(frame: Any, rules: list[dict[str, Any]]) -> Any:
    return frame.select([polars_expr(r) for r in rules])


def run_duckdb(con: Any, rules: list[dict[str, Any]]) -> Any:
    columns = ", ".join(f"COALESCE({r['sql']}, false) AS {r['tag']}" for r in rules)
    return con.sql(f"SELECT {columns} FROM customers").to_arrow_table()


def run_pandas_eval(df: pd.DataFrame, rules: list[dict[str, Any]]) -> pd.DataFrame:
    out = {}
    for r in rules:
        out[r["tag"]] = df.eval(r["pandas"]).to_numpy(dtype=bool)  # benchmark only
    return pd.DataFrame(out, index=df.index)


def run_rule_engine(
    records: list[dict[str, Any]], rules: list[dict[str, Any]]
) -> dict[str, list[bool]]:
    import rule_engine

    out = {}
    for r in rules:
        rule = rule_engine.Rule(r["rule_engine"])
        out[r["tag"]] = [rule.matches(row) for row in records]
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


def as_matrix(result: Any, tags: list[str]) -> np.ndarray:
    """A contender's output as a (customers x tags) boolean matrix."""
    if isinstance(result, pd.DataFrame):
        return result[tags].to_numpy(dtype=bool)
    if hasattr(result, "to_pandas"):  # Polars frame, Arrow table
        return np.column_stack([np.asarray(result[t].to_numpy(), dtype=bool) for t in tags])
    return np.column_stack([np.asarray(result[t], dtype=bool) for t in tags])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pandas-eval", action="store_true", help="also time DataFrame.eval")
    parser.add_argument("--rule-engine", action="store_true", help="also time rule-engine")
    parser.add_argument("--re-customers", type=int, default=100_000)
    parser.add_argument("--re-rules", type=int, default=10)
    args = parser.parse_args(argv)

    df = make_customers(args.customers)
    rules = make_rules(args.rules)
    tags = [r["tag"] for r in rules]
    contenders: dict[str, Callable[[], Any]] = {"segkit": lambda: run_segkit(df, rules)}
    versions = [f"python {sys.version.split()[0]}", f"numpy {np.__version__}",
                f"pandas {pd.__version__}"]  # fmt: skip
    try:
        import polars as pl

        frame = pl.from_pandas(df)
        contenders["Polars"] = lambda: run_polars(frame, rules)
        versions.append(f"polars {pl.__version__}")
    except ImportError:
        print("polars not installed; skipped")
    try:
        import duckdb
        import pyarrow as pa

        con = duckdb.connect()
        con.register("customers", pa.Table.from_pandas(df, preserve_index=False))
        contenders["DuckDB"] = lambda: run_duckdb(con, rules)
        versions.append(f"duckdb {duckdb.__version__}")
    except ImportError:
        print("duckdb or pyarrow not installed; skipped")
    if args.pandas_eval:
        contenders["DataFrame.eval loop"] = lambda: run_pandas_eval(df, rules)

    print(", ".join(versions))
    print(f"{args.customers:,} customers x {len(rules)} rules; medians of {args.repeat} "
          "interleaved rounds")  # fmt: skip
    print(f"load before: {load()}")
    wall: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    results: dict[str, Any] = {}
    for _ in range(args.repeat):
        for name, run in contenders.items():
            start, cpu_start = time.perf_counter(), time.process_time()
            results[name] = run()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - cpu_start)
    print(f"load after:  {load()}\n")
    reference = as_matrix(results["segkit"], tags)
    seg = statistics.median(wall["segkit"])
    for name in contenders:
        median = statistics.median(wall[name])
        spread = f"{min(wall[name]):.3f}-{max(wall[name]):.3f}"
        used = statistics.median(cpu[name])
        print(f"  {name:<22} {median:8.3f} s  (runs {spread} s, CPU {used:.3f} s)"
              f"  {median / seg:6.2f}x segkit's time")  # fmt: skip
    for name in contenders:
        if name != "segkit":
            mismatch = int((as_matrix(results[name], tags) != reference).sum())
            print(f"  cells where segkit and {name} disagree: {mismatch}")

    if args.rule_engine:
        try:
            import rule_engine
        except ImportError:
            print("\nrule-engine not installed (pip install rule-engine); skipped")
            return
        n_re = min(args.re_customers, args.customers)
        re_rules = rules[: args.re_rules]
        sample = df.iloc[:n_re]
        records = to_records(sample)
        start = time.perf_counter()
        re_out = run_rule_engine(records, re_rules)
        re_time = time.perf_counter() - start
        per = re_time / (n_re * len(re_rules))
        scaled = per * args.customers * len(rules)
        seg_sample = run_segkit(sample, re_rules)
        disagree = sum(
            int((np.asarray(re_out[tag]) != seg_sample[tag].to_numpy()).sum()) for tag in re_out
        )
        print(
            f"\nrule-engine {rule_engine.__version__}: {per * 1e6:.2f} us per rule per customer; "
            f"scaled to {args.customers:,} x {len(rules)}: {scaled:.1f} s "
            f"({scaled / seg:.0f}x segkit's time)"
        )
        print(f"  cells where segkit and rule-engine disagree: {disagree}")


if __name__ == "__main__":
    main()
