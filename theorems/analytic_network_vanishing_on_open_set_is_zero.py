r"""An analytic network that vanishes on a non-empty open set vanishes everywhere.

Statement [STD: the identity theorem for real-analytic functions on the
connected set $\mathbb R^d$; Mityagin, arXiv:1512.07276; used as step 1 of the
proof of Theorem N in MATH.md §5, which is [RECON]]:

$$f\in\mathrm{NN}^{\omega+\mathrm{Pool}},\ U\subseteq\mathbb R^d \text{ open},\ U\neq\emptyset,\ f|_U\equiv 0
\ \Longrightarrow\ f\equiv 0 \text{ on } \mathbb R^d .$$

On one instance $(f, U)$ with $U$ an open box, the statement holds when
either $f$ is nonzero at a rational point of $U$ (a rigorous ball witness:
the hypothesis fails) or $f$ is proved identically zero (the conclusion
holds). It is REFUTED on an instance only by a proof that $f=0$ on $U$ and an
exact witness $x$ with $f(x)\neq0$ — impossible for analytic $f$, and exactly
what :func:`search_counterexample` finds once "analytic" is dropped: a ReLU
network vanishing on an open box but not everywhere.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from theorems._common import Instance, engine, theorem_verdict, timed, weakened, zero_net
from verify.box import Box
from verify.layers import Act, Affine
from verify.network import Network
from verify.verdict import Status, Verdict

NAME = "analytic_network_vanishing_on_open_set_is_zero"
SOURCE = "[STD] identity theorem (Mityagin, arXiv:1512.07276); MATH.md §5 step 1"
TITLE = "analytic f = 0 on an open set  =>  f = 0"
DROPPED = "f analytic"  # the hypothesis search_counterexample drops


def _sigmoid_pair_plus_tiny() -> Network:
    """sigma(x) + sigma(-x) - 1 + 10^-40 tanh(x): zero up to a term of size 10^-40."""
    layers = (
        Affine([[1], [-1], [1]], [0, 0, 0]),
        Act(("sigmoid", "sigmoid", "tanh")),
        Affine([[1, 1, Fraction(1, 10**40)]], [-1]),
    )
    return Network(1, layers)


def _gelu_hat() -> Network:
    """GELU imitation of the hat: gelu(x+1) - 2 gelu(x) + gelu(x-1)."""
    return Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]], "gelu")


def _sigmoid_pair() -> Network:
    """sigma(x) + sigma(-x) - 1, identically zero."""
    return Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [-1]], "sigmoid")


def _pooled_2d() -> Network:
    """sigma(x1 + x2) * tanh(x1 - 2 x2 + 1/3), analytic with one pooling layer."""
    s = Network.mlp([[[1, 1]], [[1]]], [[0], [0]], "sigmoid")
    t = Network.mlp([[[1, -2]], [[1]]], [[Fraction(1, 3)], [0]], "tanh")
    return s * t


def instances(quick: bool = True) -> list[Instance]:
    """Analytic networks and open boxes: nonzero ones (witness in the box) and zero ones (zero decision)."""
    out = [
        Instance(
            "sigma(x)+sigma(-x)-1+1e-40 tanh(x) on (1/2,1)", {"net": _sigmoid_pair_plus_tiny(), "box": Box([Fraction(1, 2)], [1])}
        ),
        Instance("gelu hat on (10,11)", {"net": _gelu_hat(), "box": Box([10], [11])}),
        Instance("sigma(x)+sigma(-x)-1 on (0,1)", {"net": _sigmoid_pair(), "box": Box([0], [1])}),
    ]
    if not quick:
        out += [
            Instance(
                "gelu hat on (40, 40+10^-6), float64 gives 0", {"net": _gelu_hat(), "box": Box([40], [40 + Fraction(1, 10**6)])}
            ),
            Instance("pooled sigma*tanh on far box", {"net": _pooled_2d(), "box": Box([100, -50], [101, -49])}),
        ]
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Random analytic networks (with pooling) and random boxes of matching dimension."""
    from verify.strategies import analytic_networks, boxes

    nets = analytic_networks(max_input_dim=2, output_dim=1, max_depth=2, max_width=3, pooling=True)
    return nets.flatmap(
        lambda n: boxes(n.input_dim, min_side=Fraction(1, 10)).map(lambda b: Instance("random", {"net": n, "box": b}))
    )


def _vanishes_on(net: Network, box: Box) -> Verdict:
    """PL nets: is f = 0 on the box (exact equivalence with 0 there)."""
    return engine("support", "equivalent", "bounds")(
        net, zero_net(net.input_dim).restrict_output([0] * net.output_dim), domain=box
    )


@timed
def check(instance: Instance) -> Verdict:
    """Decide the statement on ``(net, box)``: a witness in the box, or a proof that the net is zero."""
    net, box = instance["net"], instance["box"]
    text = f"f = 0 on the open box {box} implies f = 0 on R^{net.input_dim}"
    data = {"net": net.to_dict(), "box": box.to_json()}
    if net.is_analytic:
        w = engine("analytic", "nonvanishing_witness")(net, box, max_prec=4096, budget=2000)
        if w.proved:
            return theorem_verdict(
                NAME,
                Status.PROVED,
                text,
                data=data,
                certificates=[w],
                witness=w.witness,
                facts=["f is nonzero at a rational point of the open box: the hypothesis fails"],
                method="ball witness",
            )
        z = w if w.refuted else engine("zero", "is_identically_zero")(net)
        if (w.refuted) or z.proved:
            return theorem_verdict(
                NAME,
                Status.PROVED,
                text,
                data=data,
                certificates=[z],
                facts=["f is identically zero: the conclusion holds"],
                method="zero decision",
            )
        return theorem_verdict(NAME, Status.UNKNOWN, text, data=data, certificates=[w, z], reason=f"{w.reason}; {z.reason}")
    if not net.is_relu_pool:
        return theorem_verdict(NAME, Status.UNKNOWN, text, data=data, reason="mixed networks are not handled here")
    return _check_pl(net, box, text, data)


def _check_pl(net: Network, box: Box, text: str, data: dict[str, Any]) -> Verdict:
    on_box = _vanishes_on(net, box)
    if on_box.refuted:
        return theorem_verdict(
            NAME,
            Status.PROVED,
            text,
            data=data,
            certificates=[on_box],
            witness=on_box.witness,
            facts=["f is nonzero at a point of the box: the hypothesis fails"],
            method="exact equivalence",
        )
    if not on_box.proved:
        return theorem_verdict(NAME, Status.UNKNOWN, text, data=data, certificates=[on_box], reason=on_box.reason)
    z = engine("zero", "is_identically_zero")(net)
    if z.refuted:
        return theorem_verdict(
            NAME,
            Status.REFUTED,
            text,
            data=data,
            certificates=[on_box, z],
            witness=z.witness,
            facts=["f = 0 on the open box (exact)", "f is nonzero at the witness (exact)"],
            method="regions",
        )
    status = Status.PROVED if z.proved else Status.UNKNOWN
    return theorem_verdict(NAME, status, text, data=data, certificates=[on_box, z], reason=z.reason)


def search_counterexample(budget: int = 50, *, seed: int = 0) -> Verdict | None:
    """Drop "analytic": search ReLU networks for one that vanishes on an open box but not everywhere.

    Candidates are small one-hidden-layer ReLU networks in d = 1 with integer weights (seeded), boxes
    from a fixed list; the first REFUTED instance is returned (None if the budget runs out).
    """
    rng = random.Random(seed)
    boxes = [Box([-3], [-2]), Box([2], [3]), Box([-1], [1])]
    for _ in range(budget):
        width = rng.randint(1, 3)
        w = [[rng.choice([-2, -1, 1, 2])] for _ in range(width)]
        b = [rng.randint(-2, 2) for _ in range(width)]
        c = [rng.choice([-2, -1, 1, 2]) for _ in range(width)]
        net = Network.mlp([w, [c]], [b, [0]])
        for box in boxes:
            v = check(Instance(f"relu net on {box}", {"net": net, "box": box}))
            if v.refuted:
                return weakened(v, '"analytic"')
    return None
