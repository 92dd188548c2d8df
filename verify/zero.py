"""``is_identically_zero(net)``: one entry point for every network.

Dispatch: piecewise-linear networks (with or without pooling, no polynomial units) go to
the exact support engine (``verify.support.prove_support_in(net, [])``, "f == 0 outside the
empty set"); everything else (polynomial, analytic, mixed) to :mod:`verify.analytic.zero`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from verify.errors import InvalidArgument, expected
from verify.verdict import Status, Verdict

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["is_identically_zero"]


def _piecewise_linear(net: Network) -> Verdict:
    from verify.analytic.zero import zero_claim

    start = time.perf_counter()
    claim = zero_claim(net)
    try:
        from verify.support import prove_support_in  # type: ignore[attr-defined]
    except ImportError:
        reason = "the piecewise-linear support engine is not available"
        return Verdict(Status.UNKNOWN, claim, method="support engine", reason=reason)
    inner = prove_support_in(net, [])
    evidence: dict[str, Any] = {"engine": "pl", "method": "support", "support_in": inner.to_dict()}
    seconds = time.perf_counter() - start
    if inner.proved:
        return Verdict(Status.PROVED, claim, evidence=evidence, method="support engine", seconds=seconds)
    if inner.refuted:
        return Verdict(Status.REFUTED, claim, witness=inner.witness, evidence=evidence, method="support engine", seconds=seconds)
    return Verdict(Status.UNKNOWN, claim, evidence=evidence, method="support engine", reason=inner.reason, seconds=seconds)


def is_identically_zero(net: Network, *, budget: int = 64, max_prec: int = 4096) -> Verdict:
    """Decide whether every output of ``net`` is the zero function on R^d.

    PROVED: an exact certificate (support regions, polynomial expansion, or a chain of exact
    reductions ending in the one-hidden-layer independence theorem). REFUTED: a witness point
    (exact value, or a ball at stated precision excluding 0), or, for one hidden layer, the
    exact decision when the ball search found no witness within ``budget``. UNKNOWN: the reason.

    >>> from verify import Network
    >>> tanh_vs_sigmoid = Network.mlp([[[1], [2]], [[1, -2]]], [[0, 0], [1]], "tanh")
    >>> is_identically_zero(tanh_vs_sigmoid).status.value          # tanh(x) - 2 tanh(2x) + 1 is not zero
    'refuted'
    >>> sq = Network.mlp([[[1], [1]], [[1, -1]]], [[1, 0], [-1]], "square")      # (x+1)^2 - x^2 - 1 = 2x
    >>> is_identically_zero(sq).witness.value
    (Fraction(2, 1),)
    """
    from verify.network import Network

    if not isinstance(net, Network):
        raise InvalidArgument(expected("a Network", "net", net))
    for name, v, least in (("budget", budget, 1), ("max_prec", max_prec, 64)):
        if isinstance(v, bool) or not isinstance(v, int) or v < least:
            raise InvalidArgument(expected(f"an int >= {least}", name, v))
    if net.is_relu_pool and not all(a.name == "identity" for a in net.activations()):
        return _piecewise_linear(net)
    from verify.analytic.zero import decide_zero

    return decide_zero(net, budget=budget, max_prec=max_prec)
