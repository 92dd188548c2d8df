r"""Two hidden ReLU layers suffice for a nonzero compactly supported network in every dimension.

Statement [STD/RECON: MATH.md §7 item 2 and the bump of §6; one hidden layer does not suffice for
$d\ge2$ (Wang & Qu, arXiv:1910.09293), and every CPWL map needs at most
$\lceil\log_2(d+1)\rceil$ hidden layers (Arora et al., ICLR 2018)]:

for every $d\ge1$ and every box $B=\prod_i[a_i,b_i]$ with $a_i<b_i$, the network
$$\beta_B(x)=\mathrm{ReLU}\Bigl(\sum_{i=1}^d\mathrm{hat}_i(x_i)-(d-1)\Bigr),\qquad
\mathrm{hat}_i=\text{the hat on }[a_i,b_i],$$
has exactly two hidden layers, $\beta_B(\text{centre})=1$, and $\operatorname{supp}\beta_B\subseteq B$.

On an instance $B$ the check builds $\beta_B$, counts its layers, evaluates the centre exactly and
proves $\beta_B=0$ on $\mathbb R^d\setminus B$ with the exact support engine.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from theorems._common import Instance, bump_net, engine, theorem_verdict, timed
from verify.box import Box
from verify.verdict import Status, Verdict

NAME = "two_hidden_layers_suffice_for_compact_support"
SOURCE = "[STD]/[RECON] MATH.md §6 bump, §7.2 (Arora et al. 2018; Wang & Qu 2019)"
TITLE = "the two-hidden-layer bump is nonzero with support in B"


def instances(quick: bool = True) -> list[Instance]:
    """Boxes in d = 1, 2, 3 (and 4 in the full run)."""
    out = [
        Instance("d = 2, [0,1]x[-1/2,3]", {"box": Box([0, Fraction(-1, 2)], [1, 3])}),
        Instance("d = 3, [-1,1]^3", {"box": Box.cube(3, -1, 1)}),
    ]
    if not quick:
        out += [Instance("d = 1, [2, 5]", {"box": Box([2], [5])}), Instance("d = 4, [0,1]^4", {"box": Box.cube(4, 0, 1)})]
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Random full-dimensional boxes in d = 1..3."""
    from verify.strategies import boxes

    return st.integers(1, 3).flatmap(lambda d: boxes(d, min_side=Fraction(1, 4))).map(lambda b: Instance(str(b), {"box": b}))


@timed
def check(instance: Instance) -> Verdict:
    """Layer count, exact centre value, and an exact support proof."""
    box: Box = instance["box"]
    net = bump_net(box.lower, box.upper)
    text = f"the bump on {box} has 2 hidden layers, value 1 at the centre and support in the box"
    data = {"box": box.to_json(), "net": net.to_dict()}
    hidden = net.depth - 1
    centre = net.eval_exact(list(box.center))
    if hidden != 2 or centre != (Fraction(1),):
        return theorem_verdict(NAME, Status.REFUTED, text, data=data, reason=f"hidden layers {hidden}, centre value {centre}")
    v = engine("support", "prove_support_in")(net, box)
    facts = [f"hidden layers = {hidden}", f"f(centre) = {centre[0]} (exact)"]
    return theorem_verdict(
        NAME,
        v.status,
        text,
        data=data,
        certificates=[v],
        witness=v.witness,
        facts=facts + (["f = 0 outside the box (proved)"] if v.proved else []),
        method="exact regions",
        reason=v.reason,
    )
