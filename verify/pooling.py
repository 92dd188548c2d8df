"""Exact support reasoning for ReLU networks with Hadamard pooling.

When every activation comes before the first ``Pool`` and only affine and
pooling layers follow (``F = g ⊙ psi`` and the like), the network is
piecewise polynomial: on each activation region of the piecewise-linear
prefix the pre-pool vector is affine in ``x``, and the suffix turns it into
exact polynomials. On a full-dimensional region a polynomial vanishes
identically iff all its coefficients vanish, and a nonzero one of degree
``k`` is nonzero at one of the ``(k+1)^d`` points of any small product grid
inside the region: so zero tests and witnesses stay exact.

The regions are enumerated as a tree, one branch per linear piece of a unit
(``z <= 0`` / ``z >= 0`` for relu); a branch is cut off when it has no
interior, with a Motzkin certificate (``y >= 0``, ``y^T A = 0``, ``y^T b <= 0``,
on nonzero rows). Lazily: the units of the smallest dependency cone of a
pre-pool factor are decided first, and a node is a leaf as soon as the output
polynomial vanishes with a free symbol for every undetermined factor (so
``g * psi`` never splits ``g`` where ``psi`` is zero). The leaves cover the
(closed) pieces of R^d \\ K up to sets without interior, which is enough for
a continuous ``f``. The certificate lists every leaf (its decision path, and
"zero" or the multipliers); ``verify.checker.pooled`` re-checks it with Fractions.

A unit whose pre-activation is a constant at a breakpoint (both pieces hold
everywhere) is explored once: the repeated branch is a ``same_as`` leaf, so
the live leaves have pairwise disjoint interiors and volumes add up.

Fast routes, tried first: "f == 0 off K" by the factor route of
:mod:`verify.pooling_factors` (one factor of each pooled product vanishes
off K, proved by the PL engine: ``F = g ⊙ psi`` never splits ``g``); and
``support`` restricted to a box off which bounded factors vanish, by exact
polygon clipping in d <= 2 (:mod:`verify.pooling_planar`).

Networks with activations after a pooling layer (semi-algebraic pieces) go to
z3's nonlinear real arithmetic (:func:`verify.smt.find_nonzero_outside`).
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.box import Box
from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.exactlp import ONE as QONE
from verify.exactlp import ZERO as QZERO
from verify.exactlp import Q, lp_max_q, to_fraction
from verify.layers import Act, Affine, Layer, Pool
from verify.polyhedra import Polyhedron
from verify.verdict import Claim, Status, Verdict, Witness

if TYPE_CHECKING:
    from verify.network import Network
    from verify.support import Support

__all__ = ["CLAIM_KIND", "prove_support_in", "support", "split_at_pool", "region_polynomials", "PolyRegion"]

CLAIM_KIND = "support_in_pooled"
"""Claim kind of the certificates made here (re-checked by ``verify.checker.pooled``)."""

Vec = tuple[Fraction, ...]
Form = tuple[Vec, Fraction]  # an affine function x -> coeffs . x + const
Poly = dict[tuple[int, ...], Fraction]  # exponent tuple -> nonzero coefficient; {} is zero
_ZERO, _ONE = Fraction(0), Fraction(1)


# -- exact polynomials ----------------------------------------------------------


def _poly_lin(polys: Sequence[Poly], row: Sequence[Fraction], bias: Fraction, d: int) -> Poly:
    out: Poly = {(0,) * d: bias} if bias else {}
    for w, p in zip(row, polys):
        if w:
            for e, v in p.items():
                s = out.get(e, _ZERO) + w * v
                if s:
                    out[e] = s
                else:
                    del out[e]
    return out


def _poly_mul(p: Poly, q: Poly) -> Poly:
    out: Poly = {}
    for e1, v1 in p.items():
        for e2, v2 in q.items():
            e = tuple(a + b for a, b in zip(e1, e2))
            s = out.get(e, _ZERO) + v1 * v2
            if s:
                out[e] = s
            else:
                del out[e]
    return out


def _poly_eval(p: Poly, x: Sequence[Fraction]) -> Fraction:
    total = _ZERO
    for e, v in p.items():
        for xi, k in zip(x, e):
            if k:
                v = v * xi**k
        total += v
    return total


def _grid_point(polys: Sequence[Poly], center: Vec, radius: Fraction) -> Vec | None:
    """A point of ``center + radius * {-1, -1+2/k, ..., 1}^d`` (k = max degree) where some poly is nonzero.

    A nonzero polynomial of degree <= k cannot vanish on a product grid with k+1
    values per coordinate (Alon's Combinatorial Nullstellensatz), so this only
    returns None when every poly is zero. The centre is tried first.
    """
    live = [p for p in polys if p]
    if not live:
        return None
    if any(_poly_eval(p, center) for p in live):
        return center
    k = max(1, max(sum(e) for p in live for e in p))
    steps = [radius * Fraction(2 * j - k, k) for j in range(k + 1)]
    for offs in itertools.product(steps, repeat=len(center)):
        x = tuple(c + o for c, o in zip(center, offs))
        if any(_poly_eval(p, x) for p in live):
            return x
    return None


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


# -- the region tree ------------------------------------------------------------------


class _OutOfBudget(Exception):
    pass


@dataclass(frozen=True)
class PolyRegion:
    """A leaf of the region tree: a region with its output polynomials, or a cut-off branch.

    ``path`` lists the decisions that lead to the leaf, ``(layer, unit, piece)``
    (act layers and units counted from 0, pieces as in ``Activation.pieces()``;
    units with a single piece are never listed). ``polys`` (in ``x``) is None
    for a cut-off branch, whose ``no_interior`` multipliers prove that the
    region has no interior, and for a leaf found zero early (``zero_early``:
    the output vanishes whatever the undecided units do). ``same_as = k'``
    marks a branch that repeats its sibling ``k'``: the unit's pre-activation
    is a constant lying in both pieces, so both branches are the same region
    with the same unit output; only the sibling is explored (else the regions
    would not be interior-disjoint).
    """

    path: tuple[tuple[int, int, int], ...]
    rows: tuple[tuple[Vec, Fraction], ...]
    interior: Vec | None
    polys: tuple[Poly, ...] | None
    no_interior: Vec | None = None
    zero_early: bool = False
    same_as: int | None = None

    @functools.cached_property
    def polyhedron(self) -> Polyhedron:
        """The region ``{x : a.x <= beta for every row}`` (void zero rows dropped)."""
        return _region(list(self.rows), len(self.interior or self.rows[0][0]))

    @property
    def zero(self) -> bool:
        return self.zero_early or (self.polys is not None and not any(self.polys))


def _piece_rows(lo: Fraction | None, hi: Fraction | None, z: Form) -> list[tuple[Vec, Fraction]]:
    """``lo <= z(x) <= hi`` as rows ``a.x <= beta`` (lower bound first)."""
    c, k = z
    rows = []
    if lo is not None:
        rows.append((tuple(-v for v in c), k - lo))
    if hi is not None:
        rows.append((c, hi - k))
    return rows


def _holds(lo: Any, hi: Any, c: Any) -> bool:
    return (lo is None or lo <= c) and (hi is None or c <= hi)


def _first_piece(pcs: Sequence[tuple[Any, Any, Any, Any]], z: Form) -> int | None:
    """For a constant pre-activation ``z = c``, the first piece whose closed interval holds ``c``; else None.

    A later piece holding ``c`` too (``c`` at a breakpoint) would be the same
    region with the same output (PL activations are continuous): a duplicate.
    """
    if any(z[0]):
        return None
    return next((k for k, (lo, hi, _s, _i) in enumerate(pcs) if _holds(lo, hi, z[1])), None)


def _strictly_inside(rows: list[tuple[Vec, Fraction]], x: Vec) -> bool:
    """Whether ``x`` is strictly inside every row that constrains anything (zero rows ``0 <= beta >= 0`` are void)."""
    return all(sum((a * t for a, t in zip(r, x)), _ZERO) < beta if any(r) else beta >= 0 for r, beta in rows)


def _region(rows: list[tuple[Vec, Fraction]], d: int) -> Polyhedron:
    """The polyhedron of the rows that constrain anything (zero rows with ``beta >= 0`` dropped)."""
    live = [(r, b) for r, b in rows if any(r) or b < 0]
    return Polyhedron(tuple(r for r, _ in live), tuple(b for _, b in live), d)


def _interior_or_cut(rows: list[tuple[Vec, Fraction]], d: int) -> tuple[Vec | None, Vec | None]:
    """An interior point of ``{A x <= b}``, or multipliers (over all rows) proving it has no interior.

    Zero rows need care: ``0 <= 0`` holds everywhere, yet ``{0 < 0}`` is empty, so
    a Motzkin certificate may only use rows with a nonzero coefficient vector,
    unless it shows plain emptiness (``y^T b < 0``).
    """
    for i, (r, beta) in enumerate(rows):
        if not any(r) and beta < 0:
            return None, tuple(_ONE if j == i else _ZERO for j in range(len(rows)))
    idx = [i for i, (r, _) in enumerate(rows) if any(r)]
    # one exact LP: max t s.t. a_i x + t <= b_i (nonzero rows), t <= 1; t* > 0 iff there is an interior point,
    # else its dual multipliers (without the t <= 1 row) are a Motzkin certificate. Numbers: the mpq seam.
    A = [(*rows[i][0], QONE) for i in idx] + [(*([QZERO] * d), QONE)]
    res = lp_max_q(A, [rows[i][1] for i in idx] + [QONE], [QZERO] * d + [QONE])
    assert res.status == "optimal" and res.value is not None and res.point is not None and res.multipliers is not None
    if res.value > 0:
        return tuple(res.point[:-1]), None
    full = [_ZERO] * len(rows)
    for i, v in zip(idx, res.multipliers[:-1]):
        full[i] = to_fraction(v)
    return None, tuple(full)


def _q_rows(P: Polyhedron) -> list[tuple[tuple[Any, ...], Any]]:
    return [(tuple(Q(v) for v in r), Q(b)) for r, b in zip(P.A, P.b)]


def _fr(v: Any) -> Fraction:
    return to_fraction(v)


Unit = tuple[int, int]  # (act layer, unit)


@dataclass
class _Plan:
    """The prefix in normal form (consecutive affine maps composed), in the mpq seam.

    Act layer ``l`` has pre-activations ``W[l] h_{l-1} + c[l]`` (``h_{-1} = x``);
    the pre-pool vector is ``W_out h_last + c_out``.
    """

    d: int
    W: list[list[list[Any]]]
    c: list[list[Any]]
    pieces: list[list[list[tuple[Any, Any, Any, Any]]]]
    W_out: list[list[Any]]
    c_out: list[Any]
    suffix: tuple[Layer, ...]

    def deps(self, u: Unit) -> list[int]:
        l, i = u
        return [] if l == 0 else [j for j, w in enumerate(self.W[l][i]) if w]


def _make_plan(prefix: tuple[Layer, ...], suffix: tuple[Layer, ...], d: int) -> _Plan:
    W = [[QONE if i == j else QZERO for j in range(d)] for i in range(d)]
    c = [QZERO] * d
    plan = _Plan(d, [], [], [], [], [], suffix)
    cache: dict[Any, list[tuple[Any, Any, Any, Any]]] = {}
    for layer in prefix:
        if isinstance(layer, Affine):
            L = [[Q(w) for w in row] for row in layer.weight]
            c = [sum((a * t for a, t in zip(row, c)), QZERO) + Q(b) for row, b in zip(L, layer.bias)]
            W = [[sum((row[k] * W[k][j] for k in range(len(W)) if row[k]), QZERO) for j in range(len(W[0]))] for row in L]
            continue
        assert isinstance(layer, Act)
        units = []
        for i in range(len(W)):
            f = layer.unit(i)
            if f not in cache:
                cache[f] = [(None if p.lo is None else Q(p.lo), None if p.hi is None else Q(p.hi), Q(p.slope), Q(p.intercept))
                            for p in f.pieces()]
            units.append(cache[f])
        plan.W.append(W)
        plan.c.append(c)
        plan.pieces.append(units)
        W = [[QONE if i == j else QZERO for j in range(len(W))] for i in range(len(W))]
        c = [QZERO] * len(W)
    plan.W_out, plan.c_out = W, c
    return plan


def _zero_rates(net: Network, prefix: tuple[Layer, ...], m: int) -> list[float]:
    """How often each pre-pool component is (float) zero at 64 spread-out sample points: a heuristic only.

    It orders the cones (the cut-off factor of ``g * psi`` vanishes far out, so it
    goes first); it never decides anything.
    """
    if not prefix:
        return [0.0] * m
    import numpy as np

    from verify.network import Network as _Net

    rng = np.random.default_rng(0)
    X = np.concatenate([s * rng.standard_normal((16, net.input_dim)) for s in (1.0, 4.0, 16.0, 64.0)])
    V = _Net(net.input_dim, prefix).eval_float(X)
    return [float(np.mean(np.abs(V[:, k]) < 1e-9)) for k in range(m)]


def _order(plan: _Plan, lazy: bool, rates: Sequence[float] = ()) -> tuple[list[Unit], set[int]]:
    """The units in deciding order, and the positions where the zero test runs.

    Lazy: the dependency cones of the pre-pool components, the most often zero
    (``rates``) first, then the smallest (so the cut-off factor of ``g * psi``
    is decided before ``g``), with a zero test after each cone; dead units are
    never decided. Otherwise every unit in layer order.
    """
    L = len(plan.W)
    if not lazy:
        every = [(l, i) for l in range(L) for i in range(len(plan.W[l]))]
        return every, {len(every)}
    cones = []
    for row in plan.W_out:
        cone: set[Unit] = set()
        todo = [(L - 1, j) for j, w in enumerate(row) if w] if L else []
        while todo:
            u = todo.pop()
            if u not in cone:
                cone.add(u)
                todo += [(u[0] - 1, j) for j in plan.deps(u)]
        cones.append(cone)
    order: list[Unit] = []
    seen: set[Unit] = set()
    marks = {0}
    rank = list(rates) or [0.0] * len(cones)
    for k in sorted(range(len(cones)), key=lambda k: (-rank[k], len(cones[k]), k)):
        cone = cones[k]
        order += sorted(cone - seen)
        seen |= cone
        marks.add(len(order))
    return order, marks


def _pre(plan: _Plan, u: Unit, outs: dict[Unit, Form]) -> Form:
    """The affine pre-activation of unit ``u`` (its inputs are decided)."""
    l, i = u
    if l == 0:
        return tuple(plan.W[0][i]), plan.c[0][i]
    coeffs, const = [QZERO] * plan.d, plan.c[l][i]
    for j, w in enumerate(plan.W[l][i]):
        if w:
            a, k = outs[(l - 1, j)]
            const += w * k
            for t in range(plan.d):
                if a[t]:
                    coeffs[t] += w * a[t]
    return tuple(coeffs), const


def _prepool_polys(plan: _Plan, outs: dict[Unit, Form]) -> tuple[Poly, ...]:
    """The output polynomials in ``x`` and one free symbol per undetermined pre-pool component."""
    L, d = len(plan.W), plan.d
    m = len(plan.W_out)
    polys: list[Poly] = []
    for k, (row, c0) in enumerate(zip(plan.W_out, plan.c_out)):
        live = [(j, w) for j, w in enumerate(row) if w]
        if L and any((L - 1, j) not in outs for j, _ in live):
            polys.append({tuple(int(t == d + k) for t in range(d + m)): _ONE})
            continue
        coeffs, const = [QZERO] * d, c0
        for j, w in live:
            a, kk = outs[(L - 1, j)] if L else (tuple(QONE if t == j else QZERO for t in range(d)), QZERO)
            const += w * kk
            for t in range(d):
                coeffs[t] += w * a[t]
        p: Poly = {tuple(int(t == i) for t in range(d + m)): _fr(v) for i, v in enumerate(coeffs) if v}
        if const:
            p[(0,) * (d + m)] = _fr(const)
        polys.append(p)
    for layer in plan.suffix:
        if isinstance(layer, Affine):
            polys = [_poly_lin(polys, row, b, d + m) for row, b in zip(layer.weight, layer.bias)]
        elif isinstance(layer, Pool):
            half = len(polys) // 2
            polys = [_poly_mul(polys[i], polys[i + half]) for i in range(half)]
    return tuple(polys)


def _advance(plan: _Plan, order: list[Unit], marks: set[int], pos: int,
             outs: dict[Unit, Form]) -> tuple[int, dict[Unit, Form], Any, tuple[Poly, ...] | None]:
    """Decide single-piece units up to the next split; stop early at a leaf (the end, or zero at a mark)."""
    while True:
        if pos in marks:
            polys = _prepool_polys(plan, outs)
            if pos == len(order) or not any(polys):
                return pos, outs, None, polys
        u = order[pos]
        z = _pre(plan, u, outs)
        pcs = plan.pieces[u[0]][u[1]]
        if len(pcs) > 1:
            return pos, outs, (u, z, pcs), None
        _lo, _hi, slope, icpt = pcs[0]
        outs = {**outs, u: (tuple(slope * v for v in z[0]), slope * z[1] + icpt)}
        pos += 1


def _walk(net: Network, prefix: tuple[Layer, ...], suffix: tuple[Layer, ...], base: Polyhedron,
          point: Vec, budget: list[int], *, lazy: bool = True) -> Iterator[PolyRegion]:
    """Every leaf of the region tree inside ``base`` (given with an interior ``point``), depth first.

    The hot loop runs in the gmpy2 ``mpq`` seam of :mod:`verify.exactlp`; leaves are handed out in Fractions.
    """
    d = net.input_dim
    plan = _make_plan(prefix, suffix, d)
    order, marks = _order(plan, lazy, _zero_rates(net, prefix, len(plan.W_out)) if lazy else ())
    rows0 = [(tuple(Q(v) for v in r), Q(b)) for r, b in zip(base.A, base.b)]
    stack: list[Any] = [(0, {}, rows0, tuple(Q(v) for v in point), ())]
    while stack:
        pos, outs, rows, pt, path = stack.pop()
        pos, outs, split, polys = _advance(plan, order, marks, pos, outs)
        if split is None:
            assert polys is not None
            done = pos == len(order)
            fr_rows = tuple((tuple(map(_fr, r)), _fr(b)) for r, b in rows)
            yield PolyRegion(path, fr_rows, tuple(map(_fr, pt)),
                             tuple({e[:d]: v for e, v in p.items()} for p in polys) if done else None,
                             zero_early=not done)
            continue
        u, z, pcs = split
        children: list[Any] = []
        first = _first_piece(pcs, z)
        for k, (lo, hi, slope, icpt) in enumerate(pcs):
            if first is not None and k != first and _holds(lo, hi, z[1]):
                yield PolyRegion((*path, (*u, k)), (), None, None, same_as=first)
                continue
            new = _piece_rows(lo, hi, z)
            rows2 = rows + new
            pt2 = pt
            if not _strictly_inside(new, pt):
                budget[0] -= 1
                if budget[0] < 0:
                    raise _OutOfBudget
                pt2, cut = _interior_or_cut(rows2, d)
                if pt2 is None:
                    yield PolyRegion((*path, (*u, k)), tuple(rows2), None, None, cut)
                    continue
            out = (tuple(slope * v for v in z[0]), slope * z[1] + icpt)
            children.append((pos + 1, {**outs, u: out}, rows2, pt2, (*path, (*u, k))))
        stack.extend(reversed(children))


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
        if _strictly_inside(list(leaf.rows), y) and any(_poly_eval(p, y) for p in leaf.polys) and any(net.eval_exact(y)):
            return y
    x = _grid_point(leaf.polys, leaf.interior, _small_radius(leaf.rows, leaf.interior))
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
