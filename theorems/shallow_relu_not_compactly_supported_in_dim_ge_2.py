r"""A one-hidden-layer ReLU network on $\mathbb R^d$, $d\ge2$, is compactly supported only if it is zero.

Statement [STD: Wang & Qu, arXiv:1910.09293 (shallow ReLU/sigmoid/... networks express no nonzero
integrable function on $\mathbb R^2$); the self-contained proof for ReLU through
$\Delta f=\sum_j c_j|w_j|^2\delta_{\{w_j\cdot x+b_j=0\}}$ is [RECON], MATH.md §7 item 1]:

$$d\ge2,\quad f(x)=\sum_j c_j\,\mathrm{ReLU}(w_j\cdot x+b_j)+c_0,\quad \operatorname{supp}f\ \text{bounded}
\ \Longrightarrow\ f\equiv0 .$$

On an instance the check asks the exact support engine for the support of $f$ over all of
$\mathbb R^d$: unbounded (with the engine's evidence) or empty both prove the statement on the
instance; a bounded non-empty support would refute it. Dropping "$d\ge2$" makes it false: the search
finds a 1-D hat.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import strategies as st

from theorems._common import Instance, engine, theorem_verdict, timed
from verify.layers import Act, Affine
from verify.network import Network
from verify.verdict import Claim, Status, Verdict, Witness

NAME = "shallow_relu_not_compactly_supported_in_dim_ge_2"
SOURCE = "[STD] Wang & Qu arXiv:1910.09293; [RECON] Laplacian proof (MATH.md §7.1)"
TITLE = "one hidden ReLU layer, d >= 2: compact support => f = 0"
DROPPED = "d >= 2"  # the hypothesis search_counterexample drops


def _shallow(w: list[list[int]], b: list[int], c: list[int]) -> Network:
    return Network.mlp([w, [c]], [b, [0]])


def instances(quick: bool = True) -> list[Instance]:
    """Shallow nets in d = 2, 3: hats along lines, a 'pyramid attempt', and an exact zero."""
    out = [
        Instance("hat(x1) in d = 2", {"net": _shallow([[1, 0]] * 3, [1, 0, -1], [1, -2, 1])}),
        Instance("sum of hats hat(x1) + hat(x2)", {"net": _shallow([[1, 0]] * 3 + [[0, 1]] * 3, [1, 0, -1] * 2, [1, -2, 1] * 2)}),
        Instance(
            "relu(x1+x2) - relu(-x1-x2) - x1 - x2 (= 0)",
            {"net": _shallow([[1, 1], [-1, -1], [1, 0], [-1, 0], [0, 1], [0, -1]], [0] * 6, [1, -1, -1, 1, -1, 1])},
        ),
    ]
    if not quick:
        out.append(
            Instance(
                "4 directions in d = 3",
                {"net": _shallow([[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, -1, -1]], [1, 1, 1, 1], [1, 1, 1, 1])},
            )
        )
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """One-hidden-layer ReLU networks with d in {2, 3} (from ``verify.strategies``)."""
    from verify.strategies import relu_networks

    nets = relu_networks(min_input_dim=2, max_input_dim=3, output_dim=1, min_depth=2, max_depth=2, max_width=4)
    return nets.map(lambda n: Instance("random shallow", {"net": n}))


@timed
def check(instance: Instance) -> Verdict:
    """Exact support over R^d: unbounded or empty proves the instance."""
    net: Network = instance["net"]
    text = f"the one-hidden-layer ReLU net on R^{net.input_dim} is zero or has unbounded support"
    data = {"net": net.to_dict()}
    if not _in_statement(net):
        return theorem_verdict(NAME, Status.UNKNOWN, text, data=data,
                               reason="outside the statement: not a one-hidden-layer ReLU network on R^d with d >= 2")
    s = engine("support", "support")(net)
    w = getattr(s, "witness", None)
    if w is not None and not isinstance(w, Witness):  # an exact point: attach its exact value
        w = Witness(tuple(w), net.eval_exact(list(w)))
    if not s.bounded:
        return theorem_verdict(
            NAME,
            Status.PROVED,
            text,
            data=data,
            witness=w if isinstance(w, Witness) else None,
            facts=["the exact support over R^d is unbounded"],
            method="exact regions",
        )
    if s.bounding_box is None or not s.pieces:
        return theorem_verdict(NAME, Status.PROVED, text, data=data, facts=["f = 0 (empty support)"], method="exact regions")
    return theorem_verdict(
        NAME,
        Status.REFUTED,
        text,
        data=data,
        witness=w if isinstance(w, Witness) else None,
        facts=[f"bounded non-empty support in {s.bounding_box}"],
        method="exact regions",
    )


def _in_statement(net: Network) -> bool:
    """Exactly Affine, ReLU, Affine on R^d with d >= 2 (``depth`` counts Affine layers only, so a trailing or
    leading activation would pass a depth test: relu(shallow net) is a two-layer bump, compactly supported)."""
    kinds = [type(layer) for layer in net.layers]
    return (net.input_dim >= 2 and kinds == [Affine, Act, Affine]
            and all(a.name == "relu" for a in net.layers[1].activations()))


def _far_zero_1d(net: Network, R: Fraction) -> bool:
    """Exact: a 1-D one-hidden-layer net is affine on [R, oo) and (-oo, -R] when no breakpoint lies beyond R;
    it vanishes there iff it vanishes at two points of each ray."""
    return all(net.eval_exact([x])[0] == 0 for x in (R, R + 1, -R, -R - 1))


def search_counterexample(budget: int = 4000) -> Verdict | None:
    """Drop "d >= 2": enumerate 1-D one-hidden-layer ReLU nets (width <= 3, small integers) until one is
    compactly supported and nonzero — a hat. Returns a REFUTED verdict of the weakened statement."""
    tried = 0
    for width in (1, 2, 3):
        for b in itertools.product((-1, 0, 1), repeat=width):
            if len(set(b)) < width:
                continue
            for c in itertools.product((1, -1, 2, -2), repeat=width):
                tried += 1
                if tried > budget:
                    return None
                net = _shallow([[1]] * width, list(b), list(c))
                value = net.eval_exact([0])[0]
                if value != 0 and _far_zero_1d(net, Fraction(2)):
                    return _counterexample(net, value)
    return None


def _counterexample(net: Network, value: Fraction) -> Verdict:
    facts = [
        "no breakpoint beyond |x| = 1 (biases in {-1, 0, 1}, weights 1), so f is affine on each ray |x| >= 2",
        "f(2) = f(3) = f(-2) = f(-3) = 0 (exact), so f = 0 on |x| >= 2: the support is in [-2, 2]",
        f"f(0) = {value} != 0 (exact)",
    ]
    certs = []
    try:
        s = engine("support", "prove_support_in")(net, __import__("verify.box", fromlist=["Box"]).Box([-2], [2]))
        certs.append(s.to_dict())
    except Exception:  # noqa: BLE001 - the exact argument above already decides it
        pass
    claim = Claim(
        f"theorem:{NAME}", "weakened (d = 1 allowed): a compactly supported shallow ReLU net is zero", {"net": net.to_dict()}
    )
    return Verdict(
        Status.REFUTED,
        claim,
        Witness((Fraction(0),), (value,)),
        {"facts": facts, "certificates": certs},
        "enumeration + exact evaluation",
    )
