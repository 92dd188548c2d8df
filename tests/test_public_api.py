"""The public API is a promise (DESIGN.md §6): ``verify.__all__`` is exactly the documented names."""

from __future__ import annotations

import importlib
from fractions import Fraction as F

import verify as V

DOCUMENTED = {
    # DESIGN.md §6
    "Network", "Box", "Status", "Verdict", "checker", "VerifyError", "InvalidNetwork", "InvalidNumber",
    "InvalidArgument", "latex", "linear_regions", "support", "prove_support_in", "equivalent", "max_abs",
    "lipschitz_constant", "nonvanishing_witness", "is_identically_zero", "construct", "topology",
    # additions (add, don't rename): the IR, the verdict parts, the analysis result types
    "Act", "Activation", "Affine", "Pool", "Claim", "Witness", "UnsupportedNetwork", "Polyhedron", "Region",
    "Support", "to_rational",
}


def test_all_is_exactly_the_documented_names() -> None:
    assert set(V.__all__) == DOCUMENTED
    assert len(V.__all__) == len(set(V.__all__))
    for name in V.__all__:
        assert getattr(V, name) is not None


def test_documented_submodules_and_strategies_exist() -> None:
    strategies = importlib.import_module("verify.strategies")
    for name in ("networks", "relu_networks", "analytic_networks", "rationals", "boxes"):
        assert callable(getattr(strategies, name))
    for name in ("hat", "bump", "freudenthal_hat"):
        assert callable(getattr(V.construct, name))
    for name in ("dsupp", "refined_distance"):
        assert callable(getattr(V.topology, name))
    assert callable(V.checker.check)


def test_design_walkthrough_runs_exactly() -> None:
    """The §6 example, end to end: a verdict with an exact witness that the checker re-checks."""
    hat = V.construct.hat(-1, 1)
    K = V.Box([F(-1, 2)], [F(1, 2)])
    v = V.prove_support_in(hat, K)
    assert v.status is V.Status.REFUTED
    x = v.witness.point
    assert not K.contains(x) and hat.eval_exact(x) == v.witness.value != (0,)
    assert V.checker.check(v.to_json())
    assert V.prove_support_in(hat, V.Box.cube(1, -1, 1)).proved


def test_errors_are_one_family_and_match_builtins() -> None:
    assert issubclass(V.InvalidNetwork, V.VerifyError) and issubclass(V.InvalidNetwork, ValueError)
    assert issubclass(V.InvalidNumber, V.VerifyError) and issubclass(V.InvalidNumber, ValueError)
    assert issubclass(V.InvalidArgument, V.VerifyError) and issubclass(V.InvalidArgument, TypeError)
    assert issubclass(V.UnsupportedNetwork, V.VerifyError)
