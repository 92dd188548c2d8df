r"""PReLU networks reproduce ReLU networks exactly, at twice the width.

Statement [RECON, checked: MATH.md §3 fact F2; PReLU from He et al. 2015, named by P-v1 as a
piecewise-linear example]: for $a\in\mathbb Q$, $a\neq\pm1$, with $\sigma_a(t)=t$ for $t>0$ and $at$
for $t\le0$,
$$\mathrm{ReLU}(t)=\frac{\sigma_a(t)+a\,\sigma_a(-t)}{1-a^2},$$
(from $t=(\sigma_a(t)-\sigma_a(-t))/(1+a)$ and $\mathrm{ReLU}(t)=(\sigma_a(t)-at)/(1-a)$). Hence every
ReLU network equals a PReLU network of twice the width: replace each ReLU layer $\mathrm{ReLU}(Az+b)$
by $\sigma_a$ on $(Az+b,\,-Az-b)$ and the next weights $W$ by $[W,\ aW]/(1-a^2)$.

On an instance $(N, a)$ the check performs this rewriting and proves $N\equiv N_a$ with the exact
equivalence engine. Dropping "$a\ne1$": $\sigma_1$ is the identity, every $\mathrm{NN}^{\sigma_1}$ is
affine, and ReLU is not — the search finds $a=1$.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from theorems._common import Instance, bump_net, engine, hat_net, theorem_verdict, timed
from verify.layers import Act, Affine
from verify.network import Network
from verify.verdict import Claim, Status, Verdict, Witness

NAME = "prelu_reproduces_relu"
SOURCE = "[RECON] MATH.md §3 F2 (checked); PReLU: He et al. 2015"
TITLE = "ReLU net == PReLU_a net of twice the width (exact)"
DROPPED = "a != 1"  # the hypothesis search_counterexample drops


def relu_unit() -> Network:
    """ReLU(t) as a one-unit network."""
    return Network.mlp([[[1]], [[1]]], [[0], [0]])


def to_prelu(net: Network, a: Any) -> Network:
    """Rewrite every ReLU layer of a ReLU network into PReLU_a units (twice the width), exactly."""
    a = Fraction(a)
    if a in (1, -1):
        raise ValueError("a = 1 or -1 cannot reproduce ReLU this way")
    scale = 1 / (1 - a * a)
    layers: list[Any] = list(net.layers)
    out: list[Any] = []
    i = 0
    while i < len(layers):
        layer = layers[i]
        if isinstance(layer, Act) and {u.name for u in layer.activations()} == {"relu"}:
            prev = out.pop()
            nxt = layers[i + 1]
            out.append(
                Affine([*prev.weight, *[[-v for v in row] for row in prev.weight]], [*prev.bias, *[-v for v in prev.bias]])
            )
            out.append(Act({"prelu": a}))
            out.append(Affine([[scale * v for v in row] + [scale * a * v for v in row] for row in nxt.weight], nxt.bias))
            i += 2
            continue
        out.append(layer)
        i += 1
    return Network(net.input_dim, tuple(out))


def instances(quick: bool = True) -> list[Instance]:
    """ReLU itself, the hat and a 2-D bump, for several slopes a."""
    out = [
        Instance("ReLU, a = 1/4", {"net": relu_unit(), "a": Fraction(1, 4)}),
        Instance("2-D bump, a = -1/2", {"net": bump_net([0, 0], [1, 1]), "a": Fraction(-1, 2)}),
    ]
    if not quick:
        out += [
            Instance("hat, a = 3", {"net": hat_net(), "a": Fraction(3)}),
            Instance("ReLU, a = 0 (plain ReLU)", {"net": relu_unit(), "a": Fraction(0)}),
        ]
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Random ReLU networks and slopes a != +-1."""
    from verify.strategies import relu_networks

    slope = st.fractions(min_value=-3, max_value=3, max_denominator=4).filter(lambda a: a not in (1, -1))
    return st.builds(
        lambda n, a: Instance(f"a = {a}", {"net": n, "a": a}),
        relu_networks(max_input_dim=2, output_dim=1, max_depth=3, max_width=3),
        slope,
    )


@timed
def check(instance: Instance) -> Verdict:
    """Rewrite into PReLU_a and prove exact equivalence."""
    net, a = instance["net"], Fraction(instance["a"])
    p = to_prelu(net, a)
    text = f"the ReLU net equals its PReLU_{a} rewriting (width {net.width} -> {p.width})"
    v = engine("support", "equivalent", "bounds")(net, p)
    return theorem_verdict(
        NAME,
        v.status,
        text,
        data={"net": net.to_dict(), "prelu": p.to_dict(), "a": a},
        certificates=[v],
        witness=v.witness,
        facts=[f"PReLU width {p.width} = 2 x {net.width}"],
        method="exact equivalence",
        reason=v.reason,
    )


def search_counterexample(budget: int = 10) -> Verdict | None:
    """Drop "a != 1": find a slope for which no PReLU_a network is ReLU (a = 1: every such net is affine)."""
    for a in [Fraction(1, 2), Fraction(2), Fraction(-1, 3), Fraction(1)][:budget]:
        if a != 1:
            continue
        # sigma_1 is the identity: every network of sigma_1 units and affine maps is affine, and an affine g
        # has g(1) + g(-1) - 2 g(0) = 0, while ReLU gives 1.
        second_difference = Fraction(0) + sum(c * relu_unit().eval_exact([x])[0] for c, x in ((1, 1), (1, -1), (-2, 0)))
        claim = Claim(f"theorem:{NAME}", "weakened (a = 1 allowed): ReLU is a PReLU_a network", {"a": a})
        return Verdict(
            Status.REFUTED,
            claim,
            Witness((Fraction(1), Fraction(-1), Fraction(0)), (second_difference,)),
            {
                "facts": [
                    "PReLU_1 is the identity, so every PReLU_1 network is affine",
                    f"ReLU(1) + ReLU(-1) - 2 ReLU(0) = {second_difference} != 0, so ReLU is not affine",
                ]
            },
            "exact evaluation",
        )
    return None
