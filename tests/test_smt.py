"""z3 encodings, the support query and the SMT-LIB2 export: facts checked against the exact evaluator."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import Box, Network, UnsupportedNetwork
from verify.checker import check, explain
from verify.layers import Act, Affine, Pool
from verify.smt import encode, find_nonzero_outside, to_smtlib

F = Fraction


def hat(shift: object = 0) -> Network:
    """hat(x - shift) = relu(x-s+1) - 2 relu(x-s) + relu(x-s-1)."""
    s = F(shift)  # type: ignore[arg-type]
    return Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1 - s, -s, -1 - s], [0]])


def hat2d() -> Network:
    """hat(x) * hat(y) in d = 2 with one pooling layer."""
    h = [[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1]]
    return Network(2, (Affine(h, [1, 0, -1, 1, 0, -1]), Act("relu"),
                       Affine([[1, -2, 1, 0, 0, 0], [0, 0, 0, 1, -2, 1]], [0, 0]), Pool()))


def smt_answer(text: str) -> z3.CheckSatResult:
    s = z3.Solver()
    s.from_string(text)
    return s.check()


# -- the exported script ---------------------------------------------------------


def test_exported_script_hat_support():
    assert smt_answer(hat().to_smtlib(Box([-1], [1]))) == z3.unsat
    assert smt_answer(hat().to_smtlib(Box(["-1/2"], ["1/2"]))) == z3.sat
    assert smt_answer(to_smtlib(hat(), [])) == z3.sat  # the hat is not identically zero


def test_exported_script_is_plain_smtlib():
    text = to_smtlib(hat(), Box([-1], [1]))
    assert "(set-logic QF_LRA)" in text and "(check-sat)" in text and "(declare-fun x0 () Real)" in text
    assert "ite" in text and "RealVal" not in text
    assert not re.search(r"\de-?\d", text)  # exact ratios, no floats in exponent form
    pooled = hat() * hat(1)
    assert "(set-logic QF_NRA)" in to_smtlib(pooled, Box([0], [1]))


def test_exported_script_pooling_and_union_of_boxes():
    prod = hat() * hat(1)  # support [0, 1]
    assert smt_answer(to_smtlib(prod, Box([0], [1]))) == z3.unsat
    assert smt_answer(to_smtlib(prod, Box([0], ["9/10"]))) == z3.sat
    # the union [-1, 0] u [0, 1] covers the support of the hat; [-1,0] u [1/10, 1] leaves a gap
    assert smt_answer(to_smtlib(hat(), [Box([-1], [0]), Box([0], [1])])) == z3.unsat
    assert smt_answer(to_smtlib(hat(), [Box([-1], [0]), Box(["1/10"], [1])])) == z3.sat


# -- the support query -------------------------------------------------------------


@pytest.mark.parametrize("style", ["if", "split"])
def test_hat_proved_and_refuted(style):
    u = find_nonzero_outside(hat(), Box([-1], [1]), relu_style=style)
    assert u.unknown and u.reason.startswith("z3 reports unsat")  # no checkable certificate: not PROVED by default
    v = find_nonzero_outside(hat(), Box([-1], [1]), relu_style=style, trust_solver=True)
    assert v.proved and v.method == "z3" and v.evidence["trust"] == "solver-trusted"
    r = find_nonzero_outside(hat(), Box(["-1/2"], ["1/2"]), relu_style=style)
    assert r.refuted
    (x,) = r.witness.point
    assert abs(x) > F(1, 2) and abs(x) < 1 and hat().eval_exact([x]) == r.witness.value != (0,)


def test_far_leak_is_refuted_beyond_1e9():
    big = 10**9
    leak = Network.mlp([[[1], [1]], [[1, -1]]], [[-big, -big - 1], [0]])
    v = find_nonzero_outside(leak, Box([-1], [1]))
    assert v.refuted and v.witness.point[0] > big
    assert leak.eval_exact(v.witness.point)[0] != 0


def test_identically_zero_and_pooled_identity():
    leak = Network.mlp([[[1], [-1], [1]], [[1, -1, -1]]], [[0, 0, 0], [0]])  # relu(x)-relu(-x)-relu(x)
    ident = Network(1, (Affine([[1], [-1], [1]], [0, 0, 0]), Act(["relu", "relu", "identity"]),
                        Affine([[1, -1, -1]], [0])))
    assert find_nonzero_outside(ident, [], trust_solver=True).proved  # relu(x) - relu(-x) - x == 0
    assert find_nonzero_outside(leak, []).refuted  # relu(x) - relu(-x) - relu(x) = -relu(-x) != 0
    # (x+1)(x-1) - x*x + 1 == 0, through pooling (nonlinear real arithmetic)
    poly = Network(1, (Affine([[1], [1], [1], [-1]], [1, 0, -1, 0]), Pool(), Affine([[1, 1]], [1])))
    assert poly.eval_exact([7]) == (0,)
    assert find_nonzero_outside(poly, [], trust_solver=True).proved


def test_pooled_support_2d():
    f = hat2d()
    assert find_nonzero_outside(f, Box.cube(2, -1, 1), trust_solver=True).proved
    v = find_nonzero_outside(f, Box([-1, -1], [1, "9/10"]))
    assert v.refuted
    x, y = v.witness.point
    assert y > F(9, 10) and f.eval_exact([x, y])[0] != 0


def test_certificates_refuted_check_proved_are_solver_trusted():
    r = find_nonzero_outside(hat(), Box(["-1/2"], ["1/2"]))
    cert = r.to_json()
    assert check(cert)
    doc = json.loads(cert)
    doc["witness"]["point"] = ["1/4"]  # inside K
    assert not check(doc)
    doc["witness"]["point"] = ["3"]  # outside K, but the hat vanishes there
    assert "vanishes" in explain(doc)
    p = find_nonzero_outside(hat(), Box([-1], [1]), trust_solver=True)
    assert p.proved and not check(p.to_json())
    assert "solver-trusted" in explain(p.to_json())


def test_unsupported_activation():
    with pytest.raises(UnsupportedNetwork):
        encode(Network.mlp([[[1]], [[1]]], [[0], [0]], activation="sigmoid"))
    with pytest.raises(UnsupportedNetwork):
        to_smtlib(Network.mlp([[[1]], [[1]]], [[0], [0]], activation="tanh"))


def test_decode_algebraic_model_value():
    sq = Network(1, (Affine([[1], [1]], [0, 0]), Pool(), Affine([[1]], [-2])))  # x^2 - 2
    enc = encode(sq)
    s = z3.Solver()
    s.add(enc.constraints)
    s.add(enc.outputs[0] == 0, enc.inputs[0] > 0)
    assert s.check() == z3.sat
    (x,) = enc.decode(s.model(), precision=30)
    assert abs(x * x - 2) < F(1, 10**29)


# -- the encoding agrees with the exact evaluator ----------------------------------------

ACTS = ["relu", "abs", "identity", "hardtanh", {"leaky_relu": "1/10"}, {"prelu": "3"}]
small = st.fractions(min_value=-3, max_value=3, max_denominator=4)


@st.composite
def nets(draw):
    d = draw(st.integers(1, 2))
    w1 = draw(st.integers(1, 3))
    acts = [draw(st.sampled_from(ACTS)) for _ in range(w1)]
    first = Affine([[draw(small) for _ in range(d)] for _ in range(w1)], [draw(small) for _ in range(w1)])
    layers = [first, Act(acts)]
    if draw(st.booleans()):  # a pooling head
        layers += [Affine([[draw(small) for _ in range(w1)] for _ in range(2)], [draw(small) for _ in range(2)]), Pool()]
    else:
        layers += [Affine([[draw(small) for _ in range(w1)]], [draw(small)])]
    return Network(d, tuple(layers))


@settings(max_examples=25, deadline=None)
@given(net=nets(), data=st.data())
def test_encoding_agrees_with_exact(net, data):
    x = [data.draw(small) for _ in range(net.input_dim)]
    for style in ("if", "split"):
        enc = encode(net, relu_style=style)
        s = z3.Solver()
        s.add(enc.constraints)
        s.add([v == z3.RealVal(f"{c.numerator}/{c.denominator}") for v, c in zip(enc.inputs, x)])
        assert s.check() == z3.sat
        m = s.model()
        got = [m.eval(o, model_completion=True) for o in enc.outputs]
        assert [F(g.numerator_as_long(), g.denominator_as_long()) for g in got] == list(net.eval_exact(x))


@settings(max_examples=15, deadline=None)
@given(net=nets())
def test_support_query_witnesses_are_exact(net):
    K = Box.cube(net.input_dim, -1, 1)
    v = find_nonzero_outside(net, K, timeout_ms=10_000)
    if v.refuted:
        assert not K.contains(v.witness.point)
        assert any(c != 0 for c in net.eval_exact(v.witness.point))
        assert check(v.to_json())
    assert v.refuted or "z3 reports unsat" in v.reason or "unknown" in v.reason


def test_polyhedron_K_and_export():
    from verify.polyhedra import Polyhedron

    diamond = Polyhedron([[1, 1], [1, -1], [-1, 1], [-1, -1]], [2, 2, 2, 2])  # |x| + |y| <= 2 contains [-1,1]^2
    f = hat2d()
    assert find_nonzero_outside(f, diamond, trust_solver=True).proved
    assert smt_answer(to_smtlib(f, diamond)) == z3.unsat
    small_diamond = Polyhedron([[1, 1], [1, -1], [-1, 1], [-1, -1]], [1, 1, 1, 1])
    v = find_nonzero_outside(f, small_diamond)
    assert v.refuted and abs(v.witness.point[0]) + abs(v.witness.point[1]) > 1 and check(v.to_json())
    assert smt_answer(to_smtlib(f, small_diamond)) == z3.sat


def test_algebraic_model_point_is_replaced_by_a_nearby_rational():
    from verify.smt import _exact_witness

    ident = Network.mlp([[[1]]], [[0]])
    enc = encode(ident)
    s = z3.Solver()
    s.add(enc.constraints)
    s.add(enc.inputs[0] * enc.inputs[0] == 2, enc.inputs[0] > 0)  # the model point is sqrt(2), algebraic
    assert s.check() == z3.sat and z3.is_algebraic_value(s.model().eval(enc.inputs[0]))
    (x,) = _exact_witness(ident, enc, s.model(), [Box([-1], [1])])
    assert 1 < x and abs(x * x - 2) < F(1, 10)
