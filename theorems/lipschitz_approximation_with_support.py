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

from theorems._approx import approximate, target_data
from theorems._common import EngineMissing, Instance, bump_net, engine, tent_net, theorem_verdict, timed
from theorems._refined import ball_sup_decide, sup_distance
from verify.box import Box
from verify.verdict import Status, Verdict, Witness

NAME = "lipschitz_approximation_with_support"
SOURCE = "[P-v2] shape of the statement; [RECON] formulas (MATH.md §4.1, Q1/Q2)"
TITLE = "sup error <= eps, exact support, stated sizes (Q1 and Q2)"


def instances(quick: bool = True) -> list[Instance]:
    """Tents with and without pooling, and a 2-D bump (Q1) in the full run."""
    tent = tent_net(Fraction(-3, 4), Fraction(1, 5), Fraction(3, 4))  # slopes 20/19 and 20/11
    out = [
        Instance(
            "tent, eps 1/4, no pooling (Q1)", {"target": tent, "eps": Fraction(1, 4), "pooling": False, "L": Fraction(20, 11)}
        ),
        Instance("tent, eps 1/4, pooling (Q2)", {"target": tent, "eps": Fraction(1, 4), "pooling": True, "L": Fraction(20, 11)}),
    ]
    if not quick:
        bump = bump_net([Fraction(-1, 2), -1], [1, Fraction(1, 3)])
        out += [
            Instance("2-D bump, eps 1/2, Q1", {"target": bump, "eps": Fraction(1, 2), "pooling": False, "L": 3}),
        ]
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Tents with rational peaks, tolerances 2^-k, either route."""
    peak = st.fractions(min_value=Fraction(-1, 2), max_value=Fraction(1, 2), max_denominator=8)
    return st.builds(
        lambda p, k, pool: Instance(
            f"tent {p}, eps 2^-{k}, pool={pool}",
            {
                "target": tent_net(Fraction(-3, 4), p, Fraction(3, 4)),
                "eps": Fraction(1, 2**k),
                "pooling": pool,
                "L": max(1 / (p + Fraction(3, 4)), 1 / (Fraction(3, 4) - p)),
            },
        ),
        peak,
        st.integers(1, 2),  # pooled support proofs grow fast with 1/eps
        st.booleans(),
    )


def _hull(a: Box, b: Box) -> Box:
    return Box([min(x, y) for x, y in zip(a.lower, b.lower)], [max(x, y) for x, y in zip(a.upper, b.upper)])


def _mesh(eps: Fraction, lip: Fraction) -> Fraction:
    """The largest h = 2^-j with L h <= eps."""
    h = Fraction(1)
    while lip * h > eps:
        h /= 2
    return h


def _stated_support(result: Any) -> list[Box] | None:
    boxes = getattr(result, "support", None)
    if isinstance(boxes, Box):
        return [boxes]
    if isinstance(boxes, (tuple, list)) and boxes and all(isinstance(b, Box) for b in boxes):
        return list(boxes)
    return None


@timed
def check(instance: Instance) -> Verdict:
    """Build (Q1 or Q2) and certify: exact sup error <= eps, the stated support, the stated sizes."""
    f, eps, pooling = instance["target"], Fraction(instance["eps"]), bool(instance["pooling"])
    text = f"approximant with sup|F - f| <= {eps}, support as stated, sizes as stated ({'Q2' if pooling else 'Q1'})"
    lip, K = target_data(f)
    lip = lip if lip is not None else Fraction(instance["L"])
    m = max(1, max(abs(c) for c in (*K.lower, *K.upper)).__ceil__())
    try:
        engine("construct", "approximate_with_support")
        h = None
    except EngineMissing:
        h = _mesh(eps, lip)
    result, F = approximate(f, eps, pooling=pooling, h=h, m=m)
    data: dict[str, Any] = {"target": f.to_dict(), "eps": eps, "pooling": pooling, "approximant": F.to_dict(), "L": lip}
    certs: list[Verdict] = []
    facts = [f"L = {lip}" + (f", mesh h = {h} (L h <= eps)" if h is not None else "")]
    stated = _stated_support(result)
    if stated is not None:
        v = engine("support", "prove_support_in")(F, stated)
        certs.append(v)
        if not v.proved:
            return theorem_verdict(
                NAME,
                v.status,
                text,
                data=data,
                certificates=certs,
                witness=v.witness,
                reason=f"stated support not proved: {v.reason}",
            )
        facts.append(f"supp F within the stated union of {len(stated)} boxes (proved)")
    if stated is not None:
        box = K
        for b in stated:
            box = _hull(box, b)
    else:
        sF = engine("support", "support")(F)
        if not sF.bounded:
            return theorem_verdict(NAME, Status.REFUTED, text, data=data, certificates=certs, reason="unbounded support")
        box = K if sF.bounding_box is None else _hull(K, sF.bounding_box)
    if f.is_piecewise_linear and F.is_piecewise_linear:  # then so is f - F
        sup, raw = sup_distance(f, F, box)
        certs += [raw] if isinstance(raw, Verdict) else []
        facts.append(f"both vanish outside {box}; max there of |f - F| = {sup} (exact)")
        point = raw[1] if isinstance(raw, tuple) and len(raw) == 2 else None
        if sup is not None and sup > eps and point is not None:
            value = (f - F).eval_exact(point)
            if abs(value[0]) > eps:  # the exact maximiser, re-evaluated: the counterexample
                return theorem_verdict(
                    NAME, Status.REFUTED, text, data=data, certificates=certs, witness=Witness(point, value),
                    facts=facts, reason=f"sup error {sup} > {eps}",
                )
    else:  # pooled: a ball bound is an upper bound only, so it proves sup <= eps or refines; it never refutes
        dec = ball_sup_decide(f - F, box, eps)
        if dec.status == "refuted":
            assert dec.point is not None and dec.value is not None
            return theorem_verdict(
                NAME, Status.REFUTED, text, data=data, certificates=certs, witness=Witness(dec.point, dec.value),
                facts=facts + [f"|f - F| at {list(map(str, dec.point))} is {abs(dec.value[0])} > {eps} (exact)"],
                reason=f"sup error > {eps} at an exact point",
            )
        if dec.status == "unknown":
            return theorem_verdict(
                NAME, Status.UNKNOWN, text, data=data, certificates=certs, facts=facts,
                reason=f"balls on {dec.boxes} sub-boxes neither proved sup |f - F| <= {eps} nor found a point above it",
            )
        sup = dec.bound
        facts.append(f"both vanish outside {box}; max there of |f - F| <= {sup} "
                     f"(rigorous balls on {dec.boxes} adaptive sub-boxes)")
    # a failed bound refutes only when it is exact: the sup error is decided above (the stated L h is an upper
    # bound), and bounds with a covering number N(K, r) compare with its proved lower bound (N is bracketed)
    failed = {k: (b, a) for k, (b, a) in getattr(result, "bounds", {}).items() if not a <= b and k != "sup error <= eps"}
    bad = [f"{k}: actual {a} > bound {b}" for k, (b, a) in failed.items() if "N(K" not in k]
    open_ = [f"{k}: actual {a} > {b} (with the lower bound of N)" for k, (b, a) in failed.items() if "N(K" in k]
    if getattr(result, "size_matches", True) is False:
        bad.append("the built architecture differs from the stated size formula")
    if pooling != (F.num_pool > 0):
        bad.append("pooling layers do not match the route")
    if sup is None:
        return theorem_verdict(
            NAME, Status.UNKNOWN, text, data=data, certificates=certs, facts=facts, reason="no exact sup error"
        )
    if sup > eps:  # an exact sup without its maximiser: nothing to show
        return theorem_verdict(NAME, Status.UNKNOWN, text, data=data, certificates=certs, facts=facts,
                               reason=f"sup error {sup} > {eps} but no maximiser to re-check")
    if bad:
        return theorem_verdict(NAME, Status.REFUTED, text, data=data, certificates=certs, facts=facts + bad,
                               reason="; ".join(bad))
    if open_:
        return theorem_verdict(NAME, Status.UNKNOWN, text, data=data, certificates=certs, facts=facts + open_,
                               reason="a size bound is not proved: N(K, r) is only known between two bounds")
    facts += [
        f"stated bounds hold: {sorted(getattr(result, 'bounds', {}))}",
        f"depth {F.depth}, width {F.width}, pooling layers {F.num_pool}, neurons {F.num_neurons}",
    ]
    return theorem_verdict(
        NAME, Status.PROVED, text, data=data, certificates=certs, facts=facts, method="construction + exact check"
    )
