"""Exact equivalence: max of four inputs as a tree and as a chain; perturbed copies refuted exactly."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest
from hypothesis import given, settings

from verify.bounds import difference_network, equivalent
from verify.box import Box
from verify.checker import check
from verify.errors import InvalidArgument
from verify.network import Network
from verify.strategies import relu_networks


def coordinate(i: int, d: int = 4) -> Network:
    return Network.mlp([[[1 if k == i else 0 for k in range(d)]]], [[0]])


def max2(a: Network, b: Network) -> Network:
    """max(a, b) = relu(a - b) + relu(b) - relu(-b)."""
    pair = Network.mlp([[[1, -1], [0, 1], [0, -1]], [[1, 1, -1]]], [[0, 0, 0], [0]])
    return pair.compose(Network.concat(a, b))


X = [coordinate(i) for i in range(4)]
TREE = max2(max2(X[0], X[1]), max2(X[2], X[3]))
CHAIN = max2(max2(max2(X[0], X[1]), X[2]), X[3])


def test_tree_and_chain_max_agree_with_max() -> None:
    for x in ([1, 2, 3, 4], [4, -3, 2, 1], [F(1, 3), F(1, 3), 0, -5]):
        assert TREE.eval_exact(x) == CHAIN.eval_exact(x) == (max(F(v) for v in x),)


def test_balanced_tree_and_chain_are_equivalent() -> None:
    v = equivalent(TREE, CHAIN)
    assert v.proved and check(v.to_json())
    assert equivalent(CHAIN, TREE).proved


def perturbed(net: Network, layer: int, i: int, j: int, delta: F) -> Network:
    doc = net.to_dict()
    affines = [lay for lay in doc["layers"] if "affine" in lay]
    w = affines[layer]["affine"]["weight"]
    w[i][j] = str(F(w[i][j]) + delta)
    return Network.from_json(doc)


@pytest.mark.parametrize("layer, i, j", [(0, 0, 0), (1, 0, 1), (2, 0, 0), (-1, 0, 1)])
def test_one_weight_changed_by_one_thousandth_is_refuted_exactly(layer: int, i: int, j: int) -> None:
    bad = perturbed(CHAIN, layer, i, j, F(1, 1000))
    v = equivalent(TREE, bad)
    assert v.refuted and v.witness is not None
    x = v.witness.point
    assert TREE.eval_exact(x) != bad.eval_exact(x)
    assert check(v.to_json())


def test_equivalence_on_a_box_only() -> None:
    relu = Network.mlp([[[1]], [[1]]], [[0], [0]])
    ident = Network.mlp([[[1]]], [[0]])
    assert equivalent(relu, ident, Box([0], [5])).proved
    v = equivalent(relu, ident, Box([-1], [5]))
    assert v.refuted and -1 <= v.witness.point[0] < 0 and check(v.to_json())
    v = equivalent(relu, ident)
    assert v.refuted and v.witness.point[0] < 0


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(InvalidArgument):
        equivalent(TREE, Network.mlp([[[1, 0]]], [[0]]))


def test_tampered_equivalence_certificate_is_rejected() -> None:
    doc = json.loads(equivalent(TREE, CHAIN).to_json())
    doc["claim"]["data"]["g"] = perturbed(CHAIN, 0, 0, 0, F(1, 1000)).to_dict()
    import verify.verdict as vd

    assert not check(json.dumps(vd.jsonable(doc)))


@settings(max_examples=30, deadline=None)
@given(relu_networks(input_dim=2, max_depth=3, max_width=3), relu_networks(input_dim=2, max_depth=2, max_width=3,
                                                                          output_dim=1))
def test_difference_network_and_self_equivalence(f: Network, g: Network) -> None:
    if f.output_dim != g.output_dim:
        return
    for x in ([0, 0], [F(1, 2), -3], [7, F(-5, 3)]):
        assert difference_network(f, g).eval_exact(x) == tuple(a - b for a, b in zip(f.eval_exact(x), g.eval_exact(x)))
    v = equivalent(f, g)
    assert check(v.to_json())
    assert v.proved == all(f.eval_exact(x) == g.eval_exact(x) for x in ([0, 0], [1, 1])) or v.refuted
    assert equivalent(f, f + 0 * g).proved


def test_pooled_and_analytic_networks_go_to_their_engines() -> None:
    hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    v = equivalent(hat * hat, hat * hat)
    assert not v.refuted
    w = equivalent(hat * hat, hat * (2 * hat))
    assert w.refuted or w.unknown
    if w.refuted:
        x = w.witness.point
        assert (hat * hat).eval_exact(x) != (hat * (2 * hat)).eval_exact(x)
    smooth = Network.mlp([[[1]], [[1]]], [[0], [0]], "tanh")
    assert not equivalent(smooth, 2 * smooth).proved
    assert equivalent(smooth, smooth, Box([0], [1])).unknown
