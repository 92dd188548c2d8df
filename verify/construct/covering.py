"""Genuine delta-covers and covering numbers in the max norm (MATH.md §4.1, §8 item 7).

``K`` is a :class:`~verify.box.Box` or a non-empty sequence of boxes of one dimension
(their union). ``B(c, delta)`` is the closed max-norm ball ``c + [-delta, delta]^d``.
``N(K, delta)`` is the least number of such balls covering ``K``; ``N^pack(K, rho)`` the
largest number of points of ``K`` with pairwise distances ``> rho``. Then
``N^pack(K, 2 delta) <= N(K, delta) <= N^pack(K, delta)`` (a ball of radius ``delta``
holds at most one point of a ``2 delta``-separated set; a maximal ``delta``-separated set
is a ``delta``-cover).

Every cover returned here is checked *exactly* to cover all of ``K`` (:func:`is_cover`,
by exact half-open box subtraction), never a sample of it: MATH.md's pitfall.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor
from typing import Any

from verify.box import Box
from verify.errors import InvalidArgument, expected
from verify.numbers import to_rational

__all__ = [
    "as_boxes",
    "is_cover",
    "grid_cover",
    "greedy_cover",
    "separated_set",
    "CoverBounds",
    "covering_bounds",
    "box_bound",
    "diameter",
    "bounding_box",
]

Point = tuple[Fraction, ...]


def as_boxes(K: Any, name: str = "K") -> tuple[Box, ...]:
    """``K`` as a tuple of boxes (a Box, or a non-empty sequence of Boxes of one dimension)."""
    boxes = (K,) if isinstance(K, Box) else tuple(K) if isinstance(K, (list, tuple)) else None
    if not boxes or not all(isinstance(b, Box) for b in boxes) or len({b.dim for b in boxes}) != 1:
        raise InvalidArgument(expected("a Box or a non-empty list of Boxes of one dimension", name, K))
    return boxes


def bounding_box(K: Any) -> Box:
    """The smallest box containing ``K``."""
    boxes = as_boxes(K)
    d = boxes[0].dim
    return Box(tuple(min(b.lower[i] for b in boxes) for i in range(d)), tuple(max(b.upper[i] for b in boxes) for i in range(d)))


def diameter(K: Any) -> Fraction:
    """``diam_inf K = sup ||x - y||_inf``, exact (the largest side of the bounding box).

    >>> diameter([Box([0, 0], [1, 1]), Box([3, 0], [4, "1/2"])])
    Fraction(4, 1)
    """
    bb = bounding_box(K)
    return max(b - a for a, b in zip(bb.lower, bb.upper))


def _delta(delta: Any) -> Fraction:
    q = to_rational(delta, "delta")
    if q <= 0:
        raise InvalidArgument(expected("a positive rational", "delta", str(q)))
    return q


# -- exact cover test by half-open box subtraction -------------------------------------

_Interval = tuple[Fraction, bool, Fraction, bool]  # (lo, lo closed, hi, hi closed)


def _empty(iv: _Interval) -> bool:
    lo, lc, hi, hc = iv
    return lo > hi or (lo == hi and not (lc and hc))


def _subtract(piece: list[_Interval], c: Point, r: Fraction) -> list[list[_Interval]]:
    """``piece minus B(c, r)`` as disjoint half-open boxes."""
    out, cur = [], list(piece)
    for i, (lo, lc, hi, hc) in enumerate(cur):
        blo, bhi = c[i] - r, c[i] + r
        left = (lo, lc, min(hi, blo), hc if hi < blo else False)
        right = (max(lo, bhi), lc if lo > bhi else False, hi, hc)
        for iv in (left, right):
            if not _empty(iv):
                out.append([*cur[:i], iv, *cur[i + 1 :]])
        mid = (max(lo, blo), lc if lo >= blo else True, min(hi, bhi), hc if hi <= bhi else True)
        if _empty(mid):
            return out
        cur[i] = mid
    return out


def is_cover(centres: Sequence[Sequence[Any]], K: Any, delta: Any) -> bool:
    """Whether the closed balls ``B(c, delta)`` cover every point of ``K`` (exact).

    >>> is_cover([(0,), (2,)], Box([-1], [3]), 1), is_cover([(0,), (2,)], Box([-1], [4]), 1)
    (True, False)
    """
    r = _delta(delta)
    cs = [tuple(to_rational(v, "centre") for v in c) for c in centres]
    rest = [[(a, True, b, True) for a, b in zip(box.lower, box.upper)] for box in as_boxes(K)]
    for c in cs:
        rest = [p for piece in rest for p in _subtract(piece, c, r)]
        if not rest:
            return True
    return not rest


# -- covers --------------------------------------------------------------------------------


def _axis_points(a: Fraction, b: Fraction, spacing: Fraction) -> list[Fraction]:
    """``min(a + (j + 1/2) spacing, b)``, ``j < max(1, ceil((b - a)/spacing))``: all of ``[a, b]`` is within ``spacing/2``."""
    n = max(1, ceil((b - a) / spacing))
    return [min(a + (2 * j + 1) * spacing / 2, b) for j in range(n)]


def grid_cover(K: Any, delta: Any) -> tuple[Point, ...]:
    """A delta-cover of ``K`` by grid centres *in* ``K`` (spacing ``2 delta`` per box).

    Proof that it covers: on ``[a, b]`` the centres ``c_j = min(a + (2j+1) delta, b)``,
    ``j < n = max(1, ceil((b-a)/(2 delta)))``, have ``[c_j - delta, c_j + delta] ⊇ [a + 2j delta, a + 2(j+1) delta]``
    when unclipped, and a clipped last centre ``c = b < a + (2n-1) delta`` covers ``[b - delta, b] ⊇ [a + 2(n-1) delta, b]``.
    So every ``t`` in ``[a, b]`` is within ``delta`` of a centre, and products of 1-D covers are max-norm covers.
    Size: ``sum over boxes of prod_i max(1, ceil(s_i / (2 delta)))``.

    >>> grid_cover(Box([0, 0], [1, "1/4"]), "1/4")
    ((Fraction(1, 4), Fraction(1, 4)), (Fraction(3, 4), Fraction(1, 4)))
    """
    r = _delta(delta)
    out: dict[Point, None] = {}
    for box in as_boxes(K):
        axes = [_axis_points(a, b, 2 * r) for a, b in zip(box.lower, box.upper)]
        out.update(dict.fromkeys(itertools.product(*axes)))
    return tuple(out)


def _discretisation(K: Any, spacing: Fraction) -> list[Point]:
    """Points of ``K`` such that every point of ``K`` is within ``spacing/2`` of one (lexicographic order)."""
    pts: set[Point] = set()
    for box in as_boxes(K):
        pts.update(itertools.product(*(_axis_points(a, b, spacing) for a, b in zip(box.lower, box.upper))))
    return sorted(pts)


def _greedy(points: list[Point], radius: Fraction, bucket: Fraction) -> list[Point]:
    """Pick each point not within ``radius`` (max norm) of an earlier pick; picks are ``> radius`` apart."""
    picks: list[Point] = []
    grid: dict[tuple[int, ...], list[Point]] = {}
    span = ceil(radius / bucket) if radius > 0 else 0
    for p in points:
        key = tuple(floor(t / bucket) for t in p)
        near = itertools.product(*(range(k - span, k + span + 1) for k in key))
        if any(max(abs(x - y) for x, y in zip(p, q)) <= radius for n in near for q in grid.get(n, ())):
            continue
        picks.append(p)
        grid.setdefault(key, []).append(p)
    return picks


def greedy_cover(K: Any, delta: Any, *, refine: int = 4) -> tuple[Point, ...]:
    """A greedy delta-net of ``K``: centres in ``K``, pairwise more than ``delta - t/2`` apart, ``t = 2 delta / refine``.

    Greedy with radius ``delta - t/2`` on a discretisation ``G`` of ``K`` with every point of ``K``
    within ``t/2`` of ``G``; so every point of ``K`` is within ``delta`` of a centre (a genuine cover, and
    checked), and the count is at most ``N^pack(K, delta - t/2)``.

    >>> len(greedy_cover(Box([0], [1]), "1/4"))  # N([0, 1], 1/4) = 2; greedy on the left edge pays for it
    4
    """
    r = _delta(delta)
    if isinstance(refine, bool) or not isinstance(refine, int) or refine < 2:
        raise InvalidArgument(expected("an int >= 2", "refine", refine))
    t = 2 * r / refine
    picks = tuple(_greedy(_discretisation(K, t), r - t / 2, r))
    assert is_cover(picks, K, r), "greedy cover must cover K"
    return picks


def separated_set(K: Any, rho: Any, *, refine: int = 4) -> tuple[Point, ...]:
    """Points of ``K`` with pairwise max-norm distances ``> rho`` (greedy on a discretisation).

    Any such set has at most ``N(K, rho/2)`` points, so it is a lower bound for the covering number.

    >>> len(separated_set(Box([0], [1]), "1/2"))
    2
    """
    r = _delta(rho)
    return tuple(_greedy(_discretisation(K, r / refine), r, r))


def box_bound(K: Any, delta: Any) -> int:
    """``ceil(s / (2 delta))^d`` with ``s = diam_inf K``: the cube bound on ``N(K, delta)`` (at least 1).

    >>> box_bound(Box([0, 0], [1, 1]), "1/8")
    16
    """
    s, r = diameter(K), _delta(delta)
    return int(max(1, ceil(s / (2 * r)))) ** as_boxes(K)[0].dim


def _bounding_cover(K: Any, r: Fraction) -> tuple[Point, ...]:
    """The grid cover of the bounding cube, keeping only balls that meet ``K`` (at most :func:`box_bound`)."""
    bb = bounding_box(K)
    s = diameter(K)
    cube = Box(bb.lower, tuple(a + s for a in bb.lower))
    boxes = as_boxes(K)

    def meets(c: Point) -> bool:
        return any(all(a - r <= t <= b + r for t, a, b in zip(c, box.lower, box.upper)) for box in boxes)

    return tuple(c for c in grid_cover(cube, r) if meets(c))


@dataclass(frozen=True)
class CoverBounds:
    """``lower <= N^pack(K, 2 delta) <= N(K, delta) <= upper <= box_bound``, with the witnesses."""

    delta: Fraction
    lower: int
    upper: int
    box_bound: int
    cover: tuple[Point, ...]
    separated: tuple[Point, ...]


def covering_bounds(K: Any, delta: Any, *, refine: int = 4) -> CoverBounds:
    """Exact-checked bounds on ``N_inf(K, delta)``: a ``2 delta``-separated set below, the best genuine cover above.

    >>> b = covering_bounds(Box([0, 0], [1, 1]), "1/4")
    >>> (b.lower, b.upper, b.box_bound)
    (4, 4, 4)
    """
    r = _delta(delta)
    covers = [grid_cover(K, r), greedy_cover(K, r, refine=refine), _bounding_cover(K, r)]
    best = min(covers, key=len)
    assert is_cover(best, K, r)
    sep = separated_set(K, 2 * r, refine=refine)
    bound = box_bound(K, r)
    assert len(sep) <= len(best) <= bound
    return CoverBounds(r, len(sep), len(best), bound, best, sep)
