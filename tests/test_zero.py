"""Facts about "identically zero": exact proofs (one hidden layer, polynomials, reductions) and rigorous refutations."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import Act, Affine, Box, Network, Pool
from verify.activations import make_activation
from verify.analytic import nonvanishing_witness
from verify.checker import check, explain
from verify.zero import is_identically_zero


def one_layer(units: list[tuple[Any, list[Any], Any, Any]], out_bias: Any = 0, d: int = 1) -> Network:
    """``sum c * act(w.x + b) + out_bias`` from ``(act, w, b, c)`` tuples."""
    acts = tuple(make_activation(a) for a, _, _, _ in units)
    first = Affine([w for _, w, _, _ in units], [b for _, _, b, _ in units])
    last = Affine([[c for _, _, _, c in units]], [out_bias])
    assert first.in_dim == d
    return Network(d, (first, Act(acts), last))


SIG = "sigmoid"
E40 = Fraction(1, 10**40)
E30 = Fraction(1, 10**30)

ZERO_FACTS: dict[str, Network] = {
    "sigma(x)+sigma(-x)-1": one_layer([(SIG, [1], 0, 1), (SIG, [-1], 0, 1)], -1),
    "tanh(x)-2sigma(2x)+1": one_layer([("tanh", [1], 0, 1), (SIG, [2], 0, -2)], 1),
    "tanh(2x+1)+tanh(-2x-1)": one_layer([("tanh", [2], 1, 1), ("tanh", [-2], -1, 1)]),
    "sigma(x1+x2)+sigma(-x1-x2)-1": one_layer([(SIG, [1, 1], 0, 1), (SIG, [-1, -1], 0, 1)], -1, d=2),
    "softplus(x)-softplus(-x)-x": one_layer([("softplus", [1], 0, 1), ("softplus", [-1], 0, -1), ("identity", [1], 0, -1)]),
    "silu(x)-silu(-x)-x": one_layer([("silu", [1], 0, 1), ("silu", [-1], 0, -1), ("identity", [1], 0, -1)]),
    "(x+1)^2-x^2-2x-1": one_layer([("square", [1], 1, 1), ("square", [1], 0, -1), ("identity", [1], 0, -2)], -1),
    "(x+1)(x-1)-x*x+1": Network(1, (Affine([[1], [1], [1], [1]], [1, 0, -1, 0]), Pool(), Affine([[1, -1]], [1]))),
}

SIGMA_PLUS_E40_TANH = one_layer([(SIG, [1], 0, 1), (SIG, [-1], 0, 1), ("tanh", [1], 0, E40)], -1)
TANH_SHIFT_E30 = one_layer([("tanh", [2], 1, 1), ("tanh", [2], 1 + E30, -1)])
GELU_HAT = one_layer([("gelu", [1], 1, 1), ("gelu", [1], 0, -2), ("gelu", [1], -1, 1)])





@pytest.mark.parametrize("name", sorted(ZERO_FACTS))
def test_known_identities_are_proved_zero(name: str) -> None:
    v = is_identically_zero(ZERO_FACTS[name])
    assert v.proved, v.summary()
    assert explain(v.to_json()) == ""


def test_sigma_plus_1e40_tanh_is_refuted_with_escalated_precision() -> None:
    v = is_identically_zero(SIGMA_PLUS_E40_TANH)
    assert v.refuted and v.witness is not None
    assert v.witness.prec is not None and v.witness.prec > 128  # 10^-40 ~ 2^-133 needs more than 128 bits
    assert check(v.to_json())


def test_tanh_shift_by_1e30_is_refuted_with_a_tiny_rigorous_value() -> None:
    v = is_identically_zero(TANH_SHIFT_E30)
    assert v.refuted and v.witness is not None and v.witness.enclosure is not None
    from flint import arb

    value = arb(v.witness.enclosure[0])
    assert abs(value) < arb("1e-29") and (value > 0 or value < 0)
    assert check(v.to_json())


def test_more_exact_identities() -> None:
    swish2 = one_layer([({"swish": 2}, [1], 0, 1), ("silu", [2], 0, Fraction(-1, 2))])  # swish_2(x) = silu(2x)/2
    swish0 = one_layer([({"swish": 0}, [1], 3, 2), ("identity", [1], 3, -1)])  # swish_0(t) = t/2
    gelu = one_layer([("gelu", [1], 0, 1), ("gelu", [-1], 0, -1), ("identity", [1], 0, -1)])
    consts = one_layer([(SIG, [0], 1, 1), (SIG, [0], -1, 1), ("tanh", [0], 0, 5)], -1)  # sigma(1)+sigma(-1)-1
    for net in (swish2, swish0, gelu, consts):
        assert is_identically_zero(net).proved


def test_nonzero_constant_of_transcendental_terms_is_refuted() -> None:
    net = one_layer([(SIG, [0], 1, 1)], Fraction(-1, 2))  # sigma(1) - 1/2 > 0
    v = is_identically_zero(net)
    assert v.refuted and check(v.to_json())


def test_deeper_exact_reductions() -> None:
    f = Network.mlp([[[1, 2], [3, -1]], [[1, 1], [2, -1]], [[1, -1]]], [[0, 1], [1, 0], [0]], "tanh")
    assert is_identically_zero(f - f).proved
    g = Network.mlp([[[1]], [[1]], [[1]]], [[0], [0], [0]], "gelu")
    inner = Network(1, (*g.layers[:-1], Affine([[1], [-1]], [0, 0]), Act("sigmoid"), Affine([[1, 1]], [-1])))
    v = is_identically_zero(inner)  # sigma(u) + sigma(-u) - 1 with u = gelu(x)
    assert v.proved and check(v.to_json())


def test_mixed_network_reduces_to_piecewise_linear_or_zero() -> None:
    relu = Network.mlp([[[1]], [[1]]], [[0], [0]], "relu")
    top = one_layer([(SIG, [1], 0, 1), (SIG, [-1], 0, 1)], -1)
    v = is_identically_zero(top.compose(relu))
    assert not v.refuted


def test_nonzero_analytic_nets_are_refuted_with_checked_witnesses() -> None:
    for net in (GELU_HAT, one_layer([("tanh", [1, -1], 0, 1)], d=2), Network.mlp([[[1]], [[1]], [[1]]], [[0], [0], [0]], "gelu")):
        v = is_identically_zero(net)
        assert v.refuted and v.witness is not None and check(v.to_json())


def test_polynomial_refutation_has_an_exact_grid_witness() -> None:
    net = one_layer([("square", [1, 1], 0, 1), ("square", [1, -1], 0, -1)], d=2)  # 4 x y
    v = is_identically_zero(net)
    assert v.refuted and v.witness is not None and v.witness.value == (Fraction(4),)
    assert check(v.to_json())


_weights = st.integers(-3, 3).map(Fraction)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["tanh", "sigmoid", "silu", "softplus", "gelu"]), _weights, _weights, _weights),
                min_size=1, max_size=4))
def test_mirrored_copies_are_never_refuted(units: list[tuple[str, Fraction, Fraction, Fraction]]) -> None:
    """f - f' where f' flips every unit: (w, b, c) -> (-w, -b, -c) plus the exact affine correction."""
    built = [(a, [w], b, c) for a, w, b, c in units]
    mirror, bias, lin = [], Fraction(0), Fraction(0)
    for a, w, b, c in units:
        mirror.append((a, [-w], -b, -c if a in ("tanh", "sigmoid") else c))
        if a == "sigmoid":  # sigma(u) = 1 - sigma(-u)
            bias += c
        if a in ("silu", "softplus", "gelu"):  # rho(u) = rho(-u) + u
            lin += c * w
            bias += c * b
    f = one_layer(built)
    g = one_layer([*mirror, ("identity", [1], 0, lin)], bias)
    v = is_identically_zero(f - g)
    assert v.proved, v.summary()
    assert not nonvanishing_witness(f - g, Box([0], [1]), budget=8, max_prec=256).proved


@settings(max_examples=10, deadline=None)
@given(st.data())
def test_f_minus_f_is_never_refuted(data: st.DataObject) -> None:
    from verify.strategies import analytic_networks

    f = data.draw(analytic_networks(max_depth=3, max_width=3))
    v = is_identically_zero(f - f, budget=8, max_prec=256)
    assert not v.refuted
    if v.proved:
        assert check(v.to_json())


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_gelu_hat_is_nonzero_outside_every_compact_K(data: st.DataObject) -> None:
    """Theorem N: the GELU imitation of the hat is nonzero somewhere off any box K (rigorous witness)."""
    from verify.analytic import prove_support_in
    from verify.checker.analytic import check_support_in_analytic
    from verify.strategies import boxes

    K = data.draw(boxes(1, min_value=-300, max_value=300, max_denominator=7))
    v = prove_support_in(GELU_HAT, K)
    assert v.refuted and v.witness is not None
    assert not K.contains(v.witness.point)
    check_support_in_analytic(v.to_dict())


def test_gelu_hat_outside_a_union_of_boxes_and_a_polyhedron() -> None:
    from verify.analytic import prove_support_in
    from verify.checker.analytic import check_support_in_analytic
    from verify.polyhedra import Polyhedron

    for K in ([Box([-50], [0]), Box([0], [60])], Polyhedron([[1], [-1]], [40, 40])):
        v = prove_support_in(GELU_HAT, K)
        assert v.refuted and v.witness is not None
        check_support_in_analytic(v.to_dict())


HAT = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])


def test_mixed_pl_prefix_feeding_analytic_units_region_by_region() -> None:
    """tanh(hat(x)) vanishes off [-1, 1]: on every region outside, hat's units map into a subspace
    where the analytic suffix is identically zero (certified by the PL engine plus the analytic decision)."""
    from verify.analytic import prove_support_in
    from verify.checker.analytic import check_support_in_analytic

    f = Network.mlp([[[1]], [[1]]], [[0], [0]], "tanh").compose(HAT)
    v = prove_support_in(f, Box([-1], [1]))
    assert v.proved and v.evidence is not None and v.evidence["method"] == "mixed"
    check_support_in_analytic(v.to_dict())
    r = prove_support_in(f, Box([-1], [Fraction(1, 2)]))
    assert r.refuted and r.witness is not None and r.witness.point[0] > Fraction(1, 2)
    check_support_in_analytic(r.to_dict())


def test_mixed_network_identically_zero_by_regions() -> None:
    # gelu(relu(x) + relu(-x) - |x|) == 0: no unit-level identity sees it, the region route does
    layers = (Affine([[1], [-1], [1]], [0, 0, 0]), Act(("relu", "relu", "abs")), Affine([[1, 1, -1]], [0]),
              Act("gelu"), Affine([[1]], [0]))
    v = is_identically_zero(Network(1, layers))
    assert v.proved and v.method == "mixed"
    assert check(v.to_json())
    forged = v.to_dict()
    forged["evidence"]["hull"]["M"] = []  # drop the PL half of the argument
    assert not check(forged)


def test_analytic_units_feeding_pl_units_fixed_by_global_ranges() -> None:
    # relu(tanh(x) - 2) == 0 since tanh < 1; relu(s + t + 3) = s + t + 3 and hardtanh(s - t - 5) = -1
    dead = Network(1, (Affine([[1]], [0]), Act("tanh"), Affine([[1]], [-2]), Act("relu"), Affine([[1]], [0])))
    v = is_identically_zero(dead)
    assert v.proved and check(v.to_json())
    g = Network(1, (Affine([[1], [1]], [0, 0]), Act(("sigmoid", "tanh")), Affine([[1, 1], [1, -1]], [3, -5]),
                    Act(("relu", "hardtanh")), Affine([[1, 1]], [0])))
    h = one_layer([("sigmoid", [1], 0, 1), ("tanh", [1], 0, 1)], 2)
    z = is_identically_zero(g - h)
    assert z.proved and check(z.to_json())
    r = is_identically_zero(g - h + one_layer([("relu", [1], -1, 1)]))  # + relu(x - 1): nonzero for x > 1
    assert r.refuted and check(r.to_json())


def test_pooled_analytic_copies_cancel_by_merging_products() -> None:
    """u*v = v*u and (-u)(-v) = u*v: products of equal factors merge, so f - f and g*g - g*g reduce to 0."""
    w1 = [[1, 2], [-1, 1], [2, -3], [1, 1]]
    g = Network(2, (Affine(w1, [0, 1, -1, 2]), Act("tanh"), Affine([[1, -1, 0, 2], [0, 1, 1, -1]], [1, 0]), Pool(),
                    Affine([[1]], [0]), Act("sigmoid"), Affine([[3]], [1])))
    swapped = Network(2, (*g.layers[:2], Affine([[0, 1, 1, -1], [1, -1, 0, 2]], [0, 1]), *g.layers[3:]))
    for net in (g - g, g * g - g * g, g - swapped):
        v = is_identically_zero(net)
        assert v.proved and check(v.to_json()), v.summary()
    assert is_identically_zero(g).refuted
