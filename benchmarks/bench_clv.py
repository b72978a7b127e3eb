"""Speed of segkit's CLV models against lifetimes (when installed).

Run from the repository root::

    python benchmarks/bench_clv.py                 # CDNOW + 1 million customers
    python benchmarks/bench_clv.py --customers 100000 --repeats 3
    python benchmarks/bench_clv.py --lifetimes-timeout 0   # segkit only
    python benchmarks/bench_clv.py --only-boundary --boundary 3300 30000

Prints, from one run: Pareto/NBD fits at the boundary of the parameter space
(customers who almost never drop out; segkit and lifetimes interleaved), fit
times on the CDNOW calibration data and on
simulated customers (daily units, three years; drawn with segkit's own
``simulate``), the time of each prediction over all simulated customers, and
the ratio to lifetimes where lifetimes runs. Times are medians of
``--repeats`` runs (single runs for lifetimes on the large data, which are
slow). lifetimes runs in a subprocess with a time limit so that a fit which
does not finish is reported, not waited for.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from segkit.clv import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD, lifetime_value
from segkit.datasets import load_cdnow
from segkit.features import summarize

BG_DAYS = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}
PARETO_DAYS = {"r": 0.553, "alpha": 10.578 * 7, "s": 0.606, "beta": 11.669 * 7}


class Timing:
    """Median wall-clock and CPU seconds of repeated calls.

    The CPU time of the process is reported next to the wall time because
    the machine the figures in docs/clv.md come from is shared: wall times
    there include waiting for the CPU, process CPU times mostly do not.
    """

    def __init__(self, wall: float, cpu: float) -> None:
        self.wall = wall
        self.cpu = cpu

    def __str__(self) -> str:
        return f"{self.wall:8.3f} s (cpu {self.cpu:7.3f} s)"


def speedup(theirs: Timing, ours: Timing) -> str:
    """'segkit 12.3x faster (cpu 14.0x)' or '... slower'."""

    def one(a: float, b: float) -> str:
        ratio = a / b
        return f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"

    return f"segkit {one(theirs.wall, ours.wall)} (cpu: {one(theirs.cpu, ours.cpu)})"


def timed(func: Callable[[], Any], repeats: int) -> tuple[Timing, Any]:
    """Median wall and CPU time of ``repeats`` calls, and the last result."""
    walls, cpus = [], []
    result = None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return Timing(statistics.median(walls), statistics.median(cpus)), result


def simulate(model: Any, params: dict[str, float], n: int, seed: int) -> pd.DataFrame:
    """Customers acquired uniformly over three years, observed to the end, in days."""
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 3 * 365 + 1, n).astype(np.float64)
    data = model.simulate(n, T, params=params, seed=seed)
    # purchases are recorded per day: t_x on the day grid, as summarize() gives it
    data["t_x"] = np.minimum(np.ceil(data["t_x"]), data["T"])
    return data.drop(columns="alive")


# ---- lifetimes, in a subprocess --------------------------------------------------


def _lifetimes_worker(kind: str, path: str, queue: Any) -> None:
    warnings.simplefilter("ignore")
    try:
        from lifetimes import BetaGeoFitter, ParetoNBDFitter

        data = pd.read_pickle(path)
        fitter = BetaGeoFitter() if kind == "bg" else ParetoNBDFitter()
        start, start_cpu = time.perf_counter(), time.process_time()
        fitter.fit(data["x"], data["t_x"], data["T"])
        elapsed = (time.perf_counter() - start, time.process_time() - start_cpu)
        queue.put(("ok", elapsed, {k: float(v) for k, v in fitter.params_.items()}))
    except Exception as exc:  # report whatever lifetimes raises
        queue.put(("error", (0.0, 0.0), f"{type(exc).__name__}: {exc}"))


def lifetimes_fit(
    kind: str, data: pd.DataFrame, timeout: float, path: str
) -> tuple[str, Timing | None]:
    """Fit lifetimes in a subprocess; return a printable outcome and its timing."""
    if timeout <= 0:
        return "not run", None
    data[["x", "t_x", "T"]].to_pickle(path)
    queue: Any = mp.get_context("spawn").Queue()
    proc = mp.get_context("spawn").Process(target=_lifetimes_worker, args=(kind, path, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return f"did not finish in {timeout:.0f} s", None
    status, elapsed, info = queue.get()
    if status != "ok":
        return f"failed: {info}", None
    timing = Timing(*elapsed)
    return f"{timing}  {json.dumps({k: round(v, 4) for k, v in info.items()})}", timing


def lifetimes_available() -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifetimes warns on import with modern pandas
        try:
            import lifetimes  # noqa: F401
        except Exception:
            return False
    return True


# ---- Pareto/NBD at the boundary -----------------------------------------------------

#: customers who almost never drop out: mean dropout rate s/beta ~ 6e-8 per day
PARETO_BOUNDARY = {"r": 0.553, "alpha": 74.046, "s": 0.606, "beta": 1e7}


def load() -> str:
    """The machine's load averages, printed with every timed section."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def boundary(sizes: list[int], repeats: int, timeout: float, have_lifetimes: bool) -> None:
    """Pareto/NBD fits whose estimate tends to the no-dropout limit, segkit and lifetimes
    interleaved (segkit, lifetimes, segkit, ...), medians of ``repeats``."""
    from segkit.clv import BoundaryWarning

    print(f"\nPareto/NBD at the boundary (tiny dropout rate); median of {repeats}; {load()}")
    for n in sizes:
        data = simulate(ParetoNBD(), PARETO_BOUNDARY, n, seed=2)
        ours_wall, ours_cpu, theirs_wall, theirs_cpu = [], [], [], []
        outcome = "not run"
        model: Any = None
        for _ in range(repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", BoundaryWarning)
                model = ParetoNBD().fit(data)
            ours_wall.append(time.perf_counter() - start)
            ours_cpu.append(time.process_time() - start_cpu)
            if have_lifetimes:
                outcome, timing = lifetimes_fit(
                    "pareto", data, timeout, "/tmp/segkit_bench_clv_boundary.pkl"
                )
                if timing is None:
                    break  # a time-out is not repeated
                theirs_wall.append(timing.wall)
                theirs_cpu.append(timing.cpu)
        ours = Timing(statistics.median(ours_wall), statistics.median(ours_cpu))
        alive, _ = timed(lambda m=model, d=data: m.p_alive(d), repeats)
        expected, _ = timed(lambda m=model, d=data: m.expected_purchases(data=d, t=30.0), repeats)
        est = {k: round(float(v), 4) for k, v in model.params_.items()}
        print(
            f"  {n:>9,} customers  segkit fit {ours}  LL {model.log_likelihood_:.2f}  "
            f"{json.dumps(est)}\n  {'':>9}            p_alive {alive}  "
            f"expected_purchases(30) {expected}"
        )
        if theirs_wall:
            theirs = Timing(statistics.median(theirs_wall), statistics.median(theirs_cpu))
            runs = f"median of {len(theirs_wall)} finished run(s); last: {outcome}"
            pad = " " * 21
            print(f"  {pad}lifetimes  {theirs}  ({runs})  -> {speedup(theirs, ours)}")
        elif have_lifetimes:
            print(f"  {'':>9}            lifetimes  {outcome}")
    print(f"  after: {load()}")


# ---- the benchmark ---------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--lifetimes-timeout",
        type=float,
        default=300.0,
        help="seconds allowed for each lifetimes fit on the simulated data (0: skip)",
    )
    parser.add_argument(
        "--boundary",
        type=int,
        nargs="*",
        default=[3_300, 100_000],
        help="sizes of the Pareto/NBD boundary data sets (no sizes: skip)",
    )
    parser.add_argument(
        "--only-boundary", action="store_true", help="run the boundary section only"
    )
    args = parser.parse_args()
    warnings.simplefilter("error")  # a segkit warning would be a finding
    have_lifetimes = lifetimes_available()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"lifetimes: {'installed' if have_lifetimes else 'not installed (segkit only)'}")
    print(load())
    if args.boundary:
        boundary(args.boundary, args.repeats, args.lifetimes_timeout, have_lifetimes)
    if args.only_boundary:
        return

    # CDNOW -------------------------------------------------------------------------
    cdnow = summarize(
        load_cdnow(),
        customer="customer_id",
        timestamp="date",
        amount="amount",
        as_of="1997-09-30",
        unit="W",
    )
    print(
        f"\nCDNOW calibration: {len(cdnow)} customers (weeks); segkit and lifetimes "
        f"interleaved, median of {args.repeats}; {load()}"
    )
    lifetimes_fits: dict[str, Callable[[], Any]] = {}
    if have_lifetimes:
        from lifetimes import (
            BetaGeoFitter,
            GammaGammaFitter,
            ModifiedBetaGeoFitter,
            ParetoNBDFitter,
        )

        repeat = cdnow[cdnow["x"] > 0]
        lifetimes_fits = {
            "BG/NBD": lambda: BetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"]),
            "Pareto/NBD": lambda: ParetoNBDFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"]),
            "MBG/NBD": lambda: ModifiedBetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"]),
            "Gamma-Gamma": lambda: GammaGammaFitter().fit(repeat["x"], repeat["repeat_aov"]),
        }
    for name, make in [
        ("BG/NBD", BetaGeo),
        ("Pareto/NBD", ParetoNBD),
        ("MBG/NBD", ModifiedBetaGeo),
        ("Gamma-Gamma", GammaGamma),
    ]:
        ours_runs: list[tuple[float, float]] = []
        theirs_runs: list[tuple[float, float]] = []
        failure = ""
        model: Any = None
        for _ in range(args.repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            model = make().fit(cdnow)
            ours_runs.append((time.perf_counter() - start, time.process_time() - start_cpu))
            if name in lifetimes_fits and not failure:
                start, start_cpu = time.perf_counter(), time.process_time()
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        lifetimes_fits[name]()
                except Exception as exc:
                    failure = f"failed: {type(exc).__name__}: {exc}"
                    continue
                theirs_runs.append((time.perf_counter() - start, time.process_time() - start_cpu))
        ours = Timing(*(statistics.median(v) for v in zip(*ours_runs, strict=True)))
        print(f"  segkit    {name:<12} fit {ours}  LL {model.log_likelihood_:.2f}")
        if theirs_runs:
            theirs = Timing(*(statistics.median(v) for v in zip(*theirs_runs, strict=True)))
            print(f"  lifetimes {name:<12} fit {theirs}  -> {speedup(theirs, ours)}")
        elif failure:
            print(f"  lifetimes {name:<12} {failure}")

    # simulated customers -----------------------------------------------------------------
    n = args.customers
    print(f"\n{n:,} simulated customers, daily units, acquired over 3 years")
    results: dict[str, Any] = {}
    for name, make, params in [
        ("BG/NBD", BetaGeo, BG_DAYS),
        ("Pareto/NBD", ParetoNBD, PARETO_DAYS),
    ]:
        data = simulate(make(), params, n, seed=1)
        seconds, model = timed(lambda make=make, data=data: make().fit(data), args.repeats)
        est = {k: round(float(v), 4) for k, v in model.params_.items()}
        print(
            f"  segkit {name:<10} fit {seconds}  ({model.n_distinct_:,} distinct rows) "
            f"{json.dumps(est)}  truth {json.dumps({k: round(v, 4) for k, v in params.items()})}"
        )
        results[name] = (seconds, model, data)
        if have_lifetimes:
            outcome, theirs = lifetimes_fit(
                "bg" if name == "BG/NBD" else "pareto",
                data,
                args.lifetimes_timeout,
                "/tmp/segkit_bench_clv.pkl",
            )
            if theirs is not None:
                outcome += f"  -> {speedup(theirs, seconds)}"
            print(f"  lifetimes {name:<10} fit {outcome}")

    # predictions over all simulated customers ---------------------------------------
    print(f"\npredictions for {n:,} customers (horizon 30 days); median of {args.repeats}")
    spend_params = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    for name, (_, model, data) in results.items():
        spend = GammaGamma.from_params(spend_params)
        with_spend = data.assign(repeat_aov=25.0)
        methods: list[tuple[str, Callable[[], Any]]] = [
            ("expected_purchases(30)", lambda m=model, d=data: m.expected_purchases(d, 30.0)),
            ("p_alive()", lambda m=model, d=data: m.p_alive(d)),
            ("p_alive(t=30)", lambda m=model, d=data: m.p_alive(d, t=30.0)),
            (
                "probability_of_purchases(2, 30)",
                lambda m=model, d=data: m.probability_of_purchases(d, 2, 30.0),
            ),
            ("GammaGamma.expected_spend", lambda s=spend, d=with_spend: s.expected_spend(d)),
            (
                "lifetime_value(12 x 30 days)",
                lambda m=model, s=spend, d=with_spend: lifetime_value(
                    m, s, d, horizon=12, period=30.0, discount_rate=0.01
                ),
            ),
        ]
        for label, call in methods:
            seconds, _ = timed(call, args.repeats)
            print(f"  segkit {name:<10} {label:<34} {seconds}")
        if have_lifetimes:
            warnings.simplefilter("ignore")
            from lifetimes import BetaGeoFitter, ParetoNBDFitter

            fitter = BetaGeoFitter() if name == "BG/NBD" else ParetoNBDFitter()
            fitter.params_ = pd.Series(model.params_.to_dict())
            for label, call in [
                (
                    "expected_purchases(30)",
                    lambda f=fitter, d=data: f.conditional_expected_number_of_purchases_up_to_time(
                        30.0, d["x"], d["t_x"], d["T"]
                    ),
                ),
                (
                    "p_alive()",
                    lambda f=fitter, d=data: f.conditional_probability_alive(
                        d["x"], d["t_x"], d["T"]
                    ),
                ),
            ]:
                try:
                    theirs, _ = timed(call, 1)
                    ours, _ = timed(
                        (lambda m=model, d=data: m.expected_purchases(d, 30.0))
                        if label.startswith("expected")
                        else (lambda m=model, d=data: m.p_alive(d)),
                        1,
                    )
                    print(
                        f"  lifetimes {name:<10} {label:<34} {theirs}  -> {speedup(theirs, ours)}"
                    )
                except Exception as exc:
                    print(f"  lifetimes {name:<10} {label:<34} failed: {type(exc).__name__}")
            warnings.simplefilter("error")


if __name__ == "__main__":
    main()
