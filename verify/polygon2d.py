"""The 2-D polygon path of the region engine: exact decisions from a cell polygon's vertices, no LP.

In full mode over a bounded 2-D domain every cell carries its vertices in cyclic order; a unit's
pre-activation is decided from its values at the vertices and the children are cut by exact
Sutherland-Hodgman clipping (numbers in the seam type of :mod:`verify.exactlp`).
"""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

from verify.cells import Cell, Unit, dot
from verify.exactlp import Q
from verify.polyhedra import Polyhedron

__all__ = ["clip_le", "polygon", "exact_poly"]


def clip_le(poly: list[tuple[Any, ...]], zs: list[Any], t: Any) -> tuple[list[tuple[Any, ...]], list[Any]]:
    """Sutherland-Hodgman: the part of a convex polygon where the affine z (values zs at the vertices) is <= t.

    >>> square = [(Q(0), Q(0)), (Q(2), Q(0)), (Q(2), Q(2)), (Q(0), Q(2))]
    >>> clip_le(square, [v[0] for v in square], Q(1))[0]  # x <= 1
    [(mpq(0,1), mpq(0,1)), (mpq(1,1), mpq(0,1)), (mpq(1,1), mpq(2,1)), (mpq(0,1), mpq(2,1))]
    """
    out, outz = [], []
    n = len(poly)
    for k in range(n):
        p, zp = poly[k], zs[k]
        q, zq = poly[(k + 1) % n], zs[(k + 1) % n]
        if zp <= t:
            out.append(p)
            outz.append(zp)
        if (zp < t < zq) or (zq < t < zp):
            s = (t - zp) / (zq - zp)
            out.append(tuple(a + s * (b - a) for a, b in zip(p, q)))
            outz.append(t)
    return out, outz


def polygon(P: Polyhedron) -> list[tuple[Any, ...]] | None:
    """The vertices of a bounded 2-D polyhedron in cyclic order (seam numbers), or None.

    >>> from verify.box import Box
    >>> len(polygon(Polyhedron.from_box(Box([0, 0], [1, 1])))), polygon(Polyhedron([[1, 0]], [0]))
    (4, None)
    """
    if P.dim != 2 or not P.is_bounded():
        return None
    vs = P.vertices()
    cx = sum(v[0] for v in vs) / len(vs)
    cy = sum(v[1] for v in vs) / len(vs)
    vs.sort(key=cmp_to_key(lambda a, b: _angle_order(a, b, cx, cy)))
    return [tuple(Q(c) for c in v) for v in vs]


def _angle_order(a: Any, b: Any, cx: Any, cy: Any) -> int:
    """Exact counter-clockwise order of a and b around (cx, cy): half-plane first, then the cross product.

    Floats (atan2) could swap two vertices whose angles differ below 1e-16, or overflow, and a
    mis-ordered vertex list is a self-intersecting polygon with a wrong area.

    >>> _angle_order((1, 0), (0, 1), 0, 0), _angle_order((-1, -1), (1, -1), 0, 0)
    (-1, -1)
    """
    ax, ay, bx, by = a[0] - cx, a[1] - cy, b[0] - cx, b[1] - cy
    ha = 0 if (ay > 0 or (ay == 0 and ax > 0)) else 1
    hb = 0 if (by > 0 or (by == 0 and bx > 0)) else 1
    if ha != hb:
        return ha - hb
    cross = ax * by - ay * bx
    return -1 if cross > 0 else (1 if cross < 0 else 0)



def exact_poly(cell: Cell, u: Unit, w: Any, c0: Any, pcs: list[Any]) -> list[tuple[Cell, dict[str, Any] | None]] | None:
    """Exact 2-D decision by the polygon's vertices (no LP), children by exact polygon clipping."""
    poly = cell.poly
    assert poly is not None
    zs = [dot(w, v) + c0 for v in poly]
    zmin, zmax = min(zs), max(zs)
    qa = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo <= zmin) and (hi is None or zmin < hi))
    qb = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo < zmax) and (hi is None or zmax <= hi))
    if qa == qb:
        cell.fixed[u] = qa
        return None
    children: list[tuple[Cell, dict[str, Any] | None]] = []
    for q in range(qa, qb + 1):
        lo, hi = pcs[q][0], pcs[q][1]
        rows = []
        sub, subz = poly, zs
        if q > qa:
            rows.append(([-v for v in w], c0 - lo))
            sub, subz = clip_le(sub, [-z for z in subz], -lo)
            subz = [-z for z in subz]
        if q < qb:
            rows.append((list(w), hi - c0))
            sub, subz = clip_le(sub, subz, hi)
        n = len(sub)
        centre = tuple(sum(v[k] for v in sub) / n for k in range(2))
        child = cell.child(rows, centre, u, q)
        child.poly = sub
        children.append((child, None))
    return children

