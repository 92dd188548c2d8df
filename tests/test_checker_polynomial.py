"""The independent checker rules for polynomial certificates (verify/checker/polynomial.py)."""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorems import THEOREMS, recheck, run
from verify.checker import RULES, check, explain
from verify.checker._net import CheckNet
from verify.checker.polynomial import degree_bound
from verify.verdict import Verdict

MOD = THEOREMS["polynomials_not_dense_in_refined_topology"]


def _cert(v: Verdict) -> dict[str, Any]:
    return json.loads(v.to_json())


def _witness_cert(m: int = 1) -> dict[str, Any]:
    """1 - x^2 is nonzero outside Q_m: PROVED with an exact witness."""
    v = MOD.grid_decision(MOD._taylor_like(), m)
    assert v.proved
    return _cert(v)


def _zero_cert() -> dict[str, Any]:
    """(x+1)(x-1) - x^2 + 1 = 0: the claim "p != 0 outside Q_1" REFUTED by a zero grid."""
    v = MOD.grid_decision(MOD._pooled_zero(), 1)
    assert v.refuted
    return _cert(v)


def _first_weight(doc: dict[str, Any], layer_from_end: int) -> list[str]:
    affines = [lay["affine"] for lay in doc["layers"] if "affine" in lay]
    return affines[layer_from_end]["bias"]


# --- genuine certificates -------------------------------------------------------------------------


def test_rules_are_registered() -> None:
    check(_witness_cert())  # loads the rule modules
    assert "polynomial_nonvanishing_outside" in RULES
    assert "polynomial_identically_zero" in RULES


@pytest.mark.parametrize("m", [1, 2, 5])
def test_witness_certificate_checks(m: int) -> None:
    cert = _witness_cert(m)
    x = Fraction(cert["witness"]["point"][0])
    assert abs(x) > m and Fraction(cert["witness"]["value"][0]) == 1 - x * x
    assert explain(cert) == ""


def test_two_dimensional_quartic_witness_checks() -> None:
    v = MOD.grid_decision(MOD._quartic_2d(), 1)
    assert v.proved
    x1, x2 = v.witness.point
    # the network computes x1^4 - x2 - 1/2 (pool (x1, x2) * (x1, 1), square, read-out)
    assert v.witness.value == (x1**4 - x2 - Fraction(1, 2),)
    assert check(v.to_json())


def test_zero_grid_certificate_checks() -> None:
    cert = _zero_cert()
    assert cert["evidence"]["degree_bound"] == 2 and len(cert["evidence"]["grid"]) == 3
    assert explain(cert) == ""


def test_checker_degree_bound_matches_known_degrees() -> None:
    assert degree_bound(CheckNet(MOD._taylor_like().to_dict())) == 2
    assert degree_bound(CheckNet(MOD._pooled_zero().to_dict())) == 2
    assert degree_bound(CheckNet(MOD._quartic_2d().to_dict())) == 4


@settings(max_examples=25, deadline=None)
@given(st.lists(st.fractions(min_value=-4, max_value=4, max_denominator=4), min_size=3, max_size=3))
def test_every_genuine_quadratic_certificate_checks(c: list[Fraction]) -> None:
    v = MOD.grid_decision(MOD._square_net(c), 1)
    assert v.refuted == (c == [0, 0, 0])  # the zero quadratic is the only one vanishing on 3 points
    assert check(v.to_json())


# --- tampered certificates ------------------------------------------------------------------------


def test_changed_witness_coordinate_is_rejected() -> None:
    cert = _witness_cert()
    cert["witness"]["point"][0] = str(Fraction(cert["witness"]["point"][0]) + 1)
    assert "stated value differs" in explain(cert)


def test_changed_witness_value_is_rejected() -> None:
    cert = _witness_cert()
    cert["witness"]["value"][0] = "0"
    assert not check(cert)


def test_witness_moved_inside_the_cube_is_rejected() -> None:
    cert = _witness_cert()
    x = Fraction(1, 2)  # inside Q_1 = [-1, 1]; value made consistent so only the location fails
    cert["witness"] = {"point": [str(x)], "value": [str(1 - x * x)], "enclosure": None, "prec": None, "output": None}
    assert "lies in the closed cube" in explain(cert)
    x = Fraction(1)  # on the boundary of the closed cube: still inside (and p = 0 there)
    cert["witness"] = {"point": [str(x)], "value": ["0"], "enclosure": None, "prec": None, "output": None}
    assert not check(cert)


def test_enlarged_cube_is_rejected() -> None:
    cert = _witness_cert()
    cert["claim"]["data"]["r"] = "3"  # the witness 2 lies in [-3, 3]
    assert "lies in the closed cube" in explain(cert)


def test_altered_coefficient_is_rejected() -> None:
    cert = _witness_cert()
    _first_weight(cert["claim"]["data"]["net"], -1)[0] = "2"  # 2 - x^2 instead of 1 - x^2
    assert "stated value differs" in explain(cert)
    zero = _zero_cert()
    bias = _first_weight(zero["claim"]["data"]["net"], -1)
    bias[0] = str(Fraction(bias[0]) + Fraction(1, 7))  # the pooled zero plus 1/7: not zero
    assert "p != 0 at the grid point" in explain(zero)


@pytest.mark.parametrize("make", [_witness_cert, _zero_cert])
def test_flipped_status_is_rejected(make: Any) -> None:
    cert = make()
    cert["status"] = {"proved": "refuted", "refuted": "proved"}[cert["status"]]
    assert not check(cert)
    cert["status"] = "unknown"
    assert not check(cert)


def test_short_grid_or_understated_degree_is_rejected() -> None:
    cert = _zero_cert()
    short = copy.deepcopy(cert)
    short["evidence"]["grid"] = short["evidence"]["grid"][:2]
    assert "distinct values" in explain(short)
    repeated = copy.deepcopy(cert)
    repeated["evidence"]["grid"] = [repeated["evidence"]["grid"][0]] * 3
    assert not check(repeated)
    low = copy.deepcopy(cert)
    low["evidence"]["degree_bound"] = 1
    assert "degree bound" in explain(low)


def test_non_polynomial_network_is_rejected_for_a_zero_proof() -> None:
    cert = _zero_cert()
    doc = cert["claim"]["data"]["net"]
    doc["layers"].insert(1, {"act": "relu"})
    assert "not a polynomial network" in explain(cert)


def test_old_style_zero_proof_under_the_nonvanishing_claim_is_rejected() -> None:
    cert = _zero_cert()
    cert["status"] = "proved"  # "p != 0 outside" PROVED with only a zero grid: the claim is false
    assert "needs a witness" in explain(cert)


# --- theorems.recheck now covers the polynomial theorem ---------------------------------------------


def test_recheck_covers_the_polynomial_theorem_instances() -> None:
    r = run("polynomials_not_dense_in_refined_topology", quick=False)
    assert not r.error and len(r.verdicts) == 3
    kinds = set()
    for label, v in zip(r.labels, r.verdicts):
        assert v.proved, label
        assert recheck(v), label
        evidence = v.evidence or {}
        for cert in evidence["certificates"]:
            if cert["claim"]["kind"].startswith("polynomial_"):
                kinds.add(cert["claim"]["kind"])
                assert check(cert), label
                tampered = copy.deepcopy(cert)
                tampered["status"] = "refuted" if cert["status"] == "proved" else "proved"
                broken = Verdict(v.status, v.claim, v.witness, {**evidence, "certificates": [tampered]})
                assert not recheck(broken), label
    assert kinds == {"polynomial_nonvanishing_outside", "polynomial_identically_zero"}
