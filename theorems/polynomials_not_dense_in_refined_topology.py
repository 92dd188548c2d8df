r"""Polynomial regressors are not dense in the refined topology.

Statement [P-v2: "polynomial regressors ... are not universal in this space"; proof and quantitative
form [RECON], MATH.md §5 Theorem N with (A1)]: for $f\in L^1_c$ with $\operatorname{dsupp} f=m\ge1$
and every polynomial $p:\mathbb R^d\to\mathbb R$,
$$d_\tau(f,p)\ \ge\ 2^{-(m+1)} .$$

Polynomials are given as networks with ``square`` units, pooling and affine layers (they map
$\mathbb Q^d\to\mathbb Q$, so they evaluate exactly). The check is an exact decision that needs no
analytic engine: a network of polynomial degree at most $k$ that vanishes on the grid
$\{a_0,\dots,a_k\}^d$ is the zero polynomial [STD: a nonzero polynomial of degree $\le k$ in each
variable cannot vanish on a product of $k+1$ distinct values per coordinate, by induction on $d$].
Placing the grid outside $rQ_m$ gives either an exact witness there ($\operatorname{dsupp} p>m$) or a
proof that $p\equiv0$.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import strategies as st

from theorems._common import Instance, hat_net, timed
from theorems._refined import certified_dsupp, separation_verdict
from verify.layers import Act, Affine, Pool
from verify.network import Network
from verify.verdict import Claim, Status, Verdict, Witness

NAME = "polynomials_not_dense_in_refined_topology"
SOURCE = "[P-v2] statement; [RECON] proof (MATH.md §5 Theorem N, §2 A1)"
TITLE = "no polynomial within 2^-(m+1) of a compactly supported f"


def degree_bound(net: Network) -> int:
    """An upper bound on the total degree of a polynomial network (affine, identity, square, pool).

    >>> degree_bound(Network(1, (Affine([[1]], [1]), Act("square"), Affine([[1]], [0]))))
    2
    """
    deg = [1] * net.input_dim
    for layer in net.layers:
        if isinstance(layer, Affine):
            top = max(deg) if deg else 0
            deg = [top] * layer.out_dim
        elif isinstance(layer, Act):
            acts = layer.expanded(len(deg))
            if any(a.name not in ("square", "identity") for a in acts):
                raise ValueError(f"not a polynomial network: {sorted(a.name for a in acts)}")
            deg = [2 * k if a.name == "square" else k for k, a in zip(deg, acts)]
        elif isinstance(layer, Pool):
            h = len(deg) // 2
            deg = [deg[i] + deg[h + i] for i in range(h)]
    return max(deg)


def grid_decision(p: Network, m: int, r: Fraction = Fraction(1)) -> Verdict:
    """Exact: a point outside ``rQ_m`` where p != 0 (PROVED nonvanishing) or a proof that p = 0 (REFUTED)."""
    k, d = degree_bound(p), p.input_dim
    values = [r * m + 1 + Fraction(i, k + 1) for i in range(k + 1)]
    data = {"net": p.to_dict(), "m": m, "r": r}
    claim = Claim("polynomial_nonvanishing_outside", f"p != 0 somewhere outside rQ_{m}", data)
    for x in itertools.product(values, repeat=d):
        y = p.eval_exact(list(x))
        if any(v != 0 for v in y):
            return Verdict(Status.PROVED, claim, Witness(tuple(x), tuple(y)), {"degree_bound": k}, "exact evaluation")
    return Verdict(
        Status.REFUTED,
        claim,
        None,
        {"degree_bound": k, "grid": [str(v) for v in values]},
        "exact evaluation on a (k+1)^d grid",
        "p vanishes on the grid, so p = 0",
    )


def _square_net(coeffs: list[Fraction]) -> Network:
    """c0 + c1 x + c2 x^2 as a network with one square unit."""
    c0, c1, c2 = coeffs
    return Network(1, (Affine([[1], [1]], [0, 0]), Act(("identity", "square")), Affine([[c1, c2]], [c0])))


def _taylor_like() -> Network:
    """1 - x^2 (the best quadratic imitation of the hat near 0)."""
    return _square_net([Fraction(1), Fraction(0), Fraction(-1)])


def _pooled_zero() -> Network:
    """(x+1)(x-1) - x*x + 1 = 0, with one pooling layer."""
    u = Network.mlp([[[1], [1]], [[1, 0]]], [[1, -1], [0]], "identity")
    prod = Network(1, (Affine([[1], [1]], [1, -1]), Pool()))
    sq = Network(1, (Affine([[1], [1]], [0, 0]), Pool()))
    del u
    return prod - sq + Network.mlp([[[0]]], [[1]])


def _quartic_2d() -> Network:
    """x1^4 - x2 - 1/2 in d = 2 (pooling x1 * x1, then a square unit)."""
    return Network(
        2,
        (
            Affine([[1, 0], [0, 1], [1, 0]], [0, 0, 0]),
            Act(("identity", "identity", "identity")),
            Affine([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]], [0, 0, 0, 1]),
            Pool(),
            Affine([[1, 0], [0, 1]], [0, 0]),
            Act(("square", "identity")),
            Affine([[1, -1]], [Fraction(-1, 2)]),
        ),
    )


def instances(quick: bool = True) -> list[Instance]:
    """The hat (and a 2-D bump) against polynomials: 1 - x^2, a pooled exact zero, a 2-D quartic."""
    hat = hat_net(-1, 1)
    out = [
        Instance("hat vs 1 - x^2", {"target": hat, "net": _taylor_like()}),
        Instance("hat vs (x+1)(x-1) - x^2 + 1 (= 0)", {"target": hat, "net": _pooled_zero()}),
    ]
    if not quick:
        out.append(Instance("hat on [2,4] vs 1 - x^2", {"target": hat_net(2, 4), "net": _taylor_like()}))
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Random quadratics c0 + c1 x + c2 x^2 with small rational coefficients against the hat."""
    q = st.fractions(min_value=-4, max_value=4, max_denominator=4)
    return st.lists(q, min_size=3, max_size=3).map(
        lambda c: Instance(f"quadratic {c}", {"target": hat_net(-1, 1), "net": _square_net(c)})
    )


@timed
def check(instance: Instance) -> Verdict:
    """Certify ``d_tau(f, p) >= 2^-(dsupp f + 1)`` with the exact grid decision for p."""
    f, p = instance["target"], instance["net"]
    ds = certified_dsupp(f)
    m = ds.value if isinstance(ds.value, int) else 1
    g = grid_decision(p, m)
    # the grid refutes "p != 0 outside rQ_m" by proving p = 0: certify that as its own (true) claim
    z_claim = Claim("polynomial_identically_zero", "p = 0 (identically)", {"net": p.to_dict()})
    zero = Verdict(Status.PROVED, z_claim, None, g.evidence, g.method) if g.refuted else Verdict(Status.UNKNOWN, z_claim)
    return separation_verdict(NAME, f, p, g_witness=g if g.proved else Verdict(Status.UNKNOWN, g.claim), g_is_zero=zero)
