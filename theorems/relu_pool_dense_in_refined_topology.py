r"""ReLU networks with bilinear pooling are dense in the refined topology.

Statement [P-v2: "We establish the universality of ReLU feedforward networks with bilinear pooling
layers in this refined topology"; P-v1: $\mathrm{NN}^{\mathrm{ReLU}+\mathrm{Pool}}$ is dense; the topology
$\tau$ (option A) and the proof are [RECON], MATH.md §2 and §4 Theorem U with construction Q2]:

$$\overline{\mathrm{NN}^{\mathrm{ReLU}+\mathrm{Pool}}}^{\,\tau}=L^1_{\mathrm{loc}}(\mathbb R^d,\mathbb R^D).$$

On an instance $(f,\varepsilon)$ with $f$ a compactly supported piecewise-linear target the check
builds $F=$ ``approximate_with_support(f, L, K, eps', pooling=True)`` and certifies exactly that
$F\in\mathrm{NN}^{\mathrm{ReLU}+\mathrm{Pool}}$, $\operatorname{dsupp}F=\operatorname{dsupp}f=m$ (support verdicts) and
$d_\tau(f,F)=d_{loc}(f,F)\le\|f-F\|_{L^1}\le\sup_{Q_m}|f-F|\,(2m)^d\le\varepsilon$ (exact ``max_abs``).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from theorems._approx import density_verdict, tent_instances
from theorems._common import Instance, tent_net, timed
from verify.verdict import Verdict

NAME = "relu_pool_dense_in_refined_topology"
SOURCE = "[P-v2]/[P-v1] statement; [RECON] topology and proof (MATH.md §4 Theorem U, Q2)"
TITLE = "ReLU+Pool approximants with matching dsupp, d_tau <= eps"
POOLING = True


def instances(quick: bool = True) -> list[Instance]:
    """Compactly supported PL targets in d = 1, 2 with a tolerance."""
    out = [
        Instance(
            "tent(-3/4, 1/4, 3/4), eps 1/4",
            {"target": tent_net(Fraction(-3, 4), Fraction(1, 4), Fraction(3, 4)), "eps": Fraction(1, 4)},
        )
    ]
    if not quick:
        out += [
            Instance(
                "tent(-3/4, 1/4, 3/4), eps 1/8",
                {"target": tent_net(Fraction(-3, 4), Fraction(1, 4), Fraction(3, 4)), "eps": Fraction(1, 8)},
            ),
            Instance(
                "tent(1/4, 1, 7/4) (dsupp 2), eps 1/4",
                {"target": tent_net(Fraction(1, 4), 1, Fraction(7, 4)), "eps": Fraction(1, 4)},
            ),
        ]
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Tents on [-3/4, 3/4] with a rational peak and tolerances 2^-k."""
    return tent_instances()


@timed
def check(instance: Instance) -> Verdict:
    """Build the approximant and certify ``dsupp`` and ``d_tau`` exactly."""
    return density_verdict(NAME, instance["target"], Fraction(instance["eps"]), pooling=POOLING)
