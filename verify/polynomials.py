"""Exact multivariate polynomials over Q (Fraction coefficients), as sparse dicts.

A polynomial in ``n`` variables is a dict from exponent tuples (length ``n``)
to nonzero Fraction coefficients; ``{}`` is the zero polynomial. Used by the
region tree of :mod:`verify.pooling_tree`, where the output of a ReLU network
with Hadamard pooling is an exact polynomial on each activation region.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction

__all__ = ["Poly", "Vec", "poly_lin", "poly_mul", "poly_eval", "grid_point"]

Vec = tuple[Fraction, ...]
Poly = dict[tuple[int, ...], Fraction]  # exponent tuple -> nonzero coefficient; {} is zero
_ZERO = Fraction(0)


def poly_lin(polys: Sequence[Poly], row: Sequence[Fraction], bias: Fraction, d: int) -> Poly:
    """The polynomial ``sum_i row[i] * polys[i] + bias`` in ``d`` variables (zero terms dropped).

    >>> x, y = {(1, 0): Fraction(1)}, {(0, 1): Fraction(1)}
    >>> poly_lin([x, y, x], [Fraction(2), Fraction(1), Fraction(-2)], Fraction(3), 2)
    {(0, 0): Fraction(3, 1), (0, 1): Fraction(1, 1)}
    """
    out: Poly = {(0,) * d: bias} if bias else {}
    for w, p in zip(row, polys):
        if w:
            for e, v in p.items():
                s = out.get(e, _ZERO) + w * v
                if s:
                    out[e] = s
                else:
                    del out[e]
    return out


def poly_mul(p: Poly, q: Poly) -> Poly:
    """The product ``p * q`` (zero terms dropped).

    >>> xp1, xm1 = {(1,): Fraction(1), (0,): Fraction(1)}, {(1,): Fraction(1), (0,): Fraction(-1)}
    >>> sorted(poly_mul(xp1, xm1).items())                    # (x+1)(x-1) = x^2 - 1
    [((0,), Fraction(-1, 1)), ((2,), Fraction(1, 1))]
    """
    out: Poly = {}
    for e1, v1 in p.items():
        for e2, v2 in q.items():
            e = tuple(a + b for a, b in zip(e1, e2))
            s = out.get(e, _ZERO) + v1 * v2
            if s:
                out[e] = s
            else:
                del out[e]
    return out


def poly_eval(p: Poly, x: Sequence[Fraction]) -> Fraction:
    """The exact value ``p(x)``.

    >>> poly_eval({(2, 0): Fraction(1), (0, 1): Fraction(-1, 2)}, (Fraction(3), Fraction(4)))
    Fraction(7, 1)
    """
    total = _ZERO
    for e, v in p.items():
        for xi, k in zip(x, e):
            if k:
                v = v * xi**k
        total += v
    return total


def grid_point(polys: Sequence[Poly], center: Vec, radius: Fraction) -> Vec | None:
    """A point of ``center + radius * {-1, -1+2/k, ..., 1}^d`` (k = max degree) where some poly is nonzero.

    A nonzero polynomial of degree <= k cannot vanish on a product grid with k+1
    values per coordinate (Alon's Combinatorial Nullstellensatz), so this only
    returns None when every poly is zero. The centre is tried first.

    >>> xy = {(1, 1): Fraction(1)}                             # x*y vanishes at the centre 0
    >>> grid_point([xy], (Fraction(0), Fraction(0)), Fraction(1, 2))
    (Fraction(-1, 2), Fraction(-1, 2))
    >>> grid_point([{}], (Fraction(0),), Fraction(1)) is None
    True
    """
    live = [p for p in polys if p]
    if not live:
        return None
    if any(poly_eval(p, center) for p in live):
        return center
    k = max(1, max(sum(e) for p in live for e in p))
    steps = [radius * Fraction(2 * j - k, k) for j in range(k + 1)]
    for offs in itertools.product(steps, repeat=len(center)):
        x = tuple(c + o for c, o in zip(center, offs))
        if any(poly_eval(p, x) for p in live):
            return x
    return None
