"""Exact supports and "f = 0 outside K" proofs: known supports, far leaks, shallow nets, z3 cross-checks."""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.box import Box
from verify.checker import check
from verify.network import Network
from verify.polyhedra import Polyhedron
from verify.strategies import relu_networks
from verify.support import prove_support_in, support

HAT = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
HALF = F(1, 2)
# relu(1/2 - |x1 - 1/2| - |x2 - 1/2|): support is the diamond |x1-1/2| + |x2-1/2| <= 1/2
DIAMOND = Network.mlp([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[-1, -1, -1, -1]], [[1]]],
                      [[-HALF, HALF, -HALF, HALF], [HALF], [0]])
LEAK = Network.mlp([[[1], [1]], [[1, -1]]], [[-10**9, -10**9 - 1], [0]])
ZERO = Network.mlp([[[1], [-1]], [[1, -1]]], [[0, 0], [0]]) - Network.mlp([[[1]]], [[0]])


def assert_refuted_outside(v, net: Network, outside) -> None:  # type: ignore[no-untyped-def]
    assert v.refuted and v.witness is not None
    x = v.witness.point
    assert outside(x) and any(net.eval_exact(x)) and v.witness.value == net.eval_exact(x)
    assert check(v.to_json())


def test_hat_support_is_exactly_the_interval() -> None:
    s = support(HAT)
    assert s.bounded and s.measure == 2 and s.bounding_box == Box([-1], [1])
    assert s.contains([-1]) and s.contains([F(999, 1000)]) and not s.contains([F(1001, 1000)])
    assert s.witness is not None and HAT.eval_exact(s.witness) != (0,)
    v = prove_support_in(HAT, Box([-1], [1]))
    assert v.proved and check(v.to_json())


@pytest.mark.parametrize("K", [Box([-1], [F(9, 10)]), Box([F(-999, 1000)], [5])])
def test_tightened_hat_box_is_refuted_in_the_gap(K: Box) -> None:
    v = prove_support_in(HAT, K)
    assert_refuted_outside(v, HAT, lambda x: not K.contains(x))
    assert -1 < v.witness.point[0] < 1


def test_diamond_bump_measure_is_one_half() -> None:
    s = support(DIAMOND)
    assert s.bounded and s.measure == HALF and s.bounding_box == Box([0, 0], [1, 1])
    assert s.contains([HALF, HALF]) and s.contains([0, HALF]) and not s.contains([F(1, 10), F(1, 10)])
    assert prove_support_in(DIAMOND, Box([0, 0], [1, 1])).proved
    diamond = Polyhedron([[1, 1], [-1, -1], [1, -1], [-1, 1]], [F(3, 2), F(-1, 2), HALF, HALF])
    v = prove_support_in(DIAMOND, diamond)  # K is exactly the support, as a polyhedron
    assert v.proved and check(v.to_json())
    smaller = Polyhedron(diamond.A, [b - F(1, 100) for b in diamond.b])
    assert_refuted_outside(prove_support_in(DIAMOND, smaller), DIAMOND, lambda x: not smaller.contains(x))


def test_far_leak_is_refuted_beyond_ten_to_the_nine() -> None:
    s = support(LEAK)
    assert not s.bounded and s.measure == math.inf and s.bounding_box is None
    assert s.witness is not None and s.witness[0] > 10**9 and LEAK.eval_exact(s.witness) != (0,)
    K = Box([-10**6], [10**6])
    v = prove_support_in(LEAK, K)
    assert_refuted_outside(v, LEAK, lambda x: not K.contains(x))
    assert v.witness.point[0] > 10**9


def test_identically_zero_network() -> None:
    s = support(ZERO)
    assert s.empty and s.measure == 0 and s.bounding_box is None and s.witness is None and s.bounded
    v = prove_support_in(ZERO, [])
    assert v.proved and check(v.to_json())
    assert prove_support_in(HAT, []).refuted


def test_union_of_boxes() -> None:
    K = [Box([-1], [0]), Box([0], [1])]
    assert prove_support_in(HAT, K).proved
    bumps = DIAMOND + DIAMOND.compose(Network.mlp([[[1, 0], [0, 1]]], [[-3, 0]]))  # second bump at x1 + 3
    both = [Box([0, 0], [1, 1]), Box([3, 0], [4, 1])]
    v = prove_support_in(bumps, both)
    assert v.proved and check(v.to_json())
    assert_refuted_outside(prove_support_in(bumps, both[:1]), bumps, lambda x: not Box([0, 0], [1, 1]).contains(x))


def test_vector_outputs_and_other_activations() -> None:
    two = Network.concat(HAT, 2 * HAT)
    assert support(two).measure == 2
    hard = Network.mlp([[[1]], [[1]]], [[0], [0]], "hardtanh") - Network.mlp([[[1]], [[1]]], [[0], [0]], "hardtanh")
    assert support(hard).empty
    sat = Network.mlp([[[1], [1]], [[1, -1]]], [[0, -2], [0]], "hardtanh")  # hardtanh(x) - hardtanh(x - 2)
    s = support(sat)
    assert s.bounded and s.bounding_box == Box([-1], [3]) and s.measure == 4


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 3), st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3), st.integers(-3, 3),
                                             st.integers(-3, 3)), min_size=1, max_size=4))
def test_one_hidden_layer_relu_nets_in_d_ge_2_are_never_compactly_supported_unless_zero(d: int, units) -> None:  # type: ignore[no-untyped-def]
    W = [[w0, w1] + [w0 - w1] * (d - 2) for w0, w1, _, _ in units]
    net = Network.mlp([W, [[c for _, _, _, c in units]]], [[b for _, _, b, _ in units], [0]])
    s = support(net)
    assert s.empty or not s.bounded


def test_in_one_dimension_the_hat_is_the_counterexample() -> None:
    assert support(HAT).bounded and not support(HAT).empty


@settings(max_examples=40, deadline=None)
@given(relu_networks(input_dim=2, max_depth=3, max_width=3), st.integers(-2, 1), st.integers(1, 3))
def test_support_claims_agree_with_z3_and_witnesses_re_evaluate(net: Network, a: int, side: int) -> None:
    from verify.smt import find_nonzero_outside

    K = Box([a, a], [a + side, a + side])
    v = prove_support_in(net, K)
    z = find_nonzero_outside(net, K, trust_solver=True)  # an engine cross-check
    assert v.status in (z.status,) or z.unknown
    if v.refuted:
        assert_refuted_outside(v, net, lambda x: not K.contains(x))
    else:
        assert v.proved and check(v.to_json())
    s = support(net)
    if s.bounded and not s.empty:
        assert prove_support_in(net, s.bounding_box).proved  # type: ignore[arg-type]
    if not s.bounded:
        assert s.witness is not None and any(net.eval_exact(s.witness))


def test_dispatch_to_other_engines() -> None:
    pooled = HAT * HAT
    v = prove_support_in(pooled, Box([-1], [1]))
    assert v.proved or v.unknown
    smooth = Network.mlp([[[1]], [[1]]], [[0], [0]], "sigmoid")
    assert not prove_support_in(smooth, Box([-1], [1])).proved


@settings(max_examples=30, deadline=None)
@given(relu_networks(input_dim=2, max_depth=3, max_width=3, activations=("relu", "abs", "hardtanh", "leaky_relu")))
def test_lazy_support_agrees_with_full_region_enumeration(net: Network) -> None:
    from verify.regions import linear_regions

    s = support(net)
    nonzero = [r for r in linear_regions(net) if not r.is_zero()]
    assert s.empty == (not nonzero)
    assert s.bounded == all(r.polyhedron.is_bounded() for r in nonzero)
    if s.bounded:
        assert s.measure == sum((r.volume() for r in nonzero), F(0))
    for r in nonzero[:3]:
        assert s.contains(r.point)


def test_budget_gives_unknown() -> None:
    from verify.bounds import equivalent

    saw = Network.mlp([[[1], [1]], [[2, -4]]], [[0, F(-1, 2)], [0]])
    f = saw
    for _ in range(5):
        f = saw.compose(f)
    v = prove_support_in(f, Box([0], [1]), budget=5)
    assert v.unknown and "budget" in v.reason and not check(v.to_json())
    assert equivalent(f, f, budget=3).unknown


def test_union_of_polyhedra_with_null_pieces() -> None:
    half = Polyhedron([[1, 1], [-1, -1], [1, -1], [-1, 1]], [F(3, 2), F(-1, 2), HALF, HALF])  # the diamond
    v = prove_support_in(DIAMOND, [half, Box([5, 5], [6, 6])])
    assert v.proved and check(v.to_json())
    tri = Polyhedron([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])  # covers half of the diamond
    v = prove_support_in(DIAMOND, [tri, Box([1, 1], [2, 2])])
    assert_refuted_outside(v, DIAMOND, lambda x: not tri.contains(x) and not Box([1, 1], [2, 2]).contains(x))
    # 1-D: [-1, 0] u [0, 1] as polyhedra; the shared endpoint is a null piece
    left, right = Polyhedron([[1], [-1]], [0, 1]), Polyhedron([[1], [-1]], [1, 0])
    v = prove_support_in(HAT, [left, right])
    assert v.proved and check(v.to_json())
    assert sum("empty" in t for t in v.evidence["trees"]) == 2  # {0} and the empty {x <= -1, x >= 1}
    import json

    bad = json.loads(v.to_json())
    k = next(i for i, t in enumerate(bad["evidence"]["trees"]) if "empty" in t)
    bad["evidence"]["trees"][k]["empty"] = [[0, "1"]]
    assert not check(bad)


def hat_pyramids(d: int, centres: list[list[F]], perturb: F = F(0)) -> Network:
    """sum_k relu(h(x_1 - c_k1) + ... + h(x_d - c_kd) - (d - 1)), h the hat: compact only by cancellation."""
    W1, b1, W2, b2 = [], [], [], []
    for k, c in enumerate(centres):
        row = [F(0)] * (3 * d * len(centres))
        for i in range(d):
            for off in (1, 0, -1):
                W1.append([1 if t == i else 0 for t in range(d)])
                b1.append(off - c[i])
            base = 3 * (k * d + i)
            row[base], row[base + 1], row[base + 2] = F(1), F(-2) + (perturb if k == 0 and i == 0 else 0), F(1)
        W2.append(row)
        b2.append(F(1 - d))
    return Network.mlp([W1, W2, [[1] * len(centres)]], [b1, b2, [0]])


@pytest.mark.parametrize("d", [2, 3])
def test_sums_of_hat_pyramids_are_supported_in_the_cubes_and_a_perturbed_weight_leaks(d: int) -> None:
    centres = [[F(k * (i + 2), 2) for i in range(d)] for k in range(4)]
    K = Box([min(c[i] for c in centres) - 1 for i in range(d)], [max(c[i] for c in centres) + 1 for i in range(d)])
    net = hat_pyramids(d, centres)
    v = prove_support_in(net, K)
    assert v.proved and check(v.to_json())
    # every cell outside K is axis-aligned: all decisions come from single rows, rays and attained bounds, no LP
    assert v.evidence["lps"] == 0
    import json

    bad = json.loads(v.to_json())  # a global lemma built along a line, with one multiplier doubled

    def multipliers(node):  # type: ignore[no-untyped-def]
        yield from (r[k] for r in node["seq"] for k in ("lo", "hi") if r.get(k))
        if node.get("y"):
            yield node["y"]
        for kid in node.get("split", []):
            yield from multipliers(kid)

    y = next(multipliers(bad["evidence"]["globals"][0]["tree"]))
    y[0][1] = str(2 * F(y[0][1]))
    assert not check(bad)
    leaky = hat_pyramids(d, centres, F(1, 1000))  # the first bump grows like x_1 / 1000 along +x_1
    assert_refuted_outside(prove_support_in(leaky, K), leaky, lambda x: not K.contains(x))
    assert not prove_support_in(leaky, Box([-10**6] * d, [10**6] * d)).proved


def test_decisions_without_lp_are_exact_maxima() -> None:
    from verify.cells import Cell
    from verify.exactlp import Q, lp_max_q
    from verify.splitengine import Engine

    # the cell x1 <= 1, x1 + x2 <= 3 (unbounded), interior point (0, 0)
    A, b = [[Q(1), Q(0)], [Q(1), Q(1)]], [Q(1), Q(3)]
    cell = Cell(A, b, (Q(0), Q(0)), [], {}, {}, {})
    assert Engine._ray(cell, [Q(0), Q(-1)], 1) == (Q(0), Q(-1))  # -x2 grows without bound along (0, -1)
    assert lp_max_q(A, b, [Q(0), Q(-1)]).status == "unbounded"
    assert Engine._ray(cell, [Q(0), Q(1)], 1) is None  # x2 <= 3 - x1 is not bounded, but (0, 1) is no ray
    assert Engine._ray(cell, [Q(1), Q(0)], 1) is None  # x1 is bounded by the first row
    # 2x1 + 2x2 <= 6 from the second row: from (0, 0) along (1, 1) the line meets it at (3/2, 3/2), outside the
    # cell (x1 > 1), so no point is claimed (the engine runs an LP); from (-1, 0) it meets it at (1, 2), a maximum
    assert Engine._attained(cell, [Q(2), Q(2)], 1, Q(6)) is None
    other = Cell(A, b, (Q(-1), Q(0)), [], {}, {}, {})
    assert Engine._attained(other, [Q(2), Q(2)], 1, Q(6)) == (Q(1), Q(2))
    assert lp_max_q(A, b, [Q(2), Q(2)]).value == 6
    assert Engine._attained(cell, [Q(1), Q(0)], 1, Q(1)) == (Q(1), Q(0))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 3).filter(bool), st.integers(-4, 4), st.integers(-3, 3)), min_size=1,
                max_size=4), st.sampled_from([1, -1]), st.sampled_from(["relu", "abs", {"leaky_relu": "1/3"}, "hardtanh"]))
def test_line_lemma_agrees_with_the_engine_on_parallel_groups(units, sgn, act) -> None:  # type: ignore[no-untyped-def]
    """Units lam_j*(x1 - 2 x2) + c_j: the bound along the line equals the engine's split-tree bound."""
    from verify.cells import Cell, LemmaFailed, make_plan
    from verify.exactlp import Q
    from verify.lineglobal import line_lemma, line_scalars
    from verify.splitengine import Engine

    W1 = [[lam, -2 * lam] for lam, _, _ in units]
    net = Network.mlp([W1, [[w for _, _, w in units]], [[1]]], [[c for _, c, _ in units], [0], [0]], activation=act)
    plan = make_plan(net)
    G = list(range(len(units)))
    lams = line_scalars(plan, G)
    assert lams == [Q(lam) / units[0][0] for lam, _, _ in units]  # relative to the first row
    eng = Engine(plan, lazy=True, certify=True)
    try:
        expect = eng._group_run(Cell([], [], (Q(0), Q(0)), [], {}, {}, {}), (1, 0), G, sgn, True, False)[0]
    except LemmaFailed:
        expect = None
    try:
        got = line_lemma(plan, (1, 0), G, sgn, lams, lambda: None)[0]
    except LemmaFailed:
        got = None
    assert got == expect


def test_leak_screen_refutes_a_leaking_strip_with_an_exact_witness_beyond_a_face() -> None:
    # relu(1 - |x2|) for x1 >= 0 (the diamond bump with its x1 decay removed): a strip leaking along +x1
    strip = Network.mlp([[[0, 1], [0, -1]], [[-1, -1]], [[1]]], [[0, 0], [1], [0]])
    K = Box([-2, -2], [2, 2])
    v = prove_support_in(strip, K)
    assert v.refuted and v.evidence == {"screen": "beyond a face of K"} and check(v.to_json())
    assert_refuted_outside(v, strip, lambda x: not K.contains(x))
    x = v.witness.point
    assert x[0] > 2 and -1 < x[1] < 1 and v.witness.value == (1 - abs(x[1]),)


@settings(max_examples=40, deadline=None)
@given(relu_networks(input_dim=2), st.lists(st.fractions(min_value=-5, max_value=5, max_denominator=7),
                                             min_size=2, max_size=2))
def test_integer_exact_path_equals_fraction_arithmetic(net: Network, x: list[F]) -> None:
    from verify.semantics import exact

    slow = tuple(x)
    for layer in net.layers:
        slow = exact._affine(layer, slow) if type(layer).__name__ == "Affine" else exact.LAYER_RULES[type(layer)](layer, slow)
    assert net.eval_exact(x) == slow
