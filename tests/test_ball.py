"""Rigorous ball semantics: enclosures of exact values, of high-precision mpmath values, over boxes.

The strategies and the mpmath reference evaluator are local to this file on purpose: the
reference must not share code with ``verify.semantics.ball``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint
import mpmath
import pytest
from _nets import ALL_ACTS, ANALYTIC_ACTS, PL_ACTS, net_and_point, networks, points
from flint import arb
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.activations import Activation
from verify.box import Box
from verify.errors import InvalidArgument
from verify.layers import Act, Affine
from verify.network import Network
from verify.semantics import ball
from verify.semantics.ball import ACTIVATION_RULES, contains_rational, endpoints, to_arb


@st.composite
def net_box_point(draw: Any, acts: Any) -> tuple[Network, Box, list[Fraction]]:
    net = draw(networks(acts))
    lo = draw(points(net.input_dim))
    width = draw(st.lists(st.builds(Fraction, st.integers(0, 8), st.integers(1, 4)), min_size=len(lo), max_size=len(lo)))
    frac = draw(st.lists(st.builds(Fraction, st.integers(0, 5), st.just(5)), min_size=len(lo), max_size=len(lo)))
    box = Box(lo, [a + w for a, w in zip(lo, width)])  # type: ignore[arg-type]
    return net, box, [a + t * w for a, t, w in zip(lo, frac, width)]


# -- the mpmath reference (independent of verify.semantics) -------------------------------
def _mp_act(f: Activation, t: Any) -> Any:
    mp = mpmath.mp
    a = None if f.param is None else mp.mpf(f.param.numerator) / f.param.denominator
    sig = lambda u: 1 / (1 + mp.exp(-u))  # noqa: E731
    table = {
        "relu": lambda: t if t > 0 else mp.zero,
        "leaky_relu": lambda: t if t > 0 else a * t,
        "prelu": lambda: t if t > 0 else a * t,
        "abs": lambda: abs(t),
        "identity": lambda: t,
        "hardtanh": lambda: min(max(t, -1), 1),
        "sigmoid": lambda: sig(t),
        "tanh": lambda: mp.tanh(t),
        "softplus": lambda: mp.log1p(mp.exp(t)),
        "silu": lambda: t * sig(t),
        "swish": lambda: t * sig(a * t),
        "gelu": lambda: t / 2 * mp.erfc(-t / mp.sqrt(2)),  # = t/2 (1 + erf(t/sqrt 2)) without cancellation
        "exp": lambda: mp.exp(t),
        "sin": lambda: mp.sin(t),
        "square": lambda: t * t,
    }
    return table[f.name]()


def mp_eval(net: Network, x: list[Fraction], prec: int) -> list[Any]:
    """The outputs at ``x`` computed by mpmath at ``prec`` bits (an approximation, not an enclosure)."""
    mp = mpmath.mp
    with mp.workprec(prec):
        z = [mp.mpf(v.numerator) / v.denominator for v in x]
        for layer in net.layers:
            if isinstance(layer, Affine):
                q = lambda v: mp.mpf(v.numerator) / v.denominator  # noqa: E731
                z = [mp.fsum([q(w) * v for w, v in zip(row, z)]) + q(b) for row, b in zip(layer.weight, layer.bias)]
            elif isinstance(layer, Act):
                z = [_mp_act(f, t) for f, t in zip(layer.expanded(len(z)), z)]
            else:
                k = len(z) // 2
                z = [z[i] * z[i + k] for i in range(k)]
        return z


def mp_frac(v: Any) -> Fraction:
    """The exact rational value of an mpmath mpf."""
    sign, man, exp, _ = mpmath.mpf(v)._mpf_
    return (-1) ** sign * Fraction(int(man)) * Fraction(2) ** int(exp)


def encloses_mp(y: arb, v: Any) -> bool:
    return bool(y.contains(arb(v)))  # arb(mpf) is exact, so this is an exact containment test


# -- properties ----------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(net_and_point(PL_ACTS))
def test_ball_encloses_exact_value_pl_pool_square(case: tuple[Network, list[Fraction]]) -> None:
    net, x = case
    for prec in (32, 128):
        for y, v in zip(net.eval_ball(x, prec=prec), net.eval_exact(x)):
            assert contains_rational(y, v)


@settings(max_examples=60, deadline=None)
@given(net_and_point(ALL_ACTS))
def test_ball_encloses_mpmath_at_three_times_the_precision(case: tuple[Network, list[Fraction]]) -> None:
    net, x = case
    for prec in (64, 128):
        ys = net.eval_ball(x, prec=prec)
        for y, v in zip(ys, mp_eval(net, x, 3 * prec)):
            assert encloses_mp(y, v), (y, v)


@settings(max_examples=40, deadline=None)
@given(net_box_point(PL_ACTS))
def test_box_ball_encloses_exact_values_in_the_box(case: tuple[Network, Box, list[Fraction]]) -> None:
    net, box, x = case
    assert box.contains(x)
    for y, v in zip(net.eval_ball_box(box, prec=64), net.eval_exact(x)):
        assert contains_rational(y, v)


@settings(max_examples=40, deadline=None)
@given(net_box_point(ALL_ACTS))
def test_box_ball_encloses_values_in_the_box(case: tuple[Network, Box, list[Fraction]]) -> None:
    net, box, x = case
    for y, v in zip(ball.evaluate_box(net, box, prec=64), mp_eval(net, x, 200)):
        assert encloses_mp(y, v), (y, v)


@settings(max_examples=40, deadline=None)
@given(net_and_point(ANALYTIC_ACTS))
def test_enclosures_tighten_with_precision(case: tuple[Network, list[Fraction]]) -> None:
    net, x = case
    lo, hi = net.eval_ball(x, prec=53), net.eval_ball(x, prec=256)
    for a, b in zip(lo, hi):
        assert a.overlaps(b)  # both contain the true value
        assert b.rad() <= a.rad()
        assert b.rad() <= arb(2) ** -180 * (1 + abs(b.mid())) or a.rad() > 2**40 * b.rad()


@settings(max_examples=30, deadline=None)
@given(networks(ALL_ACTS), st.data())
def test_evaluate_many_agrees_with_evaluate(net: Network, data: Any) -> None:
    xs = data.draw(st.lists(points(net.input_dim), min_size=0, max_size=5))
    many = ball.evaluate_many(net, xs, prec=96)
    assert len(many) == len(xs)
    for x, ys in zip(xs, many):
        for y, v, z in zip(ys, mp_eval(net, x, 300), ball.evaluate(net, x, prec=96)):
            assert encloses_mp(y, v) and y.overlaps(z)


# -- each activation rule on wide balls: sound for every point, tight at the ends --------------
INTERVALS = st.tuples(st.builds(Fraction, st.integers(-24, 24), st.integers(1, 4)),
                      st.builds(Fraction, st.integers(0, 24), st.integers(1, 4)))


@settings(max_examples=200, deadline=None)
@given(ALL_ACTS, INTERVALS, st.builds(Fraction, st.integers(0, 16), st.just(16)))
def test_rule_is_rigorous_and_tight_on_wide_balls(f: Activation, iv: tuple[Fraction, Fraction], s: Fraction) -> None:
    lo, hi = iv[0], iv[0] + iv[1]
    with flint.ctx.workprec(80):
        x = to_arb(lo).union(to_arb(hi))
        y = ACTIVATION_RULES[f.name](x, None if f.param is None else to_arb(f.param))
    with mpmath.mp.workprec(300):
        t = mpmath.mpf(lo.numerator) / lo.denominator * (1 - s) + mpmath.mpf(hi.numerator) / hi.denominator * s
        assert encloses_mp(y, _mp_act(f, t))
        # the exact image of [lo, hi], from a fine grid plus the ends and critical points
        grid = [lo + (hi - lo) * Fraction(i, 64) for i in range(65)]
        crit = [Fraction(0), Fraction(-1), Fraction(1)] + [c for pair in ball.MINIMISERS.values() for c in pair]
        crit += [mp_frac(mpmath.pi * k / 2) for k in range(-31, 32, 2)]  # extrema of sin (to ~1e-90)
        if f.name == "swish" and f.param:
            crit += [c / f.param for c in ball.MINIMISERS["silu"]]
        vals = [_mp_act(f, mpmath.mpf(p.numerator) / p.denominator) for p in grid + [c for c in crit if lo <= c <= hi]]
        top, bottom = mp_frac(max(vals)), mp_frac(min(vals))
    y_lo, y_hi = endpoints(y)
    slack = Fraction(1, 10**6) * (1 + abs(top) + abs(bottom)) + Fraction(1, 10**3) * (hi - lo) ** 2
    assert top <= y_hi <= top + slack + Fraction(1, 100)
    assert bottom - slack - Fraction(1, 100) <= y_lo <= bottom


@settings(max_examples=150, deadline=None)
@given(ALL_ACTS, INTERVALS, st.builds(Fraction, st.integers(0, 16), st.just(16)))
def test_narrow_rules_are_rigorous_on_wide_balls_too(f: Activation, iv: tuple[Fraction, Fraction], s: Fraction) -> None:
    lo, hi = iv[0], iv[0] + iv[1]
    with flint.ctx.workprec(80):
        x = to_arb(lo).union(to_arb(hi))
        y = ball.NARROW_RULES[f.name](x, None if f.param is None else to_arb(f.param))
    with mpmath.mp.workprec(300):
        t = mpmath.mpf(lo.numerator) / lo.denominator * (1 - s) + mpmath.mpf(hi.numerator) / hi.denominator * s
        assert encloses_mp(y, _mp_act(f, t))


def test_wide_ball_facts() -> None:
    with flint.ctx.workprec(64):
        sym = to_arb(Fraction(-1)).union(to_arb(Fraction(1)))
        sq = ACTIVATION_RULES["square"](sym, None)
        assert sq.lower() > -1e-6 and sq.upper() < 1 + 1e-6  # never the unsound-looking [-1, 1] of x*x
        assert not (sym * sym).lower() > -0.5  # what x*x would have given
        relu = ACTIVATION_RULES["relu"](sym, None)
        assert relu.lower() > -1e-6 and relu.contains(0) and relu.contains(1)
        leaky = ACTIVATION_RULES["leaky_relu"](sym, arb(-2))  # not monotone: image [0, 2]
        assert leaky.lower() > -1e-6 and leaky.upper() < 2 + 1e-6 and leaky.contains(2)
        ab = ACTIVATION_RULES["abs"](sym, None)
        assert ab.lower() > -1e-6 and ab.contains(1)
        wide = to_arb(Fraction(-10)).union(to_arb(Fraction(10)))
        th = ACTIVATION_RULES["tanh"](wide, None)
        assert th.lower() > -1 - 1e-6 and th.upper() < 1 + 1e-6  # arb's own tanh gives ~[-6e8, 2] here
        s01 = ACTIVATION_RULES["sin"](to_arb(Fraction(0)).union(to_arb(Fraction(1))), None)
        assert s01.lower() > -1e-6 and s01.upper() < 0.8415 and s01.contains(arb(1).sin())  # monotone piece
        s12 = ACTIVATION_RULES["sin"](to_arb(Fraction(1)).union(to_arb(Fraction(2))), None)
        assert s12.contains(1) and s12.lower() > 0.84 and s12.upper() < 1 + 1e-6  # contains pi/2
        s45 = ACTIVATION_RULES["sin"](to_arb(Fraction(4)).union(to_arb(Fraction(5))), None)
        assert s45.contains(-1) and s45.upper() < -0.75  # contains 3*pi/2
        ht = ACTIVATION_RULES["hardtanh"](wide, None)
        assert ht.contains(1) and ht.contains(-1) and ht.upper() < 1 + 1e-6


# -- known values ------------------------------------------------------------------------------
def _single(name: str, param: Any = None) -> Network:
    return Network(1, (Act(Activation(name, param)),))


def test_sigmoid_of_zero_is_one_half() -> None:
    (y,) = _single("sigmoid").eval_ball([0])
    assert contains_rational(y, Fraction(1, 2)) and y.rad() < arb(2) ** -120


def test_gelu_and_silu_vanish_at_zero() -> None:
    for name in ("gelu", "silu", "sin", "tanh"):
        (y,) = _single(name).eval_ball([0])
        assert contains_rational(y, 0) and y.rad() < arb(2) ** -120


def test_softplus_of_zero_is_log_two() -> None:
    (y,) = _single("softplus").eval_ball([0], prec=200)
    with mpmath.mp.workprec(600):
        assert encloses_mp(y, mpmath.log(2))
    assert y.rad() < arb(2) ** -190


@settings(max_examples=40, deadline=None)
@given(st.builds(Fraction, st.integers(-400, 400), st.integers(1, 50)))
def test_tanh_is_a_rescaled_sigmoid(x: Fraction) -> None:
    # tanh(x) - 2 sigmoid(2x) + 1 = 0 identically
    net = Network(1, (Affine([[1], [2]], [0, 0]), Act((Activation("tanh"), Activation("sigmoid"))), Affine([[1, -2]], [1])))  # type: ignore[arg-type]
    (y,) = net.eval_ball([x])
    assert contains_rational(y, 0) and y.rad() < arb(2) ** -100


def test_far_out_values_stay_rigorous() -> None:
    big = 10**6
    (y,) = _single("sigmoid").eval_ball([-big])
    assert y > 0 and not y.contains(0)  # certainly positive: e^(-10^6)/(1 + e^(-10^6))
    assert _single("sigmoid").eval_float([[-big]])[0][0] == 0.0  # float64 underflows to exactly 0
    (y,) = _single("softplus").eval_ball([-big])
    assert y > 0
    (y,) = _single("softplus").eval_ball([big])
    assert contains_rational(y, big) or y.contains(arb(big) + (-arb(big)).exp())
    assert y.rad() < arb(2) ** -100
    (y,) = _single("silu").eval_ball([-big])
    assert y < 0
    (y,) = _single("exp").eval_ball([big])
    assert y.is_finite() and y > arb(10) ** 434294
    (y,) = _single("tanh").eval_ball([big])
    assert y.contains(1) and y.rad() < arb(2) ** -100
    (y,) = _single("gelu").eval_ball([-big])
    assert not y > 0 and y.rad() < arb(2) ** -1000  # tiny and never certainly positive


def _silu_d(t: arb) -> arb:
    s = 1 / (1 + (-t).exp())
    return s * (1 + t * (1 - s))


def _gelu_d(t: arb) -> arb:
    r2 = arb(2).sqrt()
    return (-t / r2).erfc() / 2 + t * (-t * t / 2).exp() / (2 * arb.pi()).sqrt()


def test_minimiser_brackets_are_proved_by_derivative_signs() -> None:
    with flint.ctx.workprec(64):
        for name, deriv in (("silu", _silu_d), ("gelu", _gelu_d)):
            c1, c2 = ball.MINIMISERS[name]
            assert deriv(to_arb(c1)) < 0 and deriv(to_arb(c2)) > 0


def test_box_of_a_single_point_contains_the_value() -> None:
    net = Network.mlp([[[1, -1], [2, 1]], [[1, 1]]], [[0, "1/3"], [0]], activation="gelu")
    x = [Fraction(1, 3), Fraction(-2, 7)]
    (y,) = net.eval_ball_box(Box(x, x))  # type: ignore[arg-type]
    assert encloses_mp(y, mp_eval(net, x, 400)[0])


def test_precision_is_restored() -> None:
    before = flint.ctx.prec
    _single("tanh").eval_ball([1], prec=300)
    ball.evaluate_many(_single("tanh"), [[1], [2]], prec=40)
    assert flint.ctx.prec == before


# -- invalid input -------------------------------------------------------------------------------
NET = Network.mlp([[[1, 1]], [[1]]], [[0], [0]], activation="tanh")


@pytest.mark.parametrize("prec", [0, -5, 1, 1.5, True, "128", None])
def test_bad_precision(prec: Any) -> None:
    with pytest.raises(InvalidArgument, match="prec"):
        ball.evaluate(NET, [0, 0], prec=prec)
    with pytest.raises(InvalidArgument, match="prec"):
        ball.evaluate_many(NET, [[0, 0]], prec=prec)
    with pytest.raises(InvalidArgument, match="prec"):
        ball.evaluate_box(NET, Box.cube(2, 0, 1), prec=prec)


@pytest.mark.parametrize("x", [[0], [0, 0, 0], [], "12", [0, float("nan")], [0, "x"], 3])
def test_bad_points(x: Any) -> None:
    with pytest.raises(InvalidArgument):
        ball.evaluate(NET, x)
    with pytest.raises(InvalidArgument):
        ball.evaluate_many(NET, [[0, 0], x])


def test_bad_boxes_and_batches() -> None:
    with pytest.raises(InvalidArgument, match="box"):
        ball.evaluate_box(NET, Box.cube(3, 0, 1))
    with pytest.raises(InvalidArgument, match="box"):
        ball.evaluate_box(NET, [[0, 1], [0, 1]])  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="points"):
        ball.evaluate_many(NET, 5)  # type: ignore[arg-type]
    assert ball.evaluate_many(NET, []) == []
    with pytest.raises(InvalidArgument):
        contains_rational(arb(1), "one")


def test_not_a_network() -> None:
    with pytest.raises(InvalidArgument, match="net"):
        ball.evaluate("relu", [0])  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="net"):
        ball.evaluate_many(None, [[0]])  # type: ignore[arg-type]
