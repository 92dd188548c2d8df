"""The independent checker accepts genuine analytic certificates and rejects tampered ones."""

from __future__ import annotations

import copy
import json
from fractions import Fraction

from flint import arb
from test_zero import GELU_HAT, SIGMA_PLUS_E40_TANH, ZERO_FACTS, one_layer

from verify import Box
from verify.analytic import nonvanishing_witness, prove_support_in
from verify.checker import check, explain
from verify.checker.analytic import ball_eval, check_support_in_analytic
from verify.zero import is_identically_zero


def _tampered(cert: dict, path: list, value) -> dict:
    out = copy.deepcopy(cert)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def test_genuine_witness_certificate_and_tampering() -> None:
    cert = nonvanishing_witness(SIGMA_PLUS_E40_TANH, Box([0], [1])).to_dict()
    assert check(cert)
    assert int(cert["witness"]["prec"]) > 128
    assert not check(_tampered(cert, ["witness", "point"], ["2"]))  # outside the open box
    assert not check(_tampered(cert, ["witness", "point"], ["1/2"]))  # the recorded enclosure no longer matches
    assert not check(_tampered(cert, ["witness", "prec"], 64))  # too coarse to exclude 0
    assert not check(_tampered(cert, ["witness", "enclosure"], ["[1.0 +/- 0.5]"]))  # not the value
    assert not check(_tampered(cert, ["witness", "enclosure"], ["[+/- 1e-30]"]))  # contains 0
    assert not check(_tampered(cert, ["claim", "data", "box"], {"lower": ["2"], "upper": ["3"]}))


def test_tampered_point_that_still_lies_in_the_box_fails_when_the_value_is_zero() -> None:
    zero = ZERO_FACTS["sigma(x)+sigma(-x)-1"]
    cert = nonvanishing_witness(GELU_HAT, Box([0], [1])).to_dict()
    cert["claim"]["data"]["network"] = zero.to_dict()
    assert "does not exclude 0" in explain(cert)


def test_one_layer_certificate_rejects_altered_merged_coefficient() -> None:
    v = is_identically_zero(ZERO_FACTS["tanh(x)-2sigma(2x)+1"])
    cert = v.to_dict()
    assert check(cert)
    assert cert["evidence"]["decompositions"][0]["classes"] == []
    forged = _tampered(cert, ["evidence", "decompositions", 0, "constant"], "1")
    assert "differ" in explain(forged)
    added = copy.deepcopy(cert)
    added["evidence"]["decompositions"][0]["classes"] = [{"kind": "S", "w": ["2"], "b": "0", "coeff": "1"}]
    assert not check(added)
    # the verdict cannot be flipped: the network re-derives to zero
    assert not check(_tampered(cert, ["status"], "refuted"))
    # nor the network swapped for a nonzero one
    other = _tampered(cert, ["claim", "data", "network"], GELU_HAT.to_dict())
    assert not check(other)


def test_a_refutation_needs_its_witness_even_with_the_exact_decision() -> None:
    """The exact decision (a nonzero merged coefficient) is recorded, but a REFUTED certificate re-checks only
    with its counterexample: the ball witness. Without it, or with a tampered decision, it is rejected."""
    v = is_identically_zero(SIGMA_PLUS_E40_TANH)
    assert v.refuted and v.witness is not None
    cert = v.to_dict()
    assert check(cert)
    coeffs = [c["coeff"] for c in cert["evidence"]["decompositions"][0]["classes"]]
    assert coeffs == ["1/5000000000000000000000000000000000000000"]
    assert not check({**cert, "witness": None})
    assert not check({**cert, "status": "unknown"})


def test_polynomial_certificates() -> None:
    v = is_identically_zero(ZERO_FACTS["(x+1)(x-1)-x*x+1"])
    assert check(v.to_json())
    net = one_layer([("square", [1], 1, 1), ("square", [1], 0, -1)])  # 2x + 1
    r = is_identically_zero(net).to_dict()
    assert check(r)
    assert not check(_tampered(r, ["witness", "point"], ["-1/2"]))  # the root of 2x + 1
    assert not check(_tampered(r, ["witness", "value"], ["7"]))


def test_support_in_certificates() -> None:
    K = Box([-4], [4])
    v = prove_support_in(GELU_HAT, K)
    cert = v.to_dict()
    assert v.refuted and cert["evidence"]["engine"] == "analytic"
    check_support_in_analytic(cert)
    inside = _tampered(cert, ["witness", "point"], ["3"])
    try:
        check_support_in_analytic(inside)
        raise AssertionError("a witness inside K was accepted")
    except Exception as exc:
        assert "in K" in str(exc)
    z = prove_support_in(ZERO_FACTS["silu(x)-silu(-x)-x"], K)
    assert z.proved
    check_support_in_analytic(z.to_dict())


def test_independent_ball_evaluator_agrees_with_the_engine() -> None:
    from verify.semantics import ball

    for net in (GELU_HAT, SIGMA_PLUS_E40_TANH, one_layer([("softplus", [3], -200, 1), ({"swish": "1/3"}, [1], 0, 1)])):
        for x in (Fraction(-7, 3), Fraction(0), Fraction(201, 2)):
            mine = ball_eval(net.to_dict(), [x], 256)[0]
            theirs = ball.evaluate(net, [x], prec=256)[0]
            assert mine.overlaps(theirs)
    assert ball_eval(GELU_HAT.to_dict(), [Fraction(-40)], 64)[0] < arb("-1e-340")


def test_certificates_round_trip_through_json_text() -> None:
    v = nonvanishing_witness(GELU_HAT, Box([10], [11]))
    assert check(json.loads(v.to_json())) and check(v.to_json())


def test_ball_witnesses_next_to_a_relu_kink_re_check() -> None:
    """Regression: the checker took relu(t) = (t + |t|) / 2 on balls, which keeps a radius ~2^-prec where t
    is certainly negative, and rejected the engine's (tight) 64-bit witnesses just right of a kink."""
    from verify import Network
    from verify.construct import hat
    from verify.layers import Act, Affine

    tiny = Fraction(1, 10**30)
    ramp = Network(1, (Affine([[1], [1]], [0, -1]), Act("relu"), Affine([[1, -1]], [0]), Act("tanh"), Affine([[1]], [0])))
    v = nonvanishing_witness(ramp, Box([0], [tiny]))  # tanh(relu(x) - relu(x - 1)) = tanh(x) there
    assert v.proved and check(v.to_json())
    th = Network.mlp([[[1]], [[1]]], [[0], [0]], "tanh").compose(hat(0, 2))
    s = prove_support_in(th, Box([tiny], [2]))
    assert s.refuted and check(s.to_json())


def test_without_a_witness_a_nonzero_decision_is_unknown_and_a_forged_refutation_fails() -> None:
    """sigmoid(e x) - e x / 4 - 1/2 with e = 10^-2000 is nonzero (independence theorem) but ~e^3 x^3 near 0:
    no ball witness is found, so the verdicts are UNKNOWN (a refutation carries its counterexample). A
    REFUTED certificate forged from it, with K = all of R (so the claim holds vacuously), is rejected."""
    from verify import Network
    from verify.layers import Act, Affine

    e = Fraction(1, 10**2000)
    last = Affine([[1, Fraction(-1, 4)]], [Fraction(-1, 2)])
    net = Network(1, (Affine([[e], [e]], [0, 0]), Act(("sigmoid", "identity")), last))
    z = is_identically_zero(net)
    assert z.unknown and "independence theorem" in z.reason and not check(z.to_json())
    v = prove_support_in(net, Box([-1], [1]))
    assert v.unknown
    forged = {**v.to_dict(), "status": "refuted", "witness": None}
    forged["claim"] = {**forged["claim"], "data": {**forged["claim"]["data"], "K": [{"polyhedron": {"A": [], "b": []}}]}}
    assert not check(forged)
