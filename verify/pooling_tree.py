"""The region tree of a ReLU network with Hadamard pooling: lazy cone order, exact leaves.

The regions of the piecewise-linear prefix (the layers before the first
``Pool``) are enumerated as a tree, one branch per linear piece of a unit
(``z <= 0`` / ``z >= 0`` for relu); a branch is cut off when it has no
interior, with a Motzkin certificate (``y >= 0``, ``y^T A = 0``, ``y^T b <= 0``,
on nonzero rows). Lazily: the units of the smallest dependency cone of a
pre-pool factor are decided first, and a node is a leaf as soon as the output
polynomial vanishes with a free symbol for every undetermined factor (so
``g * psi`` never splits ``g`` where ``psi`` is zero). On each leaf the
network equals exact polynomials (:mod:`verify.polynomials`).

A unit whose pre-activation is a constant at a breakpoint (both pieces hold
everywhere) is explored once: the repeated branch is a ``same_as`` leaf, so
the live leaves have pairwise disjoint interiors and volumes add up.

The public entry points are in :mod:`verify.pooling` (``region_polynomials``,
``prove_support_in``, ``support``); :mod:`verify.pooling_planar` walks the same
tree with polygons.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.exactlp import ONE as QONE
from verify.exactlp import ZERO as QZERO
from verify.exactlp import Q, lp_max_q, to_fraction
from verify.layers import Act, Affine, Layer, Pool
from verify.polyhedra import Polyhedron
from verify.polynomials import Poly, Vec, poly_lin, poly_mul

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["PolyRegion"]

Form = tuple[Vec, Fraction]  # an affine function x -> coeffs . x + const
_ZERO, _ONE = Fraction(0), Fraction(1)


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
            polys = [poly_lin(polys, row, b, d + m) for row, b in zip(layer.weight, layer.bias)]
        elif isinstance(layer, Pool):
            half = len(polys) // 2
            polys = [poly_mul(polys[i], polys[i + half]) for i in range(half)]
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
