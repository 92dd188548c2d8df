"""The network IR: exact values of known networks, the algebra laws, sizes and classes."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.activations import Activation
from verify.errors import InvalidArgument, UnsupportedNetwork
from verify.layers import Act, Affine, Pool
from verify.network import Network
from verify.strategies import rationals, relu_networks

Q = Fraction
points = rationals(min_value=-5, max_value=5, max_denominator=12)
FAST = settings(max_examples=60, deadline=None)


def hat() -> Network:
    """relu(x+1) - 2 relu(x) + relu(x-1) = max(0, 1 - |x|)."""
    return Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])


def max2() -> Network:
    """max(a, b) = b + relu(a - b), with b carried by an identity unit."""
    return Network(2, (Affine([[1, -1], [0, 1]], [0, 0]), Act(("relu", "identity")), Affine([[1, 1]], [0])))


def min2() -> Network:
    """min(a, b) = a - relu(a - b)."""
    return Network(2, (Affine([[1, -1], [1, 0]], [0, 0]), Act(("relu", "identity")), Affine([[-1, 1]], [0])))


def abs_net() -> Network:
    """|x| = relu(x) + relu(-x)."""
    return Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [0]])


# -- exact values of known networks ----------------------------------------------
def test_hat_values() -> None:
    table = {Q(-2): 0, Q(-1): 0, Q(-1, 2): Q(1, 2), Q(0): 1, Q(1, 3): Q(2, 3), Q(1): 0, Q(7): 0}
    for x, y in table.items():
        assert hat().eval_exact([x]) == (y,)


@FAST
@given(points)
def test_hat_is_one_minus_abs_clipped(x: Fraction) -> None:
    assert hat().eval_exact([x]) == (max(Q(0), 1 - abs(x)),)


@FAST
@given(points, points)
def test_max_min_via_relu(a: Fraction, b: Fraction) -> None:
    assert max2().eval_exact([a, b]) == (max(a, b),)
    assert min2().eval_exact([a, b]) == (min(a, b),)
    assert (max2() + min2()).eval_exact([a, b]) == (a + b,)


@FAST
@given(points)
def test_abs_via_relu(x: Fraction) -> None:
    abs_unit = Network(1, (Act("abs"),))
    assert abs_net().eval_exact([x]) == (abs(x),) == abs_unit.eval_exact([x])


slopes = rationals(min_value=-3, max_value=3, max_denominator=7).filter(lambda a: a not in (1, -1))


def prelu_identity(a: Fraction) -> Network:
    """t = (s_a(t) - s_a(-t)) / (1 + a)  (MATH.md F2)."""
    return Network(1, (Affine([[1], [-1]], [0, 0]), Act(Activation("prelu", a)), Affine([[1 / (1 + a), -1 / (1 + a)]], [0])))


def prelu_relu(a: Fraction) -> Network:
    """relu(t) = (s_a(t) - a t) / (1 - a)  (MATH.md F2), the linear term carried by an identity unit."""
    acts = (Activation("prelu", a), Activation("identity"))
    return Network(1, (Affine([[1], [1]], [0, 0]), Act(acts), Affine([[1 / (1 - a), -a / (1 - a)]], [0])))


@FAST
@given(slopes, points)
def test_prelu_identities_of_F2(a: Fraction, t: Fraction) -> None:
    assert prelu_identity(a).eval_exact([t]) == (t,)
    assert prelu_relu(a).eval_exact([t]) == (max(t, Q(0)),)


def test_prelu_identities_fail_at_the_excluded_slopes() -> None:
    # a = 1 makes s_a the identity, so relu is out of reach; the formula divides by zero
    with pytest.raises(ZeroDivisionError):
        prelu_relu(Q(1))
    # a = -1 makes s_a = |.|, and (|t| - |-t|) = 0 is not 2t
    as_abs = Network(1, (Affine([[1], [-1]], [0, 0]), Act(Activation("prelu", Q(-1))), Affine([[1, -1]], [0])))
    assert as_abs.eval_exact([3]) == (0,)


# -- algebra laws --------------------------------------------------------------------
def _pair(data: st.DataObject, *, pooling: bool) -> tuple[Network, Network, tuple[Fraction, ...]]:
    d = data.draw(st.integers(1, 2), label="d")
    k = data.draw(st.integers(1, 2), label="k")
    acts = ("relu", "leaky_relu", "abs", "identity", "hardtanh")
    f = data.draw(relu_networks(input_dim=d, output_dim=k, max_depth=3, activations=acts, pooling=pooling), label="f")
    g = data.draw(relu_networks(input_dim=d, output_dim=k, max_depth=4, activations=acts, pooling=pooling), label="g")
    x = tuple(data.draw(points, label=f"x{i}") for i in range(d))
    return f, g, x


@FAST
@given(st.data(), st.booleans())
def test_sum_difference_scale_negation_are_pointwise(data: st.DataObject, pooling: bool) -> None:
    f, g, x = _pair(data, pooling=pooling)
    c = data.draw(rationals(min_value=-3, max_value=3), label="c")
    fx, gx = f.eval_exact(x), g.eval_exact(x)
    assert (f + g).eval_exact(x) == tuple(a + b for a, b in zip(fx, gx))
    assert (f - g).eval_exact(x) == tuple(a - b for a, b in zip(fx, gx))
    assert (c * f).eval_exact(x) == tuple(c * a for a in fx)
    assert (-f).eval_exact(x) == tuple(-a for a in fx)


@FAST
@given(st.data(), st.booleans())
def test_product_is_pointwise_and_adds_one_pooling_layer(data: st.DataObject, pooling: bool) -> None:
    f, g, x = _pair(data, pooling=pooling)
    fg = f * g
    assert fg.eval_exact(x) == tuple(a * b for a, b in zip(f.eval_exact(x), g.eval_exact(x)))
    assert fg.num_pool >= 1 and fg.is_relu_pool


@FAST
@given(st.data())
def test_compose_concat_restrict(data: st.DataObject) -> None:
    f, g, x = _pair(data, pooling=data.draw(st.booleans(), label="pooling"))
    h = data.draw(relu_networks(input_dim=f.output_dim, max_depth=3, pooling=True), label="h")
    assert h.compose(f).eval_exact(x) == h.eval_exact(f.eval_exact(x))
    both = Network.concat(f, g)
    assert both.output_dim == f.output_dim + g.output_dim
    assert both.eval_exact(x) == f.eval_exact(x) + g.eval_exact(x)
    assert both.restrict_output(0).eval_exact(x) == (f.eval_exact(x)[0],)
    order = list(range(both.output_dim))[::-1]
    assert both.restrict_output(order).eval_exact(x) == tuple(reversed(both.eval_exact(x)))


def test_algebra_rejects_mismatched_networks() -> None:
    two_in = Network.mlp([[[1, 1]]], [[0]])
    with pytest.raises(InvalidArgument, match="other.input_dim=2"):
        hat() + two_in
    with pytest.raises(InvalidArgument, match="inner.output_dim"):
        hat().compose(Network.mlp([[[1], [1]]], [[0, 0]]))
    with pytest.raises(InvalidArgument, match="index=1"):
        hat().restrict_output(1)


# -- sizes and classes ------------------------------------------------------------------
def test_sizes_of_known_networks() -> None:
    h = hat()
    assert (h.depth, h.width, h.num_pool, h.num_neurons, h.num_parameters) == (2, 3, 0, 3, 10)
    hh = hat() * hat()
    assert (hh.depth, hh.num_pool, hh.output_dim) == (2, 1, 1)
    assert hh.num_parameters == sum(l.in_dim * l.out_dim + l.out_dim for l in hh.layers if isinstance(l, Affine))
    big = Network.mlp([[[0, 0]] * 64, [[0] * 64] * 64, [[0] * 64]], [[0] * 64, [0] * 64, [0]])
    assert (big.depth, big.width, big.num_neurons, big.num_parameters) == (3, 64, 128, 2 * 64 + 64 + 64 * 64 + 64 + 64 + 1)
    pooled = Network(2, (Affine([[1, 0], [0, 1]], [0, 0]), Pool()))
    assert (pooled.depth, pooled.width, pooled.num_pool, pooled.num_neurons, pooled.num_parameters) == (1, 2, 1, 0, 6)
    assert pooled.eval_exact([Q(2, 3), 3]) == (2,)


def test_class_predicates() -> None:
    sig = Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [-1]], "sigmoid")
    square = Network(1, (Act("square"),))
    ident = Network(1, (Act("identity"),))
    mixed = Network(1, (Affine([[1], [1]], [0, 0]), Act(("relu", "tanh"))))
    table = {  # (piecewise_linear, relu_pool, analytic, rational)
        hat(): (True, True, False, True),
        hat() * hat(): (False, True, False, True),
        sig: (False, False, True, False),
        square: (False, False, True, True),
        ident: (True, True, True, True),
        mixed: (False, False, False, False),
    }
    for net, expected in table.items():
        assert (net.is_piecewise_linear, net.is_relu_pool, net.is_analytic, net.is_rational) == expected, net
    with pytest.raises(UnsupportedNetwork):
        sig.eval_exact([0])


# -- float semantics agree with exact ------------------------------------------------------
def _magnitude(net: Network, x: tuple[Fraction, ...]) -> Fraction:
    """A bound on every intermediate |value| for units with |f(t)| <= |t| (relu, leaky in [0,1], abs, identity, hardtanh)."""
    z = [abs(v) for v in x]
    top = max(z)
    for layer in net.layers:
        if isinstance(layer, Affine):
            z = [sum((abs(w) * v for w, v in zip(row, z)), abs(b)) for row, b in zip(layer.weight, layer.bias)]
        elif isinstance(layer, Pool):
            k = len(z) // 2
            z = [z[i] * z[i + k] for i in range(k)]
        top = max(top, *z)
    return top


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_float_agrees_with_exact_within_rounding(data: st.DataObject) -> None:
    acts = ("relu", "leaky_relu", "abs", "identity", "hardtanh")
    net = data.draw(relu_networks(activations=acts, pooling=data.draw(st.booleans())), label="net")
    xf = [float(data.draw(points)) for _ in range(net.input_dim)]
    x = tuple(Q(v) for v in xf)  # the exact binary value of the float input
    exact = net.eval_exact(x)
    approx = net.eval_float(np.array([xf]))
    tol = 1e-12 * (1 + float(_magnitude(net, x)))
    assert np.asarray(approx).shape[-1] == net.output_dim
    for e, a in zip(exact, np.asarray(approx).reshape(-1)):
        assert abs(float(e) - a) <= tol


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.data())
def test_affine_composition_is_the_matrix_product(n: int, m: int, k: int, data) -> None:  # type: ignore[no-untyped-def]
    """A.then(B) = (W_B W_A, W_B b_A + b_B) exactly, zeros (skipped by the sparse product) included."""
    entry = st.sampled_from([Fraction(0), Fraction(0), Fraction(1), Fraction(-2), Fraction(1, 3), Fraction(-5, 7)])
    WA = [[data.draw(entry) for _ in range(n)] for _ in range(m)]
    WB = [[data.draw(entry) for _ in range(m)] for _ in range(k)]
    bA, bB = [data.draw(entry) for _ in range(m)], [data.draw(entry) for _ in range(k)]
    got = Affine(WA, bA).then(Affine(WB, bB))
    assert got.weight == tuple(tuple(sum((WB[i][t] * WA[t][j] for t in range(m)), Fraction(0)) for j in range(n))
                               for i in range(k))
    assert got.bias == tuple(sum((WB[i][t] * bA[t] for t in range(m)), Fraction(0)) + bB[i] for i in range(k))
