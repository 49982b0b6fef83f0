"""How long the whole Pulumi program takes to evaluate under mocks, and what it declares.

For each committed stack (prod, dev): the first (cold) evaluation, which imports the tiers and
builds or finds the Lambda archive, then the median of warm evaluations; beside them the
baseline, an empty program under the same mocks, so the ratio shows the program's own cost.
Then the resources each tier declares (by component parent), per stack.

Run: .venv/bin/python -m bench.program     (from the repository's root)
"""
from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from infra.mocks import evaluate, evaluate_program, make_site_dir, test_config

STACKS = ("prod", "dev")
WARM_RUNS = 5


def timed(run) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main() -> None:
    site_dir = make_site_dir(Path(tempfile.mkdtemp(prefix="bench-site-")))
    baseline = statistics.median(timed(lambda: evaluate(lambda: None))[0] for _ in range(WARM_RUNS))
    print(f"baseline (empty program under the mocks): {baseline * 1000:8.1f} ms")
    runs = {}
    for stack in STACKS:
        config = test_config(stack, site_dir)
        cold, runs[stack] = timed(lambda: evaluate_program(stack, config))
        warm = statistics.median(timed(lambda: evaluate_program(stack, config))[0] for _ in range(WARM_RUNS))
        print(f"{stack:5} cold {cold * 1000:8.1f} ms   warm median of {WARM_RUNS} {warm * 1000:8.1f} ms"
              f"   = {warm / baseline:6.1f} x baseline")

    print("\nresources per tier (custom resources under each component; reads excluded)")
    counts = {
        stack: Counter(run.tier_of(r) or "(stack)" for r in run.resources if r.custom and not r.read)
        for stack, run in runs.items()
    }
    tiers = sorted({tier for c in counts.values() for tier in c})
    print(f"{'tier':38}" + "".join(f"{stack:>8}" for stack in STACKS))
    for tier in tiers:
        print(f"{tier:38}" + "".join(f"{counts[stack][tier]:>8}" for stack in STACKS))
    print(f"{'total':38}" + "".join(f"{sum(counts[stack].values()):>8}" for stack in STACKS))


if __name__ == "__main__":
    main()
