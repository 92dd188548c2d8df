"""Rigorous ball semantics: python-flint ``arb`` enclosures for every activation and layer.

Contract: every rule maps a ball ``x`` to a ball containing ``f(t)`` for *every*
``t`` in ``x``, however wide ``x`` is. Consequently :func:`evaluate` returns balls
containing the exact real outputs at a rational point, and :func:`evaluate_box`
returns balls containing the outputs at every point of a box.

Soundness rules followed throughout (DESIGN §7.5):

* no Python ``max``/``min`` on balls; ``arb.max``/``arb.min``/``arb.union`` are
  interval-rigorous;
* a Python ``if`` on a ball comparison is only used as a *certainly* test
  (``x >= 0`` on an ``arb`` is True only when it holds for every point of ``x``)
  to choose between two formulas that are *both* sound; a False answer (undecided)
  always falls back to the formula valid for the whole ball;
* point evaluation (:func:`evaluate_many`) uses :data:`NARROW_RULES`, the plain interval
  extensions, which are as rigorous but skip the width test;
* monotone activations are evaluated on the two endpoints of a wide ball (their
  interval extensions blow up: arb's ``tanh`` on ``[-10, 10]`` is ``[-6e8, 2]``);
  the unimodal ``silu``/``gelu`` add a ball containing their global minimum when the
  ball may contain the minimiser;
* precision is set only with ``flint.ctx.workprec(prec)``, which restores the
  global state on exit.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import flint
from flint import arb, arb_mat, fmpq

from verify.box import Box
from verify.errors import InvalidArgument, expected
from verify.layers import Act, Affine, Pool
from verify.numbers import to_rational_vector

if TYPE_CHECKING:
    from verify.network import Network

__all__ = [
    "evaluate",
    "evaluate_box",
    "evaluate_many",
    "ACTIVATION_RULES",
    "NARROW_RULES",
    "LAYER_RULES",
    "MINIMISERS",
    "to_arb",
    "endpoints",
    "contains_rational",
]

_WIDE = arb(2) ** -20  # balls with a larger radius go through the endpoint rules (a tightness choice only)


def to_arb(q: Fraction) -> arb:
    """The ball of the exact rational ``q`` at the current precision (exact when ``q`` is dyadic and short).

    >>> to_arb(Fraction(1, 2))
    0.500000000000000
    """
    return arb(fmpq(q.numerator, q.denominator))


def _dyadic(x: arb) -> Fraction:
    man, exp = x.man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def endpoints(y: arb) -> tuple[Fraction, Fraction]:
    """The exact rational ends ``(mid - rad, mid + rad)`` of a finite ball.

    >>> endpoints(arb(3))
    (Fraction(3, 1), Fraction(3, 1))
    >>> lo, hi = endpoints(to_arb(Fraction(1, 3))); lo < Fraction(1, 3) < hi
    True
    """
    if not isinstance(y, arb) or not y.is_finite():
        raise InvalidArgument(expected("a finite arb ball", "y", y))
    m, r = _dyadic(y.mid()), _dyadic(y.rad())
    return m - r, m + r


def contains_rational(y: arb, q: Any) -> bool:
    """Whether the ball ``y`` contains the exact rational ``q`` (decided exactly, no rounding).

    >>> contains_rational(to_arb(Fraction(1, 3)), Fraction(1, 3)), contains_rational(arb(1), "1/3")
    (True, False)
    """
    from verify.numbers import to_rational

    try:
        v = to_rational(q, "q")
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None
    if y.is_nan():
        return True  # arb's NaN stands for "any real number"
    if not y.mid().is_finite():
        return False
    if not y.rad().is_finite():
        return True
    lo, hi = endpoints(y)
    return lo <= v <= hi


def _wide(x: arb) -> bool:
    return bool(x.rad() > _WIDE)  # rad() is exact, so this comparison is decided


# -- piecewise-linear rules ------------------------------------------------------
def _kinked(x: arb, a: arb) -> arb:
    """``t -> t`` for ``t > 0`` and ``a*t`` for ``t <= 0``, any slope ``a`` (monotone or not)."""
    if x >= 0:  # certainly: one piece
        return x
    if x <= 0:
        return a * x
    # the ball may straddle 0: union of the images of its two clipped halves
    return x.max(0).union(a * x.min(0))


def _relu(x: arb, a: Any) -> arb:
    return x.max(0)  # arb_max is rigorous on whole balls


def _abs(x: arb, a: Any) -> arb:
    return x.abs_lower().union(x.abs_upper())  # |x| ranges over [abs_lower, abs_upper]


def _hardtanh(x: arb, a: Any) -> arb:
    return x.max(-1).min(1)


def _square(x: arb, a: Any) -> arb:
    # x*x of a ball around 0 would contain negative numbers; t^2 = |t|^2 is monotone in |t|
    lo, hi = x.abs_lower(), x.abs_upper()
    return (lo * lo).union(hi * hi)


# -- analytic rules -----------------------------------------------------------
def _sigmoid_f(e: arb) -> arb:
    return 1 / (1 + (-e).exp())  # arb exponents are unbounded, so exp(10^6) does not overflow


def _softplus_f(e: arb) -> arb:
    if e > 0:  # certainly positive: log(1 + e^t) = t + log1p(e^-t), accurate for large t
        return e + (-e).exp().log1p()
    return e.exp().log1p()


def _silu_f(e: arb) -> arb:
    return e * _sigmoid_f(e)


_RSQRT2: dict[int, arb] = {}


def _rsqrt2() -> arb:
    """``1/sqrt(2)`` at the current precision, memoised (a constant, not configuration)."""
    prec = flint.ctx.prec
    s = _RSQRT2.get(prec)
    if s is None:
        s = _RSQRT2[prec] = arb(2).rsqrt()
    return s


def _gelu_f(e: arb) -> arb:
    s = _rsqrt2()
    if e < 0:  # certainly negative: t*Phi(t) = t/2 * erfc(-t/sqrt 2) avoids the cancellation in 1 + erf
        return e / 2 * (-e * s).erfc()
    return e / 2 * (1 + (e * s).erf())


def _monotone(f: Callable[[arb], arb]) -> Callable[[arb, Any], arb]:
    """Rule for a nondecreasing ``f``: the image of ``[lo, hi]`` is ``[f(lo), f(hi)]``."""

    def rule(x: arb, a: Any) -> arb:
        if _wide(x):
            return f(x.lower()).union(f(x.upper()))
        return f(x)

    return rule


MINIMISERS: dict[str, tuple[Fraction, Fraction]] = {
    "silu": (Fraction(-1279, 1000), Fraction(-1278, 1000)),
    "gelu": (Fraction(-752, 1000), Fraction(-751, 1000)),
}
"""Rational brackets of the unique global minimiser of the unimodal activations
(decreasing left of it, increasing right of it); ``tests/test_ball.py`` proves each
bracket by the signs of the derivative at its ends."""


def _unimodal(name: str, f: Callable[[arb], arb]) -> Callable[[arb, Any], arb]:
    """Rule for ``f`` decreasing on ``(-inf, t*]`` and increasing on ``[t*, inf)``, ``t*`` in ``MINIMISERS[name]``."""
    c1, c2 = MINIMISERS[name]

    def rule(x: arb, a: Any) -> arb:
        if not _wide(x):
            return f(x)
        out = f(x.lower()).union(f(x.upper()))
        if x < to_arb(c1) or x > to_arb(c2):  # certainly on one monotone side
            return out
        # the ball may contain t*: add a ball containing f(t*) = the minimum of f
        return out.union(f(to_arb(c1).union(to_arb(c2))))

    return rule


_silu = _unimodal("silu", _silu_f)


def _swish(x: arb, beta: arb) -> arb:
    if beta.is_zero():
        return x / 2
    # t*sigmoid(beta t) = silu(beta t) / beta for every beta != 0
    return _silu(beta * x, None) / beta


def _sin(x: arb, a: Any) -> arb:
    if not _wide(x):
        return x.sin()
    if x.rad() > 4:  # wider than 2*pi: the whole of [-1, 1]
        return arb(0, 1)
    # sin is monotone between its extrema pi/2 + k*pi: the ends, plus +-1 if an extremum may lie inside
    out = x.lower().sin().union(x.upper().sin())
    pi2 = 2 * arb.pi()
    if ((x - arb.pi() / 2) / pi2).contains_integer():  # possibly contains pi/2 + 2k*pi
        out = out.union(arb(1))
    if ((x + arb.pi() / 2) / pi2).contains_integer():  # possibly contains -pi/2 + 2k*pi
        out = out.union(arb(-1))
    return out


ACTIVATION_RULES: dict[str, Callable[[arb, Any], arb]] = {
    "relu": _relu,
    "leaky_relu": _kinked,
    "prelu": _kinked,
    "abs": _abs,
    "identity": lambda x, a: x,
    "hardtanh": _hardtanh,
    "sigmoid": _monotone(_sigmoid_f),
    "tanh": _monotone(lambda e: e.tanh()),
    "softplus": _monotone(_softplus_f),
    "silu": _silu,
    "swish": _swish,
    "gelu": _unimodal("gelu", _gelu_f),
    "exp": _monotone(lambda e: e.exp()),
    "sin": _sin,
    "square": _square,
}
"""``name -> rule(x, param)``: ``x`` an arb ball, ``param`` the activation's parameter as an arb ball
(or None); returns a ball containing ``f(t)`` for every ``t`` in ``x``."""

NARROW_RULES: dict[str, Callable[[arb, Any], arb]] = {
    **ACTIVATION_RULES,
    "sigmoid": lambda x, a: _sigmoid_f(x),
    "tanh": lambda x, a: x.tanh(),
    "softplus": lambda x, a: _softplus_f(x),
    "silu": lambda x, a: _silu_f(x),
    "swish": lambda x, a: x / 2 if a.is_zero() else _silu_f(a * x) / a,
    "gelu": lambda x, a: _gelu_f(x),
    "exp": lambda x, a: x.exp(),
}
"""The rules for narrow balls (point evaluation): the plain interval extensions, skipping the
width test. They are rigorous for every ball too, only looser than :data:`ACTIVATION_RULES`
on wide ones, so using them where balls may have grown wide costs tightness, never soundness."""


# -- layers: a batch of n columns stored row-major as (rows, flat list) --------------
_State = tuple[int, list[arb]]
_CACHE: OrderedDict[tuple[int, int], tuple[Affine, arb_mat]] = OrderedDict()
_CACHE_SIZE = 256


def _augmented(layer: Affine, prec: int) -> arb_mat:
    """``[W | b]`` as an arb_mat at ``prec``, memoised per (layer object, precision)."""
    key = (id(layer), prec)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is layer:
        _CACHE.move_to_end(key)
        return hit[1]
    rows = [[*row, b] for row, b in zip(layer.weight, layer.bias)]
    mat = arb_mat([[to_arb(v) for v in row] for row in rows])
    _CACHE[key] = (layer, mat)
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return mat


def _affine(layer: Affine, state: _State, n: int, rules: Any) -> _State:
    rows, flat = state
    z = arb_mat(rows + 1, n, flat + [arb(1)] * n)  # a row of ones carries the bias
    out = _augmented(layer, flint.ctx.prec) * z
    return layer.out_dim, out.entries()


def _act(layer: Act, state: _State, n: int, rules: dict[str, Callable[[arb, Any], arb]]) -> _State:
    rows, flat = state
    units = layer.expanded(rows)
    out: list[arb] = []
    for i, f in enumerate(units):
        rule = rules[f.name]
        param = None if f.param is None else to_arb(f.param)
        out.extend([rule(v, param) for v in flat[i * n : (i + 1) * n]])
    return rows, out


def _pool(layer: Pool, state: _State, n: int, rules: Any) -> _State:
    rows, flat = state
    k = rows // 2
    half = k * n
    return k, [u * v for u, v in zip(flat[:half], flat[half:])]


LAYER_RULES: dict[type, Callable[[Any, _State, int, Any], _State]] = {Affine: _affine, Act: _act, Pool: _pool}
"""``layer type -> rule(layer, (rows, flat), n, activation_rules)`` on a batch of ``n`` columns stored row-major."""


# -- entry points ---------------------------------------------------------------------
def _check_net(net: Any) -> None:
    from verify.network import Network

    if not isinstance(net, Network):
        raise InvalidArgument(expected("a verify.Network", "net", net))


def _check_prec(prec: Any) -> int:
    if isinstance(prec, bool) or not isinstance(prec, int) or prec < 2:
        raise InvalidArgument(expected("a precision in bits, an int >= 2", "prec", prec))
    return prec


def _forward(net: Network, columns: list[list[arb]], rules: dict[str, Callable[[arb, Any], arb]]) -> list[tuple[arb, ...]]:
    """Run the layer rules on the input balls ``columns`` (one list per point), at the current precision."""
    n = len(columns)
    if n == 0:
        return []
    state: _State = (net.input_dim, [col[i] for i in range(net.input_dim) for col in columns])
    for layer in net.layers:
        state = LAYER_RULES[type(layer)](layer, state, n, rules)
    rows, flat = state
    return [tuple(flat[i * n + j] for i in range(rows)) for j in range(n)]


def _point(net: Network, x: Any, name: str) -> list[arb]:
    try:
        q = to_rational_vector(x, name, net.input_dim)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from None
    return [to_arb(v) for v in q]


def evaluate(net: Network, x: Any, *, prec: int = 128) -> tuple[arb, ...]:
    """Balls containing the exact outputs of ``net`` at the rational point ``x``, computed at ``prec`` bits.

    >>> from verify import Network
    >>> sig = Network.mlp([[[1]], [[1]]], [[0], [0]], activation="sigmoid")
    >>> y, = evaluate(sig, [0]); contains_rational(y, Fraction(1, 2))
    True
    """
    _check_net(net)
    prec = _check_prec(prec)
    with flint.ctx.workprec(prec):
        return _forward(net, [_point(net, x, "x")], ACTIVATION_RULES)[0]


def evaluate_many(net: Network, points: Iterable[Any], *, prec: int = 128) -> list[tuple[arb, ...]]:
    """Balls containing the exact outputs at each rational point, batched through ``arb_mat`` layer products.

    Like ``[evaluate(net, p, prec=prec) for p in points]``, but the weights are converted once (and
    memoised per layer and precision), each affine layer is one ``arb_mat`` product over the whole
    batch, and activations use :data:`NARROW_RULES` (no width test: as rigorous, and as tight on
    the narrow balls of point evaluation).

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> [contains_rational(y, v) for (y,), v in zip(evaluate_many(hat, [[0], ["1/2"], [3]]), [1, Fraction(1, 2), 0])]
    [True, True, True]
    """
    _check_net(net)
    prec = _check_prec(prec)
    if isinstance(points, (str, bytes, dict)) or not hasattr(points, "__iter__"):
        raise InvalidArgument(expected("an iterable of points", "points", points))
    with flint.ctx.workprec(prec):
        cols = [_point(net, p, f"points[{i}]") for i, p in enumerate(points)]
        return _forward(net, cols, NARROW_RULES)


def evaluate_box(net: Network, box: Box, *, prec: int = 128) -> tuple[arb, ...]:
    """Balls containing ``net(x)`` for every ``x`` in ``box`` (an interval extension, outward rounded).

    Each input coordinate becomes the ball union of its two endpoint balls, which contains
    ``[lo, hi]``; every layer rule is rigorous for wide balls. Wide balls keep only ~30 bits
    of radius, so expect relative overestimation of about 1e-9 on top of the dependency effect.

    >>> from verify import Network
    >>> relu = Network(1, (Act("relu"),))
    >>> y, = evaluate_box(relu, Box([-1], [2])); y.lower() <= 0, y.upper() >= 2, y.lower() > -1e-6
    (True, True, True)
    """
    _check_net(net)
    prec = _check_prec(prec)
    if not isinstance(box, Box):
        raise InvalidArgument(expected("a verify.Box", "box", box))
    if box.dim != net.input_dim:
        raise InvalidArgument(expected(f"a box of dimension {net.input_dim}", "box.dim", box.dim))
    with flint.ctx.workprec(prec):
        col = [to_arb(lo).union(to_arb(hi)) for lo, hi in zip(box.lower, box.upper)]
        return _forward(net, [col], ACTIVATION_RULES)[0]
