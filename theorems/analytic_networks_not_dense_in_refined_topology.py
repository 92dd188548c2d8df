r"""Analytic networks (with or without pooling) are not dense in the refined topology.

Statement [P-v1, P-v2: "$\mathrm{NN}^{\omega+\mathrm{Pool}}$ is not dense" / "analytic feedforward networks
are not universal" in the refined topology; proof and quantitative form [RECON], MATH.md §5 Theorem N
with the separation property (A1) of §2, option A]:

for every $f\in L^1_c$ with $\operatorname{dsupp} f=m\in[1,\infty)$ and every
$g\in\mathrm{NN}^{\omega+\mathrm{Pool}}$,
$$d_\tau(f,g)\ \ge\ 2^{-(m+1)} .$$

So the $d_\tau$-ball of radius $2^{-(m+1)}$ around $f$ holds no analytic network. On an instance
$(f, g)$ the check certifies $\operatorname{dsupp} f=m$ (two exact support verdicts) and then either
a rigorous ball witness $g(x)\neq0$ at a rational $x\notin rQ_m$ (so $\operatorname{dsupp} g>m$), or a
proof that $g\equiv0$ (so $\operatorname{dsupp} g=0$). The constant and the metric are ours [RECON].
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from theorems._common import Instance, hat_net, timed
from theorems._refined import separation_verdict
from verify.layers import Act, Affine
from verify.network import Network
from verify.verdict import Verdict

NAME = "analytic_networks_not_dense_in_refined_topology"
SOURCE = "[P-v1]/[P-v2] statement; [RECON] proof (MATH.md §5 Theorem N, §2 A1)"
TITLE = "no analytic net within 2^-(m+1) of a compactly supported f"


def gelu_hat() -> Network:
    """gelu(x+1) - 2 gelu(x) + gelu(x-1): an analytic imitation of the hat."""
    return Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]], "gelu")


def fitted(activation: str, width: int) -> Network:
    """An analytic network least-squares fitted (fixed seed) to the hat; weights converted exactly."""
    import numpy as np

    from verify.report import fit_network

    return fit_network(lambda x: np.maximum(0.0, 1.0 - np.abs(x)), activation=activation, width=width, seed=0)


def _pooled_tanh() -> Network:
    """(tanh(x+1) - tanh(x-1)) * sigmoid(x): pooling does not help (it stays analytic)."""
    u = Network.mlp([[[1], [1]], [[1, -1]]], [[1, -1], [0]], "tanh")
    v = Network.mlp([[[1]], [[1]]], [[0], [0]], "sigmoid")
    return u * v


def _zero() -> Network:
    """tanh(x) - 2 sigmoid(2x) + 1 = 0."""
    return Network(1, (Affine([[1], [2]], [0, 0]), Act(("tanh", "sigmoid")), Affine([[1, -2]], [1])))


def instances(quick: bool = True) -> list[Instance]:
    """The hat against analytic networks: a GELU hat, a fitted sigmoid net, a pooled tanh net, an exact zero."""
    hat = hat_net(-1, 1)
    out = [
        Instance("hat vs gelu hat", {"target": hat, "net": gelu_hat()}),
        Instance("hat vs pooled tanh*sigmoid", {"target": hat, "net": _pooled_tanh()}),
        Instance("hat vs tanh(x)-2sigmoid(2x)+1 (= 0)", {"target": hat, "net": _zero()}),
    ]
    if not quick:
        out += [
            Instance("hat vs fitted sigmoid (width 8)", {"target": hat, "net": fitted("sigmoid", 8)}),
            Instance("hat on [2,4] vs fitted gelu (width 8)", {"target": hat_net(2, 4), "net": fitted("gelu", 8)}),
        ]
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Random analytic networks in d = 1 (pooling allowed) against hats with small integer ends."""
    from verify.strategies import analytic_networks

    nets = analytic_networks(input_dim=1, output_dim=1, max_depth=2, max_width=3, pooling=True)
    ends = st.tuples(st.integers(-3, 2), st.integers(1, 3)).map(lambda t: (t[0], t[0] + t[1]))
    return st.builds(lambda g, e: Instance("random", {"target": hat_net(*e), "net": g}), nets, ends)


@timed
def check(instance: Instance) -> Verdict:
    """Certify ``d_tau(f, g) >= 2^-(dsupp f + 1)`` on the instance."""
    return separation_verdict(NAME, instance["target"], instance["net"], r=Fraction(instance.get("r", 1)))
