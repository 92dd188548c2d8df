"""Checker rule for z3 verdicts (claim kind ``support_in_smt``: "f == 0 on R^d \\ K").

A REFUTED certificate is fully re-checkable: the witness point lies strictly
outside every box of K and the checker's own exact evaluator finds the stated
nonzero output there. A PROVED certificate rests on z3's ``unsat``, for which
z3 gives no proof object we could re-check with Fraction arithmetic; its
evidence says ``"trust": "solver-trusted"`` and this rule REJECTS it, so that
``check()`` is True only for facts re-checked here. (To gain confidence in
such a verdict, run the SMT-LIB2 script of ``verify.smt.to_smtlib`` through
another solver; the region engines give checkable proofs.)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from verify.checker import RULES, CheckFailed
from verify.checker._net import CheckNet, q, read_sets

__all__ = ["check_support_witness", "read_sets"]




def check_support_witness(cert: dict[str, Any]) -> None:
    """A REFUTED "f == 0 outside K": the witness is outside K and the network is nonzero there, as stated."""
    net = CheckNet(cert["claim"]["data"]["network"])
    comps = read_sets(cert["claim"]["data"]["K"], net.input_dim)
    w = cert["witness"]
    if w is None:
        raise CheckFailed("a refutation needs a witness")
    x = [q(v) for v in w["point"]]
    if len(x) != net.input_dim:
        raise CheckFailed("witness of the wrong dimension")
    for A, b in comps:
        if all(sum((a * t for a, t in zip(row, x)), Fraction(0)) <= bi for row, bi in zip(A, b)):
            raise CheckFailed("the witness lies in K")
    value = net(x)
    if all(v == 0 for v in value):
        raise CheckFailed("the network vanishes at the witness")
    if w.get("value") is not None and [q(v) for v in w["value"]] != value:
        raise CheckFailed("the stated value differs from the exact value at the witness")
    if w.get("output") is not None and value[int(w["output"])] == 0:
        raise CheckFailed("the stated output is zero at the witness")


def _rule(cert: dict[str, Any]) -> None:
    status = cert["status"]
    if status == "refuted":
        check_support_witness(cert)
        return
    if status == "proved":
        raise CheckFailed("a z3 unsat answer is solver-trusted, not re-checkable with Fraction arithmetic")
    raise CheckFailed(f"nothing to check in a {status!r} verdict")


RULES["support_in_smt"] = _rule
