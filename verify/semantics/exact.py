"""Exact semantics over Q for networks of piecewise-linear and square units, with pooling."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.layers import Act, Affine, Pool
from verify.numbers import to_rational_vector

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["evaluate", "ACTIVATION_RULES", "LAYER_RULES"]

_ZERO, _ONE = Fraction(0), Fraction(1)

ACTIVATION_RULES: dict[str, Callable[[Fraction, Fraction | None], Fraction]] = {
    "relu": lambda t, a: t if t > 0 else _ZERO,
    "leaky_relu": lambda t, a: t if t > 0 else a * t,  # type: ignore[operator]
    "prelu": lambda t, a: t if t > 0 else a * t,  # type: ignore[operator]
    "abs": lambda t, a: abs(t),
    "identity": lambda t, a: t,
    "hardtanh": lambda t, a: -_ONE if t < -1 else (_ONE if t > 1 else t),
    "square": lambda t, a: t * t,
}
"""Rules for the activations that map Q to Q; the others have no exact rational semantics."""


def _affine(layer: Affine, z: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    return tuple(sum((w * v for w, v in zip(row, z) if w), b) for row, b in zip(layer.weight, layer.bias))


_SPARSE: dict[int, tuple[Affine, list[list[tuple[int, Fraction]]]]] = {}


def _sparse_rows(layer: Affine) -> list[list[tuple[int, Fraction]]]:
    """The nonzero weights (j, w) of each row, cached by layer identity (the cache holds the layer, so ids stay valid)."""
    hit = _SPARSE.get(id(layer))
    if hit is not None and hit[0] is layer:
        return hit[1]
    rows = [[(j, w) for j, w in enumerate(row) if w] for row in layer.weight]
    if len(_SPARSE) > 64:
        _SPARSE.clear()
    _SPARSE[id(layer)] = (layer, rows)
    return rows


def _affine_sparse(layer: Affine, z: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    """Same values as :func:`_affine` (exact Fraction sums), skipping zero weights via a cached sparse form."""
    return tuple(sum((w * z[j] for j, w in row), b) for row, b in zip(_sparse_rows(layer), layer.bias))


def _act(layer: Act, z: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    out = []
    for t, f in zip(z, layer.expanded(len(z))):
        rule = ACTIVATION_RULES.get(f.name)
        if rule is None:
            raise UnsupportedNetwork(
                expected("piecewise-linear or square units for exact evaluation (use eval_ball)", "activation", f.name)
            )
        out.append(rule(t, f.param))
    return tuple(out)


def _pool(layer: Pool, z: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    k = len(z) // 2
    return tuple(z[i] * z[i + k] for i in range(k))


LAYER_RULES: dict[type, Callable[[Any, tuple[Fraction, ...]], tuple[Fraction, ...]]] = {
    Affine: _affine_sparse,
    Act: _act,
    Pool: _pool,
}


def evaluate(net: Network, x: Any) -> tuple[Fraction, ...]:
    """The exact output of ``net`` at the rational point ``x``."""
    try:
        z = to_rational_vector(x, "x", net.input_dim)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None
    fast = _integer_evaluate(net, z)
    if fast is not None:
        return fast
    for layer in net.layers:
        z = LAYER_RULES[type(layer)](layer, z)
    return z


# -- a faster path with the same values: integers over one common denominator per layer -------------
# For networks of Affine layers and relu / identity / abs units, a vector z = Z / D (Z integers, D > 0)
# maps to (W_L Z + b_L D) / (L D) with W_L = L W, b_L = L b integer (L = lcm of the layer's denominators);
# these units commute with scaling by D > 0. Fraction(Z_i, D) at the end gives the same canonical Fractions.

_INT_UNITS: dict[str, Callable[[int], int]] = {"relu": lambda t: t if t > 0 else 0, "identity": lambda t: t, "abs": abs}
_INTS: dict[int, tuple[Affine, int, list[list[tuple[int, int]]], list[int]]] = {}


def _nonzero(row: Any) -> list[tuple[int, Fraction]]:
    """(j, w) for the nonzero weights of a row; a dense row's zeros are often one shared object, tested once."""
    out, zero = [], None
    for j, w in enumerate(row):
        if w is zero:
            continue
        if w:
            out.append((j, w))
        else:
            zero = w
    return out


def _integer_layer(layer: Affine) -> tuple[int, list[list[tuple[int, int]]], list[int]]:
    hit = _INTS.get(id(layer))
    if hit is not None and hit[0] is layer:
        return hit[1], hit[2], hit[3]
    nonzero = [_nonzero(row) for row in layer.weight]
    L = math.lcm(*{w.denominator for row in nonzero for _, w in row}, *{b.denominator for b in layer.bias})
    rows = [[(j, w.numerator * (L // w.denominator)) for j, w in row] for row in nonzero]
    bias = [b.numerator * (L // b.denominator) for b in layer.bias]
    if len(_INTS) > 64:
        _INTS.clear()
    _INTS[id(layer)] = (layer, L, rows, bias)
    return L, rows, bias


def _integer_evaluate(net: Network, x: tuple[Fraction, ...]) -> tuple[Fraction, ...] | None:
    """The exact output via integer arithmetic, or None when a layer is not Affine / relu-identity-abs."""
    plan: list[Any] = []
    for layer in net.layers:
        if isinstance(layer, Affine):
            plan.append(layer)
        elif isinstance(layer, Act) and not isinstance(layer.functions, tuple):
            rule = _INT_UNITS.get(layer.functions.name)
            if rule is None:
                return None
            plan.append(rule)
        else:
            return None
    D = math.lcm(*(q.denominator for q in x))
    Z = [q.numerator * (D // q.denominator) for q in x]
    for step in plan:
        if isinstance(step, Affine):
            L, rows, bias = _integer_layer(step)
            Z = [sum(w * Z[j] for j, w in row) + c * D for row, c in zip(rows, bias)]
            D *= L
        else:
            Z = [step(t) for t in Z]
    return tuple(Fraction(t, D) for t in Z)
