r"""Separation (A1): the refined metric keeps functions with different discretized supports apart.

Statement [RECON, MATH.md §2 option A, (A1), checked there]: for $m\in\mathbb N_0$ and
$m'\in\mathbb N_0\cup\{\infty\}$ with $m'\neq m$,
$$\bigl|2^{-m}-2^{-m'}\bigr|\ \ge\ 2^{-(m+1)}\qquad(2^{-\infty}:=0),$$
so the $d_\tau$-ball of radius $2^{-(m+1)}$ around $f$ with $\operatorname{dsupp}f=m$ only holds
$g$ with $\operatorname{dsupp}g=m$: "matching discretized support".

An instance is either a pair $(m, m')$ (checked in exact rational arithmetic) or a pair of
piecewise-linear networks $(f, g)$, whose discretized supports are certified with the exact support
engine before the inequality is applied to them.
"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import strategies as st

from theorems._common import Instance, hat_net, theorem_verdict, timed
from theorems._refined import certified_dsupp
from verify.verdict import Status, Verdict

NAME = "refined_metric_separation"
SOURCE = "[RECON] MATH.md §2 A1 (checked)"
TITLE = "dsupp f = m != dsupp g  =>  d_tau(f, g) >= 2^-(m+1)"


def _weight(m: int | float) -> Fraction:
    return Fraction(0) if m == math.inf else Fraction(1, 2 ** int(m))


def instances(quick: bool = True) -> list[Instance]:
    """Index pairs, including infinity, and two hats with different discretized supports."""
    out = [
        Instance("m = 1, m' = 2", {"m": 1, "m2": 2}),
        Instance("m = 3, m' = inf", {"m": 3, "m2": math.inf}),
        Instance("m = 0, m' = 1", {"m": 0, "m2": 1}),
        Instance("hat on [-1,1] vs hat on [2,4]", {"f": hat_net(-1, 1), "g": hat_net(2, 4)}),
    ]
    if not quick:
        out += [Instance(f"m = {m}, m' = {m + 1}", {"m": m, "m2": m + 1}) for m in range(4, 40, 7)]
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Distinct pairs (m, m') with m' possibly infinite."""
    pair = st.tuples(st.integers(0, 60), st.one_of(st.integers(0, 60), st.just(math.inf))).filter(lambda p: p[0] != p[1])
    return pair.map(lambda p: Instance(f"m = {p[0]}, m' = {p[1]}", {"m": p[0], "m2": p[1]}))


@timed
def check(instance: Instance) -> Verdict:
    """Exact rational check of the inequality (after certifying dsupp for network pairs)."""
    certs, facts = [], []
    if "f" in instance.data:
        df, dg = certified_dsupp(instance["f"]), certified_dsupp(instance["g"])
        certs = [*df.certificates, *dg.certificates]
        if df.value is None or dg.value is None:
            return theorem_verdict(NAME, Status.UNKNOWN, "separation", certificates=certs, reason=df.reason or dg.reason)
        m, m2 = df.value, dg.value
        facts.append(f"dsupp f = {m}, dsupp g = {m2} (exact support verdicts)")
    else:
        m, m2 = instance["m"], instance["m2"]
    if m == math.inf or m == m2:
        return theorem_verdict(NAME, Status.UNKNOWN, "separation", reason="needs finite m != m'")
    gap, bound = abs(_weight(m) - _weight(m2)), Fraction(1, 2 ** (int(m) + 1))
    text = f"|2^-{m} - 2^-{m2}| = {gap} >= {bound}"
    status = Status.PROVED if gap >= bound else Status.REFUTED
    return theorem_verdict(
        NAME,
        status,
        text,
        data={"m": str(m), "m2": str(m2)},
        certificates=certs,
        facts=facts + [text],
        method="exact rational arithmetic",
    )
