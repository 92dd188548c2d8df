"""Exact convex polyhedra over Q in H-representation: ``{x in Q^d : A x <= b}``, possibly unbounded.

Every decision is exact and comes with a certificate that a few lines of
``Fraction`` arithmetic re-check (:func:`check_farkas`, :func:`check_no_interior`):

* infeasible: Farkas multipliers ``y >= 0`` with ``y^T A = 0`` and ``y^T b < 0``;
* no interior (``{A x < b}`` empty): ``y >= 0``, ``y != 0``, ``y^T A = 0``, ``y^T b <= 0``
  (Motzkin's transposition theorem);
* an interior point is its own certificate (``A x < b`` componentwise).

Linear programs are solved by the exact simplex of :mod:`verify.exactlp`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from verify.box import Box
from verify.errors import InvalidArgument, expected
from verify.exactlp import LPResult, lp_max, solve_square
from verify.numbers import to_rational, to_rational_vector

__all__ = ["Polyhedron", "check_farkas", "check_no_interior"]

Vec = tuple[Fraction, ...]


def _dot(u: Sequence[Fraction], v: Sequence[Fraction]) -> Fraction:
    return sum((a * t for a, t in zip(u, v)), Fraction(0))


@dataclass(frozen=True)
class Polyhedron:
    """``{x in Q^dim : A x <= b}`` (``A`` a tuple of rows; no rows is all of Q^dim).

    >>> P = Polyhedron([[1, 0], [0, 1], [-1, -1]], [1, 1, 0])   # triangle with vertices (1,-1),(-1,1),(1,1)
    >>> P.volume(), P.is_bounded(), P.maximize([1, 1]).value
    (Fraction(2, 1), True, Fraction(2, 1))
    >>> Polyhedron.whole(3).is_bounded()
    False
    """

    A: tuple[Vec, ...]
    b: Vec
    dim: int = field(default=-1)

    def __post_init__(self) -> None:
        try:
            rows = tuple(to_rational_vector(r, "A row") for r in self.A)
            b = to_rational_vector(self.b, "b", len(rows))
        except ValueError as exc:
            raise InvalidArgument(str(exc)) from None
        d = self.dim if self.dim >= 0 else (len(rows[0]) if rows else -1)
        if d < 1:
            raise InvalidArgument(expected("a positive dimension (give dim= when A has no rows)", "dim", d))
        if any(len(r) != d for r in rows):
            raise InvalidArgument(expected(f"rows of length {d}", "A", self.A))
        object.__setattr__(self, "A", rows)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "dim", d)

    # -- construction ------------------------------------------------------
    @staticmethod
    def trusted(A: tuple[Vec, ...], b: Vec, d: int) -> Polyhedron:
        """Internal fast path: rows already tuples of Fractions of length d (no validation)."""
        P = object.__new__(Polyhedron)
        object.__setattr__(P, "A", A)
        object.__setattr__(P, "b", b)
        object.__setattr__(P, "dim", d)
        return P

    @staticmethod
    def whole(d: int) -> Polyhedron:
        """All of Q^d."""
        return Polyhedron((), (), d)

    @staticmethod
    def from_box(box: Box) -> Polyhedron:
        """The box as ``x_i <= hi_i``, ``-x_i <= -lo_i`` (rows in that order per coordinate).

        >>> Polyhedron.from_box(Box([0, 0], [1, 2])).volume()
        Fraction(2, 1)
        """
        d = box.dim
        rows, rhs = [], []
        for i in range(d):
            e = [Fraction(0)] * d
            e[i] = Fraction(1)
            rows += [tuple(e), tuple(-v for v in e)]
            rhs += [box.upper[i], -box.lower[i]]
        return Polyhedron(tuple(rows), tuple(rhs), d)

    def clip(self, a: Sequence[Any], beta: Any) -> Polyhedron:
        """The intersection with the halfspace ``a.x <= beta``.

        >>> Polyhedron.from_box(Box([0, 0], [2, 2])).clip([1, 1], 2).volume()
        Fraction(2, 1)
        """
        row = to_rational_vector(a, "a", self.dim)
        return Polyhedron((*self.A, row), (*self.b, to_rational(beta, "beta")), self.dim)

    def intersect(self, other: Polyhedron) -> Polyhedron:
        """The intersection with another polyhedron of the same dimension.

        >>> Polyhedron([[1]], [1]).intersect(Polyhedron([[-1]], [0])).volume()
        Fraction(1, 1)
        """
        if other.dim != self.dim:
            raise InvalidArgument(expected(f"a polyhedron of dimension {self.dim}", "other.dim", other.dim))
        return Polyhedron((*self.A, *other.A), (*self.b, *other.b), self.dim)

    # -- membership --------------------------------------------------------
    def contains(self, x: Sequence[Any]) -> bool:
        """Whether ``A x <= b``.

        >>> Polyhedron([[1, 1]], [1]).contains([1, 0]), Polyhedron([[1, 1]], [1]).contains_interior([1, 0])
        (True, False)
        """
        p = to_rational_vector(x, "x", self.dim)
        return all(_dot(r, p) <= bi for r, bi in zip(self.A, self.b))

    def contains_interior(self, x: Sequence[Any]) -> bool:
        """Whether ``A x < b`` (strictly inside every constraint)."""
        p = to_rational_vector(x, "x", self.dim)
        return all(_dot(r, p) < bi for r, bi in zip(self.A, self.b))

    # -- linear programming ------------------------------------------------
    def maximize(self, c: Sequence[Any]) -> LPResult:
        """Exact ``max c.x`` over the polyhedron: status, value, optimal point or ray, multipliers."""
        return lp_max(self.A, self.b, to_rational_vector(c, "c", self.dim))

    def minimize(self, c: Sequence[Any]) -> LPResult:
        """Exact ``min c.x`` (``value`` is the minimum; ``ray`` decreases ``c.x`` without bound).

        >>> Polyhedron([[-1]], [0]).minimize([1]).value
        Fraction(0, 1)
        """
        neg = tuple(-v for v in to_rational_vector(c, "c", self.dim))
        r = lp_max(self.A, self.b, neg)
        return LPResult(r.status, None if r.value is None else -r.value, r.point, r.ray, r.multipliers)

    def is_feasible(self) -> bool:
        """Whether the polyhedron is nonempty.

        >>> Polyhedron([[1], [-1]], [0, -1]).is_feasible()
        False
        """
        return self.farkas_certificate() is None

    def feasible_point(self) -> Vec | None:
        """Some exact point of the polyhedron, or None if empty.

        >>> Polyhedron([[-1, 0], [0, -1]], [-2, -3]).feasible_point()
        (Fraction(2, 1), Fraction(3, 1))
        """
        return lp_max(self.A, self.b, [0] * self.dim).point

    def farkas_certificate(self) -> Vec | None:
        """``y >= 0`` with ``y^T A = 0``, ``y^T b < 0`` when empty; None when nonempty.

        >>> Polyhedron([[1], [-1]], [0, -1]).farkas_certificate()
        (Fraction(1, 1), Fraction(1, 1))
        """
        r = lp_max(self.A, self.b, [0] * self.dim)
        return r.multipliers if r.status == "infeasible" else None

    def _chebyshev(self) -> LPResult:
        # max t  s.t.  A x + t <= b,  t <= 1   (unit slack in every constraint; always feasible, bounded)
        rows = [(*r, Fraction(1)) for r in self.A] + [(*([Fraction(0)] * self.dim), Fraction(1))]
        return lp_max(rows, (*self.b, Fraction(1)), [0] * self.dim + [1])

    def interior_point(self) -> Vec | None:
        """A rational point with ``A x < b``, or None when there is none (not full-dimensional).

        >>> Polyhedron([[1], [-1]], [2, 0]).interior_point()
        (Fraction(1, 1),)
        """
        r = self._chebyshev()
        assert r.value is not None and r.point is not None
        return r.point[:-1] if r.value > 0 else None

    def is_full_dimensional(self) -> bool:
        """Whether ``{A x < b}`` is nonempty (for rows that are nonzero, the interior).

        >>> Polyhedron([[1], [-1]], [0, 0]).is_full_dimensional()
        False
        """
        return self.interior_point() is not None

    def no_interior_certificate(self) -> Vec | None:
        """``y >= 0``, ``y != 0``, ``y^T A = 0``, ``y^T b <= 0`` proving ``{A x < b}`` empty; None if not empty.

        >>> Polyhedron([[1], [-1]], [0, 0]).no_interior_certificate()
        (Fraction(1, 2), Fraction(1, 2))
        """
        r = self._chebyshev()
        assert r.value is not None and r.multipliers is not None
        return None if r.value > 0 else r.multipliers[:-1]

    # -- shape -------------------------------------------------------------
    def recession_directions(self) -> list[Vec]:
        """Directions ``r`` with ``A r <= 0`` along which some coordinate is unbounded (empty iff bounded).

        >>> Polyhedron([[-1, 0], [1, 0], [0, -1]], [0, 1, 0]).recession_directions()
        [(Fraction(0, 1), Fraction(1, 1))]
        """
        if not self.is_feasible():
            return []
        out = []
        for i in range(self.dim):
            for s in (1, -1):
                c = [0] * self.dim
                c[i] = s
                r = self.maximize(c)
                if r.status == "unbounded" and r.ray is not None and r.ray not in out:
                    out.append(r.ray)
        return out

    def is_bounded(self) -> bool:
        """Whether the polyhedron is bounded (an empty one is).

        >>> Polyhedron([[-1], [1]], [0, 1]).is_bounded(), Polyhedron([[-1]], [0]).is_bounded()
        (True, False)
        """
        return not self.recession_directions()

    def bounding_box(self) -> Box | None:
        """The exact smallest box containing the polyhedron; None when empty or unbounded.

        >>> str(Polyhedron([[1, 1], [-1, 0], [0, -1]], [1, 0, 0]).bounding_box())
        '[0,1]x[0,1]'
        """
        lo, hi = [], []
        for i in range(self.dim):
            c = [0] * self.dim
            c[i] = 1
            top, bot = self.maximize(c), self.minimize(c)
            if top.status != "optimal" or bot.status != "optimal":
                return None
            hi.append(top.value)
            lo.append(bot.value)
        return Box(lo, hi)

    def vertices(self) -> list[Vec]:
        """The vertices of a bounded polyhedron (brute force over d-subsets of constraints).

        >>> sorted(Polyhedron.from_box(Box([0], [2])).vertices())
        [(Fraction(0, 1),), (Fraction(2, 1),)]
        """
        if not self.is_bounded():
            raise InvalidArgument(expected("a bounded polyhedron", "polyhedron", "unbounded"))
        found: set[Vec] = set()
        for idx in itertools.combinations(range(len(self.A)), self.dim):
            x = solve_square([self.A[i] for i in idx], [self.b[i] for i in idx])
            if x is not None and self.contains(x):
                found.add(x)
        return sorted(found)

    def volume(self) -> Fraction:
        """Exact Lebesgue measure of a bounded polyhedron (Lasserre's facet recursion).

        >>> Polyhedron.from_box(Box([0, 0, 0, 0], [1, 2, 3, "1/2"])).volume()
        Fraction(3, 1)
        """
        if not self.is_bounded():
            raise InvalidArgument(expected("a bounded polyhedron", "polyhedron", "unbounded"))
        return _volume(list(self.A), list(self.b), self.dim)


def _normalized(A: list[Vec], b: list[Fraction]) -> tuple[list[Vec], list[Fraction]] | None:
    """Rows scaled to a leading +-1 and deduplicated (tightest kept); None when a zero row is violated."""
    best: dict[Vec, Fraction] = {}
    for row, bi in zip(A, b):
        lead = next((v for v in row if v != 0), None)
        if lead is None:
            if bi < 0:
                return None
            continue
        s = abs(lead)
        key = tuple(v / s for v in row)
        val = bi / s
        if key not in best or val < best[key]:
            best[key] = val
    return list(best), list(best.values())


def _volume(A: list[Vec], b: list[Fraction], d: int) -> Fraction:
    norm = _normalized(A, b)
    if norm is None:
        return Fraction(0)
    A, b = norm
    if d == 1:
        hi = min((bi / r[0] for r, bi in zip(A, b) if r[0] > 0), default=None)
        lo = max((bi / r[0] for r, bi in zip(A, b) if r[0] < 0), default=None)
        assert hi is not None and lo is not None, "bounded interval expected"
        return max(hi - lo, Fraction(0))
    P = Polyhedron(tuple(A), tuple(b), d)
    p = P.interior_point()
    if p is None:
        return Fraction(0)
    total = Fraction(0)
    for j, (row, bj) in enumerate(zip(A, b)):
        k = next(i for i, v in enumerate(row) if v != 0)
        # facet in the hyperplane row.x = bj, parametrized by the other coordinates (x_k eliminated)
        sub_A, sub_b = [], []
        for i, (r2, b2) in enumerate(zip(A, b)):
            if i == j:
                continue
            f = r2[k] / row[k]
            sub_A.append(tuple(r2[t] - f * row[t] for t in range(d) if t != k))
            sub_b.append(b2 - f * bj)
        face = _volume(sub_A, sub_b, d - 1)
        if face:
            total += (bj - _dot(row, p)) / abs(row[k]) * face
    return total / d


def check_farkas(A: Sequence[Sequence[Fraction]], b: Sequence[Fraction], y: Sequence[Fraction]) -> bool:
    """Fraction-only check that ``y`` proves ``{A x <= b}`` empty: ``y >= 0``, ``y^T A = 0``, ``y^T b < 0``.

    >>> check_farkas([[1], [-1]], [0, -1], [1, 1])
    True
    """
    if len(y) != len(A) or any(v < 0 for v in y):
        return False
    d = len(A[0]) if A else 0
    return all(_dot(y, [r[i] for r in A]) == 0 for i in range(d)) and _dot(y, b) < 0


def check_no_interior(A: Sequence[Sequence[Fraction]], b: Sequence[Fraction], y: Sequence[Fraction]) -> bool:
    """Fraction-only check that ``y`` proves ``{A x <= b}`` has no interior.

    Motzkin: ``y >= 0``, ``y^T A = 0``, ``y^T b <= 0``, and ``y > 0`` on some
    NONZERO row. (Weight on zero rows alone would only show that a row ``0 < 0``
    of the strict system fails, while ``{0 <= 0}`` is all of R^d; for nonzero
    rows the interior of ``{A x <= b}`` is exactly ``{A x < b}``.)

    >>> check_no_interior([[1], [-1]], [0, 0], [1, 1])
    True
    >>> check_no_interior([[0], [1]], [0, 1], [1, 0])  # only the zero row: no proof
    False
    """
    if len(y) != len(A) or any(v < 0 for v in y) or not any(y):
        return False
    if not any(v > 0 and any(r) for v, r in zip(y, A)):
        return False
    d = len(A[0]) if A else 0
    return all(_dot(y, [r[i] for r in A]) == 0 for i in range(d)) and _dot(y, b) <= 0
