"""Benchmark: Lifecycle.replay against per-object state machines.

Generates ~10 million transactions of 1 million customers and replays the
default lifecycle over 24 monthly boundaries (output="changes", the
memory-light form), 3 runs, median. The same machine (same states, the same
guards as Python conditions, the same priority order and "fire until nothing
fires" rule) is then run in python-statemachine and in transitions on 10,000
customers, one object per customer, over the same 24 boundaries with the
features precomputed (so they are timed on state-machine work only, while
segkit's time includes computing the features). Their time per customer is
scaled to 1 million customers and compared.

A second part times what ``profile()`` runs: the panel replay, ``flows()``
and ``current()`` on it. With ``--before DIR`` (the ``src`` folder of an
earlier segkit, e.g. ``git worktree add /tmp/old <commit>``) both versions
run on the same saved data, alternately, each in a fresh process.

    python benchmarks/bench_lifecycle.py                  # 1,000,000 customers
    python benchmarks/bench_lifecycle.py --customers 100000
    python benchmarks/bench_lifecycle.py --profile-path --before /tmp/old/src
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from _common import peak_memory
from segkit.datasets import make_transactions
from segkit.features import TransactionColumns
from segkit.lifecycle import default_lifecycle
from segkit.lifecycle._replay import feature_steps, periods

START, END = "2024-01-01", "2025-12-01"  # 24 month starts; earlier history counts
COLUMNS = {"customer": "customer_id", "timestamp": "timestamp", "amount": "amount"}

# The default lifecycle's guards, in priority order per state, as Python.
GUARDS: dict[str, list[tuple[str, Callable[[dict[str, float]], bool]]]] = {
    "prospect": [("new", lambda f: f["orders"] >= 1)],
    "new": [
        ("at_risk", lambda f: f["recency_days"] > 180),
        ("active", lambda f: f["orders"] >= 2 and f["recency_days"] <= 90),
    ],
    "active": [
        ("at_risk", lambda f: f["recency_days"] > 180),
        ("loyal", lambda f: f["orders"] >= 5 and f["recency_days"] <= 90),
    ],
    "loyal": [("at_risk", lambda f: f["recency_days"] > 180)],
    "at_risk": [
        ("churned", lambda f: f["recency_days"] > 365),
        ("active", lambda f: f["recency_days"] <= 90),
    ],
    "churned": [("reactivated", lambda f: f["recency_days"] <= 90)],
    "reactivated": [
        ("at_risk", lambda f: f["recency_days"] > 180),
        ("active", lambda f: f["orders_90d"] >= 2),
    ],
}
STATES = list(GUARDS)


def period_features(tx: pd.DataFrame) -> tuple[list[list[dict[str, float]]], list[bool]]:
    """Per boundary, per customer: the features the guards read (NaN compares false)."""
    cols = TransactionColumns.read(tx, **COLUMNS)
    bounds = periods(cols, "MS", START, END).cuts
    n = len(cols.customers)
    out = []
    present_at = []
    names = ("orders", "recency_days", "orders_90d")
    for _, present, feats in feature_steps(cols, cols.codes, n, bounds, (90,), None, names):
        rows = [
            dict(zip(names, values, strict=True))
            for values in zip(*(feats[c].tolist() for c in names), strict=True)
        ]
        out.append(rows)
        present_at.append(present.copy())
    return out, present_at


def run_python_statemachine(
    features: list[list[dict[str, float]]], present: list[np.ndarray[Any, Any]]
) -> tuple[float, list[str]]:
    from statemachine import State, StateMachine

    def make_class() -> type:
        attrs: dict[str, Any] = {
            name: State(name, initial=(name == "prospect")) for name in STATES
        }
        tick = None
        for source, options in GUARDS.items():
            for target, guard in options:
                t = attrs[source].to(attrs[target], cond=lambda g=guard, **kw: g(kw["model"].f))
                tick = t if tick is None else tick | t
        attrs["tick"] = tick
        attrs["allow_event_without_transition"] = True
        return type("Lifecycle", (StateMachine,), attrs)

    class Model:
        def __init__(self) -> None:
            self.f: dict[str, float] = {}

    machine_class = make_class()
    n = len(features[0])
    models = [Model() for _ in range(n)]
    machines: list[Any] = [None] * n
    start = time.perf_counter()
    for k, rows in enumerate(features):
        alive = present[k]
        for i in range(n):
            if not alive[i]:
                continue
            model = models[i]
            model.f = rows[i]
            if machines[i] is None:
                machines[i] = machine_class(model=model)
            sm = machines[i]
            for _ in range(len(STATES)):
                before = sm.current_state.id
                sm.send("tick", model=model)
                if sm.current_state.id == before:
                    break
    elapsed = time.perf_counter() - start
    return elapsed, [m.current_state.id if m else "" for m in machines]


def run_transitions(
    features: list[list[dict[str, float]]], present: list[np.ndarray[Any, Any]]
) -> tuple[float, list[str]]:
    from transitions import Machine

    class Model:
        def __init__(self) -> None:
            self.f: dict[str, float] = {}

    spec = []
    for source, options in GUARDS.items():
        for target, guard in options:
            spec.append(
                {
                    "trigger": "tick",
                    "source": source,
                    "dest": target,
                    "conditions": [_condition(guard)],
                }
            )
    n = len(features[0])
    models = [Model() for _ in range(n)]
    machine = Machine(
        model=None,
        states=STATES,
        transitions=spec,
        initial="prospect",
        ignore_invalid_triggers=True,
        auto_transitions=False,
        send_event=True,
    )
    added = [False] * n
    start = time.perf_counter()
    for k, rows in enumerate(features):
        alive = present[k]
        for i in range(n):
            if not alive[i]:
                continue
            model = models[i]
            model.f = rows[i]
            if not added[i]:
                machine.add_model(model)
                added[i] = True
            for _ in range(len(STATES)):
                if not model.tick():  # type: ignore[attr-defined]
                    break
    elapsed = time.perf_counter() - start
    return elapsed, [m.state if a else "" for m, a in zip(models, added, strict=True)]  # type: ignore[attr-defined]


def run_transitions_per_object(
    features: list[list[dict[str, float]]], present: list[np.ndarray[Any, Any]]
) -> tuple[float, list[str]]:
    """transitions as its README shows it: one Machine per object (creation timed too)."""
    from transitions import Machine

    class Model:
        def __init__(self) -> None:
            self.f: dict[str, float] = {}

    spec = [
        {"trigger": "tick", "source": source, "dest": target, "conditions": [_condition(guard)]}
        for source, options in GUARDS.items()
        for target, guard in options
    ]
    n = len(features[0])
    models = [Model() for _ in range(n)]
    added = [False] * n
    start = time.perf_counter()
    for k, rows in enumerate(features):
        alive = present[k]
        for i in range(n):
            if not alive[i]:
                continue
            model = models[i]
            model.f = rows[i]
            if not added[i]:
                Machine(
                    model=model,
                    states=STATES,
                    transitions=spec,
                    initial="prospect",
                    ignore_invalid_triggers=True,
                    auto_transitions=False,
                    send_event=True,
                )
                added[i] = True
            for _ in range(len(STATES)):
                if not model.tick():  # type: ignore[attr-defined]
                    break
    elapsed = time.perf_counter() - start
    return elapsed, [m.state if a else "" for m, a in zip(models, added, strict=True)]  # type: ignore[attr-defined]


def _condition(guard: Callable[[dict[str, float]], bool]) -> Callable[[Any], bool]:
    def check(event: Any) -> bool:
        return guard(event.model.f)

    return check


def machine_only(lc: Any, tx: pd.DataFrame) -> float:
    """segkit's time on the state-machine work alone, features precomputed.

    The same loop as ``Lifecycle.replay`` (enter new customers, evaluate the
    guards for everyone, fire until nothing fires), timed without computing
    the features: the work the per-object libraries are timed on.
    """
    cols = TransactionColumns.read(tx, **COLUMNS)
    bounds = periods(cols, "MS", START, END)
    n = len(cols.customers)
    stored = [
        (k, present.copy(), {name: np.array(v) for name, v in feats.items()})
        for k, present, feats in feature_steps(
            cols, cols.codes, n, bounds.cuts, lc.windows, None, lc.columns
        )
    ]
    absent = len(lc.states)
    initial = np.int8(lc.names.index(lc.initial))
    state = np.full(n, absent, dtype=np.int8)
    start = time.perf_counter()
    for k, present, feats in stored:
        current = state.copy()
        current[present & (state == absent)] = initial
        frame = pd.DataFrame(feats, copy=False)
        state = lc._machine.advance(frame, current, as_of=bounds.labels[k], ids=cols.customers)
    return time.perf_counter() - start


def time_profile_path(path: str) -> dict[str, float]:
    """Panel replay, flows() and current() on the saved data, as profile() runs them."""
    from segkit.lifecycle import flows

    tx = pd.read_pickle(path)
    lc = default_lifecycle()
    out = {}
    t = time.perf_counter()
    panel = lc.replay(tx, **COLUMNS, start=START, end=END)
    out["replay (panel)"] = time.perf_counter() - t
    t = time.perf_counter()
    flows(panel)
    out["flows"] = time.perf_counter() - t
    t = time.perf_counter()
    lc.current(panel)
    out["current"] = time.perf_counter() - t
    out["rows"] = float(len(panel))
    return out


def profile_path(customers: int, before: str | None, rounds: int) -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    mine = os.path.join(os.path.dirname(here), "src")
    tx = make_transactions(customers, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "tx.pkl")
        tx.to_pickle(path)
        del tx
        trees = [("this tree", mine)] + ([("before", before)] if before else [])
        results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
        for _ in range(rounds):
            for name, src in trees:  # alternately, each in a fresh process
                env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{here}"}
                code = (
                    "import json, bench_lifecycle as b; "
                    f"print(json.dumps(b.time_profile_path({path!r})))"
                )
                run = subprocess.run(
                    [sys.executable, "-c", code], env=env, capture_output=True, text=True
                )
                if run.returncode:
                    raise SystemExit(run.stderr)
                results[name].append(json.loads(run.stdout.strip().splitlines()[-1]))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"profile path: {customers:,} customers, 24 monthly boundaries, median of {rounds} "
        f"run(s) each (load average {load:.1f})"
    )
    steps = ("replay (panel)", "flows", "current")
    medians = {
        name: {k: statistics.median(r[k] for r in runs) for k in steps}
        for name, runs in results.items()
    }
    for step in steps:
        line = f"  {step:<16}" + "".join(
            f" {name}: {medians[name][step]:6.2f} s" for name in medians
        )
        if before:
            line += f"  ({medians['before'][step] / medians['this tree'][step]:.1f}x faster)"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--others", type=int, default=10_000, help="customers for the others")
    parser.add_argument(
        "--profile-path", action="store_true", help="time replay(panel)+flows+current only"
    )
    parser.add_argument("--before", help="src folder of an earlier segkit to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.profile_path:
        profile_path(args.customers, args.before, args.rounds)
        return
    lc = default_lifecycle()

    t0 = time.perf_counter()
    tx = make_transactions(args.customers, seed=7)
    print(
        f"generated {len(tx):,} transactions of {tx['customer_id'].nunique():,} customers "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    def ours() -> pd.DataFrame:
        return lc.replay(tx, **COLUMNS, start=START, end=END, output="changes")

    # The machine is shared: segkit is timed 3 times now and once more after each
    # competitor, and the ratios use the median of all those runs.
    our_times = []
    changes = None
    for _ in range(3):
        t = time.perf_counter()
        changes = ours()
        our_times.append(time.perf_counter() - t)
    assert changes is not None
    n_periods = len(changes.attrs["periods"])
    n_customers = changes["customer"].nunique()
    # Customer-steps: each customer from the boundary it entered at to the last one.
    entered = changes.loc[changes["from"].isna(), "date"]
    first = pd.DatetimeIndex(list(changes.attrs["periods"])).get_indexer(pd.DatetimeIndex(entered))
    our_steps = int((n_periods - first).sum())
    print(
        f"segkit Lifecycle.replay: {n_customers:,} customers x {n_periods} periods "
        f"({our_steps:,} customer-steps), {len(changes):,} changes"
    )
    peak = peak_memory(ours)
    print(f"  peak memory during replay: {peak / 2**20:,.0f} MiB")

    small = make_transactions(args.others, seed=7)
    features, present = period_features(small)
    mine = lc.replay(small, **COLUMNS, start=START, end=END, output="changes")
    expected = lc.current(mine)["state"].astype(str)
    steps = sum(int(p.sum()) for p in present)
    results = []
    for name, module, runner, repeat in (
        ("python-statemachine", "statemachine", run_python_statemachine, 1),
        ("transitions (one shared Machine)", "transitions", run_transitions, 3),
        ("transitions (a Machine per object)", "transitions", run_transitions_per_object, 3),
    ):
        if importlib.util.find_spec(module) is None:
            print(f"{name}: not installed (pip install {module})")
            continue
        times = []
        for _ in range(repeat):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                elapsed, states = runner(features, present)
            times.append(elapsed)
        got = pd.Series(states, index=range(len(states)))
        agree = float((got[got != ""].to_numpy() == expected.to_numpy()).mean())
        results.append((name, statistics.median(times), repeat, agree))
        t = time.perf_counter()
        ours()
        our_times.append(time.perf_counter() - t)

    seconds = statistics.median(our_times)
    machine = statistics.median(machine_only(lc, tx) for _ in range(3))
    print(
        f"  the state-machine work alone (features precomputed, as for the others): "
        f"median {machine:.2f} s ({machine / our_steps * 1e9:.0f} ns per customer-step)"
    )
    print(
        f"  median of {len(our_times)} runs: {seconds:.2f} s "
        f"({seconds / our_steps * 1e9:.0f} ns per customer-step, features included); "
        f"runs: {', '.join(f'{x:.2f}' for x in our_times)} s"
    )
    for name, elapsed, repeat, agree in results:
        their_per_object = elapsed / steps
        scaled = their_per_object * our_steps
        print(
            f"{name}: {args.others:,} customers, {steps:,} customer-steps, median of {repeat} "
            f"run(s) {elapsed:.2f} s ({their_per_object * 1e6:.1f} us per customer-step; same "
            f"final states: {agree:.1%}); scaled to {n_customers:,} customers: {scaled:,.0f} s; "
            f"segkit is {scaled / seconds:,.0f}x faster with its features, "
            f"{scaled / machine:,.0f}x on the state-machine work alone"
        )


if __name__ == "__main__":
    main()
