"""How long ``import segkit`` and ``segkit --help`` take, against ``import pandas, numpy``.

Each command runs in a fresh interpreter; the three are interleaved round by
round so that machine load affects them alike, and the medians are compared.
Goals (issue 12): ``import segkit`` within 1.3x and ``segkit --help`` within
1.5x of ``import pandas, numpy``.

Run: ``python benchmarks/bench_import.py [rounds]``
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "import pandas, numpy": [sys.executable, "-c", "import pandas, numpy"],
    "import segkit": [sys.executable, "-c", "import segkit"],
    "segkit --help": [sys.executable, "-m", "segkit", "--help"],
}
GOALS = {"import segkit": 1.3, "segkit --help": 1.5}


def main(rounds: int = 11) -> None:
    print(f"load average before: {os.getloadavg()}  (cores: {os.cpu_count()})")
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    print(f"load average after:  {os.getloadavg()}")
    reference = statistics.median(times["import pandas, numpy"])
    print(f"median of {rounds} interleaved runs, each in a fresh interpreter")
    for name, values in times.items():
        median = statistics.median(values)
        ratio = median / reference
        goal = ""
        if name in GOALS:
            verdict = "met" if ratio <= GOALS[name] else "MISSED"
            goal = f"  (goal <= {GOALS[name]}x: {verdict})"
        print(f"  {name:<24} {median:7.3f} s  {ratio:5.2f}x{goal}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 11)
