"""Exact LP for the region engine: which number type behind the seam, and whether floats should go first.

The engine's LPs are small: a cell's bound has d = 2..4 variables and a few to a few dozen rows; a lifted
relaxation has d + k variables. Compared on random bounded feasible instances of those shapes and of larger
ones, each answer checked equal to the exact optimum:

* ``mpq``: the exact dual simplex of :mod:`verify.exactlp` with its seam type, gmpy2 ``mpq`` (the engine's);
* ``Fraction`` / ``fmpq``: the same code with ``fractions.Fraction`` / python-flint ``fmpq`` as the seam
  (module copies, only the import line changed);
* ``float+cert``: :mod:`verify.lpfloat`: scipy's HiGHS in floats, then the exact certificate rebuilt from
  the rows it leaves tightest (solve them exactly for x and the multipliers y; check y >= 0, A x <= b), with
  the exact simplex as the fallback when that fails. Floats only choose the rows; the answer is exact;
* ``lp_max_q``: what the engine calls: the simplex below ``exactlp.FLOAT_FIRST`` rows * variables, else
  float+cert.

Median microseconds per LP. Run: python benchmarks/bench_lp.py [--quick]
"""

from __future__ import annotations

import importlib.util
import random
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from verify import exactlp
from verify.lpfloat import certified_optimum

SOURCE = Path(exactlp.__file__).read_text()
simplex: Any = None  # verify.exactlp with the simplex only (set in main)


def seam_copy(name: str, import_line: str) -> Any:
    """verify.exactlp with another seam type (a module copy; only the import line differs), simplex only."""
    text = SOURCE.replace("    from gmpy2 import mpq as Q", "    " + import_line)
    assert text != SOURCE
    text = text.replace("FLOAT_FIRST = 400", "FLOAT_FIRST = 10**18")
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    exec(compile(text, f"<{name}>", "exec"), mod.__dict__)
    return mod


def instance(rng: random.Random, d: int, m: int) -> tuple[list[list[Fraction]], list[Fraction], list[Fraction]]:
    """max c.x over A x <= b: m random rows through slack around a random point, plus the box |x_i| <= 20."""
    p = [Fraction(rng.randint(-6, 6), rng.randint(1, 3)) for _ in range(d)]
    A, b = [], []
    for _ in range(m):
        row = [Fraction(rng.randint(-5, 5)) for _ in range(d)]
        A.append(row)
        b.append(sum(a * t for a, t in zip(row, p)) + Fraction(rng.randint(1, 6), rng.randint(1, 3)))
    for i in range(d):
        for s in (1, -1):
            A.append([Fraction(s if k == i else 0) for k in range(d)])
            b.append(Fraction(20))
    return A, b, [Fraction(rng.randint(-4, 4)) for _ in range(d)]


def float_then_certify(A: list[list[Any]], b: list[Any], c: list[Any]) -> Any:
    """The exact optimum value: HiGHS picks the basis and exact algebra certifies it, else the exact simplex."""
    got = certified_optimum(A, b, c)
    return got[0] if got is not None else simplex.lp_max_q(A, b, c).value


def timed(fn: Any, reps: int) -> tuple[float, Any]:
    ts, out = [], None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), out


def main() -> None:
    quick = "--quick" in sys.argv
    n_inst, reps = (5, 1) if quick else (15, 3)
    global simplex
    simplex = seam_copy("exactlp_mpq", "from gmpy2 import mpq as Q  # copy")
    frac = seam_copy("exactlp_fraction", "from fractions import Fraction as Q")
    fmpq = seam_copy("exactlp_fmpq", "from flint import fmpq as Q")
    shapes = [("cell", 2, 6), ("cell", 2, 24), ("cell", 3, 12), ("cell", 4, 24), ("relax", 8, 16),
              ("relax", 12, 30), ("large", 10, 100), ("large", 20, 200)]
    print(f"{'kind':>6} {'vars':>4} {'rows':>4} {'mpq us':>9} {'Fraction':>9} {'fmpq':>9} {'float+cert':>10}"
          f" {'lp_max_q':>9}  best")
    rng = random.Random(1)
    for kind, d, m in shapes:
        cols: dict[str, list[float]] = {"mpq": [], "Fraction": [], "fmpq": [], "float+cert": [], "lp_max_q": []}
        big = d * m >= 2000  # the simplex in Fraction takes ~8 s at 20 x 240: 3 instances, one run each
        r = 1 if big else reps
        for _ in range(3 if big else n_inst):
            A, b, c = instance(rng, d, m)
            truth = exactlp.lp_max(A, b, c).value
            for name, mod in (("mpq", simplex), ("Fraction", frac), ("fmpq", fmpq)):
                Qt = mod.Q
                Aq = [[Qt(v.numerator, v.denominator) for v in row] for row in A]
                bq = [Qt(v.numerator, v.denominator) for v in b]
                cq = [Qt(v.numerator, v.denominator) for v in c]
                t, res = timed(lambda mod=mod, Aq=Aq, bq=bq, cq=cq: mod.lp_max_q(Aq, bq, cq), r)
                value = res.value
                assert Fraction(int(value.numerator), int(value.denominator)) == truth, (name, value, truth)
                cols[name].append(t)
            Q = exactlp.Q
            Aq = [[Q(v) for v in row] for row in A]
            bq, cq = [Q(v) for v in b], [Q(v) for v in c]
            t, value = timed(lambda Aq=Aq, bq=bq, cq=cq: float_then_certify(Aq, bq, cq), r)
            assert exactlp.to_fraction(value) == truth
            cols["float+cert"].append(t)
            t, res = timed(lambda Aq=Aq, bq=bq, cq=cq: exactlp.lp_max_q(Aq, bq, cq), r)  # the engine's choice
            assert exactlp.to_fraction(res.value) == truth
            cols["lp_max_q"].append(t)
        med = {k: statistics.median(v) * 1e6 for k, v in cols.items()}
        best = min((k for k in med if k != "lp_max_q"), key=med.__getitem__)
        print(f"{kind:>6} {d:>4} {m + 2 * d:>4} {med['mpq']:9.0f} {med['Fraction']:9.0f} {med['fmpq']:9.0f}"
              f" {med['float+cert']:10.0f} {med['lp_max_q']:9.0f}  {best}", flush=True)


if __name__ == "__main__":
    main()
