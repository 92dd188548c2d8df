"""Targets of the approximants: a PL network, a Python callable on rationals, or a sympy expression.

A target is read once into a :class:`Target`: an exact evaluator at rational points plus what
is known about it (input and output dimension, a stated Lipschitz constant). Values must be
exact rationals; a target that is not rational at a node is rejected (InvalidArgument), never
rounded silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.errors import InvalidArgument, VerifyError, expected
from verify.network import Network
from verify.numbers import to_rational

__all__ = ["Target", "as_target"]

Point = tuple[Fraction, ...]


@dataclass(frozen=True)
class Target:
    """An exact evaluator ``value(x) -> tuple of D Fractions`` with its ``kind``.

    ``lipschitz`` is a constant ``L`` with ``||f(x) - f(y)||_inf <= L ||x - y||_inf`` (stated by the
    caller, or None); ``network`` is the target itself when it is a network (then facts about
    it are computed exactly instead of assumed).
    """

    kind: str
    dim: int
    outputs: int
    value: Callable[[Point], tuple[Fraction, ...]]
    lipschitz: Fraction | None = None
    network: Network | None = None


def _lipschitz(L: Any) -> Fraction | None:
    if L is None:
        return None
    q = to_rational(L, "lipschitz")
    if q < 0:
        raise InvalidArgument(expected("a nonnegative Lipschitz constant", "lipschitz", str(q)))
    return q


def _vector(raw: Any, where: str) -> tuple[Fraction, ...]:
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    try:
        return tuple(to_rational(v, where) for v in items)
    except VerifyError as exc:
        raise InvalidArgument(f"{exc} (the target must return exact rationals)") from None


def _sympy_target(expr: Any, dim: int, L: Fraction | None, symbols: Any) -> Target:
    import sympy

    exprs: list[Any] = list(expr) if isinstance(expr, (sympy.MatrixBase, list, tuple)) else [expr]  # type: ignore[arg-type]
    syms = tuple(symbols) if symbols is not None else sympy.symbols(f"x0:{dim}")
    if len(syms) != dim:
        raise InvalidArgument(expected(f"{dim} symbols", "symbols", syms))

    def value(x: Point) -> tuple[Fraction, ...]:
        sub = {s: sympy.Rational(v.numerator, v.denominator) for s, v in zip(syms, x)}
        out = []
        for e in exprs:
            r = sympy.sympify(e).subs(sub)
            if r.is_Float:  # a float literal in the expression: its exact binary value, as to_rational does
                r = sympy.Rational(r)
            if not r.is_Rational:
                raise InvalidArgument(expected("an expression with rational values at rational points", "value", r))
            out.append(Fraction(int(r.p), int(r.q)))
        return tuple(out)

    return Target("sympy", dim, len(exprs), value, L)


def as_target(f: Any, dim: int, *, lipschitz: Any = None, symbols: Any = None) -> Target:
    """Read ``f`` as a target on ``R^dim``.

    A ``Network`` must be piecewise linear (with or without pooling, exact values); a callable
    gets a tuple of Fractions and returns a number or a sequence of numbers; a sympy expression
    (or a list/Matrix of them) is in the symbols ``x0..x{dim-1}`` unless ``symbols`` is given.

    >>> t = as_target(lambda x: x[0] * x[1], 2, lipschitz=2)
    >>> t.value((Fraction(1, 2), Fraction(3))), t.outputs, t.lipschitz
    ((Fraction(3, 2),), 1, Fraction(2, 1))
    """
    L = _lipschitz(lipschitz)
    if isinstance(f, Network):
        if f.input_dim != dim:
            raise InvalidArgument(expected(f"a network on R^{dim}", "f.input_dim", f.input_dim))
        if not f.is_relu_pool:
            raise InvalidArgument(expected("a piecewise-linear network (exact values)", "f", f))
        return Target("network", dim, f.output_dim, lambda x: f.eval_exact(x), L, f)
    try:
        import sympy
    except ImportError:  # pragma: no cover - sympy is a dependency
        sympy = None  # type: ignore[assignment]
    if sympy is not None and isinstance(f, (sympy.Basic, sympy.MatrixBase)):
        return _sympy_target(f, dim, L, symbols)
    if callable(f):
        probe = _vector(f(tuple(Fraction(0) for _ in range(dim))), "f(0)")
        return Target("callable", dim, len(probe), lambda x: _vector(f(x), "f(x)"), L)
    raise InvalidArgument(expected("a Network, a callable on rationals or a sympy expression", "f", f))
