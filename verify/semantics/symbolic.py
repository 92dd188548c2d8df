"""Symbolic semantics: a network as sympy expressions, and a readable LaTeX rendering.

For display and for cross-checks only (no verdict depends on sympy). Weights become
``sympy.Rational`` exactly; piecewise-linear units become ``Max``/``Min``/``Piecewise``/``Abs``,
analytic units their ``exp``/``erf`` closed forms, pooling layers products.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import sympy

from verify.activations import Activation
from verify.errors import InvalidArgument, expected
from verify.layers import Act, Affine, Pool
from verify.numbers import format_rational

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["to_sympy", "latex", "symbols", "ACTIVATION_RULES", "LAYER_RULES", "LATEX_NAMES"]

_Expr = Any  # sympy.Expr; sympy is untyped


def _q(v: Fraction) -> _Expr:
    return sympy.Rational(v.numerator, v.denominator)


def _sigmoid(t: _Expr) -> _Expr:
    return 1 / (1 + sympy.exp(-t))


ACTIVATION_RULES: dict[str, Callable[[_Expr, Any], _Expr]] = {
    "relu": lambda t, a: sympy.Max(0, t),
    "leaky_relu": lambda t, a: sympy.Piecewise((t, t > 0), (a * t, True)),
    "prelu": lambda t, a: sympy.Piecewise((t, t > 0), (a * t, True)),
    "abs": lambda t, a: sympy.Abs(t),
    "identity": lambda t, a: t,
    "hardtanh": lambda t, a: sympy.Min(1, sympy.Max(-1, t)),
    "sigmoid": lambda t, a: _sigmoid(t),
    "tanh": lambda t, a: sympy.tanh(t),
    "softplus": lambda t, a: sympy.log(1 + sympy.exp(t)),
    "silu": lambda t, a: t / (1 + sympy.exp(-t)),
    "swish": lambda t, a: t / (1 + sympy.exp(-a * t)),
    "gelu": lambda t, a: t / 2 * (1 + sympy.erf(t / sympy.sqrt(2))),
    "exp": lambda t, a: sympy.exp(t),
    "sin": lambda t, a: sympy.sin(t),
    "square": lambda t, a: t**2,
}
"""``name -> rule(t, param)``: the activation applied to a sympy expression (``param`` a sympy Rational or None)."""


def _affine(layer: Affine, z: list[_Expr]) -> list[_Expr]:
    return [
        sympy.Add(*(_q(w) * v for w, v in zip(row, z) if w != 0), _q(b)) for row, b in zip(layer.weight, layer.bias)
    ]


def _act(layer: Act, z: list[_Expr]) -> list[_Expr]:
    out = []
    for t, f in zip(z, layer.expanded(len(z))):
        out.append(ACTIVATION_RULES[f.name](t, None if f.param is None else _q(f.param)))
    return out


def _pool(layer: Pool, z: list[_Expr]) -> list[_Expr]:
    k = len(z) // 2
    return [z[i] * z[i + k] for i in range(k)]


LAYER_RULES: dict[type, Callable[[Any, list[_Expr]], list[_Expr]]] = {Affine: _affine, Act: _act, Pool: _pool}
"""``layer type -> rule(layer, expressions)``."""


def _check_net(net: Any) -> None:
    from verify.network import Network

    if not isinstance(net, Network):
        raise InvalidArgument(expected("a verify.Network", "net", net))


def symbols(d: int) -> list[_Expr]:
    """The input symbols ``x0, ..., x{d-1}`` (real).

    >>> symbols(2)
    [x0, x1]
    """
    return list(sympy.symbols(f"x0:{d}", real=True))


def to_sympy(net: Network) -> _Expr:
    """A sympy column Matrix whose entry ``i`` is output ``i`` of ``net`` in the symbols ``x0..x{d-1}``.

    Contract: substituting a point ``x`` gives ``net(x)`` exactly (for every network; PL units as
    ``Max``/``Piecewise``, analytic ones in closed form). The expression tree may grow exponentially
    with depth; use :func:`latex` for a compact rendering of big networks.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> to_sympy(hat)
    Matrix([[-2*Max(0, x0) + Max(0, x0 - 1) + Max(0, x0 + 1)]])
    """
    _check_net(net)
    z = symbols(net.input_dim)
    for layer in net.layers:
        z = LAYER_RULES[type(layer)](layer, z)
    return sympy.Matrix(z)


# -- LaTeX ---------------------------------------------------------------------------
def _tex_q(v: Fraction) -> str:
    if v.denominator == 1:
        return str(v.numerator)
    sign = "-" if v < 0 else ""
    return rf"{sign}\tfrac{{{abs(v.numerator)}}}{{{v.denominator}}}"


LATEX_NAMES: dict[str, Callable[[Fraction | None], str]] = {
    "relu": lambda a: r"\mathrm{ReLU}",
    "leaky_relu": lambda a: rf"\mathrm{{LeakyReLU}}_{{{format_rational(a)}}}",  # type: ignore[arg-type]
    "prelu": lambda a: rf"\mathrm{{PReLU}}_{{{format_rational(a)}}}",  # type: ignore[arg-type]
    "abs": lambda a: r"\mathrm{abs}",
    "identity": lambda a: r"\mathrm{id}",
    "hardtanh": lambda a: r"\mathrm{HardTanh}",
    "sigmoid": lambda a: r"\sigma",
    "tanh": lambda a: r"\tanh",
    "softplus": lambda a: r"\mathrm{softplus}",
    "silu": lambda a: r"\mathrm{SiLU}",
    "swish": lambda a: rf"\mathrm{{swish}}_{{{format_rational(a)}}}",  # type: ignore[arg-type]
    "gelu": lambda a: r"\mathrm{GELU}",
    "exp": lambda a: r"\exp",
    "sin": lambda a: r"\sin",
    "square": lambda a: r"\mathrm{sq}",
}
"""``name -> LaTeX operator name`` (given the parameter), used by the layer-by-layer form."""


def _tex_act(f: Activation) -> str:
    return LATEX_NAMES[f.name](f.param)


def _pmatrix(rows: list[list[str]], max_dim: int) -> str:
    """A pmatrix, eliding the middle rows/columns of a side longer than ``max_dim``."""

    def cut(items: list[Any], filler: Any) -> list[Any]:
        if len(items) <= max_dim:
            return items
        h = max(1, max_dim // 2)
        return [*items[:h], filler, *items[-h:]]

    m = len(rows[0])
    cols = cut(list(range(m)), None)
    lines = []
    for row in cut(rows, None):
        if row is None:
            lines.append(" & ".join(r"\vdots" if c is not None else r"\ddots" for c in cols))
        else:
            lines.append(" & ".join(row[c] if c is not None else r"\cdots" for c in cols))
    return r"\begin{pmatrix}" + r" \\ ".join(lines) + r"\end{pmatrix}"


def _size(net: Network) -> int:
    """Estimated node count of the fully expanded expression tree (no sympy work)."""
    sizes = [1] * net.input_dim
    for layer in net.layers:
        if isinstance(layer, Affine):
            sizes = [sum(2 + s for w, s in zip(row, sizes) if w != 0) + 1 for row in layer.weight]
        elif isinstance(layer, Act):
            sizes = [s + 4 for s in sizes]
        else:
            k = len(sizes) // 2
            sizes = [sizes[i] + sizes[i + k] + 1 for i in range(k)]
        if sum(sizes) > 10**7:
            break
    return sum(sizes)


def _closed_form(net: Network) -> str:
    exprs = to_sympy(net)
    lines = [rf"f_{{{i + 1}}}(x) &= {sympy.latex(e)}" for i, e in enumerate(exprs)]
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def _layerwise(net: Network, max_dim: int) -> str:
    lines, cur, k = [], "x", 0
    pending = ""  # the affine text waiting for its nonlinearity
    for layer in net.layers:
        if isinstance(layer, Affine):
            w = _pmatrix([[_tex_q(v) for v in row] for row in layer.weight], max_dim)
            b = _pmatrix([[_tex_q(v)] for v in layer.bias], max_dim)
            inner = rf"\left({pending}\right)" if pending else cur  # two affine layers in a row
            pending = rf"{w} {inner} + {b}"
            continue
        arg = pending or cur
        if isinstance(layer, Act):
            units = layer.functions
            if isinstance(units, tuple) and len(set(units)) > 1:
                shown = [_tex_act(f) for f in units]
                if len(shown) > max_dim:
                    shown = [*shown[: max_dim // 2], r"\ldots", *shown[-(max_dim // 2) :]]
                text = rf"\left[{', '.join(shown)}\right]\left({arg}\right)"
            else:
                text = rf"{_tex_act(layer.unit(0))}\left({arg}\right)"
        else:
            text = rf"\mathrm{{pool}}\left({arg}\right)"
        k += 1
        lines.append(rf"z^{{({k})}} &= {text}")
        cur, pending = rf"z^{{({k})}}", ""
    lines.append(rf"f(x) &= {pending or cur}")
    where = r" \quad \text{where } \mathrm{pool}(u, v) = u \odot v \text{ (first and second halves)}" if net.num_pool else ""
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}" + where


def latex(net: Network, *, max_terms: int = 400, max_dim: int = 8) -> str:
    r"""A readable LaTeX rendering of ``net``.

    Contract: when the fully expanded formula has at most ``max_terms`` nodes (an estimate made
    without building it), one closed formula ``f_i(x) = ...`` per output; otherwise the
    layer-by-layer form ``z^{(k)} = \mathrm{ReLU}(W_k z^{(k-1)} + b_k)`` with the weights as
    ``pmatrix`` (sides longer than ``max_dim`` elided with dots) and ``\mathrm{pool}(u, v) = u \odot v``.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> print(latex(hat)[15:-13])
    f_{1}(x) &= - 2 \max\left(0, x_{0}\right) + \max\left(0, x_{0} - 1\right) + \max\left(0, x_{0} + 1\right)
    >>> "pmatrix" in latex(hat, max_terms=0)
    True
    """
    _check_net(net)
    for name, v in (("max_terms", max_terms), ("max_dim", max_dim)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise InvalidArgument(expected("a non-negative int", name, v))
    if _size(net) <= max_terms:
        return _closed_form(net)
    return _layerwise(net, max(max_dim, 2))
