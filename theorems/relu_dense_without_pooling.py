r"""ReLU networks without pooling are already dense in the refined topology.

Statement [SEC: the open-problem note "Pure ReLU Networks Suffice", which cites the paper, answers
that pooling is not needed for the qualitative theorem; the paper's v1 abstract names
$\mathrm{NN}^{\mathrm{ReLU}}$ for its separation sentence [P-v1]; the proof is [RECON], MATH.md §4 with
construction Q1 (Freudenthal/Kuhn nodal interpolant) and F1 (CPWL = ReLU, He-Li-Xu-Zheng
arXiv:1807.03973 Thm 5.2)]:

$$\overline{\mathrm{NN}^{\mathrm{ReLU}}}^{\,\tau}=L^1_{\mathrm{loc}}(\mathbb R^d,\mathbb R^D).$$

On an instance $(f,\varepsilon)$ the check builds $F=$ ``approximate_with_support(f, L, K, eps',
pooling=False)`` and certifies exactly: $F$ has no pooling layer and only piecewise-linear units,
$\operatorname{dsupp}F=\operatorname{dsupp}f$, and $d_\tau(f,F)\le\varepsilon$.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from theorems._approx import density_verdict, tent_instances
from theorems._common import Instance, bump_net, tent_net, timed
from verify.verdict import Verdict

NAME = "relu_dense_without_pooling"
SOURCE = '[SEC] "Pure ReLU Networks Suffice" (citing the paper); [RECON] proof (MATH.md §4, Q1; F1 He-Li-Xu-Zheng)'
TITLE = "pure ReLU (no pooling) approximants with matching dsupp"
POOLING = False


def instances(quick: bool = True) -> list[Instance]:
    """Compactly supported PL targets in d = 1, 2 with a tolerance."""
    out = [Instance("tent(-1, 1/3, 1), eps 1/4", {"target": tent_net(-1, Fraction(1, 3), 1), "eps": Fraction(1, 4)})]
    if not quick:
        out += [
            Instance("tent(-1, 1/3, 1), eps 1/32", {"target": tent_net(-1, Fraction(1, 3), 1), "eps": Fraction(1, 32)}),
            Instance(
                "2-D bump on [-1/2,1]x[-1,1/3], eps 1",
                {"target": bump_net([Fraction(-1, 2), -1], [1, Fraction(1, 3)]), "eps": Fraction(1)},
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
