"""Exact semantics over Q for networks of piecewise-linear and square units, with pooling."""

from __future__ import annotations

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
    Affine: _affine,
    Act: _act,
    Pool: _pool,
}


def evaluate(net: Network, x: Any) -> tuple[Fraction, ...]:
    """The exact output of ``net`` at the rational point ``x``."""
    try:
        z = to_rational_vector(x, "x", net.input_dim)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None
    for layer in net.layers:
        z = LAYER_RULES[type(layer)](layer, z)
    return z
