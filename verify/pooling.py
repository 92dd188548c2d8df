"""Exact support reasoning for ReLU networks with Hadamard pooling (the public entry).

When every activation comes before the first ``Pool`` and only affine and
pooling layers follow (``F = g ⊙ psi`` and the like), the network is
piecewise polynomial: on each activation region of the piecewise-linear
prefix the pre-pool vector is affine in ``x``, and the suffix turns it into
exact polynomials. On a full-dimensional region a polynomial vanishes
identically iff all its coefficients vanish, and a nonzero one of degree
``k`` is nonzero at one of the ``(k+1)^d`` points of any small product grid
inside the region: so zero tests and witnesses stay exact.

The regions are enumerated as a tree (:mod:`verify.pooling_tree`: one branch
per linear piece of a unit, cut-off branches with Motzkin certificates, lazy
dependency-cone order, ``same_as`` leaves for repeated branches), with the
exact polynomial arithmetic of :mod:`verify.polynomials`. The leaves cover the
(closed) pieces of R^d \\ K up to sets without interior, which is enough for
a continuous ``f``. The certificate lists every leaf (its decision path, and
"zero" or the multipliers); ``verify.checker.pooled`` re-checks it with Fractions.

Fast routes, tried first: "f == 0 off K" by the factor route of
:mod:`verify.pooling_factors` (one factor of each pooled product vanishes
off K, proved by the PL engine: ``F = g ⊙ psi`` never splits ``g``); and
``support`` restricted to a box off which bounded factors vanish, by exact
polygon clipping in d <= 2 (:mod:`verify.pooling_planar`).

Networks with activations after a pooling layer (semi-algebraic pieces) go to
z3's nonlinear real arithmetic (:func:`verify.smt.find_nonzero_outside`).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.box import Box
from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.layers import Act, Layer, Pool
from verify.polyhedra import Polyhedron
from verify.polynomials import Vec, grid_point, poly_eval
from verify.polynomials import poly_mul as _poly_mul  # noqa: F401  (re-export: benchmarks/bench_smt.py)
from verify.pooling_tree import (
    PolyRegion,
    _interior_or_cut,
    _OutOfBudget,
    _q_rows,
    _strictly_inside,
    _walk,
    _zero_rates,
)
from verify.verdict import Claim, Status, Verdict, Witness

if TYPE_CHECKING:
    from verify.network import Network
    from verify.support import Support

__all__ = ["CLAIM_KIND", "prove_support_in", "support", "split_at_pool", "region_polynomials", "PolyRegion"]

CLAIM_KIND = "support_in_pooled"
"""Claim kind of the certificates made here (re-checked by ``verify.checker.pooled``)."""

_ZERO, _ONE = Fraction(0), Fraction(1)


# -- splitting the network ----------------------------------------------------------


def split_at_pool(net: Network) -> tuple[tuple[Layer, ...], tuple[Layer, ...]] | None:
    """``(prefix, suffix)`` at the first ``Pool`` when the network is piecewise polynomial this way, else None.

    The prefix has piecewise-linear activations only; the suffix only affine
    layers, pooling and identity units. (A network without pooling is all prefix.)

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> [len(part) for part in split_at_pool(hat * hat)]
    [3, 1]
    """
    layers = net.layers
    first = next((i for i, layer in enumerate(layers) if isinstance(layer, Pool)), len(layers))
    prefix, suffix = layers[:first], layers[first:]
    if not all(a.piecewise_linear for layer in prefix if isinstance(layer, Act) for a in layer.activations()):
        return None
    if not all(a.name == "identity" for layer in suffix if isinstance(layer, Act) for a in layer.activations()):
        return None
    return prefix, suffix



def region_polynomials(net: Network, domain: Polyhedron | Box | None = None, *,
                       budget: int | None = None, lazy: bool = False) -> list[PolyRegion]:
    """Every full-dimensional activation region of ``net`` in ``domain`` with its exact output polynomials.

    Contract: the regions (the ``PolyRegion`` leaves that are not cut off) have
    pairwise disjoint interiors and cover ``domain`` (default R^d) up to a set
    without interior; on each, the network equals its polynomials exactly.
    With ``lazy=True`` a region may be a union of activation regions: those on
    which the output is zero whatever the undecided units do (``zero_early``,
    no polynomials), and those where only units the output ignores are undecided.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> regs = region_polynomials(hat * hat)
    >>> len(regs), sorted(max((sum(e) for e in r.polys[0]), default=-1) for r in regs)
    (4, [-1, -1, 2, 2])
    """
    split = split_at_pool(net)
    if split is None:
        raise UnsupportedNetwork(expected("activations only before the first pooling layer, piecewise-linear",
                                          "network", repr(net)))
    base = _as_polyhedron(domain, net.input_dim)
    pt, _ = _interior_or_cut(_q_rows(base), net.input_dim)
    if pt is None:
        return []
    left = [budget if budget is not None else 10**9]
    return [r for r in _walk(net, *split, base, pt, left, lazy=lazy) if r.no_interior is None and r.same_as is None]


def _as_polyhedron(domain: Any, d: int) -> Polyhedron:
    if domain is None:
        return Polyhedron.whole(d)
    if isinstance(domain, Box):
        return Polyhedron.from_box(domain)
    if isinstance(domain, Polyhedron):
        return domain
    raise InvalidArgument(expected("a Box, a Polyhedron or None", "domain", domain))


# -- "f == 0 outside K" ------------------------------------------------------------------


def _components(K: Any, d: int) -> list[Polyhedron]:
    """K as a list of polyhedra (its union); ``None`` and ``[]`` are the empty set."""
    if K is None:
        return []
    parts = list(K) if isinstance(K, (list, tuple)) else [K]
    out = []
    for part in parts:
        if isinstance(part, Box):
            part = Polyhedron.from_box(part)
        if not isinstance(part, Polyhedron):
            raise InvalidArgument(expected("a Box, a Polyhedron or a list of them", "K", K))
        if part.dim != d:
            raise InvalidArgument(expected(f"sets of dimension {d}", "K dimension", part.dim))
        out.append(part)
    return out


def _outside_pieces(comps: list[Polyhedron], d: int) -> Iterator[tuple[tuple[int, ...], Polyhedron]]:
    """Closed pieces covering R^d \\ K: one violated row chosen per component of K.

    Only rows that can be violated count (``0 <= beta`` with ``beta >= 0`` never is).
    """
    violable = [[j for j, (r, beta) in enumerate(zip(c.A, c.b)) if any(r) or beta < 0] for c in comps]
    for choice in itertools.product(*violable):
        rows = [tuple(-v for v in c.A[j]) for c, j in zip(comps, choice)]
        rhs = [-c.b[j] for c, j in zip(comps, choice)]
        yield choice, Polyhedron(tuple(rows), tuple(rhs), d)


def _claim(net: Network, comps: list[Polyhedron]) -> Claim:
    names = [str(b) if (b := _as_box(c)) is not None else f"{{A x <= b}} ({len(c.A)} rows)" for c in comps]
    text = "f == 0 outside " + (" u ".join(names) or "the empty set")
    K = [{"A": [list(r) for r in c.A], "b": list(c.b)} for c in comps]
    return Claim(CLAIM_KIND, text, {"network": net.to_dict(), "K": K})


def _small_radius(rows: Sequence[tuple[Vec, Fraction]], x: Vec) -> Fraction:
    """``r`` with ``x + [-r, r]^d`` strictly inside the rows' region (given ``x`` strictly inside)."""
    r = _ONE
    for row, beta in rows:
        norm = sum((abs(v) for v in row), _ZERO)
        if norm:
            r = min(r, (beta - sum((a * t for a, t in zip(row, x)), _ZERO)) / (2 * norm))
    return r


def _witness(net: Network, leaf: PolyRegion) -> Vec | None:
    """An exact point strictly inside the leaf where the output is nonzero: a rounded interior point, else the grid."""
    assert leaf.polys is not None and leaf.interior is not None
    for bound in (1, 10, 1000):  # small height where possible
        y = tuple(c.limit_denominator(bound) for c in leaf.interior)
        if _strictly_inside(list(leaf.rows), y) and any(poly_eval(p, y) for p in leaf.polys) and any(net.eval_exact(y)):
            return y
    x = grid_point(leaf.polys, leaf.interior, _small_radius(leaf.rows, leaf.interior))
    if x is None or not any(net.eval_exact(x)):
        return None  # cannot happen for a nonzero polynomial; never trust it unchecked
    return x


def prove_support_in(net: Network, K: Any, *, budget: int | None = None, factors: bool = True) -> Verdict:
    """Decide "f == 0 on R^d \\ K" exactly for a ReLU network with pooling.

    ``K``: a Box, a Polyhedron, a list of them (their union), or ``[]`` (the
    claim "f is identically zero"). PROVED carries the region tree (claim kind
    ``support_in_pooled``, re-checked by ``verify.checker.pooled``); REFUTED
    carries an exact rational witness outside K, confirmed by ``eval_exact``;
    UNKNOWN when ``budget`` (number of LPs) runs out. Networks with activations
    after a pooling layer go to z3 (solver-trusted proofs, exact witnesses).
    With ``factors`` (default) the factor route of :mod:`verify.pooling_factors`
    is tried first (one factor of each pooled product vanishes off K, proved by
    the PL engine); the full region tree only when it fails.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> shift = Network.mlp([[[1]]], [[-1]])
    >>> f = hat * hat.compose(shift)                       # hat(x) hat(x - 1): support [0, 1]
    >>> prove_support_in(f, Box([0], [1])).status
    <Status.PROVED: 'proved'>
    >>> v = prove_support_in(f, Box([0], ["1/2"]))
    >>> v.status, v.witness.point[0] > Fraction(1, 2), f.eval_exact(v.witness.point) != (0,)
    (<Status.REFUTED: 'refuted'>, True, True)
    """
    t0 = time.perf_counter()
    d = net.input_dim
    comps = _components(K, d)
    split = split_at_pool(net)
    if split is None:
        return _semi_algebraic(net, comps, t0)
    claim = _claim(net, comps)
    if factors:
        ev = _factor_route(net, split[0], comps, budget)
        if ev is not None:
            return Verdict(Status.PROVED, claim, evidence=ev, method="pooled factors", seconds=time.perf_counter() - t0)
    left = [budget if budget is not None else 10**9]
    pieces, regions = [], 0
    hull = _hull_if_covered(comps)  # K is a union of boxes covering its hull: 2d complement pieces, not (2d)^m
    tree_comps = [Polyhedron.from_box(hull)] if hull is not None else comps
    try:
        for choice, base in _outside_pieces(tree_comps, d):
            pt, cut = _interior_or_cut(_q_rows(base), d)
            if pt is None:
                pieces.append({"choice": list(choice), "leaves": [{"path": [], "no_interior": cut}]})
                continue
            leaves: list[dict[str, Any]] = []
            for leaf in _walk(net, *split, base, pt, left):
                path = [list(step) for step in leaf.path]
                if leaf.same_as is not None:
                    leaves.append({"path": path, "same_as": leaf.same_as})
                elif leaf.no_interior is not None:
                    leaves.append({"path": path, "no_interior": leaf.no_interior})
                elif leaf.zero:
                    leaves.append({"path": path, "zero": True})
                    regions += 1
                else:
                    x = _witness(net, leaf)
                    if x is None:
                        return Verdict(Status.UNKNOWN, claim, method="pooled regions", seconds=time.perf_counter() - t0,
                                       reason="internal: no exact witness in a region with a nonzero polynomial")
                    if not all(any(sum((a * t for a, t in zip(r, x)), _ZERO) > beta for r, beta in zip(c.A, c.b))
                               for c in comps):  # internal invariant, checked: never refute with a point of K
                        return Verdict(Status.UNKNOWN, claim, method="pooled regions", seconds=time.perf_counter() - t0,
                                       reason="internal: the candidate witness is not outside K")
                    value = net.eval_exact(x)
                    out = next(i for i, v in enumerate(value) if v != 0)
                    assert leaf.polys is not None
                    ev = {"engine": "pooled", "path": path,
                          "polynomial": [[list(e), c] for e, c in sorted(leaf.polys[out].items())]}
                    return Verdict(Status.REFUTED, claim, witness=Witness(x, value, output=out), evidence=ev,
                                   method="pooled regions", seconds=time.perf_counter() - t0)
            pieces.append({"choice": list(choice), "leaves": leaves})
    except _OutOfBudget:
        return Verdict(Status.UNKNOWN, claim, method="pooled regions", seconds=time.perf_counter() - t0,
                       reason=f"budget of {budget} LPs exhausted")
    evidence: dict[str, Any] = {"engine": "pooled", "pieces": pieces, "regions": regions}
    if hull is not None:
        evidence["K_used"] = {"A": [list(r) for r in tree_comps[0].A], "b": list(tree_comps[0].b)}
    return Verdict(Status.PROVED, claim, evidence=evidence, method="pooled regions", seconds=time.perf_counter() - t0)


def _factor_route(net: Network, prefix: tuple[Layer, ...], comps: list[Polyhedron],
                  budget: int | None) -> dict[str, Any] | None:
    """The factor route of :mod:`verify.pooling_factors` (None when it does not apply or fails)."""
    from verify.pooling_factors import decompose, factor_evidence

    dec = decompose(net)
    if dec is None or any(dec[2]):
        return None
    hull = _hull_if_covered(comps)
    used = [Polyhedron.from_box(hull)] if hull is not None else comps
    ev = factor_evidence(net, used, _zero_rates(net, prefix, 2 * dec[0]), budget=budget)
    if ev is not None and hull is not None:  # the factors vanish off the hull H of K's boxes, and H ⊆ K
        ev["K_used"] = {"A": [list(r) for r in used[0].A], "b": list(used[0].b)}
    return ev


def _hull_if_covered(comps: list[Polyhedron], limit: int = 100_000) -> Box | None:
    """The hull H of K's components when they are several boxes whose union is exactly H (else None).

    Exact: the box boundaries cut H into grid cells, each inside a box iff its centre is.
    (The engines treat a union of m boxes through up to ``(2d)^m`` complement pieces;
    one box has ``2d``.)
    """
    boxes = [_as_box(c) for c in comps]
    if len(boxes) < 2 or any(b is None for b in boxes):
        return None
    bs = [b for b in boxes if b is not None]
    d = bs[0].dim
    lo = [min(b.lower[i] for b in bs) for i in range(d)]
    hi = [max(b.upper[i] for b in bs) for i in range(d)]
    cuts = [sorted({lo[i], hi[i], *(b.lower[i] for b in bs), *(b.upper[i] for b in bs)}) for i in range(d)]
    if math.prod(len(c) - 1 for c in cuts) > limit or any(len(c) < 2 for c in cuts):
        return None
    mids = [[(a + b) / 2 for a, b in zip(c, c[1:])] for c in cuts]
    for x in itertools.product(*mids):
        if not any(b.contains(x) for b in bs):
            return None
    return Box(tuple(lo), tuple(hi))


def _semi_algebraic(net: Network, comps: list[Polyhedron], t0: float) -> Verdict:
    """Activations after pooling (semi-algebraic pieces): z3 nonlinear real arithmetic, exact re-check of models."""
    from verify import smt

    parts: list[Any] = [b if (b := _as_box(c)) is not None else c for c in comps]
    v = smt.find_nonzero_outside(net, parts)
    if v.unknown:
        return Verdict(Status.UNKNOWN, v.claim, evidence=v.evidence, method="z3", seconds=time.perf_counter() - t0,
                       reason="activations after pooling (semi-algebraic pieces); z3: " + v.reason)
    return v


def _as_box(P: Polyhedron) -> Box | None:
    """The box P is, when its rows are exactly the rows of ``Polyhedron.from_box``."""
    d = P.dim
    if len(P.A) != 2 * d:
        return None
    lo, hi = [], []
    for i in range(d):
        up, down = P.A[2 * i], P.A[2 * i + 1]
        e = tuple(_ONE if j == i else _ZERO for j in range(d))
        if up != e or down != tuple(-v for v in e):
            return None
        hi.append(P.b[2 * i])
        lo.append(-P.b[2 * i + 1])
    return Box(tuple(lo), tuple(hi)) if all(a <= b for a, b in zip(lo, hi)) else None


# -- the support ---------------------------------------------------------------------------


def support(net: Network, *, budget: int | None = None) -> Support:
    """The exact support (closure of ``{f != 0}``) of a ReLU network with pooling over R^d.

    It is the union of the full-dimensional regions whose polynomial is not
    zero (the zero set of a nonzero polynomial has no interior). With one
    pooling layer and factors of bounded support (``F = g ⊙ psi``), the
    regions are only sought inside a box off which those factors, hence f,
    vanish (exact PL supports of the factors), by polygon clipping in d <= 2. ``bounded``
    iff all of them are bounded; ``measure`` is the exact sum of their volumes
    (the zero set of a nonzero polynomial is null), ``math.inf`` if unbounded.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> s = support(hat * hat.compose(Network.mlp([[[1]]], [[-1]])))
    >>> s.bounded, s.measure, str(s.bounding_box)
    (True, Fraction(1, 1), '[0,1]')
    """
    from verify.support import Support

    split = split_at_pool(net)
    dom = _vanishing_box(net, split[0]) if split is not None else None
    if dom is not None and dom[0] is None:
        return Support(True, (), None, Fraction(0), None)
    if dom is not None and dom[0] is not None and split is not None and net.input_dim <= 2:
        return _planar_support(net, split, dom[0])
    live = [r for r in region_polynomials(net, dom[0] if dom else None, budget=budget, lazy=True) if not r.zero]
    if not live:
        return Support(True, (), None, Fraction(0), None)
    pieces = tuple(r.polyhedron for r in live)
    witness = _witness(net, live[0])
    if not all(p.is_bounded() for p in pieces):
        return Support(False, pieces, None, math.inf, witness)
    boxes = [p.bounding_box() for p in pieces]
    lo = [min(b.lower[i] for b in boxes if b) for i in range(net.input_dim)]
    hi = [max(b.upper[i] for b in boxes if b) for i in range(net.input_dim)]
    measure = sum((p.volume() for p in pieces), _ZERO)
    return Support(True, pieces, Box(tuple(lo), tuple(hi)), measure, witness)


def _vanishing_box(net: Network, prefix: tuple[Layer, ...]) -> tuple[Box | None] | None:
    from verify.pooling_factors import decompose, vanishing_box

    dec = decompose(net)
    if dec is None or any(dec[2]):
        return None
    return vanishing_box(net, _zero_rates(net, prefix, 2 * dec[0]))


def _planar_support(net: Network, split: Any, box: Box) -> Support:
    """d <= 2, f == 0 off ``box``: the live regions inside it by exact polygon clipping (:mod:`verify.pooling_planar`)."""
    from verify.pooling_planar import planar_pieces
    from verify.support import Support

    got = planar_pieces(net, split[0], split[1], box)
    if not got:
        return Support(True, (), None, Fraction(0), None)
    pieces = tuple(p for p, _a, _b, _c, _q in got)
    measure = sum((a for _p, a, _b, _c, _q in got), _ZERO)
    lo = [min(b.lower[i] for _p, _a, b, _c, _q in got) for i in range(net.input_dim)]
    hi = [max(b.upper[i] for _p, _a, b, _c, _q in got) for i in range(net.input_dim)]
    p0, _a0, _b0, c0, q0 = got[0]
    leaf = PolyRegion((), tuple(zip(p0.A, p0.b)), c0, q0)
    return Support(True, pieces, Box(tuple(lo), tuple(hi)), measure, _witness(net, leaf))
