"""Piecewise formulas: a short human-readable formula per linear region of a small PL network.

Contract. ``piecewise_formulas(net, domain)`` lists, for every full-dimensional
activation region ``R`` of ``net`` over ``domain`` (all of R^d by default),
the pair ``(description of R, formula of net on R)``: the description is the
conjunction of the irredundant inequalities cutting out ``R`` (integer
coefficients, a two-sided bound when both sides of one expression occur), the
formula the exact affine map of the output (a tuple for several outputs). The
regions cover the domain and have disjoint interiors, so the list *is* the
function; ``merge=True`` lists maximal linear pieces instead (a union of cells
joined by ``or``). Everything is exact: rationals print as ``p/q``.
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd, lcm
from typing import Any

from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.network import Network
from verify.numbers import format_rational

__all__ = ["piecewise_formulas", "piecewise_text", "affine_text", "polyhedron_text"]


def _names(d: int, names: Any) -> list[str]:
    if names is None:
        return [f"x{i}" for i in range(d)]
    out = list(names)
    if len(out) != d or not all(isinstance(n, str) and n for n in out):
        raise InvalidArgument(expected(f"{d} variable names", "names", names))
    return out


def affine_text(coeffs: Any, const: Any, names: list[str]) -> str:
    """``sum coeffs[i] * names[i] + const`` as short exact text.

    >>> affine_text([Fraction(1), Fraction(-1, 2)], Fraction(3), ["x", "y"])
    'x - 1/2*y + 3'
    """
    text = ""
    for c, name in zip(coeffs, names):
        if c == 0:
            continue
        mag = "" if abs(c) == 1 else format_rational(abs(c)) + "*"
        sign = ("-" if c < 0 else "") if not text else (" - " if c < 0 else " + ")
        text += f"{sign}{mag}{name}"
    if const != 0 or not text:
        sign = ("-" if const < 0 else "") if not text else (" - " if const < 0 else " + ")
        text += f"{sign}{format_rational(abs(const))}"
    return text


def _integral(row: tuple[Fraction, ...], rhs: Fraction) -> tuple[tuple[int, ...], int]:
    """Scale ``row . x <= rhs`` by a positive factor to coprime integers."""
    m = lcm(*(v.denominator for v in (*row, rhs)))
    ints = [int(v * m) for v in (*row, rhs)]
    g = gcd(*ints) or 1
    return tuple(v // g for v in ints[:-1]), ints[-1] // g


def _irredundant(A: tuple[Any, ...], b: tuple[Any, ...]) -> list[tuple[tuple[int, ...], int]]:
    """Rows that cut the polyhedron (each checked by one exact LP against the others kept)."""
    from verify.polyhedra import Polyhedron

    rows = list(dict.fromkeys(_integral(tuple(r), bi) for r, bi in zip(A, b) if any(r)))
    i = 0
    while i < len(rows):
        others = rows[:i] + rows[i + 1 :]
        a, beta = rows[i]
        A_kept: Any = tuple(r for r, _ in others)
        b_kept: Any = tuple(c for _, c in others)
        res = Polyhedron(A_kept, b_kept, len(a)).maximize(a) if others else None
        if res is not None and res.status == "optimal" and res.value <= beta:
            rows.pop(i)
        else:
            i += 1
    return rows


def polyhedron_text(A: Any, b: Any, names: list[str]) -> str:
    """The polyhedron ``A x <= b`` as a conjunction of its irredundant inequalities.

    >>> polyhedron_text([[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [0, 0]], [1, 0, 1, 0, 5, 1], ["x", "y"])
    '0 <= x <= 1 and 0 <= y <= 1'
    """
    rows = _irredundant(tuple(tuple(Fraction(v) for v in r) for r in A), tuple(Fraction(v) for v in b))
    if not rows:
        return "everywhere"
    bounds: dict[tuple[int, ...], list[int | None]] = {}  # expression with positive lead -> [lo, hi]
    for a, beta in rows:
        lead = next(v for v in a if v)
        key, bound = (a, beta) if lead > 0 else (tuple(-v for v in a), -beta)
        slot = bounds.setdefault(key, [None, None])
        slot[1 if lead > 0 else 0] = bound
    parts = []
    for key, (lo, hi) in bounds.items():
        expr = affine_text(key, 0, names)
        if lo is not None and hi is not None:
            parts.append(f"{lo} <= {expr} <= {hi}")
        else:
            parts.append(f"{expr} <= {hi}" if hi is not None else f"{expr} >= {lo}")
    return " and ".join(parts)


def piecewise_formulas(
    net: Network, domain: Any = None, *, merge: bool = False, names: Any = None, max_regions: int = 256
) -> list[tuple[str, str]]:
    """``(region, formula)`` for every linear region of a piecewise-linear network, exactly.

    ``domain``: None (R^d), a Box or a Polyhedron. More than ``max_regions``
    cells raises :class:`UnsupportedNetwork` (the list is meant for reading).

    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> for region, formula in piecewise_formulas(hat):
    ...     print(f"{region:>13}:  {formula}")
         x0 <= -1:  0
    -1 <= x0 <= 0:  x0 + 1
     0 <= x0 <= 1:  -x0 + 1
          x0 >= 1:  0
    """
    from verify.regions import linear_regions

    if not isinstance(net, Network):
        raise InvalidArgument(expected("a Network", "net", net))
    if not net.is_piecewise_linear:
        raise UnsupportedNetwork(expected("a piecewise-linear network (PL activations, no pooling)", "net", net))
    xs = _names(net.input_dim, names)
    regions = sorted(linear_regions(net, domain, merge=merge, budget=max_regions), key=lambda r: r.point)
    out = []
    for r in regions:
        cells = r.polyhedra or (r.polyhedron,)
        where = " or ".join(
            f"({polyhedron_text(p.A, p.b, xs)})" if len(cells) > 1 else polyhedron_text(p.A, p.b, xs) for p in cells
        )
        outs = [affine_text(row, c, xs) for row, c in zip(r.map.weight, r.map.bias)]
        out.append((where, outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ")"))
    return out


def piecewise_text(net: Network, domain: Any = None, *, merge: bool = False, names: Any = None, name: str = "f") -> str:
    """The piecewise formulas as one block of text, one line per region.

    >>> print(piecewise_text(Network.mlp([[[1, -1]]], [[0]]).compose(Network(2, ()))))
    f(x0, x1) = x0 - x1    everywhere
    """
    xs = _names(net.input_dim, names)
    rows = piecewise_formulas(net, domain, merge=merge, names=xs)
    head = f"{name}({', '.join(xs)}) = "
    width = max((len(f) for _, f in rows), default=0)
    lines = [(head if i == 0 else " " * len(head)) + f"{f:<{width}}    {r}" for i, (r, f) in enumerate(rows)]
    return "\n".join(lines)
