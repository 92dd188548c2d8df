r"""Quantitative approximation of compactly supported Lipschitz functions with exact support.

Statement [P-v2 (qualitative shape): "a quantitative uniform version ... on the dense subclass of
compactly-supported Lipschitz functions ... expresses the depth, width, and the number of bilinear
pooling layers required ... via the target function's regularity, the metric capacity and diameter of
its essential support, and the dimensions"; the formulas below are [RECON] (MATH.md §4.1,
constructions Q1 and Q2), NOT the paper's Theorem 3, whose constants are unavailable]:

Let $f:\mathbb R^d\to\mathbb R$ be $L$-Lipschitz in $\|\cdot\|_\infty$ with compact support $K$, and
$\varepsilon>0$.

* (Q1, no pooling) with $h\le\varepsilon/L$ aligned with $Q_m$, the nodal interpolant
  $g=\sum_{v\in V}f(v)\varphi((x-v)/h)$ is a ReLU network with $\|g-f\|_\infty\le Lh\le\varepsilon$,
  $\operatorname{supp}g\subseteq K^h\cap Q_m$, depth $\lceil\log_2 d\rceil+O(1)$, width $O(d|V|)$,
  $|V|\le2^dN_\infty(K,h/2)$, and no pooling layer;
* (Q2, one pooling layer) $F=\tilde g\odot\psi$ with $\operatorname{supp}F\subseteq K^{2\delta}$ and
  $\|F-f\|_\infty\le\eta$.

On an instance $(f, \varepsilon, \text{pooling})$ the check builds the network with
``approximate_with_support`` and certifies exactly: $\sup|F-f|\le\varepsilon$ (``max_abs`` over a box
holding both supports, outside which both vanish), the support inclusion it states
(``prove_support_in``), and the stated depth/width/pooling counts against the built network.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from theorems._approx import approximate, facts_of, target_data
from theorems._common import Instance, bump_net, engine, tent_net, theorem_verdict, timed
from theorems._refined import sup_distance
from verify.box import Box
from verify.network import Network
from verify.verdict import Status, Verdict

NAME = "lipschitz_approximation_with_support"
SOURCE = "[P-v2] shape of the statement; [RECON] formulas (MATH.md §4.1, Q1/Q2)"
TITLE = "sup error <= eps, exact support, stated sizes (Q1 and Q2)"

_SIZE_KEYS = {
    "depth": "depth",
    "width": "width",
    "num_pool": "num_pool",
    "pooling_layers": "num_pool",
    "neurons": "num_neurons",
    "num_neurons": "num_neurons",
}


def instances(quick: bool = True) -> list[Instance]:
    """Tents and a 2-D bump, with and without pooling."""
    tent = tent_net(-1, Fraction(1, 3), 1)
    out = [
        Instance("tent, eps 1/8, no pooling (Q1)", {"target": tent, "eps": Fraction(1, 8), "pooling": False}),
        Instance("tent, eps 1/8, pooling (Q2)", {"target": tent, "eps": Fraction(1, 8), "pooling": True}),
    ]
    if not quick:
        bump = bump_net([Fraction(-1, 2), -1], [1, Fraction(1, 3)])
        out += [
            Instance("2-D bump, eps 1/2, Q1", {"target": bump, "eps": Fraction(1, 2), "pooling": False}),
            Instance("2-D bump, eps 1/2, Q2", {"target": bump, "eps": Fraction(1, 2), "pooling": True}),
        ]
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Tents with rational peaks, tolerances 2^-k, either route."""
    peak = st.fractions(min_value=Fraction(-3, 4), max_value=Fraction(3, 4), max_denominator=8)
    return st.builds(
        lambda p, k, pool: Instance(
            f"tent {p}, eps 2^-{k}, pool={pool}", {"target": tent_net(-1, p, 1), "eps": Fraction(1, 2**k), "pooling": pool}
        ),
        peak,
        st.integers(1, 4),
        st.booleans(),
    )


def _hull(a: Box, b: Box) -> Box:
    return Box([min(x, y) for x, y in zip(a.lower, b.lower)], [max(x, y) for x, y in zip(a.upper, b.upper)])


def _size_facts(F: Network, stated: dict[str, Any]) -> tuple[list[str], list[str]]:
    ok, bad = [], []
    for key, attr in _SIZE_KEYS.items():
        bound = stated.get(key)
        if isinstance(bound, int) and not isinstance(bound, bool):
            (ok if getattr(F, attr) <= bound else bad).append(f"{attr} = {getattr(F, attr)} vs stated {bound}")
    return ok, bad


@timed
def check(instance: Instance) -> Verdict:
    """Build and certify: sup error, support inclusion, stated sizes."""
    f, eps, pooling = instance["target"], Fraction(instance["eps"]), bool(instance["pooling"])
    text = f"approximant with sup|F - f| <= {eps}, support as stated, sizes as stated ({'Q2' if pooling else 'Q1'})"
    result, F = approximate(f, eps, pooling=pooling)
    data: dict[str, Any] = {"target": f.to_dict(), "eps": eps, "pooling": pooling, "approximant": F.to_dict()}
    stated = facts_of(result)
    sF = engine("support", "support")(F)
    if not sF.bounded:
        return theorem_verdict(
            NAME,
            Status.REFUTED,
            text,
            data=data,
            witness=getattr(sF, "witness", None),
            reason="the approximant's support is unbounded",
        )
    _, K = target_data(f)
    box = K if sF.bounding_box is None else _hull(K, sF.bounding_box)
    sup, raw = sup_distance(f, F, box)
    certs = [raw] if isinstance(raw, Verdict) else []
    facts = [f"both vanish outside {box}; sup there of |f - F| = {sup} (exact)"]
    claimed = stated.get("support")
    if isinstance(claimed, Box):
        v = engine("support", "prove_support_in")(F, claimed)
        certs.append(v)
        if not v.proved:
            return theorem_verdict(
                NAME,
                v.status,
                text,
                data=data,
                certificates=certs,
                witness=v.witness,
                reason=f"stated support {claimed} not proved: {v.reason}",
            )
        facts.append(f"supp F within the stated {claimed} (proved)")
    ok, bad = _size_facts(F, stated)
    if sup is None:
        return theorem_verdict(NAME, Status.UNKNOWN, text, data=data, certificates=certs, reason="no exact sup error")
    if sup > eps or bad:
        return theorem_verdict(
            NAME,
            Status.REFUTED,
            text,
            data=data,
            certificates=certs,
            facts=facts + bad,
            reason=f"sup error {sup} > {eps}" if sup > eps else "sizes exceed the stated bounds",
        )
    if pooling != (F.num_pool > 0):
        return theorem_verdict(NAME, Status.REFUTED, text, data=data, facts=facts, reason="pooling layers do not match the route")
    facts += ok + [f"depth {F.depth}, width {F.width}, pooling layers {F.num_pool}, neurons {F.num_neurons}"]
    return theorem_verdict(
        NAME, Status.PROVED, text, data=data, certificates=certs, facts=facts, method="construction + exact check"
    )
