"""The one-hidden-layer decision: Sussmann normalisation, merging, and the independence theorem."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from test_zero import one_layer

from verify.activations import make_activation
from verify.analytic.onelayer import Decomposition, canonical, decompose
from verify.analytic.reductions import normal_form
from verify.zero import is_identically_zero

F = Fraction


def _dec(net):  # the single output's decomposition
    nf = normal_form(net)
    w, b, layer = nf.steps[0]
    acts = layer.expanded(len(w))
    return decompose(acts, tuple(tuple(r) for r in w), tuple(b), tuple(nf.final[0][0]), nf.final[1][0])


def test_tanh_goes_to_the_sigmoid_basis() -> None:
    dec = _dec(one_layer([("tanh", [3], 1, 5)]))  # 5 tanh(3x+1) = 10 sigma(6x+2) - 5
    assert dec.nonzero_classes() == {("S", (F(6),), F(2)): F(10)}
    assert dec.constant == -5 and dec.linear == [0]


def test_flips_add_exact_affine_terms() -> None:
    dec = _dec(one_layer([("sigmoid", [-2], 1, 3)]))  # 3 sigma(-2x+1) = 3 - 3 sigma(2x-1)
    assert dec.nonzero_classes() == {("S", (F(2),), F(-1)): F(-3)} and dec.constant == 3
    dec = _dec(one_layer([("softplus", [-2], 1, 3)]))  # softplus(-u) = softplus(u) - u, u = 2x - 1
    assert dec.nonzero_classes() == {("P", (F(2),), F(-1)): F(3)}
    assert dec.linear == [-6] and dec.constant == 3


def test_swish_beta_is_silu_of_beta_u_over_beta() -> None:
    dec = _dec(one_layer([({"swish": F(1, 2)}, [4], 2, 1)]))  # swish_{1/2}(4x+2) = 2 silu(2x+1)
    assert dec.nonzero_classes() == {("L", (F(2),), F(1)): F(2)}
    dec = _dec(one_layer([({"swish": -2}, [1], 0, 1)]))  # = -silu(-2x)/2 = -(silu(2x) - 2x)/2
    assert dec.nonzero_classes() == {("L", (F(2),), F(0)): F(-1, 2)} and dec.linear == [1]


def test_constants_fold_exactly_or_stay_transcendental() -> None:
    dec = _dec(one_layer([("sigmoid", [0], 0, 4), ("silu", [0], 0, 7), ("softplus", [0], 0, 1)]))
    assert dec.constant == 2 and dec.nonzero_constants() == {("P", F(0)): F(1)}
    assert dec.nonconstant_zero


def test_canonical_half() -> None:
    assert canonical((F(0), F(1))) and not canonical((F(0), F(-1))) and canonical((F(0), F(0)))


_w = st.integers(-3, 3).map(Fraction)
_unit = st.tuples(st.sampled_from(["tanh", "sigmoid", "silu", "softplus", "gelu"]), _w, _w, _w)


@settings(max_examples=40, deadline=None)
@given(st.lists(_unit, min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_sussmann_permutations_and_tanh_sign_flips_leave_the_normal_form_unchanged(units, rnd) -> None:
    base = [(a, [w], b, c) for a, w, b, c in units]
    shuffled = list(base)
    rnd.shuffle(shuffled)
    flipped = [(a, [-w[0]], -b, -c) if a == "tanh" else (a, w, b, c) for a, w, b, c in shuffled]
    d1, d2 = _dec(one_layer(base)), _dec(one_layer(flipped))
    assert d1.nonzero_classes() == d2.nonzero_classes()
    assert d1.linear == d2.linear and d1.constant == d2.constant


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["S", "L", "P", "G"]), _w, _w), min_size=1, max_size=4, unique=True),
       st.lists(st.integers(1, 5), min_size=4, max_size=4))
def test_distinct_canonical_classes_are_independent(classes, coeffs) -> None:
    """Nonzero coefficients on distinct canonical classes never cancel: REFUTED (and checked)."""
    name = {"S": "sigmoid", "L": "silu", "P": "softplus", "G": "gelu"}
    units, seen = [], set()
    for (k, w, b), c in zip(classes, coeffs):
        if w <= 0 or (k, w, b) in seen:
            continue
        seen.add((k, w, b))
        units.append((name[k], [w], b, c))
    if not units:
        return
    v = is_identically_zero(one_layer(units), budget=16, max_prec=512)
    assert v.refuted
    from verify.checker import check

    assert check(v.to_json())


def test_reducible_network_collapses_to_its_irreducible_part() -> None:
    net = one_layer([("tanh", [1], 0, 2), ("tanh", [-1], 0, 1), ("tanh", [1], 0, 0), ("tanh", [2], 1, 1)])
    dec = _dec(net)  # 2 tanh(x) - tanh(x) + tanh(2x+1): two classes survive
    assert len(dec.nonzero_classes()) == 2


def test_decomposition_json_is_exact_text() -> None:
    d = Decomposition(1)
    d.classes[("S", (F(1, 3),), F(-1))] = F(2, 7)
    assert d.to_json()["classes"] == [{"kind": "S", "w": ["1/3"], "b": "-1", "coeff": "2/7"}]
    assert make_activation("gelu").analytic


def test_exp_and_sin_units_lindemann_weierstrass() -> None:
    from verify.checker import check

    proved = [
        one_layer([("sin", [2], 1, 1), ("sin", [-2], -1, 1)]),  # sin is odd
        one_layer([("exp", [1], 0, 1), ("exp", [1], 0, 1), ("exp", [1], 0, -2)]),
        one_layer([("exp", [0], 0, 3)], -3),  # 3 exp(0) - 3
        one_layer([("sin", [0], 1, 1), ("sin", [0], -1, 1)]),  # sin(1) + sin(-1)
    ]
    for net in proved:
        v = is_identically_zero(net)
        assert v.proved and check(v.to_json())
    refuted = [
        one_layer([("exp", [1], 1, 1), ("exp", [1], 0, -3)]),  # e * exp(x) - 3 exp(x): e is not 3
        one_layer([("sin", [1], 0, 1), ("sin", [1], 1, -1), ("sin", [1], 2, 1)]),  # e^{0}, e^{i}, e^{2i} independent
        one_layer([("exp", [0], 1, 1)], -3),  # e - 3 < 0, a transcendental constant decided by a ball
    ]
    for net in refuted:
        v = is_identically_zero(net)
        assert v.refuted and check(v.to_json())
    dec = _dec(refuted[1])
    assert len(dec.nonzero_classes()) == 3  # no merging across different b, by Lindemann-Weierstrass
