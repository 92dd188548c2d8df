"""Floats choose, exact algebra certifies: the optimum of a larger LP from a floating-point basis.

For ``max c.x`` over ``{A x <= b}`` with many variables and rows, the exact simplex of
:mod:`verify.exactlp` pivots slowly (``benchmarks/bench_lp.py``: 20 variables and 240 rows take about
a second). Here scipy's HiGHS solves the LP in floating point; its tightest rows, taken while they stay
exactly independent, are a candidate basis B. Exact algebra in the seam type then solves ``A_B x = b_B``
and ``A_B^T y_B = c`` and checks ``y_B >= 0`` and ``A x <= b``. Then ``y.b = y_B.A_B x = c.x``, so x is
optimal with the multipliers y as its certificate, exactly as the simplex would certify it. Floats only
pick the rows: when anything fails (HiGHS does not report an optimum, the rows are dependent, a check
fails) the answer is None and the caller runs the exact simplex.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["certified_optimum"]


def certified_optimum(A: Sequence[Sequence[Any]], b: Sequence[Any], c: Sequence[Any]) -> tuple[Any, ...] | None:
    """(value, x, y) of ``max c.x`` over ``{A x <= b}``, exact and certified, or None (then use the simplex).

    >>> from verify.exactlp import Q
    >>> A = [[Q(1), Q(0)], [Q(0), Q(1)], [Q(-1), Q(-1)]]
    >>> value, x, y = certified_optimum(A, [Q(1), Q(2), Q(0)], [Q(1), Q(1)])
    >>> value, x, y
    (mpq(3,1), (mpq(1,1), mpq(2,1)), (mpq(1,1), mpq(1,1), mpq(0,1)))
    """
    import numpy as np
    from scipy.optimize import linprog

    from verify.exactlp import ZERO, solve_square

    m, d = len(A), len(c)
    try:
        Af = np.array([[float(v) for v in row] for row in A], dtype=float).reshape(m, d)
        bf = np.array([float(v) for v in b], dtype=float)
        cf = np.array([float(v) for v in c], dtype=float)
    except OverflowError:
        return None
    if not (np.isfinite(Af).all() and np.isfinite(bf).all() and np.isfinite(cf).all()):
        return None
    res = linprog(-cf, A_ub=Af, b_ub=bf, bounds=[(None, None)] * d, method="highs")
    if res.status != 0 or res.x is None:
        return None
    B = _independent_rows(A, np.argsort(bf - Af @ res.x, kind="stable")[: 3 * d], d)
    if B is None:
        return None
    x = solve_square([A[k] for k in B], [b[k] for k in B])
    yB = solve_square([[A[k][i] for k in B] for i in range(d)], list(c))
    if x is None or yB is None or any(v < 0 for v in yB):
        return None
    if any(sum((a * t for a, t in zip(row, x) if a), ZERO) > bk for row, bk in zip(A, b)):
        return None
    y = [ZERO] * m
    for k, v in zip(B, yB):
        y[k] = v
    return sum((ci * xi for ci, xi in zip(c, x)), ZERO), tuple(x), tuple(y)


def _independent_rows(A: Sequence[Sequence[Any]], order: Any, d: int) -> list[int] | None:
    """d rows of A, in the given order, each exactly independent of those before (None if fewer)."""
    B: list[int] = []
    echelon: list[tuple[int, list[Any]]] = []  # (pivot column, reduced row)
    for r in order:
        row = list(A[int(r)])
        for k, e in echelon:
            if row[k]:
                f = row[k] / e[k]
                row = [a - f * t for a, t in zip(row, e)]
        lead = next((k for k, v in enumerate(row) if v), None)
        if lead is not None:
            echelon.append((lead, row))
            B.append(int(r))
            if len(B) == d:
                return B
    return None
