r"""The refined topology is strictly finer than the $L^1_{\mathrm{loc}}$ topology.

Statement [P-v1: "we construct a strict refinement of the topology on $L^1_{loc}$"; the metric and
the example are [RECON], MATH.md §2 option A, (A1) and (A3)]: with
$f_k=f+\tfrac1k\,\mathrm{hat}(\,\cdot-x_0)$ for $x_0$ far from $\operatorname{supp}f$,
$$d_{loc}(f_k,f)\le\|f_k-f\|_{L^1}\xrightarrow[k\to\infty]{}0
\qquad\text{but}\qquad d_\tau(f_k,f)\ge2^{-(m+1)}\ \text{for all }k,\ m=\operatorname{dsupp}f,$$
so $f_k\to f$ in $L^1_{loc}$ but not in $\tau$; and $\tau\supseteq L^1_{loc}$ because
$d_\tau\ge d_{loc}$.

On an instance $(f,x_0,k)$ the check certifies $\operatorname{dsupp}f=m$, the exact bound
$\|f_k-f\|_{L^1}$ (support of $f_k-f$ proved inside a box, exact integral there), and a witness
$f_k(x)\neq0$ with $x\notin Q_m$ (so $\operatorname{dsupp}f_k>m$ and, by A1,
$d_\tau(f_k,f)\ge2^{-(m+1)}$).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from theorems._common import Instance, engine, hat_net, theorem_verdict, timed
from theorems._refined import certified_dsupp, cube, l1_distance
from verify.box import Box
from verify.verdict import Status, Verdict

NAME = "refined_topology_strictly_finer"
SOURCE = "[P-v1] strict refinement; [RECON] metric and example (MATH.md §2 A1, A3)"
TITLE = "f + hat(x - x0)/k -> f in L1_loc, not in tau"


def instances(quick: bool = True) -> list[Instance]:
    """The hat perturbed by a far bump of height 1/k."""
    out = [Instance("hat + hat(x-10)/100", {"x0": 10, "k": 100}), Instance("hat + hat(x-10)/10^6", {"x0": 10, "k": 10**6})]
    if not quick:
        out.append(Instance("hat + hat(x-1000)/10^12", {"x0": 1000, "k": 10**12}))
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Far positions x0 in 3..100 and heights 1/k."""
    return st.builds(
        lambda x0, k: Instance(f"x0 = {x0}, k = {k}", {"x0": x0, "k": k}), st.integers(3, 100), st.integers(1, 10**9)
    )


@timed
def check(instance: Instance) -> Verdict:
    """Certify: small L1 distance, yet a witness outside Q_m (so d_tau stays >= 2^-(m+1))."""
    x0, k = Fraction(instance["x0"]), Fraction(instance["k"])
    f = hat_net(-1, 1)
    fk = f + hat_net(x0 - 1, x0 + 1, height=1 / k)
    data = {"target": f.to_dict(), "f_k": fk.to_dict(), "x0": x0, "k": k}
    df = certified_dsupp(f)
    m = df.value
    if not isinstance(m, int):
        return theorem_verdict(NAME, Status.UNKNOWN, "d_tau(f_k, f) >= 2^-(m+1)", data=data, reason=df.reason)
    hull = Box([-1], [x0 + 1])
    bound, notes = l1_distance(fk, f, hull)
    text = f"d_loc(f_k, f) <= {bound} while d_tau(f_k, f) >= {Fraction(1, 2 ** (m + 1))}"
    out = engine("support", "prove_support_in")(fk, cube(1, m))
    inside = engine("support", "prove_support_in")(fk - f, hull)
    certs = [*df.certificates, out, inside]
    if bound is None or not out.refuted or not inside.proved:
        return theorem_verdict(NAME, Status.UNKNOWN, text, data=data, certificates=certs, reason="bound or witness missing")
    facts = [
        f"dsupp f = {m}",
        f"f_k - f vanishes outside {hull} (proved)",
        *notes,
        f"d_loc(f_k, f) <= ||f_k - f||_L1 <= {bound}",
        f"f_k != 0 at the witness outside Q_{m}: dsupp f_k > {m}",
    ]
    return theorem_verdict(
        NAME,
        Status.PROVED,
        text,
        data=data,
        certificates=certs,
        facts=facts,
        witness=out.witness,
        method="exact support + bounds",
    )
