"""Facts about the refined topology (MATH.md §2): dsupp, charged cells, exact L1 distances, A1/A3/A4."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.box import Box
from verify.construct import bump, hat
from verify.construct._analysis import find
from verify.errors import InvalidArgument, UnsupportedNetwork
from verify.network import Network
from verify.topology import (
    INF,
    charged_cells,
    d_loc,
    dsupp,
    dsupp_bounds,
    l1_norm,
    lemma2_trigger,
    refined_distance,
    separation,
    strict_refinement,
)

Q = Fraction
RELU_SHIFT = Network.mlp([[[1]], [[1]]], [[-5], [0]])  # relu(x - 5)
SIGMOID = Network.mlp([[[1], [2]], [[1, -1]]], [[0, 1], [0]], "sigmoid")  # sigmoid(x) - sigmoid(2x + 1)
ZERO = 0 * hat(0, 1)


@pytest.fixture(autouse=True)
def _needs_support() -> None:
    if find("support") is None:
        pytest.skip("verify.support has not landed")


# -- dsupp ----------------------------------------------------------------------------------------


def test_dsupp_of_the_issue_examples() -> None:
    assert dsupp(hat(-1, 1)) == 1
    assert dsupp(hat(2, 4)) == 4
    assert dsupp(RELU_SHIFT) == INF
    assert dsupp(SIGMOID) == INF
    assert dsupp(ZERO) == 0


def test_dsupp_scale_and_dimension() -> None:
    assert dsupp(hat(2, 4), 2) == 2 and dsupp(hat(2, 4), Q(3, 2)) == 3
    assert dsupp(hat(Q(-1, 2), Q(1, 2))) == 1  # dsupp(f) >= 1 for f != 0
    assert dsupp(bump(Box([-3, 0], [1, 2]))) == 3


def test_dsupp_of_an_analytic_zero_network_is_zero() -> None:
    pair = Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [-1]], "sigmoid")  # sigmoid(x) + sigmoid(-x) - 1 = 0
    assert dsupp(pair) == 0


@settings(max_examples=30, deadline=None)
@given(a=st.fractions(min_value=-6, max_value=6, max_denominator=4),
       w=st.fractions(min_value=Q(1, 4), max_value=4, max_denominator=4))
def test_dsupp_of_a_hat_is_the_ceiling_of_its_farthest_end(a: Fraction, w: Fraction) -> None:
    far = max(abs(a), abs(a + w))
    assert dsupp(hat(a, a + w)) == max(1, -(-far // 1))


def test_dsupp_rejects_non_networks_and_bounds_callables() -> None:
    with pytest.raises(InvalidArgument):
        dsupp(lambda x: x[0])
    assert dsupp_bounds(lambda x: max(Q(0), 1 - abs(x[0] - 3)), support=Box([2], [4])) == (4, 4)
    x0 = sympy.Symbol("x0")
    piecewise = sympy.Piecewise((1 - sympy.Abs(x0 - 3), sympy.Abs(x0 - 3) <= 1), (0, True))
    assert dsupp_bounds(piecewise, support=Box([2], [4])) == (4, 4)
    lo, hi = dsupp_bounds(lambda x: max(Q(0), 1 - abs(x[0] - 3)), support=Box([-5], [5]))
    assert lo <= 4 <= hi == 5


# -- charged cells (option C) ---------------------------------------------------------------------


def test_charged_cells_are_exact_including_boundaries() -> None:
    assert charged_cells(hat(-1, 1)) == {(-1,), (0,)}
    assert charged_cells(hat(0, Q(1, 2))) == {(0,)}
    assert charged_cells(bump(Box([0, 0], [1, 2]))) == {(0, 0), (0, 1)}
    assert charged_cells(bump(Box([0, 0], [1, 1]))) == {(0, 0)}  # touching neighbours on a null set only
    assert charged_cells(ZERO) == frozenset()
    with pytest.raises(UnsupportedNetwork):
        charged_cells(RELU_SHIFT)


# -- exact L1 norms and d_loc -------------------------------------------------------------------------


def test_exact_l1_distance_between_two_hats_is_the_hand_computed_value() -> None:
    """∫|hat(-1,1) - hat(0,2)/2| = 1/2 (on [-1,0]) + 1/3 + 1/12 (on [0,1], sign change at 2/3) + 1/4 (on [1,2]) = 7/6."""
    if find("linear_regions") is None:
        pytest.skip("verify.regions has not landed")
    f, g = hat(-1, 1), hat(0, 2) * "1/2"
    assert l1_norm(f - g, Box([-3], [3])) == Q(7, 6)
    assert l1_norm(f - g, Box([-1], [1])) == Q(11, 12)
    assert l1_norm(hat(-1, 1) - hat(2, 4), Box([-5], [5])) == 2


def test_exact_l1_norms_of_bumps() -> None:
    """A pyramid of height 1 over a box of volume V has integral V/3 (d = 2)."""
    if find("linear_regions") is None:
        pytest.skip("verify.regions has not landed")
    assert l1_norm(bump(Box([0, 0], [2, 2])), Box([-1, -1], [3, 3])) == Q(4, 3)
    assert l1_norm(bump(Box([0, 0], [1, 3])), Box([-1, -1], [3, 3])) == 1
    assert l1_norm(hat(2, 4), Box([2], [3])) == Q(1, 2)


def test_d_loc_is_exact_for_compactly_supported_pl_networks() -> None:
    f, g = hat(-1, 1), hat(0, 2) * "1/2"
    e = d_loc(f, g, 3)
    assert e.value == Q(1, 2) * Q(11, 12) + Q(1, 2)  # min(1, 11/12)/2 + sum_{n>=2} min(1, 7/6)/2^n
    assert d_loc(f, f, 4).value == 0
    assert d_loc(f, g, 3) == d_loc(g, f, 3)


def test_d_loc_of_an_unbounded_difference_is_an_enclosure_of_width_2_to_the_minus_n() -> None:
    e = d_loc(hat(-1, 1), RELU_SHIFT, 5)
    assert e.lower == Q(31, 32) and e.upper == 1  # ||f - g||_{L1(Q_n)} >= ||f||_1 = 1 for every n: d_loc = 1


def test_d_loc_for_an_analytic_network_is_a_rigorous_enclosure() -> None:
    sig = Network.mlp([[[1]], [[1]]], [[0], [0]], "sigmoid")  # ∫_{-n}^{n} sigmoid = n, so d_loc(sig, 0) = 1
    e = d_loc(sig, ZERO, 2, pieces=8)
    assert Q(1, 2) < e.lower < 1 == e.upper


# -- refined distances -------------------------------------------------------------------------------


def test_refined_distance_options() -> None:
    f, g = hat(-1, 1), hat(2, 4)
    a = refined_distance(f, g, "A", n_max=5)
    assert a.value == 1 + abs(Q(1, 2) - Q(1, 16))
    assert refined_distance(f, f, "A", n_max=3).value == 0
    assert refined_distance(f, RELU_SHIFT, "B", n_max=5).lower >= 1
    assert refined_distance(f, hat(-1, Q(1, 2)), "B", n_max=3).upper < 1
    assert refined_distance(f, hat(-1, Q(1, 2)), "C", n_max=3).upper < 1  # same charged cells


def test_refined_distance_c_sees_a_charged_cell_that_a_does_not() -> None:
    f = hat(0, 1)
    g = f + hat(Q(-1, 2), 0) * "1/1000"  # same dsupp, tiny L1 change, one more charged cell
    assert dsupp(g) == dsupp(f) == 1 and charged_cells(f) == {(0,)} and charged_cells(g) == {(-1,), (0,)}
    assert refined_distance(f, g, "A", n_max=3).upper < Q(1, 1000)
    assert refined_distance(f, g, "C", n_max=3).lower >= 1
    with pytest.raises(InvalidArgument):
        refined_distance(f, g, "D")


# -- A1, A3, A4 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("g", [hat(2, 4), RELU_SHIFT, SIGMOID, ZERO, hat(-3, -2)])
def test_separation_a1_on_instances(g: Network) -> None:
    fact = separation(hat(-1, 1), g)
    assert fact.holds and fact.evidence["gap"] >= Q(1, 4)


@settings(max_examples=50, deadline=None)
@given(m=st.integers(0, 30), other=st.one_of(st.integers(0, 40), st.just(INF)))
def test_separation_gap_inequality(m: int, other: int | float) -> None:
    if other != m:
        gap = abs(Q(1, 2**m) - (Q(0) if other == INF else Q(1, 2 ** int(other))))
        assert gap >= Q(1, 2 ** (m + 1))


def test_strict_refinement_a3() -> None:
    fact = strict_refinement(hat(-1, 1), ks=(1, 10, 100))
    assert fact.holds
    uppers = [row["d_loc_upper"] for row in fact.evidence["rows"]]
    assert uppers == sorted(uppers, reverse=True) and all(row["dsupp_gap"] >= Q(1, 4) for row in fact.evidence["rows"])


def test_lemma2_trigger_a4() -> None:
    f = hat(-1, 1)
    fact = lemma2_trigger(f, hat(Q(-1, 2), Q(1, 2)))  # ||f - g|| = 1/2 < ||f||_(L1 off Q_0) = 1
    assert fact.holds and fact.evidence["trigger"] and fact.evidence["l1_distance"] == Q(1, 2)
    fact = lemma2_trigger(hat(2, 4), hat(2, 3))  # trigger fails, and so does the conclusion (dsupp 3 != 4)
    assert fact.holds and not fact.evidence["trigger"] and fact.evidence["dsupp_g"] == 3
    with pytest.raises(InvalidArgument):
        lemma2_trigger(RELU_SHIFT, f)
