"""Exact support of ReLU+pooling networks in d <= 2 over a bounded box, by exact polygon clipping.

The region tree of :mod:`verify.pooling_tree` (lazy cone order, zero test per
cone) with each node carried as an exact convex polygon (an interval in
d = 1) in the gmpy2 ``mpq`` seam instead of a list of rows: a branch is cut
when its clipped polygon has zero area, so no LP runs, and each live leaf
comes out with its non-redundant edges, exact area and bounding box. No
certificate is made here (``support`` is an exact computation, not a proof
object); :func:`verify.pooling.support` uses it on the box outside which the
factor route shows ``f`` vanishes.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.box import Box
from verify.errors import InvalidArgument, expected
from verify.exactlp import ZERO as QZERO
from verify.exactlp import Q, to_fraction
from verify.polyhedra import Polyhedron
from verify.pooling_tree import _advance, _first_piece, _holds, _make_plan, _order, _piece_rows, _zero_rates

if TYPE_CHECKING:
    from verify.layers import Layer
    from verify.network import Network

__all__ = ["planar_pieces"]

Pt = tuple[Any, ...]


def _clip(poly: list[Pt], a: tuple[Any, ...], b: Any) -> list[Pt] | None:
    """The convex polygon (ccw vertices; an interval ``[l, r]`` in d = 1) cut by ``a.x <= b``; None if no interior."""
    if not any(a):
        return poly if b >= 0 else None
    if len(a) == 1:
        (l,), (r,) = poly
        t = b / a[0]
        l, r = (l, r if r < t else t) if a[0] > 0 else (l if l > t else t, r)
        return [(l,), (r,)] if l < r else None
    s = [a[0] * p[0] + a[1] * p[1] - b for p in poly]
    if all(v <= 0 for v in s):
        return poly
    out: list[Pt] = []
    n = len(poly)
    for i in range(n):
        j = (i + 1) % n
        if s[i] <= 0:
            out.append(poly[i])
        if (s[i] < 0 < s[j]) or (s[j] < 0 < s[i]):
            t = s[i] / (s[i] - s[j])
            out.append((poly[i][0] + t * (poly[j][0] - poly[i][0]), poly[i][1] + t * (poly[j][1] - poly[i][1])))
    out = _drop_collinear(out)
    return out if len(out) >= 3 and _area2(out) > 0 else None


def _drop_collinear(poly: list[Pt]) -> list[Pt]:
    n = len(poly)
    keep = []
    for i in range(n):
        p, c, nx = poly[i - 1], poly[i], poly[(i + 1) % n]
        if (c[0] - p[0]) * (nx[1] - c[1]) - (c[1] - p[1]) * (nx[0] - c[0]) != 0:
            keep.append(c)
    return keep


def _area2(poly: list[Pt]) -> Any:
    n = len(poly)
    return sum((poly[i][0] * poly[(i + 1) % n][1] - poly[(i + 1) % n][0] * poly[i][1] for i in range(n)), QZERO)


def _root(box: Box) -> list[Pt]:
    lo, hi = [Q(v) for v in box.lower], [Q(v) for v in box.upper]
    if box.dim == 1:
        return [(lo[0],), (hi[0],)]
    return [(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])]


def _leaves(net: Network, prefix: tuple[Layer, ...], suffix: tuple[Layer, ...],
            box: Box) -> Iterator[tuple[list[Pt], tuple[dict[tuple[int, ...], Fraction], ...]]]:
    """The live leaves (polygon, output polynomials in x), zero leaves dropped."""
    d = net.input_dim
    plan = _make_plan(prefix, suffix, d)
    order, marks = _order(plan, True, _zero_rates(net, prefix, len(plan.W_out)))
    stack: list[Any] = [(0, {}, _root(box))]
    while stack:
        pos, outs, poly = stack.pop()
        pos, outs, split, polys = _advance(plan, order, marks, pos, outs)
        if split is None:
            if pos == len(order) and polys is not None and any(polys):
                yield poly, tuple({e[:d]: v for e, v in p.items()} for p in polys)
            continue
        u, z, pcs = split
        first = _first_piece(pcs, z)
        for k, (lo, hi, slope, icpt) in enumerate(pcs):
            if first is not None and k != first and _holds(lo, hi, z[1]):
                continue  # the same region as piece ``first``: listed once
            cur: list[Pt] | None = poly
            for row, beta in _piece_rows(lo, hi, z):
                cur = _clip(cur, row, beta) if cur is not None else None
            if cur is not None:
                out = (tuple(slope * v for v in z[0]), slope * z[1] + icpt)
                stack.append((pos + 1, {**outs, u: out}, cur))


def _piece(poly: list[Pt]) -> tuple[Polyhedron, Fraction, Box, tuple[Fraction, ...]]:
    """The polygon as (polyhedron of its edges, area, bounding box, vertex centroid: an interior point)."""
    V = [tuple(to_fraction(v) for v in p) for p in poly]
    d = len(V[0])
    if d == 1:
        (l,), (r,) = V
        return Polyhedron(((Fraction(1),), (Fraction(-1),)), (r, -l), 1), r - l, Box([l], [r]), ((l + r) / 2,)
    rows, rhs = [], []
    for i, p in enumerate(V):
        qv = V[(i + 1) % len(V)]
        a = (qv[1] - p[1], p[0] - qv[0])  # outward normal of a ccw edge
        rows.append(a)
        rhs.append(a[0] * p[0] + a[1] * p[1])
    area = to_fraction(_area2(poly)) / 2
    box = Box([min(p[0] for p in V), min(p[1] for p in V)], [max(p[0] for p in V), max(p[1] for p in V)])
    centre = (sum((p[0] for p in V), Fraction(0)) / len(V), sum((p[1] for p in V), Fraction(0)) / len(V))
    return Polyhedron(tuple(rows), tuple(rhs), 2), area, box, centre


def planar_pieces(net: Network, prefix: tuple[Layer, ...], suffix: tuple[Layer, ...],
                  box: Box) -> list[tuple[Polyhedron, Fraction, Box, tuple[Fraction, ...], Any]]:
    """Every full-dimensional region inside ``box`` where the output polynomial is not zero (d <= 2).

    Contract: the pieces have pairwise disjoint interiors; their union is the
    closure of ``{f != 0} ∩ int box``. Each comes with its exact area, bounding
    box, an interior point and its output polynomials.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> f = hat * hat.compose(Network.mlp([[[1]]], [[-1]]))
    >>> from verify.pooling import split_at_pool
    >>> [(str(a), str(b)) for _p, a, b, _c, _q in planar_pieces(f, *split_at_pool(f), Box([-3], [3]))]
    [('1', '[0,1]')]
    """
    if net.input_dim not in (1, 2):
        raise InvalidArgument(expected("a network on R^1 or R^2", "input_dim", net.input_dim))
    if any(a >= b for a, b in zip(box.lower, box.upper)):
        return []  # f == 0 off a null set: f == 0 (continuity)
    return [(*_piece(poly), polys) for poly, polys in _leaves(net, prefix, suffix, box)]
