"""Facts about the support-controlled approximants (MATH.md §4.1 Q1, Q2 and the quantitative theorem).

The stated facts (support, sup error, L1 error, sizes) are checked with the exact analyses
(prove_support_in, max_abs, equivalent, exact L1 norms); exact evaluation at hypothesis points
checks the pointwise error bounds too. An analysis that has not landed makes its test skip.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.box import Box
from verify.construct import (
    Approximant,
    approximate_with_support,
    bump,
    freudenthal_size,
    hat,
    interpolant,
    size_of,
    sup_error,
    support_cut,
)
from verify.construct._analysis import find
from verify.construct.approximants import _interpolant_network
from verify.errors import InvalidArgument
from verify.network import Network

Q = Fraction
FAST = settings(max_examples=40, deadline=None)
UNIT = Box([0, 0], [1, 1])
points_2d = st.lists(st.fractions(min_value=Q(-1, 2), max_value=Q(3, 2), max_denominator=40), min_size=2, max_size=2)


def need(name: str):  # type: ignore[no-untyped-def]
    fn = find(name)
    if fn is None:
        pytest.skip(f"the analysis {name!r} has not landed")
    return fn


def diamond(x: tuple[Fraction, ...]) -> Fraction:
    """A Lipschitz target (constant 2 for max norms) supported on a diamond inside [0, 1]^2, kinks off the grid."""
    return max(Q(0), Q(1, 3) - abs(x[0] - Q(9, 20)) - abs(x[1] - Q(11, 20)))


DIAMOND_BOX = Box([Q(9, 20) - Q(1, 3), Q(11, 20) - Q(1, 3)], [Q(9, 20) + Q(1, 3), Q(11, 20) + Q(1, 3)])
PL_TARGET = bump(Box(["1/8", "1/4"], ["7/8", "5/6"]))  # Lipschitz constant 1 / min half-width = 1 / (7/24) = 24/7 in max norms


# -- Q1 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("h", [Q(1, 4), Q(1, 8)])
def test_q1_pl_target_error_is_at_most_L_h_exactly(h: Fraction) -> None:
    lipschitz = need("lipschitz_constant")
    need("max_abs")
    L = lipschitz(PL_TARGET)
    assert L == Q(24, 7)
    a = interpolant(PL_TARGET, h=h, cube=UNIT)
    assert a.error_bound == L * h
    err = sup_error(a, PL_TARGET)
    assert 0 < err <= L * h


def test_q1_cellwise_sup_error_equals_the_global_one() -> None:
    need("max_abs")
    a = interpolant(PL_TARGET, h=Q(1, 4), cube=UNIT)
    assert sup_error(a, PL_TARGET, local=True) == sup_error(a, PL_TARGET, local=False)


@pytest.mark.parametrize("h", [Q(1, 4), Q(1, 8)])
def test_q1_support_is_inside_the_node_cells_and_K_h(h: Fraction) -> None:
    prove = need("prove_support_in")
    K = Box(["1/8", "1/4"], ["7/8", "5/6"])
    a = interpolant(PL_TARGET, h=h, cube=UNIT, support=K)
    assert prove(a.network, list(a.support)).proved
    lo, hi = [max(Q(0), t - h) for t in K.lower], [min(Q(1), t + h) for t in K.upper]
    assert a.support_bound == (Box(lo, hi),)  # K^h ∩ cube
    assert prove(a.network, list(a.support_bound)).proved
    assert prove(a.network, UNIT).proved


def test_q1_l1_error_is_within_its_bound() -> None:
    from verify.topology import l1_norm

    need("lipschitz_constant")
    a = interpolant(PL_TARGET, h=Q(1, 4), cube=UNIT, support=Box(["1/8", "1/4"], ["7/8", "5/6"]))
    assert a.l1_bound is not None and 0 < l1_norm(a.network - PL_TARGET, UNIT) <= a.l1_bound


def test_q1_reproduces_a_function_of_the_finite_element_space() -> None:
    """Interpolating a combination of grid hats gives the same function back (equivalent, exactly)."""
    equivalent = need("equivalent")
    h = Q(1, 4)
    nodes = [(Q(1, 4), Q(1, 2)), (Q(1, 2), Q(1, 2)), (Q(3, 4), Q(1, 4))]
    f = _interpolant_network(2, h, nodes, [(Q(2),), (Q(-1),), (Q(1, 3),)], 1)
    g = interpolant(f, h=h, cube=UNIT, lipschitz=12).network
    assert g.num_neurons == 3 * freudenthal_size(2).num_neurons
    assert equivalent(g, f).proved


@FAST
@given(x=points_2d)
def test_q1_callable_target_pointwise_error(x: list[Fraction]) -> None:
    a = interpolant(diamond, h=Q(1, 8), cube=UNIT, lipschitz=2)
    g = a.network.eval_exact(x)[0]
    assert abs(g - diamond(tuple(x))) <= a.error_bound == Q(1, 4)
    if g != 0:
        assert any(b.contains(x) for b in a.support)


def test_q1_callable_support_is_proved() -> None:
    prove = need("prove_support_in")
    a = interpolant(diamond, h=Q(1, 8), cube=UNIT, lipschitz=2, support=DIAMOND_BOX)
    assert prove(a.network, list(a.support)).proved
    assert prove(a.network, [DIAMOND_BOX.expanded(Q(1, 8))]).proved


def test_q1_sympy_target_builds_the_same_network_as_the_callable() -> None:
    x0, x1 = sympy.symbols("x0 x1")
    expr = sympy.Max(0, sympy.Rational(1, 3) - sympy.Abs(x0 - sympy.Rational(9, 20)) - sympy.Abs(x1 - sympy.Rational(11, 20)))
    a = interpolant(expr, h=Q(1, 8), cube=UNIT, lipschitz=2)
    b = interpolant(diamond, h=Q(1, 8), cube=UNIT, lipschitz=2)
    assert a.network == b.network and a.params["target"] == "sympy"


def test_q1_vector_valued_target() -> None:
    a = interpolant(lambda x: (diamond(x), -2 * diamond(x)), h=Q(1, 8), cube=UNIT, lipschitz=4)
    assert a.network.output_dim == 2 and a.size_matches
    for x in [(Q(1, 2), Q(1, 2)), (Q(3, 10), Q(7, 10)), (Q(2), Q(0))]:
        g = a.network.eval_exact(x)
        assert abs(g[0] - diamond(x)) <= a.error_bound and abs(g[1] + 2 * diamond(x)) <= a.error_bound


@pytest.mark.parametrize("d", [1, 2, 3])
def test_q1_size_formulas_match_the_built_network(d: int) -> None:
    def f(x: tuple[Fraction, ...]) -> Fraction:
        return max(Q(0), Q(1, 2) - max(abs(t - Q(1, 2)) for t in x))

    a = interpolant(f, h=Q(1, 4), cube=Box.cube(d, 0, 1), lipschitz=1)
    n = a.params["nodes"]
    assert n == 3**d  # the interior nodes (1/4, 1/2, 3/4)^d all carry a nonzero value
    assert a.size_matches and size_of(a.network) == a.size
    assert a.network.depth == (d - 1).bit_length() + 3
    assert a.network.width == 2 * d * n
    assert a.network.num_neurons == n * freudenthal_size(d).num_neurons
    assert a.network.num_pool == 0 and {u.name for u in a.network.activations()} == {"relu"}


def test_q1_premises_are_checked() -> None:
    with pytest.raises(InvalidArgument, match="boundary"):
        interpolant(lambda x: Q(1), h=Q(1, 4), cube=UNIT, lipschitz=0)
    with pytest.raises(InvalidArgument, match="mesh"):
        interpolant(diamond, h=Q(1, 3), cube=Box([0, 0], [1, Q(1, 2)]), lipschitz=2)
    x0, x1 = sympy.symbols("x0 x1")
    with pytest.raises(InvalidArgument, match="rational"):
        interpolant(sympy.sqrt(2) * x0 * (1 - x0) * x1 * (1 - x1), h=Q(1, 2), cube=UNIT, lipschitz=2)
    with pytest.raises(InvalidArgument):
        interpolant(Network.mlp([[[1]]], [[0]], "sigmoid"), h=Q(1, 2), cube=Box([0], [1]))
    with pytest.raises(InvalidArgument):
        interpolant("x0", h=Q(1, 2), cube=Box([0], [1]))


def test_q1_network_premise_is_proved_or_refuted() -> None:
    need("prove_support_in")
    assert interpolant(PL_TARGET, h=Q(1, 4), cube=UNIT).params["premise"] == "proved"
    assert interpolant(diamond, h=Q(1, 4), cube=UNIT, lipschitz=2).params["premise"] == "assumed"
    with pytest.raises(InvalidArgument, match="supported in the stated region"):
        interpolant(PL_TARGET, h=Q(1, 4), cube=UNIT, support=Box([0, 0], ["1/2", 1]))


# -- Q2 ---------------------------------------------------------------------------------------------

JUNK_1D = hat(0, 1) + Network.mlp([[[1]], [[1]]], [[-5], [0]])  # hat(0,1) + relu(x - 5): support unbounded


def test_q2_cuts_an_unbounded_support_down_to_K_2delta() -> None:
    prove = need("prove_support_in")
    K, delta = Box([0], [1]), Q(1, 4)
    assert prove(JUNK_1D, [K.expanded(2 * delta)]).refuted
    F = support_cut(JUNK_1D, K, delta, eta=0)
    assert F.network.num_pool == 1 and F.size_matches
    assert prove(F.network, [K.expanded(2 * delta)]).proved
    assert prove(F.network, list(F.support)).proved


@FAST
@given(t=st.fractions(min_value=-2, max_value=8, max_denominator=32))
def test_q2_with_eta_zero_recovers_the_target_exactly(t: Fraction) -> None:
    """g = f on K^{2 delta} (eta = 0), so F = g psi = f everywhere."""
    F = support_cut(JUNK_1D, Box([0], [1]), Q(1, 4), eta=0)
    assert F.network.eval_exact([t]) == hat(0, 1).eval_exact([t])


def test_q2_with_eta_zero_has_exactly_the_target_support() -> None:
    support = need("support")
    F = support_cut(JUNK_1D, Box([0], [1]), Q(1, 4), eta=0)
    s = support(F.network)
    assert s.bounded and s.bounding_box == Box([0], [1])


def test_q2_with_eta_zero_support_measure_is_one() -> None:
    support = need("support")
    F = support_cut(JUNK_1D, Box([0], [1]), Q(1, 4), eta=0)
    assert support(F.network).measure == 1


@functools.cache
def cut_2d() -> Approximant:
    base = interpolant(diamond, h=Q(1, 8), cube=UNIT, lipschitz=2)
    far = bump(Box([5, 5], [6, 6]))  # no support control: g is nonzero far from K
    return support_cut(base.network + far, DIAMOND_BOX, Q(1, 8), eta=base.error_bound)  # g = base on K^{2 delta}


@FAST
@given(x=points_2d)
def test_q2_pointwise_error_is_at_most_eta(x: list[Fraction]) -> None:
    F = cut_2d()
    value = F.network.eval_exact(x)[0]
    assert abs(value - diamond(tuple(x))) <= F.error_bound
    if value != 0:
        assert any(b.contains(x) for b in F.support) and DIAMOND_BOX.expanded(Q(1, 4)).contains(x)


@pytest.mark.slow
def test_q2_support_is_proved_for_a_2d_cut() -> None:
    """About 10 s: the pooled region engine on a 2-D cut (one cover centre)."""
    prove = need("prove_support_in")
    base = interpolant(diamond, h=Q(1, 2), cube=UNIT, lipschitz=2)
    g = base.network + bump(Box([5, 5], [6, 6]))
    F = support_cut(g, DIAMOND_BOX, Q(1, 2), eta=base.error_bound)
    assert prove(g, [DIAMOND_BOX.expanded(1)]).refuted
    assert prove(F.network, [DIAMOND_BOX.expanded(1)]).proved
    assert F.size_matches and F.network.num_pool == 1


def test_q2_rejects_networks_it_cannot_cut() -> None:
    with pytest.raises(InvalidArgument):
        support_cut(Network.mlp([[[1]], [[1]]], [[0], [0]], "sigmoid"), Box([0], [1]), Q(1, 4))
    with pytest.raises(InvalidArgument):
        support_cut(hat(0, 1), Box([0, 0], [1, 1]), Q(1, 4))
    with pytest.raises(InvalidArgument):
        support_cut(hat(0, 1), Box([0], [1]), 0)


# -- the quantitative theorem --------------------------------------------------------------------------


@pytest.mark.parametrize("pooling", [False, True])
def test_theorem_bounds_hold_on_the_built_network(pooling: bool) -> None:
    a = approximate_with_support(diamond, 2, DIAMOND_BOX, Q(1, 4), pooling=pooling)
    assert a.bounds_hold and a.size_matches and a.error_bound is not None and a.error_bound <= Q(1, 4)
    assert a.network.num_pool == int(pooling)
    for name, (bound, actual) in a.bounds.items():
        assert actual <= bound, name
    assert a.params["m"] == 1 and a.params["h"] <= Q(1, 4) / 2


@pytest.mark.parametrize("pooling", [False, True])
def test_theorem_support_and_error_exactly(pooling: bool) -> None:
    """Q1: the support proved on the network. Q2: F = g psi, so supp F ⊆ supp psi, proved on the cutoff psi
    (a pure-ReLU network: the pooled engine on all of F is the slow test below)."""
    prove = need("prove_support_in")
    a = approximate_with_support(diamond, 2, DIAMOND_BOX, Q(1, 4), pooling=pooling)
    net = a.params["cutoff"] if pooling else a.network
    assert prove(net, list(a.support)).proved and prove(net, list(a.support_bound)).proved
    if pooling:
        assert a.network.layers[-1].__class__.__name__ == "Pool"
    for x in [(Q(9, 20), Q(11, 20)), (Q(1, 3), Q(1, 2)), (Q(3, 4), Q(3, 5)), (Q(0), Q(0))]:
        assert abs(a.network.eval_exact(x)[0] - diamond(x)) <= a.error_bound


@pytest.mark.slow
def test_theorem_pooled_support_proved_on_the_whole_network() -> None:
    prove = need("prove_support_in")
    a = approximate_with_support(lambda x: max(Q(0), Q(1, 2) - abs(x[0] - Q(1, 2))), 1, Box([0], [1]), Q(1, 2))
    assert a.network.num_pool == 1 and prove(a.network, list(a.support_bound)).proved


@pytest.mark.parametrize("pooling", [False, True])
def test_theorem_keeps_the_discretized_support(pooling: bool) -> None:
    """f = hat on [2, 4] has dsupp 4; the approximant does too (and A4's trigger holds)."""
    from verify.topology import dsupp, lemma2_trigger

    need("support")
    f = hat(2, 4)
    a = approximate_with_support(f, 1, Box([2], [4]), Q(2, 7), pooling=pooling)  # h = 2/7: off the kinks
    assert dsupp(f) == dsupp(a.network) == 4
    if not pooling:
        fact = lemma2_trigger(f, a.network)
        assert fact.holds and fact.evidence["trigger"]


def test_theorem_pl_target_exact_sup_error() -> None:
    need("max_abs")
    f = bump(Box([2, 2], [3, 4]))
    a = approximate_with_support(f, 2, Box([2, 2], [3, 4]), Q(1, 2), pooling=False)
    assert a.params["h"] == Q(1, 4) and 0 < sup_error(a, f) <= Q(1, 2)


def test_theorem_rejects_bad_arguments() -> None:
    with pytest.raises(InvalidArgument):
        approximate_with_support(diamond, 2, DIAMOND_BOX, 0)
    with pytest.raises(InvalidArgument):
        approximate_with_support(diamond, -1, DIAMOND_BOX, Q(1, 4))
    with pytest.raises(InvalidArgument):
        approximate_with_support(diamond, 2, "K", Q(1, 4))
