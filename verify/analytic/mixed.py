r"""Mixed networks ``f = g o h``: a piecewise-linear prefix ``h`` feeding an analytic suffix ``g``.

Region by region. On each full-dimensional region ``R`` of ``h``, ``h(x) = A_R x + c_R``, so
``f = g(A_R x + c_R)`` is analytic there, and (identity theorem) ``f == 0`` on ``int R`` iff ``g``
vanishes on the affine subspace ``V_R = c_R + im A_R``. This module certifies the sufficient
condition with the smallest single subspace: let ``V = c_0 + span(B)`` be the affine hull of
every ``V_R`` over the regions ``R`` that meet ``R^d \ K``, and ``M`` a matrix with
``ker M = span(B)``. Then

1. ``M h(x) - M c_0 = 0`` for every ``x`` outside ``K``: a piecewise-linear support claim,
   proved and certified by the piecewise-linear engine (``verify.support``);
2. ``g(c_0 + B s) == 0`` for every ``s``: an analytic zero claim (:mod:`verify.analytic.zero`);

together give ``f(x) = g(h(x)) = 0`` outside ``K``, since ``h(x) in c_0 + ker M = c_0 + span(B)``.
When some ``g`` restricted to ``V_R`` is nonzero the condition fails and a witness search on
the whole network decides instead. (The analytic-feeding-PL direction is left UNKNOWN.)
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.layers import Act, Affine, Layer, Pool

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["split_pl_prefix", "affine_hull", "zero_off"]

Vec = list[Fraction]


def split_pl_prefix(net: Network) -> tuple[int, Network, list[Layer]] | None:
    """``(i, h, suffix)``: ``h`` = layers ``[:i]`` (ending with the last PL activation layer of a PL,
    pool-free prefix), ``suffix`` = the rest, which must be analytic and non-empty; None otherwise.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> i, h, rest = split_pl_prefix(Network.mlp([[[1]], [[1]]], [[0], [0]], "tanh").compose(hat))
    >>> i, [type(l).__name__ for l in rest]
    (2, ['Affine', 'Act', 'Affine'])
    """
    from verify.network import Network

    cut = None
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Pool):
            break
        if isinstance(layer, Act):
            acts = layer.activations()
            if all(a.piecewise_linear for a in acts) and any(a.name != "identity" for a in acts):
                cut = i + 1
            elif not all(a.name == "identity" for a in acts):
                break
    if cut is None or cut == len(net.layers):
        return None
    suffix = list(net.layers[cut:])
    rest = Network(_width_after(net, cut), tuple(suffix))
    if not rest.is_analytic or rest.is_relu_pool:
        return None
    return cut, Network(net.input_dim, net.layers[:cut]), suffix


def _width_after(net: Network, cut: int) -> int:
    return net.widths[cut - 1]


def _rref_basis(vectors: list[Vec], n: int) -> list[Vec]:
    """A basis (reduced row echelon rows) of the span of ``vectors`` in Q^n."""
    rows = [list(v) for v in vectors if any(v)]
    basis: list[Vec] = []
    pivots: list[int] = []
    for v in rows:
        for p, b in zip(pivots, basis):
            if v[p]:
                f = v[p]
                v = [x - f * y for x, y in zip(v, b)]
        lead = next((j for j in range(n) if v[j]), None)
        if lead is None:
            continue
        v = [x / v[lead] for x in v]
        for k, b in enumerate(basis):
            if b[lead]:
                f = b[lead]
                basis[k] = [x - f * y for x, y in zip(b, v)]
        basis.append(v)
        pivots.append(lead)
    return basis


def _complement(basis: list[Vec], n: int) -> list[Vec]:
    """Rows spanning the orthogonal complement of span(basis) (``M`` with ``ker M = span(basis)``)."""
    pivots = [next(j for j in range(n) if b[j]) for b in basis]
    free = [j for j in range(n) if j not in pivots]
    out = []
    for f in free:  # null space of the RREF matrix: x_f = 1, x_p = -b[f]
        x = [Fraction(0)] * n
        x[f] = Fraction(1)
        for p, b in zip(pivots, basis):
            x[p] = -b[f]
        out.append(x)
    return out


def affine_hull(maps: list[Affine]) -> tuple[Vec, list[Vec], list[Vec]]:
    """``(c0, B, M)``: the affine hull ``c0 + span(B)`` of the images of ``maps``; ``ker M = span(B)``.

    >>> z = Affine([[0], [0]], [0, 1]); line = Affine([[1], [2]], [0, 1])
    >>> c0, B, M = affine_hull([z, line])
    >>> c0, B, M
    ([Fraction(0, 1), Fraction(1, 1)], [[Fraction(1, 1), Fraction(2, 1)]], [[Fraction(-2, 1), Fraction(1, 1)]])
    """
    m = maps[0].out_dim
    c0 = list(maps[0].bias)
    vectors: list[Vec] = []
    for a in maps:
        vectors += [[a.weight[i][j] for i in range(m)] for j in range(a.in_dim)]
        vectors.append([c - c0i for c, c0i in zip(a.bias, c0)])
    basis = _rref_basis(vectors, m)
    return c0, basis, _complement(basis, m)


def _regions_off(h: Network, K: list[Any]) -> list[Affine]:
    """Affine maps of ``h`` on the full-dimensional regions covering ``R^d \\ int K``."""
    from verify.polyhedra import Polyhedron
    from verify.regions import linear_regions
    from verify.support import _parse_K, root_pieces

    kind, KK = _parse_K(K if len(K) != 1 else K[0], h.input_dim)
    maps = []
    for rows, rhs in root_pieces(kind, KK, h.input_dim):
        domain = Polyhedron(tuple(rows), tuple(rhs), h.input_dim) if rows else None
        maps += [r.map for r in linear_regions(h, domain, budget=20000)]
    return maps


def zero_off(net: Network, K: list[Any]) -> dict[str, Any] | None:
    """Try the region-by-region route for "``net == 0`` outside ``K``" (``K = []``: everywhere).

    Returns ``{"hull": ..., "pl": verdict, "analytic": verdict, "cut": i}`` with both inner
    verdicts PROVED, or None when the route does not apply or does not prove the claim.
    """
    from verify.network import Network
    from verify.support import prove_support_in
    from verify.zero import is_identically_zero

    split = split_pl_prefix(net)
    if split is None:
        return None
    cut, h, suffix = split
    try:
        maps = _regions_off(h, K)
    except Exception:  # region budget or an unsupported K: the route does not apply
        return None
    if not maps:
        return None
    c0, B, M = affine_hull(maps)
    m = len(c0)
    Bcols = B if B else [[Fraction(0)] * m]  # a point: one zero direction keeps input_dim >= 1
    param = Affine([[b[i] for b in Bcols] for i in range(m)], c0)
    g = Network(len(Bcols), (param, *suffix)) if not isinstance(suffix[0], Affine) else \
        Network(len(Bcols), (param.then(suffix[0]), *suffix[1:]))
    analytic = is_identically_zero(g)
    if not analytic.proved:
        return None
    pl_verdict = None
    if M:
        Mc0 = [sum((r * c for r, c in zip(row, c0)), Fraction(0)) for row in M]
        pl_net = Network(net.input_dim, (*h.layers, Affine(M, [-v for v in Mc0])))
        pl_verdict = prove_support_in(pl_net, K if len(K) != 1 else K[0])
        if not pl_verdict.proved:
            return None
    hull = {"c0": c0, "B": B, "M": M}
    return {"cut": cut, "hull": hull, "pl": None if pl_verdict is None else pl_verdict.to_dict(),
            "analytic": analytic.to_dict()}
