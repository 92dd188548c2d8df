"""Hypothesis strategies for exact rationals, boxes and networks, for users' own property tests.

Every strategy is valid by construction (nothing is filtered or rejected), takes
keyword-only ``min_*``/``max_*`` options checked eagerly (a bad option raises
:class:`~verify.errors.InvalidArgument` at once), and shrinks toward small
objects: integers before fractions, small denominators, few and narrow layers.

>>> from hypothesis import find, settings
>>> from verify.strategies import relu_networks
>>> net = find(relu_networks(input_dim=2), lambda n: True, settings=settings(database=None))
>>> net.depth, net.width, net.layers[0].weight
(1, 1, ((Fraction(0, 1), Fraction(0, 1)),))
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from verify.activations import CATALOGUE, PARAMETRIC, Activation
from verify.box import Box
from verify.errors import InvalidArgument, expected
from verify.layers import Act, Affine, Layer, Pool
from verify.network import Network
from verify.numbers import to_rational

__all__ = ["rationals", "boxes", "relu_networks", "analytic_networks", "networks"]

ANALYTIC = ("sigmoid", "tanh", "softplus", "silu", "gelu")
"""Default activations of :func:`analytic_networks`."""

EVERY = ("relu", "leaky_relu", "prelu", "abs", "identity", "hardtanh", "square",
         "sigmoid", "tanh", "softplus", "silu", "swish", "gelu", "exp", "sin")  # fmt: skip
"""Default activations of :func:`networks`: the whole catalogue, simplest first (shrinking prefers the first)."""


# -- validation ------------------------------------------------------------------
def _int_arg(name: str, value: Any, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InvalidArgument(expected(f"an int >= {least}", name, value))
    return value


def _rational_arg(name: str, value: Any) -> Fraction | None:
    if value is None:
        return None
    try:
        return to_rational(value, name)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None


def _ordered(lo_name: str, lo: Any, hi_name: str, hi: Any) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise InvalidArgument(expected(f"{lo_name} <= {hi_name}", f"({lo_name}, {hi_name})", (str(lo), str(hi))))


# -- numbers and boxes -------------------------------------------------------------
def rationals(
    *, min_value: Any = None, max_value: Any = None, max_denominator: int = 10
) -> st.SearchStrategy[Fraction]:
    """Exact rationals ``p/q`` in ``[min_value, max_value]`` (either end may be open-ended) with ``q <= max_denominator``.

    The denominator ``q`` is drawn first, then the numerator. Shrinks toward
    ``q = 1`` (integers) and then toward the integer closest to 0 in range. When
    the range holds no fraction with the drawn denominator, a bound itself is
    returned (so bounds of any denominator are allowed).

    >>> from hypothesis import find, settings
    >>> find(rationals(min_value="1/3", max_value=5), lambda q: True, settings=settings(database=None))
    Fraction(1, 1)
    >>> find(rationals(), lambda q: q.denominator > 2, settings=settings(database=None))
    Fraction(1, 3)
    """
    lo, hi = _rational_arg("min_value", min_value), _rational_arg("max_value", max_value)
    _ordered("min_value", lo, "max_value", hi)
    n = _int_arg("max_denominator", max_denominator, 1)
    if lo is not None and lo == hi:
        return st.just(lo)

    @st.composite
    def draw_rational(draw: Any) -> Fraction:
        return _draw_rational(draw, lo, hi, n)

    return draw_rational()


def _draw_rational(draw: Any, lo: Fraction | None, hi: Fraction | None, n: int) -> Fraction:
    """One draw of :func:`rationals` without building a strategy (the denominator first, then the numerator)."""
    if lo is not None and lo == hi:
        return lo
    q = draw(st.integers(1, n))
    p_lo = None if lo is None else math.ceil(lo * q)
    p_hi = None if hi is None else math.floor(hi * q)
    if p_lo is not None and p_hi is not None and p_lo > p_hi:
        return draw(st.sampled_from([b for b in (lo, hi) if b is not None]))
    return Fraction(draw(st.integers(p_lo, p_hi)), q)


def boxes(
    d: int, *, min_value: Any = -10, max_value: Any = 10, min_side: Any = None, max_denominator: int = 10
) -> st.SearchStrategy[Box]:
    """Full-dimensional boxes in ``[min_value, max_value]^d`` whose sides are at least ``min_side`` (> 0).

    Each coordinate draws its lower end, then its side length, both with
    :func:`rationals`. ``min_side`` defaults to ``1/max_denominator`` (capped by
    the range). Shrinks toward the lower end closest to 0 and the smallest
    integer side in range: ``[0, 1]^d`` under the defaults.

    >>> from hypothesis import find, settings
    >>> str(find(boxes(2), lambda b: True, settings=settings(database=None)))
    '[0,1]x[0,1]'
    """
    d = _int_arg("d", d, 1)
    n = _int_arg("max_denominator", max_denominator, 1)
    lo, hi = _rational_arg("min_value", min_value), _rational_arg("max_value", max_value)
    if lo is None or hi is None:
        raise InvalidArgument(expected("finite bounds", "(min_value, max_value)", (min_value, max_value)))
    if lo >= hi:
        raise InvalidArgument(expected("min_value < max_value", "(min_value, max_value)", (str(lo), str(hi))))
    side = _rational_arg("min_side", min_side)
    side = min(Fraction(1, n), hi - lo) if side is None else side
    if not 0 < side <= hi - lo:
        raise InvalidArgument(expected(f"0 < min_side <= {hi - lo}", "min_side", str(side)))

    @st.composite
    def draw_box(draw: Any) -> Box:
        lower, upper = [], []
        for _ in range(d):
            a = _draw_rational(draw, lo, hi - side, n)
            lower.append(a)
            upper.append(a + _draw_rational(draw, side, hi - a, n))
        return Box(tuple(lower), tuple(upper))

    return draw_box()


# -- networks -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Shape:
    dims_in: tuple[int, int]
    dims_out: tuple[int, int]
    depth: tuple[int, int]
    width: tuple[int, int]
    activations: tuple[Activation | str, ...]
    pooling: bool
    max_abs_weight: Fraction
    max_denominator: int


def _dim_range(name: str, fixed: Any, lo: int, hi: int) -> tuple[int, int]:
    if fixed is not None:
        k = _int_arg(name, fixed, 1)
        return k, k
    lo, hi = _int_arg(f"min_{name}", lo, 1), _int_arg(f"max_{name}", hi, 1)
    _ordered(f"min_{name}", lo, f"max_{name}", hi)
    return lo, hi


def _activation_list(activations: Any, need: str | None) -> tuple[Activation | str, ...]:
    if isinstance(activations, (str, Activation)) or not isinstance(activations, Iterable):
        raise InvalidArgument(expected("a non-empty sequence of activation names", "activations", activations))
    out = tuple(activations)
    if not out:
        raise InvalidArgument(expected("a non-empty sequence of activation names", "activations", activations))
    for i, a in enumerate(out):
        name = a.name if isinstance(a, Activation) else a
        if not isinstance(name, str) or name not in CATALOGUE:
            raise InvalidArgument(expected(f"an activation in {sorted(CATALOGUE)}", f"activations[{i}]", a))
        if need == "piecewise_linear" and not CATALOGUE[name].piecewise_linear:
            raise InvalidArgument(expected("a piecewise-linear activation", f"activations[{i}]", a))
        if need == "analytic" and not CATALOGUE[name].analytic:
            raise InvalidArgument(expected("an analytic activation", f"activations[{i}]", a))
    return out


def _shape(opts: dict[str, Any], activations: Any, need: str | None, pooling: Any) -> _Shape:
    if not isinstance(pooling, bool):
        raise InvalidArgument(expected("True or False", "pooling", pooling))
    weight = _rational_arg("max_abs_weight", opts["max_abs_weight"])
    if weight is None or weight < 0:
        raise InvalidArgument(expected("a rational >= 0", "max_abs_weight", opts["max_abs_weight"]))
    return _Shape(
        dims_in=_dim_range("input_dim", opts["input_dim"], opts["min_input_dim"], opts["max_input_dim"]),
        dims_out=_dim_range("output_dim", opts["output_dim"], opts["min_output_dim"], opts["max_output_dim"]),
        depth=_dim_range("depth", None, opts["min_depth"], opts["max_depth"]),
        width=_dim_range("width", None, opts["min_width"], opts["max_width"]),
        activations=_activation_list(activations, need),
        pooling=pooling,
        max_abs_weight=weight,
        max_denominator=_int_arg("max_denominator", opts["max_denominator"], 1),
    )


def _draw_activation(draw: Any, spec: Activation | str, n: int) -> Activation:
    if isinstance(spec, Activation):
        return spec
    if spec not in PARAMETRIC:
        return Activation(spec)
    if spec == "swish":  # beta in [1/2, 2], shrinking to 1 (silu)
        return Activation(spec, draw(rationals(min_value=Fraction(1, 2), max_value=2, max_denominator=n)))
    return Activation(spec, draw(rationals(min_value=0, max_value=1, max_denominator=n)))  # slope, shrinking to 0


def _draw_plan(draw: Any, s: _Shape) -> tuple[int, list[tuple[int, bool]]]:
    """Input dim and, per affine layer, (its output width, whether a Pool follows it). Sizes first: they shrink first."""
    d = draw(st.integers(*s.dims_in))
    depth = draw(st.integers(*s.depth))
    k_lo, k_hi = (s.width[0] + 1) // 2, s.width[1] // 2  # a hidden Pool needs an even affine width in range
    plan = []
    for k in range(depth):
        last = k == depth - 1
        pool = s.pooling and (last or k_lo <= k_hi) and draw(st.booleans())
        if last:
            out = draw(st.integers(*s.dims_out))
            plan.append((2 * out if pool else out, pool))
        else:
            plan.append((2 * draw(st.integers(k_lo, k_hi)) if pool else draw(st.integers(*s.width)), pool))
    return d, plan


@st.composite
def _network(draw: Any, s: _Shape) -> Network:
    d, plan = _draw_plan(draw, s)
    m = s.max_abs_weight
    layers: list[Layer] = []
    width = d
    for k, (n, pool) in enumerate(plan):
        weight = tuple(tuple(_draw_rational(draw, -m, m, s.max_denominator) for _ in range(width)) for _ in range(n))
        layers.append(Affine(weight, tuple(_draw_rational(draw, -m, m, s.max_denominator) for _ in range(n))))
        width = n // 2 if pool else n
        if pool:
            layers.append(Pool())
        elif k < len(plan) - 1:
            per_unit = len(s.activations) > 1 and draw(st.booleans())
            units = [draw(st.sampled_from(s.activations)) for _ in range(n if per_unit else 1)]
            acts = tuple(_draw_activation(draw, a, s.max_denominator) for a in units)
            layers.append(Act(acts if per_unit else acts[0]))
    return Network(d, tuple(layers))



def _make(activations: Any, need: str | None, pooling: Any, opts: dict[str, Any]) -> st.SearchStrategy[Network]:
    return _network(_shape(opts, activations, need, pooling))


def relu_networks(
    *, input_dim: int | None = None, min_input_dim: int = 1, max_input_dim: int = 3,
    output_dim: int | None = None, min_output_dim: int = 1, max_output_dim: int = 2,
    min_depth: int = 1, max_depth: int = 3, min_width: int = 1, max_width: int = 4,
    activations: Iterable[str | Activation] = ("relu",), pooling: bool = False,
    max_abs_weight: Any = 4, max_denominator: int = 4,
) -> st.SearchStrategy[Network]:  # fmt: skip
    """Piecewise-linear networks (``relu`` by default; any piecewise-linear activations), optionally with pooling.

    With ``pooling=False`` every drawn network is CPWL (``net.is_piecewise_linear``);
    with pooling it is in the ReLU+Pool class (``net.is_relu_pool``). Either way
    ``eval_exact`` applies.


    Draws the sizes first (input dim, depth, then per layer its width and whether
    it pools), then layer by layer the weights and biases (with
    :func:`rationals` in ``[-max_abs_weight, max_abs_weight]``) and the activations. So it shrinks
    toward the fewest, narrowest layers, the first listed activation, one
    activation for a whole layer, no pooling, and integer weights closest to 0.
    ``depth`` counts affine layers; widths are affine output widths in
    ``[min_width, max_width]``, except the last affine layer, which has
    ``output_dim`` outputs (twice that when a final pooling layer follows).

    >>> from hypothesis import find, settings
    >>> net = find(relu_networks(input_dim=1, min_depth=2), lambda n: n.eval_exact([1]) != (0,),
    ...            settings=settings(database=None))
    >>> net.eval_exact([1]), net.width
    ((Fraction(1, 1),), 1)
    """
    return _make(activations, "piecewise_linear", pooling, locals())


def analytic_networks(
    *, input_dim: int | None = None, min_input_dim: int = 1, max_input_dim: int = 3,
    output_dim: int | None = None, min_output_dim: int = 1, max_output_dim: int = 2,
    min_depth: int = 1, max_depth: int = 3, min_width: int = 1, max_width: int = 4,
    activations: Iterable[str | Activation] = ANALYTIC, pooling: bool = False,
    max_abs_weight: Any = 4, max_denominator: int = 4,
) -> st.SearchStrategy[Network]:  # fmt: skip
    """Real-analytic networks (sigmoid, tanh, softplus, silu, gelu by default), optionally with pooling.

    Every drawn network satisfies ``net.is_analytic``; evaluate it with ``eval_ball``.


    Draws the sizes first (input dim, depth, then per layer its width and whether
    it pools), then layer by layer the weights and biases (with
    :func:`rationals` in ``[-max_abs_weight, max_abs_weight]``) and the activations. So it shrinks
    toward the fewest, narrowest layers, the first listed activation, one
    activation for a whole layer, no pooling, and integer weights closest to 0.
    ``depth`` counts affine layers; widths are affine output widths in
    ``[min_width, max_width]``, except the last affine layer, which has
    ``output_dim`` outputs (twice that when a final pooling layer follows).

    >>> from hypothesis import find, settings
    >>> net = find(analytic_networks(input_dim=1, min_depth=2), lambda n: True, settings=settings(database=None))
    >>> [str(a) for a in net.activations()]
    ['sigmoid']
    """
    return _make(activations, "analytic", pooling, locals())


def networks(
    *, input_dim: int | None = None, min_input_dim: int = 1, max_input_dim: int = 3,
    output_dim: int | None = None, min_output_dim: int = 1, max_output_dim: int = 2,
    min_depth: int = 1, max_depth: int = 3, min_width: int = 1, max_width: int = 4,
    activations: Iterable[str | Activation] = EVERY, pooling: bool = True,
    max_abs_weight: Any = 4, max_denominator: int = 4,
) -> st.SearchStrategy[Network]:  # fmt: skip
    """Networks mixing any catalogue activations, per layer or per unit, with pooling layers.

    Layers choose between one activation for all units and one per unit, and
    (with ``pooling=True``) between an activation layer and a pooling layer.


    Draws the sizes first (input dim, depth, then per layer its width and whether
    it pools), then layer by layer the weights and biases (with
    :func:`rationals` in ``[-max_abs_weight, max_abs_weight]``) and the activations. So it shrinks
    toward the fewest, narrowest layers, the first listed activation, one
    activation for a whole layer, no pooling, and integer weights closest to 0.
    ``depth`` counts affine layers; widths are affine output widths in
    ``[min_width, max_width]``, except the last affine layer, which has
    ``output_dim`` outputs (twice that when a final pooling layer follows).

    >>> from hypothesis import find, settings
    >>> net = find(networks(input_dim=2), lambda n: n.num_pool > 0, settings=settings(database=None))
    >>> net.num_pool, net.depth, net.output_dim
    (1, 1, 1)
    """
    return _make(activations, None, pooling, locals())
