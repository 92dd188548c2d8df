"""Exact expansion of polynomial networks (affine, identity, square units, Hadamard pooling) over Q.

A polynomial is a dict ``{exponent tuple: Fraction}`` with no zero coefficients, so the
zero polynomial is ``{}``. A network output is identically zero on R^d iff its expanded
polynomial is ``{}`` (a polynomial vanishing on R^d has zero coefficients). A nonzero
polynomial of total degree ``k`` is nonzero at some point of the grid ``{0..k}^d``
(combinatorial Nullstellensatz: its degree in each variable is at most ``k``).
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import TYPE_CHECKING

from verify.layers import Act, Affine, Pool

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["Poly", "expand", "is_polynomial_network", "degree", "evaluate", "grid_witness", "TooLarge"]

Poly = dict[tuple[int, ...], Fraction]
_POLY_UNITS = frozenset({"identity", "square"})


class TooLarge(Exception):
    """The expansion exceeded its term budget."""


def is_polynomial_network(net: Network) -> bool:
    """Only affine layers, pooling, identity and square units: every output is a polynomial.

    >>> from verify import Network
    >>> is_polynomial_network(Network.mlp([[[1]], [[1]]], [[1], [0]], "square"))
    True
    """
    return all(a.name in _POLY_UNITS for a in net.activations())


def _add(p: Poly, q: Poly, c: Fraction = Fraction(1)) -> None:
    for mono, v in q.items():
        s = p.get(mono, Fraction(0)) + c * v
        if s:
            p[mono] = s
        else:
            p.pop(mono, None)


def _mul(p: Poly, q: Poly, limit: int) -> Poly:
    out: Poly = {}
    for m1, v1 in p.items():
        for m2, v2 in q.items():
            mono = tuple(a + b for a, b in zip(m1, m2))
            s = out.get(mono, Fraction(0)) + v1 * v2
            if s:
                out[mono] = s
            else:
                out.pop(mono, None)
        if len(out) > limit:
            raise TooLarge(f"more than {limit} terms")
    return out


def expand(net: Network, *, max_terms: int = 20000) -> list[Poly]:
    """The exact polynomial of every output of a polynomial network.

    >>> from verify import Network
    >>> f = Network.mlp([[[1], [1]], [[1, -1]]], [[1, 0], [-2]], "square")   # (x+1)^2 - x^2 - 2
    >>> expand(f)
    [{(0,): Fraction(-1, 1), (1,): Fraction(2, 1)}]
    """
    d = net.input_dim
    zero = (0,) * d
    state: list[Poly] = [{tuple(int(i == j) for j in range(d)): Fraction(1)} for i in range(d)]
    for layer in net.layers:
        if isinstance(layer, Affine):
            new: list[Poly] = []
            for row, b in zip(layer.weight, layer.bias):
                p: Poly = {zero: b} if b else {}
                for c, q in zip(row, state):
                    if c:
                        _add(p, q, c)
                new.append(p)
            state = new
        elif isinstance(layer, Pool):
            k = len(state) // 2
            state = [_mul(state[i], state[i + k], max_terms) for i in range(k)]
        else:
            assert isinstance(layer, Act)
            state = [_mul(p, p, max_terms) if a.name == "square" else p for a, p in zip(layer.expanded(len(state)), state)]
        if sum(len(p) for p in state) > max_terms:
            raise TooLarge(f"more than {max_terms} terms")
    return state


def degree(p: Poly) -> int:
    """Total degree (``-1`` for the zero polynomial).

    >>> degree({(2, 1): Fraction(1), (0, 0): Fraction(5)}), degree({})
    (3, -1)
    """
    return max((sum(m) for m in p), default=-1)


def evaluate(p: Poly, x: tuple[Fraction, ...]) -> Fraction:
    """The exact value at a rational point.

    >>> evaluate({(2,): Fraction(1), (0,): Fraction(-2)}, (Fraction(1, 2),))
    Fraction(-7, 4)
    """
    total = Fraction(0)
    for mono, c in p.items():
        term = c
        for xi, e in zip(x, mono):
            if e:
                term *= xi**e
        total += term
    return total


def grid_witness(p: Poly, dim: int, *, limit: int = 100000) -> tuple[Fraction, ...] | None:
    """A point of ``{0..k}^d`` (``k`` the degree) where the nonzero ``p`` is nonzero; None past ``limit`` points.

    >>> grid_witness({(1, 1): Fraction(1)}, 2)        # x*y
    (Fraction(1, 1), Fraction(1, 1))
    """
    k = max(degree(p), 0)
    for n, point in enumerate(itertools.product(range(k + 1), repeat=dim)):
        if n >= limit:
            return None
        x = tuple(Fraction(v) for v in point)
        if evaluate(p, x) != 0:
            return x
    return None
