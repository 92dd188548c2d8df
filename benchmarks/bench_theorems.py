"""Time the main job's pieces: every theorem's quick (and optionally full) instances, the counterexample
searches, and the report figures. Run: ``python benchmarks/bench_theorems.py [--full]``; prints a table."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    import theorems
    from verify import report

    quick = "--full" not in sys.argv
    rows = []
    for name in theorems.NAMES:
        r = theorems.run(name, quick=quick)
        c = r.counts
        rows.append((name, len(r.verdicts), c["proved"], f"{r.seconds:.2f}"))
    edges = theorems.counterexamples()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        figures = report.build_figures(Path(tmp), quick=quick)
        fig_time = time.perf_counter() - start
    width = max(len(r[0]) for r in rows)
    print(f"{'statement'.ljust(width)}  inst  proved  seconds")
    for name, n, p, s in rows:
        print(f"{name.ljust(width)}  {n:>4}  {p:>6}  {s:>7}")
    print(f"counterexample searches: {sum(e.seconds for e in edges):.2f} s, found {sum(e.found for e in edges)}/{len(edges)}")
    print(f"report figures ({len(figures)}): {fig_time:.1f} s")


if __name__ == "__main__":
    main()
