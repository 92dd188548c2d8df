r"""Analogue of the paper's Lemma 2: $L^1$ convergence with supports kept in $rQ_m$ implies $\tau$-convergence.

Statement [RECON, MATH.md §2 (A4); the [SEC] note names a "Lemma 2" of the paper as this kind of
sufficient condition, but the paper's text is not at hand, so this is our statement, not a quote]:
let $f\in L^1_c$ with $\operatorname{dsupp}_r f=m\ge1$. If
$\operatorname{ess\text{-}supp}g\subseteq rQ_m$ and
$\|g-f\|_{L^1}<\|f\|_{L^1(\mathbb R^d\setminus rQ_{m-1})}$, then $\operatorname{dsupp}_r g=m$.
Hence $\|f_k-f\|_{L^1}\to0$ with $\operatorname{ess\text{-}supp}f_k\subseteq rQ_m$ gives $f_k\to f$ in $\tau$.

On an instance $(f,g)$ the check certifies both hypotheses exactly — the support inclusion by
``prove_support_in``; the strict inequality by an exact upper bound
$\sup_{rQ_m}|g-f|\cdot\lambda(rQ_m)$ on the left and an exact lower bound on the right from a point
$x_0\notin rQ_{m-1}$ and the exact Lipschitz constant $L$ of $f$
($|f|\ge|f(x_0)|/2$ on the $\rho$-ball, $\rho=\min(|f(x_0)|/(2L),\operatorname{dist}_\infty(x_0,rQ_{m-1}))$)
— and then the conclusion $\operatorname{dsupp}g=m$ by two support verdicts. Dropping the support
hypothesis fails: the search adds a small far bump (MATH.md A3).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from theorems._common import (
    EngineMissing,
    Instance,
    as_fraction,
    engine,
    hat_net,
    interpolant_1d,
    tent_net,
    theorem_verdict,
    timed,
)
from theorems._refined import certified_dsupp, cube, l1_upper
from verify.network import Network
from verify.verdict import Status, Verdict

NAME = "lemma_2_convergence_criterion"
SOURCE = "[RECON] MATH.md §2 A4 (analogue of the paper's Lemma 2 as described by [SEC])"
TITLE = "supp g in rQ_m and ||g-f||_1 < ||f||_1 off rQ_(m-1) => dsupp g = m"
DROPPED = "ess-supp g in rQ_m"  # the hypothesis search_counterexample drops


def mass_lower_bound(f: Network, x0: tuple[Fraction, ...], m: int) -> tuple[Fraction, str]:
    """An exact lower bound on ``||f||_{L^1(R^d \\ Q_{m-1})}`` from the point x0 and Lip(f)."""
    value = abs(f.eval_exact(list(x0))[0])
    try:
        lip = as_fraction(engine("bounds", "lipschitz_constant")(f, norm="inf"))
    except EngineMissing as exc:
        return Fraction(0), str(exc)
    if lip is None or lip == 0 or value == 0:
        return Fraction(0), "no usable point"
    rho = value / (2 * lip)
    if m > 1:
        rho = min(rho, max(abs(c) for c in x0) - (m - 1))
    if rho <= 0:
        return Fraction(0), f"x0 = {x0} is not outside Q_{m - 1}"
    bound = value / 2 * (2 * rho) ** f.input_dim
    return bound, f"|f| >= {value / 2} on the {rho}-ball at {tuple(map(str, x0))} (Lip f = {lip}): mass >= {bound}"


def _exact_mass_outside(f: Network, m: int) -> tuple[Fraction, str] | None:
    """``||f||_{L^1(R^d \\ Q_{m-1})} = ||f||_{L^1(Q_m)} - ||f||_{L^1(Q_{m-1})}`` exactly (supp f in Q_m is certified)."""
    try:
        l1 = engine("topology", "l1_norm")
    except EngineMissing:
        return None
    d = f.input_dim
    value = Fraction(l1(f, cube(d, m))) - (Fraction(l1(f, cube(d, m - 1))) if m > 1 else 0)
    return value, f"||f||_L1 off Q_{m - 1} = {value} (exact integral)"


def _sequence(k: int) -> Instance:
    f = tent_net(-1, Fraction(1, 3), 1)
    return Instance(
        f"tent vs its interpolant, h = 1/{k}",
        {"target": f, "g": interpolant_1d(f, Fraction(1, k), -1, 1), "x0": (Fraction(1, 3),)},
    )


def instances(quick: bool = True) -> list[Instance]:
    """Interpolants of a tent (dsupp 1) and of a tent on [1/2, 2] (dsupp 2)."""
    out = [_sequence(8)]
    if not quick:
        f2 = tent_net(Fraction(1, 2), Fraction(3, 2), 2)
        out += [
            _sequence(16),
            Instance(
                "tent on [1/2,2] vs interpolant h = 1/4",
                {"target": f2, "g": interpolant_1d(f2, Fraction(1, 4), 0, 2), "x0": (Fraction(3, 2),)},
            ),
        ]
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Interpolants of the tent at h = 1/k, k in 8..24."""
    return st.integers(8, 24).map(_sequence)


@timed
def check(instance: Instance, *, require_support: bool = True) -> Verdict:
    """Certify the hypotheses exactly, then the conclusion ``dsupp g = m``."""
    f, g = instance["target"], instance["g"]
    data: dict[str, Any] = {"target": f.to_dict(), "g": g.to_dict()}
    df = certified_dsupp(f)
    if not isinstance(df.value, int):
        return theorem_verdict(NAME, Status.UNKNOWN, "dsupp g = dsupp f", data=data, reason=df.reason)
    m = df.value
    text = f"hypotheses of Lemma 2 (A4) hold for g, and dsupp g = {m}"
    if not require_support:
        text = f"weakened (support hypothesis dropped): ||g - f||_L1 small implies dsupp g = {m}"
    certs, facts = list(df.certificates), [f"dsupp f = {m}"]
    if require_support:
        inside = engine("support", "prove_support_in")(g, cube(g.input_dim, m))
        certs.append(inside)
        if not inside.proved:
            return theorem_verdict(NAME, Status.UNKNOWN, text, data=data, certificates=certs, reason="supp g in rQ_m not proved")
        facts.append(f"supp g in Q_{m} (proved)")
    upper, notes = l1_upper(f, g, m) if require_support else _far_l1(f, g)
    exact = _exact_mass_outside(f, m)
    points = [instance.get("x0")] + [c.witness.point for c in df.certificates if c.refuted and c.witness]
    candidates = ([exact] if exact else []) + [mass_lower_bound(f, tuple(p), m) for p in points if p]
    lower, note = max(candidates, key=lambda t: t[0], default=(Fraction(0), ""))
    facts += notes + [note]
    if upper is None or not upper < lower:
        return theorem_verdict(
            NAME,
            Status.UNKNOWN,
            text,
            data=data,
            certificates=certs,
            facts=facts,
            reason=f"L1 hypothesis not certified ({upper} vs {lower})",
        )
    facts.append(f"||g - f||_L1 <= {upper} < {lower} <= ||f||_L1 off Q_{m - 1}")
    dg = certified_dsupp(g)
    certs += dg.certificates
    status = Status.PROVED if dg.value == m else Status.REFUTED if dg.value is not None else Status.UNKNOWN
    facts.append(f"dsupp g = {dg.value}")
    return theorem_verdict(
        NAME, status, text, data=data, certificates=certs, facts=facts, method="exact support + bounds", reason=dg.reason
    )


def _far_l1(f: Network, g: Network) -> tuple[Fraction | None, list[str]]:
    """Exact L1 distance of g and f on a box outside which g - f is proved zero."""
    s = engine("support", "support")(g - f)
    if not s.bounded or s.bounding_box is None:
        return None, ["g - f is not compactly supported"]
    from theorems._refined import l1_distance

    return l1_distance(g, f, s.bounding_box)


def search_counterexample(budget: int = 8) -> Verdict | None:
    """Drop the support hypothesis: g = f + hat(x - 10)/k is L1-close to f but dsupp g = 11."""
    f = hat_net(-1, 1)
    for k in (2**i for i in range(1, budget + 1)):
        g = f + hat_net(9, 11, height=Fraction(1, k))
        v = check(Instance(f"hat + far bump / {k}", {"target": f, "g": g, "x0": (Fraction(0),)}), require_support=False)
        if v.refuted:
            return v
    return None
