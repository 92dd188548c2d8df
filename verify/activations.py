"""The activation catalogue.

Each activation is a frozen value ``Activation(name, param)``. Its class
(piecewise-linear, analytic, or both for the identity) is a property of its
name, declared once in :data:`CATALOGUE`. Piecewise-linear activations also
carry their exact pieces, the rule every exact analysis reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.errors import InvalidNetwork, expected
from verify.numbers import to_rational

__all__ = [
    "Activation",
    "Kind",
    "LinearPiece",
    "CATALOGUE",
    "PARAMETRIC",
    "make_activation",
    "relu",
    "leaky_relu",
    "prelu",
    "abs_",
    "identity",
    "hardtanh",
    "sigmoid",
    "tanh",
    "softplus",
    "silu",
    "swish",
    "gelu",
    "exp",
    "sin",
    "square",
]


@dataclass(frozen=True, slots=True)
class Kind:
    """What class an activation belongs to."""

    piecewise_linear: bool
    analytic: bool
    rational: bool  # maps Q to Q (so exact evaluation over Q is possible)


_PL = Kind(piecewise_linear=True, analytic=False, rational=True)
_LINEAR = Kind(piecewise_linear=True, analytic=True, rational=True)
_ANALYTIC = Kind(piecewise_linear=False, analytic=True, rational=False)
_POLY = Kind(piecewise_linear=False, analytic=True, rational=True)

CATALOGUE: dict[str, Kind] = {
    "relu": _PL,
    "leaky_relu": _PL,
    "prelu": _PL,
    "abs": _PL,
    "identity": _LINEAR,
    "hardtanh": _PL,
    "sigmoid": _ANALYTIC,
    "tanh": _ANALYTIC,
    "softplus": _ANALYTIC,
    "silu": _ANALYTIC,
    "swish": _ANALYTIC,
    "gelu": _ANALYTIC,
    "exp": _ANALYTIC,
    "sin": _ANALYTIC,
    "square": _POLY,
}
"""Every activation name, with its class."""

PARAMETRIC: dict[str, str] = {"leaky_relu": "slope", "prelu": "slope", "swish": "beta"}
"""Names that take one rational parameter, and what the parameter is."""


@dataclass(frozen=True, slots=True)
class LinearPiece:
    """``t -> slope*t + intercept`` on ``[lo, hi]`` (``None`` is infinite)."""

    lo: Fraction | None
    hi: Fraction | None
    slope: Fraction
    intercept: Fraction


@dataclass(frozen=True, slots=True)
class Activation:
    """One scalar activation function: a catalogue name and its parameter."""

    name: str
    param: Fraction | None = None

    def __post_init__(self) -> None:
        if self.name not in CATALOGUE:
            raise InvalidNetwork(expected(f"an activation in {sorted(CATALOGUE)}", "activation", self.name))
        if self.name in PARAMETRIC:
            if self.param is None:
                raise InvalidNetwork(expected(f"a {PARAMETRIC[self.name]} for {self.name}", "param", None))
            object.__setattr__(self, "param", to_rational(self.param, f"{self.name}.{PARAMETRIC[self.name]}"))
        elif self.param is not None:
            raise InvalidNetwork(expected(f"no parameter for {self.name}", "param", self.param))

    @property
    def kind(self) -> Kind:
        return CATALOGUE[self.name]

    @property
    def piecewise_linear(self) -> bool:
        return self.kind.piecewise_linear

    @property
    def analytic(self) -> bool:
        return self.kind.analytic

    @property
    def rational(self) -> bool:
        return self.kind.rational

    def pieces(self) -> tuple[LinearPiece, ...]:
        """The exact linear pieces of a piecewise-linear activation, left to right.

        >>> [(p.lo, p.hi, p.slope) for p in relu().pieces()]
        [(None, Fraction(0, 1), Fraction(0, 1)), (Fraction(0, 1), None, Fraction(1, 1))]
        """
        if not self.piecewise_linear:
            raise InvalidNetwork(expected("a piecewise-linear activation", "activation", self.name))
        return _PIECES[self.name](self.param)

    def to_spec(self) -> str | dict[str, str]:
        """The netproof/1 text of this activation: ``"relu"`` or ``{"leaky_relu": "1/10"}``."""
        if self.param is None:
            return self.name
        from verify.numbers import format_rational

        return {self.name: format_rational(self.param)}

    def __str__(self) -> str:
        return self.name if self.param is None else f"{self.name}({self.param})"


_ZERO, _ONE = Fraction(0), Fraction(1)


def _kinked(a: Fraction | None) -> tuple[LinearPiece, ...]:
    assert a is not None
    return (LinearPiece(None, _ZERO, a, _ZERO), LinearPiece(_ZERO, None, _ONE, _ZERO))


_PIECES: dict[str, Any] = {
    "relu": lambda _a: _kinked(_ZERO),
    "leaky_relu": _kinked,
    "prelu": _kinked,
    "abs": lambda _a: _kinked(-_ONE),
    "identity": lambda _a: (LinearPiece(None, None, _ONE, _ZERO),),
    "hardtanh": lambda _a: (
        LinearPiece(None, -_ONE, _ZERO, -_ONE),
        LinearPiece(-_ONE, _ONE, _ONE, _ZERO),
        LinearPiece(_ONE, None, _ZERO, _ONE),
    ),
}


def make_activation(spec: Any, name: str = "activation") -> Activation:
    """Read an activation from its spec: an :class:`Activation`, ``"relu"``, or ``{"leaky_relu": "1/10"}``.

    >>> make_activation({"leaky_relu": "1/10"})
    Activation(name='leaky_relu', param=Fraction(1, 10))
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str):
        if spec in PARAMETRIC:
            raise InvalidNetwork(expected(f'{{"{spec}": <{PARAMETRIC[spec]}>}}', name, spec))
        if spec not in CATALOGUE:
            raise InvalidNetwork(expected(f"an activation in {sorted(CATALOGUE)}", name, spec))
        return Activation(spec)
    if isinstance(spec, dict) and len(spec) == 1:
        ((key, value),) = spec.items()
        if key not in PARAMETRIC:
            raise InvalidNetwork(expected(f"a parametric activation in {sorted(PARAMETRIC)}", name, key))
        try:
            return Activation(key, to_rational(value, f"{name}.{PARAMETRIC[key]}"))
        except ValueError as exc:
            raise InvalidNetwork(str(exc)) from None
    raise InvalidNetwork(expected('an activation name or {"name": param}', name, spec))


def relu() -> Activation:
    return Activation("relu")


def leaky_relu(a: Any) -> Activation:
    return Activation("leaky_relu", to_rational(a, "slope"))


def prelu(a: Any) -> Activation:
    return Activation("prelu", to_rational(a, "slope"))


def abs_() -> Activation:
    return Activation("abs")


def identity() -> Activation:
    return Activation("identity")


def hardtanh() -> Activation:
    return Activation("hardtanh")


def sigmoid() -> Activation:
    return Activation("sigmoid")


def tanh() -> Activation:
    return Activation("tanh")


def softplus() -> Activation:
    return Activation("softplus")


def silu() -> Activation:
    return Activation("silu")


def swish(beta: Any) -> Activation:
    return Activation("swish", to_rational(beta, "beta"))


def gelu() -> Activation:
    return Activation("gelu")


def exp() -> Activation:
    return Activation("exp")


def sin() -> Activation:
    return Activation("sin")


def square() -> Activation:
    return Activation("square")
