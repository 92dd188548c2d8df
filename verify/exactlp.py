"""Exact linear programming over Q: ``max c.x`` subject to ``A x <= b``, with certificates.

The solver runs the simplex method (Bland's rule, so it terminates) on the
*dual* problem ``min b.y  s.t.  A^T y = c, y >= 0``, whose tableau has only
``d`` rows (``d`` = the dimension of x, small here) and one column per
constraint. Every answer carries its certificate:

* ``optimal``: a point ``x`` with ``A x <= b`` and multipliers ``y >= 0`` with
  ``A^T y = c`` and ``b.y = c.x`` (strong duality, so ``c.x`` is the maximum);
* ``unbounded``: a feasible point ``x`` and a ray ``r`` with ``A r <= 0``, ``c.r > 0``;
* ``infeasible``: Farkas multipliers ``y >= 0`` with ``A^T y = 0`` and ``b.y < 0``.

Larger LPs (rows * variables >= :data:`FLOAT_FIRST`) first try :mod:`verify.lpfloat`: HiGHS in floats
picks a basis, exact algebra certifies it (same certificate), the simplex runs when that fails.

Arithmetic goes through one seam, :data:`Q` (gmpy2 ``mpq`` when available, 5-7x faster than
``Fraction`` and 1.3-2x faster than python-flint ``fmpq`` here: ``benchmarks/bench_lp.py``); results
are returned as ``Fraction``.
Each answer is re-checked exactly before it is returned (an internal
invariant; a failure is a bug, never a wrong answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

try:  # the one number seam of the hot loops
    from gmpy2 import mpq as Q
except ImportError:  # pragma: no cover - gmpy2 is a dependency
    Q = Fraction  # type: ignore[assignment,misc]

__all__ = ["LPResult", "lp_max", "lp_max_q", "to_q", "to_fraction", "solve_square", "Q"]

ZERO = Q(0)
ONE = Q(1)
# rows * variables from which lp_max_q lets HiGHS choose the optimal basis first and certifies it exactly
# (verify.lpfloat), falling back to the simplex; below it the exact simplex is faster (benchmarks/bench_lp.py)
FLOAT_FIRST = 400


def to_q(x: Any) -> Any:
    """Exact value in the seam type.

    >>> to_fraction(to_q(Fraction(-2, 6)))
    Fraction(-1, 3)
    """
    return Q(x)


_FRACTIONS: dict[Any, Fraction] = {}  # seam number -> Fraction (certificates repeat a few small multipliers)


def to_fraction(x: Any) -> Fraction:
    """An exact ``Fraction`` from a seam number (see :func:`to_q`)."""
    if type(x) is Fraction:
        return x
    f = _FRACTIONS.get(x)
    if f is None:
        f = Fraction(int(x.numerator), int(x.denominator))
        if len(_FRACTIONS) >= 4096:
            _FRACTIONS.clear()
        _FRACTIONS[x] = f
    return f


@dataclass(frozen=True)
class LPResult:
    """Result of ``max c.x`` over ``{A x <= b}`` (numbers in the seam type; see :func:`lp_max` for Fractions)."""

    status: str  # "optimal" | "unbounded" | "infeasible"
    value: Any = None  # optimum (optimal)
    point: tuple[Any, ...] | None = None  # optimal / feasible point
    ray: tuple[Any, ...] | None = None  # unbounded direction
    multipliers: tuple[Any, ...] | None = None  # dual y (optimal: A^T y = c; infeasible: Farkas)


class _Tableau:
    """Dense simplex tableau for ``min cost.y, M y = rhs, y >= 0`` with artificial columns."""

    def __init__(self, rows: list[list[Any]], rhs: list[Any], n: int):
        d = len(rows)
        self.n = n  # structural columns 0..n-1, artificials n..n+d-1
        self.T = [rows[i] + [ONE if k == i else ZERO for k in range(d)] + [rhs[i]] for i in range(d)]
        self.basis = [n + i for i in range(d)]

    def reduced(self, cost: list[Any]) -> list[Any]:
        width = self.n + len(self.T)
        r = list(cost) + [ZERO]
        for i, row in enumerate(self.T):
            cb = cost[self.basis[i]]
            if cb:
                for j in range(width + 1):
                    if row[j]:
                        r[j] -= cb * row[j]
        return r

    def pivot(self, i: int, j: int, r: list[Any]) -> None:
        T = self.T
        prow = T[i]
        piv = prow[j]
        if piv != ONE:
            inv = ONE / piv
            prow = [v * inv if v else v for v in prow]
            T[i] = prow
        nz = [k for k, v in enumerate(prow) if v]
        for k, row in enumerate(T):
            if k != i:
                f = row[j]
                if f:
                    for t in nz:
                        row[t] -= f * prow[t]
        f = r[j]
        if f:
            for t in nz:
                r[t] -= f * prow[t]
        self.basis[i] = j

    def run(self, r: list[Any], allowed: int) -> int | None:
        """Bland's rule on columns < allowed; returns None at optimum, else an unbounded column."""
        n_art = self.n
        while True:
            j = next((k for k in range(allowed) if r[k] < 0), None)
            if j is None:
                return None
            best = None
            best_ratio = None
            for i, row in enumerate(self.T):
                a = row[j]
                if a > 0 or (a and self.basis[i] >= n_art and not row[-1]):
                    ratio = row[-1] / a if a > 0 else ZERO
                    if best is None or ratio < best_ratio or (ratio == best_ratio and self.basis[i] < self.basis[best]):
                        best, best_ratio = i, ratio
            if best is None:
                return j
            self.pivot(best, j, r)


def lp_max_q(A: Sequence[Sequence[Any]], b: Sequence[Any], c: Sequence[Any], *, recheck: bool = False,
             feasible: Sequence[Any] | None = None) -> LPResult:
    """``max c.x`` over ``{x : A x <= b}`` in the seam type (``A`` may have no rows).

    ``recheck=True`` re-verifies the certificate exactly (the engines' certificates are
    re-checked by :mod:`verify.checker` instead, so hot loops skip it). ``feasible``, a known
    point of the polyhedron, saves the second LP of the unbounded case.

    >>> lp_max_q([[Q(1)]], [Q(3)], [Q(2)]).value
    mpq(6,1)
    """
    m, d = len(A), len(c)
    if m * d >= FLOAT_FIRST and m >= d:  # larger LPs: floats choose a basis, exact algebra certifies it
        from verify.lpfloat import certified_optimum

        got = certified_optimum(A, b, c)
        if got is not None:
            return _checked(LPResult("optimal", value=got[0], point=got[1], multipliers=got[2]), A, b, c, recheck)
    signs = [ONE if ci >= 0 else -ONE for ci in c]
    rows = [[signs[i] * A[j][i] for j in range(m)] for i in range(d)]
    rhs = [signs[i] * c[i] for i in range(d)]
    tab = _Tableau(rows, rhs, m)
    width = m + d
    cost1 = [ZERO] * m + [ONE] * d
    r = tab.reduced(cost1)
    tab.run(r, m)
    if -r[-1] > 0:  # dual infeasible: c is not a nonnegative combination of rows -> a ray (if feasible)
        pi = [signs[i] * (ONE - r[m + i]) for i in range(d)]
        if feasible is not None:
            return _checked(LPResult("unbounded", point=tuple(feasible), ray=tuple(pi)), A, b, c, recheck)
        feas = lp_max_q(A, b, [ZERO] * d)
        if feas.status == "infeasible":
            return feas
        return _checked(LPResult("unbounded", point=feas.point, ray=tuple(pi)), A, b, c, recheck)
    cost2 = [b[j] for j in range(m)] + [ZERO] * d
    r = tab.reduced(cost2)
    col = tab.run(r, m)
    if col is not None:  # dual unbounded: primal infeasible, Farkas ray
        y = [ZERO] * m
        y[col] = ONE
        for i, row in enumerate(tab.T):
            if tab.basis[i] < m:
                y[tab.basis[i]] = -row[col]
        return _checked(LPResult("infeasible", multipliers=tuple(y)), A, b, c, recheck)
    y = [ZERO] * m
    for i, row in enumerate(tab.T):
        if tab.basis[i] < m:
            y[tab.basis[i]] = row[-1]
    x = tuple(-signs[i] * r[m + i] for i in range(d))
    assert width == len(r) - 1
    value = -r[-1]
    return _checked(LPResult("optimal", value=value, point=x, multipliers=tuple(y)), A, b, c, recheck)


def solve_square(M: Sequence[Sequence[Any]], rhs: Sequence[Any]) -> tuple[Any, ...] | None:
    """The unique solution of the square system ``M z = rhs`` (exact Gaussian elimination in the numbers
    given: Fraction or the seam type), or None when M is singular.

    >>> solve_square([[Fraction(2), Fraction(1)], [Fraction(1), Fraction(3)]], [Fraction(3), Fraction(5)])
    (Fraction(4, 5), Fraction(7, 5))
    """
    n = len(M)
    T = [list(M[i]) + [rhs[i]] for i in range(n)]
    for col in range(n):
        piv = next((r for r in range(col, n) if T[r][col]), None)
        if piv is None:
            return None
        T[col], T[piv] = T[piv], T[col]
        p = T[col][col]
        T[col] = [v / p for v in T[col]]
        for r in range(n):
            f = T[r][col]
            if r != col and f:
                T[r] = [a - f * c for a, c in zip(T[r], T[col])]
    return tuple(T[i][n] for i in range(n))


def _dot(u: Sequence[Any], v: Sequence[Any]) -> Any:
    s = ZERO
    for a, t in zip(u, v):
        if a and t:
            s += a * t
    return s


def _checked(res: LPResult, A: Sequence[Sequence[Any]], b: Sequence[Any], c: Sequence[Any], recheck: bool) -> LPResult:
    """Exact re-check of the certificate (internal invariant)."""
    if not recheck:
        return res
    d = len(c)
    if res.status == "infeasible":
        y = res.multipliers
        assert y is not None and all(v >= 0 for v in y)
        assert all(_dot(y, [row[i] for row in A]) == 0 for i in range(d)) and _dot(y, b) < 0
    elif res.status == "unbounded":
        assert res.point is not None and res.ray is not None
        assert all(_dot(row, res.point) <= bi for row, bi in zip(A, b))
        assert all(_dot(row, res.ray) <= 0 for row in A) and _dot(c, res.ray) > 0
    else:
        x, y = res.point, res.multipliers
        assert x is not None and y is not None and all(v >= 0 for v in y)
        assert all(_dot(row, x) <= bi for row, bi in zip(A, b))
        assert all(_dot(y, [row[i] for row in A]) == c[i] for i in range(d))
        assert _dot(y, b) == res.value == _dot(c, x)
    return res


def lp_max(A: Sequence[Sequence[Any]], b: Sequence[Any], c: Sequence[Any]) -> LPResult:
    """``max c.x`` over ``{x : A x <= b}`` exactly; every number of the result is a ``Fraction``.

    >>> r = lp_max([[1, 0], [0, 1], [-1, -1]], [1, 2, 0], [1, 1])
    >>> r.status, r.value, r.point
    ('optimal', Fraction(3, 1), (Fraction(1, 1), Fraction(2, 1)))
    >>> lp_max([[1], [-1]], [0, -1], [1]).status
    'infeasible'
    >>> lp_max([[-1]], [0], [1]).ray
    (Fraction(1, 1),)
    """
    Aq = [[Q(v) for v in row] for row in A]
    res = lp_max_q(Aq, [Q(v) for v in b], [Q(v) for v in c], recheck=True)

    def conv(t: tuple[Any, ...] | None) -> tuple[Fraction, ...] | None:
        return None if t is None else tuple(to_fraction(v) for v in t)

    return LPResult(
        res.status,
        None if res.value is None else to_fraction(res.value),
        conv(res.point),
        conv(res.ray),
        conv(res.multipliers),
    )
