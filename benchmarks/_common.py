"""Helpers shared by the benchmark scripts: timing with medians, peak memory."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def median_time(func: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_memory(func: Callable[[], Any]) -> int:
    """Peak bytes allocated (numpy and pandas buffers included) while ``func`` runs."""
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def row(name: str, seconds: float, reference: float | None = None) -> str:
    ratio = "" if reference is None else f"{reference / seconds:8.1f}x"
    return f"  {name:<44} {seconds:9.3f} s {ratio}"
