"""Exact support reasoning for ReLU networks with pooling: facts computed by hand, certificates, cross-checks with z3."""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import Box, Network
from verify.checker import check, explain
from verify.layers import Act, Affine, Pool
from verify.polyhedra import Polyhedron
from verify.pooling import prove_support_in, region_polynomials, split_at_pool, support
from verify.smt import find_nonzero_outside

F = Fraction


def hat(shift: object = 0) -> Network:
    """hat(x - shift) = relu(x-s+1) - 2 relu(x-s) + relu(x-s-1): support [s-1, s+1], integral 1."""
    s = F(shift)  # type: ignore[arg-type]
    return Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1 - s, -s, -1 - s], [0]])


def relu_x() -> Network:
    return Network.mlp([[[1]], [[1]]], [[0], [0]])


def hat2d() -> Network:
    """hat(x) * hat(y) in d = 2 with one pooling layer: support [-1, 1]^2."""
    h = [[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1]]
    return Network(2, (Affine(h, [1, 0, -1, 1, 0, -1]), Act("relu"),
                       Affine([[1, -2, 1, 0, 0, 0], [0, 0, 0, 1, -2, 1]], [0, 0]), Pool()))


def poly_identity() -> Network:
    """(x+1)(x-1) - x*x + 1, through pooling: identically zero."""
    return Network(1, (Affine([[1], [1], [1], [-1]], [1, 0, -1, 0]), Pool(), Affine([[1, 1]], [1])))


# -- facts computed by hand ---------------------------------------------------------


def test_product_of_shifted_hats():
    f = hat() * hat(1)  # nonzero exactly on (0, 1)
    s = support(f)
    assert s.bounded and s.measure == 1 and s.bounding_box == Box([0], [1])
    assert s.contains(["1/2"]) and not s.contains(["3/2"])
    assert f.eval_exact(s.witness)[0] != 0
    v = prove_support_in(f, Box([0], [1]))
    assert v.proved and check(v.to_json())
    r = prove_support_in(f, Box([0], ["1/2"]))
    assert r.refuted and F(1, 2) < r.witness.point[0] < 1
    assert f.eval_exact(r.witness.point) == r.witness.value != (0,)
    assert check(r.to_json())


def test_tensor_product_hat_2d():
    f = hat2d()
    s = support(f)
    assert s.bounded and s.measure == 4 and s.bounding_box == Box.cube(2, -1, 1)
    v = prove_support_in(f, Box.cube(2, -1, 1))
    assert v.proved and check(v.to_json())
    r = prove_support_in(f, Box([-1, -1], [1, "1/2"]))
    assert r.refuted and r.witness.point[1] > F(1, 2) and f.eval_exact(r.witness.point)[0] != 0


def test_polynomial_identity_is_zero_everywhere():
    f = poly_identity()
    v = prove_support_in(f, [])
    assert v.proved and check(v.to_json())
    s = support(f)
    assert s.empty and s.measure == 0 and s.bounded


def test_support_cut_g_times_psi():
    g, psi = relu_x(), hat()
    F_ = g * psi  # relu(x) hat(x): nonzero exactly on (0, 1)
    v = prove_support_in(F_, Box([-1], [1]))
    assert v.proved and check(v.to_json())
    assert support(F_).measure == 1  # nonzero exactly on (0, 1)
    w = prove_support_in(g, Box([-1], [1]))  # g alone leaks to +infinity
    assert w.refuted and w.witness.point[0] > 1 and check(w.to_json())
    s = support(g)
    assert not s.bounded and s.bounding_box is None


def test_far_leak_through_pooling():
    big = 10**9
    leak = Network.mlp([[[1], [1]], [[1, -1]]], [[-big, -big - 1], [0]])  # relu(x-1e9) - relu(x-1e9-1)
    f = leak * relu_x()
    r = prove_support_in(f, Box([-1], [1]))
    assert r.refuted and r.witness.point[0] > big and f.eval_exact(r.witness.point)[0] != 0
    assert not support(f).bounded


def test_union_of_boxes_and_polyhedron():
    f = hat() * hat(1)
    v = prove_support_in(f, [Box([0], ["1/2"]), Box(["1/2"], [1])])
    assert v.proved and check(v.to_json())
    gap = prove_support_in(f, [Box([0], ["1/3"]), Box(["1/2"], [1])])
    assert gap.refuted and F(1, 3) < gap.witness.point[0] < F(1, 2)
    tri = Polyhedron([[1, 0], [0, 1], [-1, -1]], [1, 1, 2])  # contains [-1,1]^2? no: x+y >= -2 cuts no corner
    assert prove_support_in(hat2d(), tri).proved
    cut = Polyhedron([[1, 0], [0, 1], [-1, -1]], [1, 1, 1])  # loses the corner near (-1, -1)
    r = prove_support_in(hat2d(), cut)
    assert r.refuted and sum(r.witness.point) < -1 and check(r.to_json())


def test_activation_after_pooling_goes_to_z3():
    sq = hat() * hat()
    f = Network(1, (*sq.layers, Affine([[1]], [F(-1, 4)]), Act("relu")))  # relu(hat^2 - 1/4): support [-1/2, 1/2]
    assert split_at_pool(f) is None
    v = prove_support_in(f, Box(["-1/2"], ["1/2"]))
    # z3 answers unsat, which is no checkable certificate: UNKNOWN with that reason, never an unchecked PROVED
    assert v.unknown and v.method == "z3" and "z3 reports unsat" in v.reason
    r = prove_support_in(f, Box(["-1/4"], ["1/4"]))
    assert r.refuted and F(1, 4) < abs(r.witness.point[0]) < F(1, 2)


def test_budget_gives_unknown():
    v = prove_support_in(hat2d(), Box.cube(2, -1, 1), budget=2)
    assert v.unknown and "budget" in v.reason


def test_region_polynomials_partition_a_box():
    regs = region_polynomials(hat2d(), Box.cube(2, -2, 2))
    assert sum(r.polyhedron.volume() for r in regs) == 16
    assert sum(r.polyhedron.volume() for r in regs if not r.zero) == 4


# -- tampered certificates are rejected ------------------------------------------------


def test_tampered_certificates_rejected():
    f = hat() * hat(1)
    cert = json.loads(prove_support_in(f, Box([0], [1])).to_json())
    assert check(cert)
    dropped = copy.deepcopy(cert)
    dropped["evidence"]["pieces"][0]["leaves"].pop()
    assert "cover" in explain(dropped)
    mult = copy.deepcopy(cert)
    leaf = next(lf for lf in mult["evidence"]["pieces"][0]["leaves"] if "no_interior" in lf)
    leaf["no_interior"][0] = "1/3"
    assert "multipliers" in explain(mult)
    weight = copy.deepcopy(cert)
    weight["claim"]["data"]["network"]["layers"][0]["affine"]["bias"][0] = "3/2"  # hat now leaks past x = 1... or -1
    assert not check(weight)
    zero_flag = copy.deepcopy(cert)
    for piece in zero_flag["evidence"]["pieces"]:
        piece["leaves"] = [{"pattern": [], "zero": True}]
    assert not check(zero_flag)
    pieces = copy.deepcopy(cert)
    pieces["evidence"]["pieces"].pop()
    assert "complement" in explain(pieces)

    r = json.loads(prove_support_in(f, Box([0], ["1/2"])).to_json())
    assert check(r)
    moved = copy.deepcopy(r)
    moved["witness"]["point"] = ["1/4"]  # inside K
    assert not check(moved)
    moved["witness"]["point"] = ["2"]  # outside K, where f vanishes
    assert not check(moved)
    coeff = copy.deepcopy(r)
    coeff["evidence"]["polynomial"][0][1] = "12345"
    assert "polynomial" in explain(coeff)
    value = copy.deepcopy(r)
    value["witness"]["value"] = ["1"]
    assert not check(value)


# -- cross-check with z3 on random small networks -----------------------------------------

small = st.fractions(min_value=-2, max_value=2, max_denominator=3)


@st.composite
def pooled_nets(draw):
    d = draw(st.integers(1, 2))
    w = draw(st.integers(1, 3))
    first = Affine([[draw(small) for _ in range(d)] for _ in range(w)], [draw(small) for _ in range(w)])
    acts = [draw(st.sampled_from(["relu", "abs", {"leaky_relu": "1/2"}, "identity"])) for _ in range(w)]
    head = Affine([[draw(small) for _ in range(w)] for _ in range(2)], [draw(small) for _ in range(2)])
    layers = [first, Act(acts), head]
    if draw(st.booleans()):
        layers.append(Pool())
    else:
        layers.append(Affine([[draw(small), draw(small)]], [draw(small)]))
    return Network(d, tuple(layers))


@settings(max_examples=20, deadline=None)
@given(net=pooled_nets(), r=st.sampled_from([1, 2]))
def test_regions_and_z3_agree(net, r):
    K = Box.cube(net.input_dim, -r, r)
    mine = prove_support_in(net, K)
    theirs = find_nonzero_outside(net, K, timeout_ms=20_000, trust_solver=True)  # an engine cross-check
    assert not mine.unknown
    if not theirs.unknown:
        assert mine.status == theirs.status
    for v in (mine, theirs):
        if v.refuted:
            assert not K.contains(v.witness.point) and any(net.eval_exact(v.witness.point))
            assert check(v.to_json())
    if mine.proved:
        assert check(mine.to_json())


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(net=pooled_nets())
def test_support_measure_matches_box_partition(net):
    s = support(net)
    if s.bounded and not s.empty:
        box = s.bounding_box
        inside = region_polynomials(net, box)
        assert sum((rg.polyhedron.volume() for rg in inside if not rg.zero), F(0)) == s.measure


def test_degenerate_unit_at_its_kink_is_not_cut_off():
    # a relu unit whose input is the constant 0: both branches are all of R^d ({0 <= 0}), neither may be cut
    const = Network(1, (Affine([[0]], [0]), Act("relu"), Affine([[0], [0]], [1, 1]), Pool()))  # f == 1
    v = prove_support_in(const, Box([-1], [1]))
    assert v.refuted and const.eval_exact(v.witness.point) == (1,)
    assert not support(const).bounded
    # a forged proof that cuts both branches with the zero row (y^T A = 0, y^T b = 0) is rejected
    forged = json.loads(prove_support_in(hat() * hat(1), Box([0], [1])).to_json())
    forged["claim"] = json.loads(v.to_json())["claim"]
    forged["evidence"]["pieces"] = [
        {"choice": [c], "leaves": [{"path": [[0, 0, k]], "no_interior": ["0", "1"]} for k in (0, 1)]}
        for c in (0, 1)
    ]
    assert "multipliers" in explain(forged)


@settings(max_examples=15, deadline=None)
@given(net=pooled_nets())
def test_agrees_with_the_pl_engine_on_networks_without_pooling(net):
    support_mod = pytest.importorskip("verify.support")
    if not hasattr(support_mod, "prove_support_in"):
        pytest.skip("the PL engine's prove_support_in has not landed")
    if net.num_pool:
        net = Network(net.input_dim, net.layers[:-1] + (Affine([[1, 1]], [0]),))
    K = Box.cube(net.input_dim, -1, 1)
    mine, theirs = prove_support_in(net, K), support_mod.prove_support_in(net, K)
    assert not mine.unknown
    if not theirs.unknown:
        assert mine.status == theirs.status


def test_lazy_zero_leaves_leave_the_unbounded_factor_undecided():
    # g = relu(x) + relu(x - 3) - relu(-x) + relu(x - 5): no compact support; psi = hat (3 units, decided first)
    g = Network.mlp([[[1], [1], [-1], [1]], [[1, 1, -1, 1]]], [[0, -3, 0, -5], [0]])
    f = g * hat()
    v = prove_support_in(f, Box([-1], [1]), factors=False)
    assert v.proved and check(v.to_json())
    cert = json.loads(v.to_json())
    leaves = [lf for piece in cert["evidence"]["pieces"] for lf in piece["leaves"] if lf.get("zero")]
    g_units = {(0, 0), (0, 1), (0, 2), (0, 3)}  # g's units come first in the combined layer
    assert any(not g_units & {(l, i) for l, i, _ in lf["path"]} for lf in leaves)  # g never split there
    # drop the decisions below some node: the undecided hat factor no longer forces zero
    forged = copy.deepcopy(cert)
    piece = forged["evidence"]["pieces"][0]
    first = piece["leaves"][0]["path"][0]
    piece["leaves"] = [{"path": [first[:2] + [k]], "zero": True} for k in (0, 1)]
    assert not check(forged)
    # split a zero leaf again on a unit its path already decided: a complete tree, but not a valid one
    twice = copy.deepcopy(cert)
    leaves = twice["evidence"]["pieces"][0]["leaves"]
    last = leaves.pop()
    leaves += [{"path": last["path"] + [last["path"][0][:2] + [k]], "zero": True} for k in (0, 1)]
    assert "twice" in explain(twice)


def test_K_with_void_and_impossible_rows():
    f = hat() * hat(1)
    everything = Polyhedron([[0], [1]], [0, 5])  # {0 <= 0, x <= 5}: outside it means x > 5
    v = prove_support_in(f, everything)
    assert v.proved and check(v.to_json())
    nothing = Polyhedron([[0]], [-1])  # {0 <= -1} is empty: the claim is f == 0 everywhere
    r = prove_support_in(f, nothing)
    assert r.refuted and check(r.to_json())


def test_support_cut_of_an_uncontrolled_relu_net_2d():
    from verify.construct import plateau

    # g: a 2-8-8-1 ReLU net with no support control; psi: 1 on [-1,1]^2, 0 off (-3/2, 3/2)^2
    w1 = [[1, 2], [-1, 1], [3, -1], [1, 1], [-2, 1], [1, -3], [2, 2], [-1, -1]]
    b1 = [0, 1, -1, 2, 0, 1, -3, 1]
    w2 = [[(i * 7 + j * 3) % 5 - 2 for j in range(8)] for i in range(8)]
    g = Network.mlp([w1, w2, [[1, -1, 2, 1, -2, 1, 1, -1]]], [b1, [i - 3 for i in range(8)], [1]])
    f = g * plateau(Box.cube(2, -1, 1), F(1, 2))
    assert prove_support_in(g, Box.cube(2, -100, 100)).refuted  # g alone leaks
    v = prove_support_in(f, Box.cube(2, F(-3, 2), F(3, 2)))
    assert v.proved and check(v.to_json())
    r = prove_support_in(f, Box.cube(2, -1, 1))
    assert r.refuted and check(r.to_json())
    assert max(abs(c) for c in r.witness.point) > 1 and f.eval_exact(r.witness.point)[0] != 0


# -- the support is a union of interior-disjoint pieces ------------------------------------


def _suffix_polys(maps: Affine, suffix: tuple, d: int) -> list:
    """The network's outputs on a region where the PL prefix is ``maps`` (sympy, independent of the engine)."""
    import sympy

    xs = sympy.symbols(f"x0:{d}")
    vals = [sum((sympy.Rational(w.numerator, w.denominator) * x for w, x in zip(row, xs)), sympy.Integer(0))
            + sympy.Rational(b.numerator, b.denominator) for row, b in zip(maps.weight, maps.bias)]
    for layer in suffix:
        if isinstance(layer, Affine):
            vals = [sum((sympy.Rational(w.numerator, w.denominator) * v for w, v in zip(row, vals)), sympy.Integer(0))
                    + sympy.Rational(b.numerator, b.denominator) for row, b in zip(layer.weight, layer.bias)]
        elif isinstance(layer, Pool):
            h = len(vals) // 2
            vals = [vals[i] * vals[i + h] for i in range(h)]
    return [sympy.expand(v) for v in vals]


def _independent_measure(net: Network, box: Box) -> F:
    """Measure of supp f inside ``box`` from ``linear_regions`` of the PL prefix and a sympy zero test per region."""
    from verify.regions import linear_regions

    prefix, suffix = split_at_pool(net)
    total = F(0)
    for reg in linear_regions(Network(net.input_dim, prefix), box):
        if any(p != 0 for p in _suffix_polys(reg.map, suffix, net.input_dim)):
            total += reg.polyhedron.volume()
    return total


def _interior_disjoint(pieces) -> bool:
    return all(p.intersect(q).interior_point() is None for i, p in enumerate(pieces) for q in pieces[i + 1:])


def test_q2_support_lists_each_piece_once():
    from verify.construct import hat as hat_ab
    from verify.construct import support_cut

    g = hat_ab(0, 1) + Network.mlp([[[1]], [[1]]], [[-5], [0]])  # relu(x - 5): a unit with a constant input
    f = support_cut(g, Box([0], [1]), F(1, 4), eta=0).network
    s = support(f)
    assert s.measure == 1 and _interior_disjoint(list(s.pieces))
    assert _independent_measure(f, s.bounding_box) == 1
    v = prove_support_in(f, Box([0], [1]))
    assert v.proved and check(v.to_json())


def test_constant_unit_at_its_kink_is_explored_once():
    # relu(0 x + 0) is constant 0: the branch z >= 0 repeats z <= 0 (same region, same output)
    f = Network(1, (Affine([[1], [1], [1], [0]], [1, 0, -1, 0]), Act("relu"),
                    Affine([[1, -2, 1, 1], [1, -2, 1, 1]], [0, 0]), Pool()))  # (hat + relu(0))^2
    s = support(f)
    assert s.measure == 2 and len(s.pieces) == 2 and _interior_disjoint(list(s.pieces))
    cert = json.loads(prove_support_in(f, Box([-1], [1]), factors=False).to_json())
    assert check(cert)
    dup = [lf for piece in cert["evidence"]["pieces"] for lf in piece["leaves"] if "same_as" in lf]
    assert dup
    moved = copy.deepcopy(cert)  # claim a non-constant unit repeats its sibling
    for piece in moved["evidence"]["pieces"]:
        for lf in piece["leaves"]:
            if "same_as" in lf:
                lf["path"][-1][1] = 0 if lf["path"][-1][1] == 3 else lf["path"][-1][1]
    assert not check(moved)
    weight = copy.deepcopy(cert)  # the unit's input is no longer at the kink: both branches differ
    weight["claim"]["data"]["network"]["layers"][0]["affine"]["bias"][3] = "1"
    assert not check(weight)


@settings(max_examples=25, deadline=None)
@given(net=pooled_nets())
def test_support_measure_is_a_sum_over_disjoint_pieces(net):
    s = support(net)
    assert _interior_disjoint(list(s.pieces))
    tree = [r.polyhedron for r in region_polynomials(net, lazy=True) if not r.zero]  # the lazy tree over R^d
    assert _interior_disjoint(tree)
    if s.bounded:
        assert s.measure == sum((p.volume() for p in s.pieces), F(0))
        assert all(p.is_bounded() for p in tree) and s.measure == sum((p.volume() for p in tree), F(0))
        if not s.empty:
            assert _independent_measure(net, s.bounding_box.expanded(1)) == s.measure
    else:
        assert not all(p.is_bounded() for p in s.pieces)


# -- the factor route ------------------------------------------------------------------------


def _q2_net_2d() -> tuple[Network, Box]:
    from verify.construct import support_cut

    w1 = [[1, 2], [-1, 1], [3, -1], [1, 1], [-2, 1], [1, -3], [2, 2], [-1, -1]]
    g = Network.mlp([w1, [[1, -1, 2, 1, -2, 1, 1, -1]]], [[0, 1, -1, 2, 0, 1, -3, 1], [1]])  # no support control
    cut = support_cut(g, Box.cube(2, 0, 1), F(1, 4), eta=0)  # 4 centres
    return cut.network, Box.cube(2, F(-1, 2), F(3, 2))


def test_q2_support_is_proved_by_the_cutoff_factor():
    f, K = _q2_net_2d()
    v = prove_support_in(f, K)
    assert v.proved and v.method == "pooled factors"
    cert = json.loads(v.to_json())
    assert check(cert)
    ev = cert["evidence"]
    assert ev["k"] == 1 and [t["factor"] for t in ev["terms"]] == [1]  # psi, not g
    assert ev["factors"][0]["certificate"]["claim"]["kind"] == "support_in"
    tree = prove_support_in(f, K, factors=False)  # the region tree agrees
    assert tree.proved and check(tree.to_json())
    r = prove_support_in(f, Box.cube(2, 0, 1))  # F = g on K, psi > 0 just outside: refuted by the tree
    assert r.refuted and check(r.to_json()) and not Box.cube(2, 0, 1).contains(r.witness.point)


def test_factor_certificates_tampered_are_rejected():
    f, K = _q2_net_2d()
    cert = json.loads(prove_support_in(f, K).to_json())
    assert check(cert)
    dropped = copy.deepcopy(cert)
    dropped["evidence"]["factors"] = []
    assert "factor" in explain(dropped)
    coeff = copy.deepcopy(cert)
    coeff["evidence"]["terms"][0]["coefficients"][0] = "2"
    assert "coefficients" in explain(coeff)
    const = copy.deepcopy(cert)
    const["evidence"]["constant"] = ["1"]
    assert not check(const)
    other = copy.deepcopy(cert)  # claim that the factor g (index 0) is the proved one
    other["evidence"]["terms"][0]["factor"] = 0
    assert not check(other)
    moved = copy.deepcopy(cert)  # relabel psi's certificate as g's
    moved["evidence"]["terms"][0]["factor"] = 0
    moved["evidence"]["factors"][0]["index"] = 0
    assert "another network" in explain(moved)
    inner_net = copy.deepcopy(cert)  # the sub-certificate is about a changed network
    layers = inner_net["evidence"]["factors"][0]["certificate"]["claim"]["data"]["net"]["layers"]
    layers[-1]["affine"]["bias"][0] = "7"
    assert not check(inner_net)
    inner_K = copy.deepcopy(cert)  # ... or about a bigger K
    inner_K["evidence"]["factors"][0]["certificate"]["claim"]["data"]["polyhedra"][0]["b"][0] = "9"
    assert "another set K" in explain(inner_K)
    outer = copy.deepcopy(cert)  # the outer network changes: g gets a constant term after the pool
    outer["claim"]["data"]["network"]["layers"].append({"affine": {"weight": [["1"]], "bias": ["1"]}})
    assert not check(outer)


def test_constant_after_pool_falls_back_to_the_tree():
    f = Network(1, (*(hat() * hat()).layers, Affine([[1]], [1])))  # hat^2 + 1: nonzero everywhere
    r = prove_support_in(f, Box([-1], [1]))
    assert r.refuted and check(r.to_json())


@settings(max_examples=20, deadline=None)
@given(net=pooled_nets(), r=st.sampled_from([1, 2]))
def test_factor_route_agrees_with_the_tree(net, r):
    K = Box.cube(net.input_dim, -r, r)
    fast, tree = prove_support_in(net, K), prove_support_in(net, K, factors=False)
    assert fast.status == tree.status
    assert check(fast.to_json()) and check(tree.to_json())


def test_union_of_boxes_covering_a_box_is_proved_through_the_box():
    from verify.construct import support_cut

    cut = support_cut(Network.mlp([[[1]], [[1]]], [[0], [0]]), Box([0], [1]), F(1, 8), eta=0)  # 4 centres
    f, K = cut.network, list(cut.support)  # 4 overlapping intervals, union [-1/8, 9/8]
    v = prove_support_in(f, K)
    assert v.proved and v.method == "pooled factors" and check(v.to_json())
    cert = json.loads(v.to_json())
    assert [F(t) for t in cert["evidence"]["K_used"]["b"]] == [F(9, 8), F(1, 8)]
    wide = copy.deepcopy(cert)  # a box K does not cover
    wide["evidence"]["K_used"]["b"][0] = "2"
    assert not check(wide)
    gap = [Box([0], ["1/4"]), Box(["1/2"], [1])]  # the union misses (1/4, 1/2): no hull; f != 0 off it
    r = prove_support_in(f, gap)
    assert r.refuted and not any(b.contains(r.witness.point) for b in gap) and check(r.to_json())
    assert f.eval_exact(r.witness.point)[0] != 0


def test_union_of_boxes_through_its_hull_in_the_region_tree():
    f = hat() * hat(1)  # support [0, 1]
    K = [Box([0], ["1/2"]), Box(["1/4"], [1])]
    v = prove_support_in(f, K, factors=False)
    assert v.proved and check(v.to_json())
    cert = json.loads(v.to_json())
    assert len(cert["evidence"]["pieces"]) == 2  # the complement of one interval, not 2 x 2 choices
    wide = copy.deepcopy(cert)  # K_used = [0, 2] is not inside K (and the pieces no longer match)
    wide["evidence"]["K_used"]["b"][0] = "2"
    assert "not inside K" in explain(wide)
