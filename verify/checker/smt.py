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

from typing import Any

from verify.checker import RULES, CheckFailed
from verify.checker._net import CheckNet, read_sets, witness_outside

__all__ = ["check_support_witness", "read_sets"]


def check_support_witness(cert: dict[str, Any]) -> None:
    """A REFUTED "f == 0 outside K": the witness is outside K and the network is nonzero there, as stated."""
    net = CheckNet(cert["claim"]["data"]["network"])
    comps = read_sets(cert["claim"]["data"]["K"], net.input_dim)
    witness_outside(net, comps, cert["witness"])


def _rule(cert: dict[str, Any]) -> None:
    status = cert["status"]
    if status == "refuted":
        check_support_witness(cert)
        return
    if status == "proved":
        raise CheckFailed("a z3 unsat answer is solver-trusted, not re-checkable with Fraction arithmetic")
    raise CheckFailed(f"nothing to check in a {status!r} verdict")


RULES["support_in_smt"] = _rule
