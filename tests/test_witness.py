"""Rigorous nonvanishing witnesses: far tiny boxes, values far below float range, zero networks."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from flint import arb
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_zero import E40, GELU_HAT, SIGMA_PLUS_E40_TANH, TANH_SHIFT_E30, ZERO_FACTS, one_layer

from verify import Box, InvalidArgument, Network
from verify.analytic import nonvanishing_witness
from verify.analytic.witness import candidate_points, precisions, search_witness
from verify.checker import check
from verify.strategies import analytic_networks, boxes

FAR = Fraction(10**6)
TINY = Fraction(1, 10**6)
FAR_TINY_BOX = Box([FAR, FAR], [FAR + TINY, FAR + TINY])


def test_far_tiny_box_where_float64_underflows() -> None:
    net = one_layer([("sigmoid", [-1, -1], 0, 1)], d=2)  # sigma(-x1-x2) ~ e^(-2*10^6)
    assert float(net.eval_float([[float(FAR), float(FAR)]])[0, 0]) == 0.0  # float64 gives exactly 0
    v = nonvanishing_witness(net, FAR_TINY_BOX)
    assert v.proved and v.witness is not None
    assert FAR_TINY_BOX.contains_interior(v.witness.point)
    assert arb(v.witness.enclosure[0]) > 0
    assert check(v.to_json())


def test_far_tiny_box_with_cancellation() -> None:
    # tanh(x1) - tanh(x2) + 10^-40 (x1 - x2): cancels to ~1e-46 at points of the box
    net = one_layer([("tanh", [1, 0], 0, 1), ("tanh", [0, 1], 0, -1), ("identity", [1, -1], 0, E40)], d=2)
    v = nonvanishing_witness(net, FAR_TINY_BOX)
    assert v.proved and v.witness is not None and check(v.to_json())
    assert abs(arb(v.witness.enclosure[0])) < arb("1e-45")


def test_values_far_below_1e_30_need_escalation() -> None:
    v = nonvanishing_witness(SIGMA_PLUS_E40_TANH, Box([Fraction(1, 3)], [2]))
    assert v.proved and v.witness is not None
    assert v.witness.prec is not None and v.witness.prec > 128
    assert abs(arb(v.witness.enclosure[0])) < arb("1e-39")
    assert check(v.to_json())
    w = nonvanishing_witness(TANH_SHIFT_E30, Box([-1], [1]))
    assert w.proved and check(w.to_json())


def test_zero_network_is_refuted_no_witness_can_exist() -> None:
    v = nonvanishing_witness(ZERO_FACTS["tanh(2x+1)+tanh(-2x-1)"], Box([-1], [1]), budget=16, max_prec=256)
    assert v.refuted and v.witness is None
    assert check(v.to_json())


def test_output_selection() -> None:
    zero = ZERO_FACTS["sigma(x)+sigma(-x)-1"]
    both = Network.concat(zero, GELU_HAT)
    v = nonvanishing_witness(both, Box([0], [1]))
    assert v.proved and v.witness is not None and v.witness.output == 1
    r = nonvanishing_witness(both, Box([0], [1]), output=0, budget=16, max_prec=256)
    assert r.refuted and check(r.to_json())


def test_candidates_are_distinct_interior_rationals() -> None:
    box = Box([FAR, -1], [FAR + TINY, Fraction(-1, 2)])
    pts = candidate_points(box, 50)
    assert len(pts) == len(set(pts)) == 50
    assert all(box.contains_interior(p) for p in pts)
    assert precisions(4096) == [64, 128, 256, 512, 1024, 2048, 4096]


def test_invalid_arguments() -> None:
    net = GELU_HAT
    with pytest.raises(InvalidArgument):
        nonvanishing_witness(net, Box([0], [0]))  # empty interior
    with pytest.raises(InvalidArgument):
        nonvanishing_witness(net, Box([0, 0], [1, 1]))  # wrong dimension
    with pytest.raises(InvalidArgument):
        nonvanishing_witness(net, Box([0], [1]), max_prec=10)
    with pytest.raises(InvalidArgument):
        nonvanishing_witness(net, Box([0], [1]), output=3)


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_random_nonzero_networks_get_witnesses_in_random_small_boxes(data: st.DataObject) -> None:
    net = data.draw(analytic_networks(max_depth=3, max_width=3))
    box = data.draw(boxes(net.input_dim, min_value=-5, max_value=5, min_side=Fraction(1, 100), max_denominator=100))
    centre = [[float(c) for c in box.center]]
    # screening only picks nonzero networks for the test; the verdict itself never looks at floats
    assume(float(np.abs(net.eval_float(centre)).max()) > 1e-6)
    v = nonvanishing_witness(net, box, budget=64)
    assert v.proved, v.summary()
    assert check(v.to_json())


def test_search_reports_what_was_tried() -> None:
    w, tried = search_witness(ZERO_FACTS["sigma(x)+sigma(-x)-1"], Box([0], [1]), max_prec=256, budget=20)
    assert w is None and tried["evaluations"] == 20 and tried["precisions"][0] == 64


def test_support_of_analytic_networks_is_everything_or_nothing() -> None:
    import math

    from verify import UnsupportedNetwork
    from verify.analytic import support
    from verify.checker.analytic import ball_eval

    s = support(GELU_HAT)
    assert not s.bounded and s.measure == math.inf and s.bounding_box is None
    assert s.contains([10**9]) and s.witness is not None
    value = ball_eval(GELU_HAT.to_dict(), list(s.witness), 256)[0]
    assert value > 0 or value < 0  # the witness is rigorously nonzero
    empty = support(ZERO_FACTS["tanh(2x+1)+tanh(-2x-1)"])
    assert empty.bounded and empty.measure == 0 and not empty.pieces and not empty.contains([0])
    with pytest.raises(UnsupportedNetwork):
        support(Network.mlp([[[1]], [[1]]], [[0], [0]], "relu"))


def test_the_pl_support_engine_dispatches_analytic_networks_here() -> None:
    import math

    from verify.support import prove_support_in, support

    assert support(GELU_HAT).measure == math.inf
    v = prove_support_in(GELU_HAT, Box([-2], [2]))
    assert v.refuted and v.evidence is not None and v.evidence["engine"] == "analytic"
