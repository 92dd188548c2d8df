"""Exact support of piecewise-linear networks over all of R^d, and "zero outside K" proofs.

The support of a continuous ``f`` is the closure of ``{f != 0}``. For a
piecewise-linear network it is the union of the (closed, full-dimensional)
activation regions whose affine map is not identically zero.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.box import Box
from verify.cells import BudgetExceeded, Leaf, gc_paused, make_plan
from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.exactlp import Q
from verify.leakscreen import leak_screen
from verify.polyhedra import Polyhedron
from verify.regions import Region, leaf_region, root_cell
from verify.splitengine import Engine
from verify.verdict import Claim, Status, Verdict, Witness

__all__ = ["Support", "support", "prove_support_in", "root_pieces"]


@dataclass(frozen=True)
class Support:
    """The exact support of a network: the closure of ``{x : f(x) != 0}``.

    ``pieces`` are closed polyhedra (full-dimensional activation regions, or
    merged pieces) on each of which ``f`` is affine and not identically zero;
    their union is the support. ``measure`` is an exact Fraction when bounded
    (``math.inf`` otherwise); ``bounding_box`` is exact (None when unbounded
    or empty); ``witness`` is an exact point with ``f != 0`` (None when the
    support is empty).
    """

    bounded: bool
    pieces: tuple[Polyhedron, ...]
    bounding_box: Box | None
    measure: Fraction | float
    witness: tuple[Fraction, ...] | None = None

    @property
    def empty(self) -> bool:
        return not self.pieces

    def contains(self, x: Any) -> bool:
        """Whether ``x`` lies in the support (the closure of ``{f != 0}``).

        >>> s = Support(True, (Polyhedron([[1], [-1]], [1, 1]),), Box([-1], [1]), Fraction(2))
        >>> s.contains([1]), s.contains([2])
        (True, False)
        """
        return any(p.contains(x) for p in self.pieces)

    def __str__(self) -> str:
        if not self.pieces:
            return "empty support (f is identically zero)"
        m = self.measure if isinstance(self.measure, float) else str(self.measure)
        return f"support: bounded={self.bounded} bounding_box={self.bounding_box} measure={m} pieces={len(self.pieces)}"


_INF = math.inf


# -- the exact PL engine ------------------------------------------------------------


def _net_check(net: Any) -> None:
    from verify.network import Network

    if not isinstance(net, Network):
        raise InvalidArgument(expected("a Network", "net", net))


def _is_nonzero_map(leaf: Leaf) -> bool:
    return any(any(r) for r in leaf.map_rows) or any(leaf.map_const)


def support(net: Any, *, budget: int | None = None) -> Support:
    """The exact support (closure of ``{f != 0}``) of a network over all of R^d.

    Piecewise-linear networks: the union of the activation cells where the
    output map is not identically zero; ``measure`` is exact (a Fraction) when
    bounded. Networks with pooling / analytic units are dispatched to
    :mod:`verify.pooling` / :mod:`verify.analytic`.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> s = support(hat)
    >>> s.bounded, str(s.bounding_box), s.measure, s.contains([Fraction(1, 2)]), s.contains([2])
    (True, '[-1,1]', Fraction(2, 1), True, False)
    """
    _net_check(net)
    if not net.is_piecewise_linear:
        return _dispatch_support(net)
    plan = make_plan(net)
    root = root_cell(plan.d, [], [])
    assert root is not None
    show = _progress_fn()
    engine = Engine(plan, lazy=True, certify=False, budget=budget, progress=show)
    try:
        leaves = [lf for lf in engine.run(root) if _is_nonzero_map(lf)]
    except BudgetExceeded as exc:
        raise UnsupportedNetwork(f"support: {exc}") from None
    finally:
        _done(show)
    regions = [leaf_region(plan, lf) for lf in leaves]
    pieces = tuple(r.polyhedron for r in regions)
    if not pieces:
        return Support(True, (), None, Fraction(0), None)
    unbounded = next((r for r in regions if not r.polyhedron.is_bounded()), None)
    if unbounded is not None:
        return Support(False, pieces, None, _INF, _far_witness(net, unbounded))
    boxes = [p.bounding_box() for p in pieces]
    lo = [min(bx.lower[i] for bx in boxes if bx is not None) for i in range(plan.d)]
    hi = [max(bx.upper[i] for bx in boxes if bx is not None) for i in range(plan.d)]
    measure = sum((p.volume() for p in pieces), Fraction(0))
    found = _witness_in(net, regions[0], None)
    return Support(True, pieces, Box(lo, hi), measure, None if found is None else found[0])


class _Progress:
    """Cell counts on stderr (a TTY only); ``done()`` ends the line if anything was shown."""

    def __init__(self) -> None:
        self.used = False

    def __call__(self, cells: int) -> None:
        import sys

        self.used = True
        print(f"\r  {cells} cells explored...", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        import sys

        if self.used:
            print("\r" + " " * 40 + "\r", end="", file=sys.stderr, flush=True)


def _progress_fn() -> Any:
    import sys

    return _Progress() if sys.stderr.isatty() else None


def _done(show: Any) -> None:
    if show is not None:
        show.done()


def _dispatch_support(net: Any) -> Support:
    if net.num_pool > 0 and net.is_relu_pool:
        from verify import pooling

        return pooling.support(net)
    try:
        from verify import analytic
    except ImportError:  # pragma: no cover
        raise UnsupportedNetwork(expected("a network class with a support engine", "net", net)) from None
    fn = getattr(analytic, "support", None)
    if fn is None:
        raise UnsupportedNetwork(expected("a network class with a support engine", "net", net))
    return fn(net)  # type: ignore[no-any-return]


# -- witnesses ------------------------------------------------------------------------


def _map_value(region: Region, x: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    return tuple(sum((a * t for a, t in zip(row, x)), c) for row, c in zip(region.map.weight, region.map.bias))


def _candidates(p: tuple[Fraction, ...]) -> list[tuple[Fraction, ...]]:
    """Points of small height near p: p rounded to denominators 1, 2, 4, ..., and p itself."""
    out = []
    for k in range(0, 40):
        den = 1 << k
        out.append(tuple(Fraction(round(v * den), den) for v in p))
    out.append(p)
    return out


def _witness_in(net: Any, region: Region, outside: Any) -> Any:
    """(x, f(x)): an exact point strictly inside the region, outside K (a predicate), with f(x) != 0 exactly.

    Small heights first: an interior point of the region cut to the smallest cube [-R, R]^d, R = 1, 2, 4, ...
    rounded to denominators 1, 2, 4, ...; the engine's interior point last.
    """
    P = region.polyhedron
    starts = []
    q = _smallest_cube_point(P, region.point)
    if q is not None:
        starts.append(q)
    starts.append(region.point)
    for p in starts:
        x = _try_near(net, region, p, outside)
        if x is not None:
            return x
    return None


def _smallest_cube_point(P: Polyhedron, p: tuple[Fraction, ...]) -> tuple[Fraction, ...] | None:
    """An interior point of P inside the smallest cube [-R, R]^d, R = 2^k, meeting P's interior.

    p is interior to P, so R = 2^k > max |p_i| works; the interiors of P n [-R, R]^d grow with R, so the
    smallest k is found by bisection (a few Chebyshev LPs instead of one per k).
    """
    hi = 0
    while (1 << hi) <= max((abs(v) for v in p), default=Fraction(0)):
        hi += 1
    seen: dict[int, tuple[Fraction, ...] | None] = {}

    def at(k: int) -> tuple[Fraction, ...] | None:
        if k not in seen:
            R = Fraction(1 << k)
            seen[k] = P.intersect(Polyhedron.from_box(Box([-R] * P.dim, [R] * P.dim))).interior_point()
        return seen[k]

    lo = 0
    while lo < hi:
        mid = (lo + hi) // 2
        if at(mid) is not None:
            hi = mid
        else:
            lo = mid + 1
    return at(hi)


def _try_near(net: Any, region: Region, p: tuple[Fraction, ...], outside: Any) -> Any:
    P = region.polyhedron
    if not any(_map_value(region, p)):
        # move along the gradient of a nonzero output, staying strictly inside
        i = next(k for k, row in enumerate(region.map.weight) if any(row))
        g = region.map.weight[i]
        steps = [(bi - sum((a * t for a, t in zip(r, p)), Fraction(0))) / s
                 for r, bi in zip(P.A, P.b) if (s := sum((a * t for a, t in zip(r, g)), Fraction(0))) > 0]
        eps = min(steps, default=Fraction(1)) / 2
        p = tuple(a + eps * t for a, t in zip(p, g))
    for x in _candidates(p):
        if P.contains_interior(x) and (outside is None or outside(x)) and any(_map_value(region, x)):
            value = net.eval_exact(x)
            if any(value):
                return x, value
    return None


def _far_witness(net: Any, region: Region) -> tuple[Fraction, ...] | None:
    """A point with f != 0 far out along a recession direction of an unbounded region."""
    found = _witness_in(net, region, None)
    p = region.point if found is None else found[0]
    for r in region.polyhedron.recession_directions():
        for k in (20, 21, 22):
            x = tuple(a + (1 << k) * t for a, t in zip(p, r))
            if region.polyhedron.contains(x) and any(net.eval_exact(x)):
                return x
    return p


# -- "f = 0 outside K" ------------------------------------------------------------------
# R^d \ int K is covered by closed polyhedra ("root pieces"), each split into cells:
#  * a box K: the 2d halfspaces {x_i <= lo_i}, {x_i >= hi_i} (their union is exactly R^d \ int K);
#  * a polyhedron K = {A x <= b}: the halfspaces {a_i x >= b_i} of its nonzero rows (their union is
#    R^d \ {A x < b} = R^d \ int K; a violated zero row makes K empty: one root piece, all of R^d);
#  * a union of boxes: the cells of the grid of all box faces (unbounded cells included) that lie in no box;
#    every point outside the union lies in such a cell, and each such cell has its interior outside the union;
#  * the empty list: all of R^d (the claim f == 0).
# f is continuous, so f = 0 on the open set R^d \ K iff f = 0 on these closed pieces.


def _unit_row(d: int, i: int, s: int) -> tuple[Fraction, ...]:
    return tuple(Fraction(s if k == i else 0) for k in range(d))


def _parse_K(K: Any, d: int) -> tuple[str, Any]:
    if isinstance(K, Box):
        if K.dim != d:
            raise InvalidArgument(expected(f"a box of dimension {d}", "K.dim", K.dim))
        return "box", K
    if isinstance(K, Polyhedron):
        if K.dim != d:
            raise InvalidArgument(expected(f"a polyhedron of dimension {d}", "K.dim", K.dim))
        return "polyhedron", K
    if isinstance(K, (list, tuple)) and all(isinstance(k, Box) for k in K):
        if any(k.dim != d for k in K):
            raise InvalidArgument(expected(f"boxes of dimension {d}", "K", [str(k) for k in K]))
        return ("everywhere", None) if not K else ("boxes", tuple(K))
    if isinstance(K, (list, tuple)) and all(isinstance(k, (Box, Polyhedron)) for k in K):
        if any(k.dim != d for k in K):
            raise InvalidArgument(expected(f"sets of dimension {d}", "K", K))
        return "polyhedra", tuple(Polyhedron.from_box(k) if isinstance(k, Box) else k for k in K)
    raise InvalidArgument(expected("a Box, a Polyhedron, or a list of Boxes and Polyhedra", "K", K))


def root_pieces(kind: str, K: Any, d: int) -> list[tuple[list[tuple[Fraction, ...]], list[Fraction]]]:
    """The closed polyhedra (rows, rhs) covering R^d \\ int K, in the order the checker rebuilds them.

    >>> [rhs for _, rhs in root_pieces("box", Box([0], [1]), 1)]
    [[Fraction(0, 1)], [Fraction(-1, 1)]]
    """
    if kind == "everywhere":
        return [([], [])]
    if kind == "box":
        out = []
        for i in range(d):
            out.append(([_unit_row(d, i, 1)], [K.lower[i]]))
            out.append(([_unit_row(d, i, -1)], [-K.upper[i]]))
        return out
    if kind == "polyhedron":
        if any(not any(r) and bi < 0 for r, bi in zip(K.A, K.b)):
            return [([], [])]
        return [([tuple(-v for v in r)], [-bi]) for r, bi in zip(K.A, K.b) if any(r)]
    if kind == "polyhedra":
        return _product_pieces(K)
    return _grid_pieces(K, d)


def _product_pieces(Ks: tuple[Polyhedron, ...]) -> list[tuple[list[tuple[Fraction, ...]], list[Fraction]]]:
    """R^d \\ int(P_1 u ... u P_n) lies in the intersection of the R^d \\ int P_i, each a union of closed
    halfspaces {a x >= b} (rows of P_i): one piece per choice of a row in every P_i. Pieces with empty
    interior are null sets; f = 0 on the others is enough (f is continuous)."""
    import itertools

    choices: list[list[Any]] = []
    for P in Ks:
        if any(not any(r) and bi < 0 for r, bi in zip(P.A, P.b)):
            choices.append([None])  # P is empty: no constraint
        else:
            choices.append([(tuple(-v for v in r), -bi) for r, bi in zip(P.A, P.b) if any(r)])
    out = []
    for combo in itertools.product(*choices):
        rows = [c[0] for c in combo if c is not None]
        rhs = [c[1] for c in combo if c is not None]
        out.append((rows, rhs))
    return out


def _grid_pieces(boxes: tuple[Box, ...], d: int) -> list[tuple[list[tuple[Fraction, ...]], list[Fraction]]]:
    import itertools

    cuts = [sorted({bx.lower[i] for bx in boxes} | {bx.upper[i] for bx in boxes}) for i in range(d)]
    axes = [[(None, c[0])] + list(zip(c, c[1:])) + [(c[-1], None)] for c in cuts]
    out = []
    for cell in itertools.product(*axes):
        inside = any(all(lo is not None and hi is not None and bx.lower[i] <= lo and hi <= bx.upper[i]
                         for i, (lo, hi) in enumerate(cell)) for bx in boxes)
        if inside:
            continue
        rows, rhs = [], []
        for i, (lo, hi) in enumerate(cell):
            if lo is not None:
                rows.append(_unit_row(d, i, -1))
                rhs.append(-lo)
            if hi is not None:
                rows.append(_unit_row(d, i, 1))
                rhs.append(hi)
        out.append((rows, rhs))
    return out


def _outside(kind: str, K: Any) -> Any:
    """The predicate 'x lies outside K'."""
    if kind == "everywhere":
        return lambda x: True
    if kind == "box":
        return lambda x: not K.contains(x)
    if kind == "polyhedron":
        return lambda x: not K.contains(x)
    return lambda x: not any(bx.contains(x) for bx in K)  # boxes or polyhedra


def _K_data(kind: str, K: Any) -> Any:
    if kind == "box":
        return {"box": K.to_json()}
    if kind == "polyhedron":
        return {"polyhedron": {"A": [list(r) for r in K.A], "b": list(K.b)}}
    if kind == "boxes":
        return {"boxes": [bx.to_json() for bx in K]}
    if kind == "polyhedra":
        return {"polyhedra": [{"A": [list(r) for r in P.A], "b": list(P.b)} for P in K]}
    return {"everywhere": True}


def prove_support_in(net: Any, K: Any, *, budget: int | None = None, timeout: float | None = None) -> Verdict:
    """Decide "f = 0 on R^d \\ K" (supp f inside K) exactly, for K a Box, a list of Boxes, or a Polyhedron.

    The empty list means the claim f == 0 on all of R^d. PROVED carries a
    split tree (every decision with its LP multipliers) that
    :func:`verify.checker.check` re-derives with Fractions alone; REFUTED
    carries an exact point strictly outside K with f != 0 (re-evaluated
    exactly); UNKNOWN only when the budget (cells) or timeout (seconds) runs out.
    Pooling / analytic networks are dispatched to their engines.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> prove_support_in(hat, Box([-1], [1])).status.value
    'proved'
    >>> v = prove_support_in(hat, Box(["-1/2"], [1]))
    >>> v.status.value, v.witness.point
    ('refuted', (Fraction(-3, 4),))
    """
    _net_check(net)
    if not net.is_piecewise_linear:
        return _dispatch_prove(net, K, budget)
    kind, KK = _parse_K(K, net.input_dim)
    data = {"net": net.to_dict(), **_K_data(kind, KK)}
    text = "f = 0 on all of R^d" if kind == "everywhere" else f"f = 0 outside K (supp f in {_K_text(kind, KK)})"
    claim = Claim("support_in", text, data)
    if kind == "box":
        t0 = time.monotonic()
        hit = leak_screen(net, KK)
        if hit is not None:
            return Verdict(Status.REFUTED, claim, Witness(hit[0], hit[1]), {"screen": "beyond a face of K"},
                           "pl-regions", seconds=time.monotonic() - t0)
    return _prove_zero(net, claim, root_pieces(kind, KK, net.input_dim), _outside(kind, KK), budget, timeout)


def _K_text(kind: str, K: Any) -> str:
    if kind == "box":
        return str(K)
    if kind == "boxes":
        return " u ".join(str(b) for b in K)
    return "a polyhedron" if kind == "polyhedron" else f"a union of {len(K)} polyhedra"


def _dispatch_prove(net: Any, K: Any, budget: int | None) -> Verdict:
    if net.num_pool > 0 and net.is_relu_pool:
        from verify import pooling

        return pooling.prove_support_in(net, K, budget=budget)
    claim = Claim("support_in", "f = 0 outside K", {})
    try:
        from verify import analytic
    except ImportError:  # pragma: no cover
        return Verdict(Status.UNKNOWN, claim, reason="no engine for analytic networks is installed")
    fn = getattr(analytic, "prove_support_in", None)
    if fn is None:
        return Verdict(Status.UNKNOWN, claim, reason="no engine for analytic networks is installed")
    return fn(net, K)  # type: ignore[no-any-return]


def _prove_zero(net: Any, claim: Claim, pieces: list[Any], outside: Any, budget: int | None,
                timeout: float | None) -> Verdict:
    t0 = time.monotonic()
    plan = make_plan(net)
    deadline = None if timeout is None else t0 + timeout
    show = _progress_fn()
    engine = Engine(plan, lazy=True, certify=True, budget=budget, deadline=deadline, progress=show)
    trees: list[Any] = []
    with gc_paused():
        try:
            for rows, rhs in pieces:
                root = root_cell(plan.d, [[Q(v) for v in r] for r in rows], [Q(v) for v in rhs])
                if root is None:  # a null piece: its no-interior (Motzkin) certificate replaces the tree
                    y = Polyhedron(tuple(rows), tuple(rhs), plan.d).no_interior_certificate()
                    assert y is not None
                    trees.append({"empty": [[i, v] for i, v in enumerate(y) if v]})
                    continue
                for leaf in engine.run(root):
                    if _is_nonzero_map(leaf):
                        region = leaf_region(plan, leaf)
                        x = _witness_in(net, region, outside)
                        if x is not None:
                            w = Witness(x[0], x[1])
                            rev = {"region_pattern": [list(p) for p in region.pattern]}
                            return Verdict(Status.REFUTED, claim, w, rev, "pl-regions", seconds=time.monotonic() - t0)
                        return Verdict(Status.UNKNOWN, claim, method="pl-regions", seconds=time.monotonic() - t0,
                                       reason="no exact witness found in a nonzero region")
                trees.append(engine.root_node)
        except BudgetExceeded as exc:
            return Verdict(Status.UNKNOWN, claim, method="pl-regions", reason=str(exc), seconds=time.monotonic() - t0)
        finally:
            _done(show)
    ev: dict[str, Any] = {"trees": trees, "globals": engine.globals, "cells": engine.cells, "lps": engine.lps}
    return Verdict(Status.PROVED, claim, None, ev, "pl-regions", seconds=time.monotonic() - t0)
