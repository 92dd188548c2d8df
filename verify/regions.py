"""Exact linear regions of piecewise-linear networks, over R^d, a box or a polyhedron.

**Definition.** For a network without Pool whose activations are piecewise
linear, an *activation pattern* assigns to every unit one piece of its
activation; its *region* is the closed set of inputs where every unit's
pre-activation lies in its assigned piece. :func:`linear_regions` returns
every region with nonempty interior (a full-dimensional activation cell,
never merged), each with its polyhedron, its pattern and the exact affine
map ``x -> f(x)`` there; the regions cover the domain and have pairwise
disjoint interiors. ``merge=True`` instead returns the maximal linear pieces.

The engine splits a root cell unit by unit (see ``Engine``): a unit whose
pre-activation (affine on the cell) stays in one piece is fixed after an
exact LP, otherwise the cell is split by the breakpoint hyperplane(s), each
child receiving an exact interior point. In *lazy* mode (support proofs)
only units the output depends on are decided, and a unit may be fixed in a
slope-0 piece by an exact LP over a relaxation of its unknown inputs
(``h >= 0``, ``h >= t`` for ReLU, ...), without splitting them. Every
decision records the LP dual multipliers, so that :mod:`verify.checker.pl`
re-derives each bound with Fractions alone. Numbers go through the gmpy2
``mpq`` seam of :mod:`verify.exactlp`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from verify.box import Box
from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.exactlp import ONE, ZERO, Q, lp_max_q, to_fraction
from verify.layers import Act, Affine, Pool
from verify.polyhedra import Polyhedron

__all__ = ["Region", "linear_regions", "affine_is_zero"]

Unit = tuple[int, int]

# Globally valid inequalities alpha*t + beta*h <= gamma for h = act(t), per activation (table order matters:
# the checker rebuilds the same rows). Rows with alpha != 0 are used only when t is affine on the cell.
def templates(name: str, a: Any) -> list[tuple[Any, Any, Any]]:
    if name == "relu":
        return [(ZERO, -ONE, ZERO), (ONE, -ONE, ZERO)]
    if name in ("leaky_relu", "prelu"):
        return [(a, -ONE, ZERO), (ONE, -ONE, ZERO)] if a <= 1 else [(-a, ONE, ZERO), (-ONE, ONE, ZERO)]
    if name == "abs":
        return [(ONE, -ONE, ZERO), (-ONE, -ONE, ZERO)]
    if name == "hardtanh":
        return [(ZERO, -ONE, ONE), (ZERO, ONE, ONE)]
    if name == "identity":
        return [(ONE, -ONE, ZERO), (-ONE, ONE, ZERO)]
    return []


@dataclass
class UnitSpec:
    name: str
    pieces: list[tuple[Any, Any, Any, Any]]  # (lo, hi, slope, intercept); None = infinite
    templates: list[tuple[Any, Any, Any]]


@dataclass
class Plan:
    """The network in normal form, in the seam number type."""

    d: int
    W: list[list[list[Any]]]  # per act layer: rows over the previous layer (or x)
    c: list[list[Any]]
    units: list[list[UnitSpec]]
    inputs: list[list[list[tuple[int, Any]]]]  # nonzero weights (j, w) per unit
    out_W: list[list[Any]]
    out_c: list[Any]
    out_inputs: list[list[tuple[int, Any]]]


def make_plan(net: Any) -> Plan:
    """Normal form of a piecewise-linear network (no Pool), exact in the seam type."""
    if any(isinstance(layer, Pool) for layer in net.layers):
        raise UnsupportedNetwork(expected("a piecewise-linear network without Pool", "net", net))
    cur: Affine | None = None  # None: the identity (composing with it explicitly costs n^3)
    width = net.input_dim
    steps = []
    for layer in net.layers:
        if isinstance(layer, Affine):
            cur = layer if cur is None else cur.then(layer)
            width = layer.out_dim
        else:
            assert isinstance(layer, Act)
            acts = layer.expanded(width)
            if not all(a.piecewise_linear for a in acts):
                raise UnsupportedNetwork(expected("piecewise-linear activations", "activations", [str(a) for a in acts]))
            steps.append((cur if cur is not None else Affine.identity(width), acts))
            cur = None
    if cur is None:
        cur = Affine.identity(width)
    plan = Plan(net.input_dim, [], [], [], [], [], [], [])
    known: dict[Any, UnitSpec] = {}
    for aff, acts in steps:
        W = [[Q(v) if v else ZERO for v in row] for row in aff.weight]
        plan.W.append(W)
        plan.c.append([Q(v) for v in aff.bias])
        plan.inputs.append([[(j, w) for j, w in enumerate(row) if w] for row in W])
        specs = []
        for a in acts:
            if a not in known:  # one spec per distinct activation (specs are shared, never mutated)
                pcs = [(None if p.lo is None else Q(p.lo), None if p.hi is None else Q(p.hi), Q(p.slope), Q(p.intercept))
                       for p in a.pieces()]
                known[a] = UnitSpec(a.name, pcs, templates(a.name, None if a.param is None else Q(a.param)))
            specs.append(known[a])
        plan.units.append(specs)
    plan.out_W = [[Q(v) if v else ZERO for v in row] for row in cur.weight]
    plan.out_c = [Q(v) for v in cur.bias]
    plan.out_inputs = [[(j, w) for j, w in enumerate(row) if w] for row in plan.out_W]
    return plan


def dot(u: Any, v: Any) -> Any:
    s = ZERO
    for a, t in zip(u, v):
        if a and t:
            s += a * t
    return s


@dataclass
class Cell:
    A: list[list[Any]]
    b: list[Any]
    p: tuple[Any, ...]
    pts: list[tuple[Any, ...]]
    fixed: dict[Unit, int]
    pre: dict[Unit, tuple[tuple[Any, ...], Any] | None]
    out: dict[Unit, tuple[tuple[Any, ...], Any] | None]
    vals: dict[Unit, Any] = field(default_factory=dict)
    poly: list[tuple[Any, ...]] | None = None  # d = 2, bounded, full mode: the vertices in cyclic order
    acc: list[list[Any]] | None = None  # full mode: partial pre-activations of the next layer (rows + constant)

    def copy(self) -> Cell:
        return Cell(list(self.A), list(self.b), self.p, list(self.pts), dict(self.fixed), dict(self.pre), dict(self.out),
                    dict(self.vals))

    def child(self, rows: list[tuple[list[Any], Any]], p: tuple[Any, ...], unit: Unit, piece: int) -> Cell:
        A = self.A + [r for r, _ in rows]
        b = self.b + [v for _, v in rows]
        pts = [q for q in self.pts if all(dot(r, q) <= v for r, v in rows)]
        fixed = dict(self.fixed)
        fixed[unit] = piece
        return Cell(A, b, p, pts, fixed, dict(self.pre), {k: v for k, v in self.out.items() if v is not None})


@dataclass
class Leaf:
    cell: Cell
    map_rows: list[tuple[Any, ...]]  # output i = row . x + const
    map_const: list[Any]
    node: dict[str, Any] | None


class BudgetExceeded(Exception):
    pass


class LemmaFailed(Exception):
    pass


class NeedsSplit(LemmaFailed):
    """A split was needed inside a run that forbids them (a cheap first attempt)."""


def sparse(y: tuple[Any, ...] | None) -> list[list[Any]]:
    """Nonzero multipliers as [index, Fraction] pairs."""
    assert y is not None
    return [[i, to_fraction(v)] for i, v in enumerate(y) if v]


class Engine:
    """Depth-first splitting of a root cell; yields the leaves (full-dimensional cells with their output map)."""

    def __init__(self, plan: Plan, *, lazy: bool, certify: bool, budget: int | None = None,
                 deadline: float | None = None, progress: Any = None):
        self.plan, self.lazy, self.certify = plan, lazy, certify
        self.budget, self.deadline, self.progress = budget, deadline, progress
        self.cells = 0
        self.lps = 0
        self.targets: dict[Unit, int] = {}
        self.groups: dict[Unit, tuple[list[int], int]] = {}
        self.gmax: dict[Unit, Any] = {}
        self.nosplit = False
        self.use_globals = True  # global group lemmas (measured in benchmarks/bench_support.py)
        self.glob: dict[Any, tuple[Any, int]] = {}  # (unit, group, sign) -> (bound, index) of a global lemma
        self.glob_tried: set[Any] = set()
        self.globals: list[dict[str, Any]] = []

    # -- affine expressions on a cell ---------------------------------------
    def pre_expr(self, cell: Cell, u: Unit) -> tuple[tuple[Any, ...], Any] | None:
        if u in cell.pre and cell.pre[u] is not None:
            return cell.pre[u]
        l, i = u
        plan = self.plan
        if l == 0:
            e = (tuple(plan.W[0][i]), plan.c[0][i])
        else:
            row = [ZERO] * plan.d
            const = plan.c[l][i]
            for j, w in plan.inputs[l][i]:
                o = self.out_expr(cell, (l - 1, j))
                if o is None:
                    return None
                for k in range(plan.d):
                    if o[0][k]:
                        row[k] += w * o[0][k]
                const += w * o[1]
            e = (tuple(row), const)
        cell.pre[u] = e
        return e

    def out_expr(self, cell: Cell, u: Unit) -> tuple[tuple[Any, ...], Any] | None:
        got = cell.out.get(u)
        if got is not None:
            return got
        q = cell.fixed.get(u)
        if q is None:
            return None
        _, _, s, e = self.plan.units[u[0]][u[1]].pieces[q]
        if not s:
            res = ((ZERO,) * self.plan.d, e)
        else:
            pre = self.pre_expr(cell, u)
            if pre is None:
                return None
            res = (tuple(s * v for v in pre[0]), s * pre[1] + e)
        cell.out[u] = res
        return res

    def value(self, cell: Cell, u: Unit, pre: bool = False) -> Any:
        """The true (pre-)activation of unit u at the cell's interior point."""
        key = (u[0], u[1] + (1 << 30) if pre else u[1])
        if key in cell.vals:
            return cell.vals[key]
        l, i = u
        if l == 0:
            t = dot(self.plan.W[0][i], cell.p) + self.plan.c[0][i]
        else:
            t = self.plan.c[l][i]
            for j, w in self.plan.inputs[l][i]:
                t += w * self.value(cell, (l - 1, j))
        cell.vals[(l, i + (1 << 30))] = t
        spec = self.plan.units[l][i]
        v = next(s * t + e for lo, hi, s, e in spec.pieces if (lo is None or lo <= t) and (hi is None or t <= hi))
        cell.vals[(l, i)] = v
        return cell.vals[key]

    # -- main loop -----------------------------------------------------------
    def run(self, root: Cell) -> Iterator[Leaf]:
        plan = self.plan
        if self.lazy:
            need = sorted({(len(plan.units) - 1, j) for row in plan.out_inputs for j, _ in row}) if plan.units else []
            stack: list[tuple[str, Unit]] = [("out", u) for u in reversed(need)]
        else:
            stack = [("decide", (l, i)) for l in reversed(range(len(plan.units))) for i in reversed(range(len(plan.units[l])))]
        if not self.lazy and len(plan.units) > 1 and not root.fixed:
            root.acc = [[ZERO] * plan.d + [c] for c in plan.c[1]]
            self.cols = [[] if l == 0 else [[(i, row[j]) for i, row in enumerate(plan.W[l]) if row[j]]
                                            for j in range(len(plan.W[l][0]))] for l in range(len(plan.units))]
        node: dict[str, Any] | None = {"seq": []} if self.certify else None
        self.root_node = node
        yield from self._solve(root, stack, node)

    def _acc(self, cell: Cell, u: Unit) -> None:
        """Full mode: add the newly fixed unit's output to the next layer's partial pre-activations; when its
        layer is complete those become the next layer's pre-activations (children share the parent's work)."""
        l, j = u
        plan, d = self.plan, self.plan.d
        assert cell.acc is not None
        o = self.out_expr(cell, u)
        assert o is not None
        row, c = o
        for i, w in self.cols[l + 1][j]:
            a = cell.acc[i]
            for k in range(d):
                if row[k]:
                    a[k] += w * row[k]
            a[d] += w * c
        if j == len(plan.units[l]) - 1:
            for i, a in enumerate(cell.acc):
                cell.pre[(l + 1, i)] = (tuple(a[:d]), a[d])
            cell.acc = [[ZERO] * d + [c] for c in plan.c[l + 2]] if l + 2 < len(plan.units) else None

    def _tick(self) -> None:
        self.cells += 1
        if self.budget is not None and self.cells > self.budget:
            raise BudgetExceeded(f"cell budget of {self.budget} exhausted")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BudgetExceeded("time budget exhausted")
        if self.progress is not None and self.cells % 200 == 0:
            self.progress(self.cells)

    def _solve(self, cell: Cell, stack: list[tuple[str, Unit]], node: dict[str, Any] | None) -> Iterator[Leaf]:
        self._tick()
        while stack:
            kind, u = stack.pop()
            if kind == "out":
                if self.out_expr(cell, u) is not None:
                    continue
                stack.append(("out", u))
                stack.append(("pre", u) if u in cell.fixed else ("decide", u))
            elif kind == "gbound":
                self._gbound(cell, u, node)
                return
            elif kind == "pre":
                if u[0] > 0:
                    for j, _ in reversed(self.plan.inputs[u[0]][u[1]]):
                        if self.out_expr(cell, (u[0] - 1, j)) is None:
                            stack.append(("out", (u[0] - 1, j)))
            else:
                if u in cell.fixed:
                    continue
                pre = self.pre_expr(cell, u)
                if pre is None:
                    if not (self._relax(cell, u, node) or self._group_lemma(cell, u, node) or self._lemma(cell, u, node)):
                        stack += [("decide", u), ("pre", u)]
                    continue
                split = self._exact(cell, u, pre, node)
                if kind == "bound":
                    if split is not None or cell.fixed.get(u) != self.targets[u]:
                        raise LemmaFailed
                    if node is not None:
                        node["leaf"] = "bound"
                    return
                if split is None:
                    if cell.acc is not None:
                        self._acc(cell, u)
                    continue
                for child, cnode in split:
                    if cell.acc is not None:
                        child.acc = [list(a) for a in cell.acc]
                        self._acc(child, u)
                    yield from self._solve(child, list(stack), cnode)
                return
        rows, consts = [], []
        for r, (wrow, c) in enumerate(zip(self.plan.out_W, self.plan.out_c)):
            row = [ZERO] * self.plan.d
            if not self.plan.units:
                row = list(wrow)
            else:
                for j, w in self.plan.out_inputs[r]:
                    o = self.out_expr(cell, (len(self.plan.units) - 1, j))
                    assert o is not None
                    for k in range(self.plan.d):
                        row[k] += w * o[0][k]
                    c += w * o[1]
            rows.append(tuple(row))
            consts.append(c)
        if node is not None:
            node["leaf"] = "map"
        yield Leaf(cell, rows, consts, node)

    # -- exact decision of a unit whose pre-activation is affine on the cell ---
    def _exact(self, cell: Cell, u: Unit, pre: tuple[tuple[Any, ...], Any],
               node: dict[str, Any] | None) -> list[tuple[Cell, dict[str, Any] | None]] | None:
        spec = self.plan.units[u[0]][u[1]]
        pcs = spec.pieces
        w, c0 = pre
        if len(pcs) == 1:
            cell.fixed[u] = 0
            if node is not None:
                node["seq"].append({"unit": list(u), "pieces": [0, 0]})
            return None
        if not any(w):
            q = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo <= c0) and (hi is None or c0 <= hi))
            cell.fixed[u] = q
            if node is not None:
                node["seq"].append({"unit": list(u), "pieces": [q, q], "lo": [], "hi": []})
            return None
        if cell.poly is not None:
            return self._exact_poly(cell, u, w, c0, pcs)
        zp = dot(w, cell.p) + c0
        # lower side
        lo_info = self._side(cell, w, c0, zp, pcs, -1)
        hi_info = self._side(cell, w, c0, zp, pcs, +1)
        qa, ya, ta = lo_info
        qb, yb, tb = hi_info
        rec = {"unit": list(u), "pieces": [qa, qb]}
        if node is not None:
            if pcs[qa][0] is not None:
                rec["lo"] = ya
            if pcs[qb][1] is not None:
                rec["hi"] = yb
        if qa == qb:
            cell.fixed[u] = qa
            if node is not None:
                node["seq"].append(rec)
            return None
        if self.nosplit:
            raise NeedsSplit
        # split: one child per piece qa..qb, each with an interior point on a segment from p
        children = []
        kids: list[dict[str, Any] | None] = []
        for q in range(qa, qb + 1):
            lo, hi = pcs[q][0], pcs[q][1]
            rows = []
            if q > qa:
                rows.append(([-v for v in w], c0 - lo))
            if q < qb:
                rows.append((list(w), hi - c0))
            pt = self._point_for(cell, w, c0, zp, lo if q > qa else None, hi if q < qb else None, ta, tb)
            pt = self._simplify(pt, cell, rows)
            child = cell.child(rows, pt, u, q)
            cnode: dict[str, Any] | None = {"seq": []} if node is not None else None
            kids.append(cnode)
            children.append((child, cnode))
        if node is not None:
            node["seq"].append(rec)
            node["split"] = kids
        return children

    def _exact_poly(self, cell: Cell, u: Unit, w: Any, c0: Any,
                    pcs: list[Any]) -> list[tuple[Cell, dict[str, Any] | None]] | None:
        """Exact 2-D decision by the polygon's vertices (no LP), children by exact polygon clipping."""
        poly = cell.poly
        assert poly is not None
        zs = [dot(w, v) + c0 for v in poly]
        zmin, zmax = min(zs), max(zs)
        qa = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo <= zmin) and (hi is None or zmin < hi))
        qb = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo < zmax) and (hi is None or zmax <= hi))
        if qa == qb:
            cell.fixed[u] = qa
            return None
        children: list[tuple[Cell, dict[str, Any] | None]] = []
        for q in range(qa, qb + 1):
            lo, hi = pcs[q][0], pcs[q][1]
            rows = []
            sub, subz = poly, zs
            if q > qa:
                rows.append(([-v for v in w], c0 - lo))
                sub, subz = _clip_le(sub, [-z for z in subz], -lo)
                subz = [-z for z in subz]
            if q < qb:
                rows.append((list(w), hi - c0))
                sub, subz = _clip_le(sub, subz, hi)
            n = len(sub)
            centre = tuple(sum(v[k] for v in sub) / n for k in range(2))
            child = cell.child(rows, centre, u, q)
            child.poly = sub
            children.append((child, None))
        return children

    def _side(self, cell: Cell, w: Any, c0: Any, zp: Any, pcs: list[Any], sgn: int) -> tuple[int, Any, Any]:
        """Extreme reachable piece on one side: (piece index, certificate y or None, point/ray info)."""
        if sgn < 0:
            qp = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo < zp) and (hi is None or zp <= hi))
            inside = pcs[qp][1] is None or zp < pcs[qp][1]
            if pcs[qp][0] is None and inside:
                return qp, None, None
        else:
            qp = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo <= zp) and (hi is None or zp < hi))
            inside = pcs[qp][0] is None or pcs[qp][0] < zp
            if pcs[qp][1] is None and inside:
                return qp, None, None
        end = 0 if sgn < 0 else len(pcs) - 1
        # a known point beyond the breakpoint settles the outermost piece when it is the next one
        if inside and qp + sgn == end:
            for v in cell.pts:
                zv = dot(w, v) + c0
                if (sgn < 0 and zv < pcs[qp][0]) or (sgn > 0 and zv > pcs[qp][1]):
                    return end, None, ("pt", v, zv)
        if inside:
            one = self._one_row(cell, w, sgn)
            if one is not None and ((sgn > 0 and one[0] + c0 <= pcs[qp][1]) or (sgn < 0 and c0 - one[0] >= pcs[qp][0])):
                return qp, one[1], None
        self.lps += 1
        res = lp_max_q(cell.A, cell.b, [sgn * v for v in w], feasible=cell.p)
        if res.status == "unbounded":
            return end, None, ("ray", res.ray, sgn * dot(w, res.ray))
        assert res.status == "optimal" and res.point is not None
        v = res.point
        cell.pts.append(v)
        if len(cell.pts) > 6:
            del cell.pts[0]
        zv = dot(w, v) + c0
        if sgn < 0:
            q = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo <= zv) and (hi is None or zv < hi))
        else:
            q = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo < zv) and (hi is None or zv <= hi))
        y = sparse(res.multipliers) if self.certify else None
        return q, y, ("pt", v, zv)

    def _one_row(self, cell: Cell, w: Any, sgn: int) -> tuple[Any, Any] | None:
        """The best bound of max (sgn w).x from a single row parallel to sgn*w (no LP): (bound, certificate)."""
        k = next(i for i, v in enumerate(w) if v)
        best = None
        for r, (row, rhs) in enumerate(zip(cell.A, cell.b)):
            if not row[k]:
                continue
            lam = row[k] / (sgn * w[k])
            if lam > 0 and all(a == lam * sgn * v for a, v in zip(row, w)):
                bound = rhs / lam
                if best is None or bound < best[0]:
                    best = (bound, r, lam)
        if best is None:
            return None
        cert = [[best[1], to_fraction(ONE / best[2])]] if self.certify else None
        return best[0], cert

    @staticmethod
    def _point_for(cell: Cell, w: Any, c0: Any, zp: Any, lo: Any, hi: Any, ta: Any, tb: Any) -> tuple[Any, ...]:
        """An interior point of the cell with lo < z < hi (None = unbounded), on a segment or ray from p."""
        if (lo is None or lo < zp) and (hi is None or zp < hi):
            return cell.p
        if hi is not None and zp >= hi:  # the child lies below p
            info = ta
            if info[0] == "pt":
                bot = info[2] if lo is None or info[2] > lo else lo
                target = (bot + hi) / 2
            else:
                target = hi - ONE if lo is None else (lo + hi) / 2
        else:  # above p
            info = tb
            if info[0] == "pt":
                top = info[2] if hi is None or info[2] < hi else hi
                target = (lo + top) / 2
            else:
                target = lo + ONE if hi is None else (lo + hi) / 2
        if info[0] == "ray":
            s = abs(target - zp) / info[2]
            return tuple(a + s * r for a, r in zip(cell.p, info[1]))
        v, zv = info[1], info[2]
        s = (zp - target) / (zp - zv)
        return tuple(a + s * (b - a) for a, b in zip(cell.p, v))

    @staticmethod
    def _simplify(pt: tuple[Any, ...], cell: Cell, rows: list[tuple[list[Any], Any]]) -> tuple[Any, ...]:
        """A point of small height strictly inside the child, near pt (pt itself if none found)."""
        A = cell.A + [r for r, _ in rows]
        b = cell.b + [v for _, v in rows]
        for k in (0, 1, 2, 4, 8, 16, 32):
            den = 1 << k
            cand = tuple(Q(round(v * den), den) for v in pt)
            if cand == pt:
                return pt
            if all(dot(r, cand) < v for r, v in zip(A, b)):
                return cand
        return pt

    # -- relaxation and lemmas ------------------------------------------------
    def _target(self, cell: Cell, u: Unit) -> int | None:
        """The slope-0 piece holding u's pre-activation at the interior point, if any."""
        zp = self.value(cell, u, pre=True)
        return next((k for k, (lo, hi, s, _) in enumerate(self.plan.units[u[0]][u[1]].pieces)
                     if not s and (lo is None or lo <= zp) and (hi is None or zp <= hi)), None)

    def _lemma(self, cell: Cell, u: Unit, node: dict[str, Any] | None) -> bool:
        """Prove u stays in its slope-0 piece on the whole cell by splitting a copy of it by u's inputs only.

        On success u is fixed on the cell itself and the splits are forgotten (the sub-tree is the proof).
        """
        if not self.lazy:
            return False
        q = self._target(cell, u)
        if q is None:
            return False
        self.targets[u] = q
        snode: dict[str, Any] | None = {"seq": []} if node is not None else None
        try:
            for _ in self._solve(cell.copy(), [("bound", u), ("pre", u)], snode):
                raise AssertionError("a lemma yields no leaves")
        except LemmaFailed:
            return False
        finally:
            del self.targets[u]
        cell.fixed[u] = q
        if node is not None:
            node["seq"].append({"unit": list(u), "pieces": [q, q], "lemma": snode})
        return True

    def _form(self, cell: Cell, u: Unit, inputs: list[int]) -> tuple[list[Any], Any]:
        """sum_j W[u][j] out_j over the given inputs of u, an affine function on the cell."""
        l, i = u
        row, const = [ZERO] * self.plan.d, ZERO
        W = self.plan.W[l][i]
        for j in inputs:
            o = self.out_expr(cell, (l - 1, j))
            assert o is not None
            for k in range(self.plan.d):
                row[k] += W[j] * o[0][k]
            const += W[j] * o[1]
        return row, const

    def _max_over(self, cell: Cell, row: list[Any], const: Any, sgn: int) -> tuple[Any, Any]:
        """A certified upper bound of sgn*(row.x + const) on the cell (LemmaFailed when unbounded)."""
        if not any(row):
            return sgn * const, []
        one = self._one_row(cell, row, sgn)
        if one is not None:
            return one[0] + sgn * const, one[1]
        self.lps += 1
        res = lp_max_q(cell.A, cell.b, [sgn * v for v in row], feasible=cell.p)
        if res.status != "optimal":
            raise LemmaFailed
        return res.value + sgn * const, sparse(res.multipliers) if self.certify else None

    def _gbound(self, cell: Cell, u: Unit, node: dict[str, Any] | None) -> None:
        inputs, sgn = self.groups[u]
        row, const = self._form(cell, u, inputs)
        value, y = self._max_over(cell, row, const, sgn)
        if self.gmax[u] is None or value > self.gmax[u]:
            self.gmax[u] = value
        if node is not None:
            node["leaf"] = "gbound"
            node["y"] = y

    def _group_lemma(self, cell: Cell, u: Unit, node: dict[str, Any] | None) -> bool:
        """Bound z_u by a sum of separately proved bounds, one per group of inputs (parallel hyperplanes).

        max(sum of groups) <= sum of the groups' maxima; each group is split by its own units only,
        so the cost grows with the number of groups, not with the product of their cell counts.
        """
        l, i = u
        if not self.lazy or l == 0:
            return False
        q = self._target(cell, u)
        if q is None:
            return False
        lo, hi = self.plan.units[l][i].pieces[q][:2]
        if (lo is None) == (hi is None):
            return False
        sgn = 1 if hi is not None else -1
        known, groups = self._groups(cell, u)
        if len(groups) < 2:
            return False
        recs = []
        total = self.plan.c[l][i] if sgn > 0 else -self.plan.c[l][i]
        try:
            row, const = self._form(cell, u, known)
            b0, y0 = self._max_over(cell, row, const, sgn)
            total += b0
            recs.append({"inputs": known, "bound": to_fraction(b0), "tree": {"seq": [], "leaf": "gbound", "y": y0}})
            slack = (hi if sgn > 0 else -lo) - total  # the groups' bounds must sum to at most this
            gsum, grecs = self._group_bounds(cell, u, groups, sgn, node is not None, slack)
            total += gsum
            recs += grecs
        except LemmaFailed:
            return False
        if (sgn > 0 and total > hi) or (sgn < 0 and -total < lo):
            return False
        cell.fixed[u] = q
        if node is not None:
            node["seq"].append({"unit": [l, i], "pieces": [q, q], "sign": sgn, "groups": recs})
        return True

    def _group_run(self, cell: Cell, u: Unit, G: list[int], sgn: int, certify: bool,
                   nosplit: bool) -> tuple[Any, dict[str, Any] | None]:
        """max of sgn * sum_{j in G} W[u][j] out_j over the cell, proved by splitting by G's units only."""
        l = u[0]
        saved = (self.groups.get(u), self.gmax.get(u), self.nosplit)
        self.groups[u], self.gmax[u], self.nosplit = (G, sgn), None, nosplit or self.nosplit
        try:
            snode: dict[str, Any] | None = {"seq": []} if certify else None
            stack: list[tuple[str, Unit]] = [("gbound", u)] + [("out", (l - 1, j)) for j in reversed(G)]
            for _ in self._solve(cell.copy(), stack, snode):
                raise AssertionError("a group lemma yields no leaves")
            return self.gmax[u], snode
        finally:
            self.groups[u], self.gmax[u], self.nosplit = saved  # type: ignore[assignment]

    def _local_nosplit(self, cell: Cell, u: Unit, G: list[int], sgn: int, certify: bool) -> Any:
        """(bound, record) of a group on the cell when no split is needed, else None."""
        try:
            b, tree = self._group_run(cell, u, G, sgn, certify, True)
            return b, {"inputs": G, "bound": to_fraction(b), "tree": tree}
        except NeedsSplit:
            if self.nosplit:  # an enclosing run forbids splits too
                raise
            return None

    def _global(self, u: Unit, G: list[int], sgn: int, certify: bool, compute: bool) -> Any:
        """(bound, record) from a global lemma (proved once on all of R^d), computing it if asked; or None."""
        key = (u, tuple(G), sgn)
        if not self.use_globals or self.nosplit:
            return None
        if compute and key not in self.glob and key not in self.glob_tried:
            self.glob_tried.add(key)
            whole = Cell([], [], (ZERO,) * self.plan.d, [], {}, {}, {})
            try:
                gb, gtree = self._group_run(whole, u, G, sgn, certify, False)
                self.glob[key] = (gb, len(self.globals))
                self.globals.append({"unit": list(u), "inputs": G, "sign": sgn, "bound": to_fraction(gb), "tree": gtree})
            except LemmaFailed:
                pass
        if key not in self.glob:
            return None
        b, idx = self.glob[key]
        return b, {"inputs": G, "bound": to_fraction(b), "global": idx}

    def _group_bounds(self, cell: Cell, u: Unit, groups: list[list[int]], sgn: int, certify: bool,
                      slack: Any) -> tuple[Any, list[dict[str, Any]]]:
        """Bounds for all groups, cheapest first: cached global lemmas, then local bounds without splits,
        then new global lemmas, then local splits; stops refining once the sum is within ``slack``."""
        found: list[Any] = [self._global(u, G, sgn, certify, False) for G in groups]
        for stage in ("nosplit", "global", "local"):
            if all(f is not None for f in found) and sum(f[0] for f in found) <= slack:
                break
            for k, G in enumerate(groups):
                if found[k] is not None and "global" not in found[k][1]:
                    continue  # already local (as tight as it gets)
                if stage == "nosplit":
                    better = self._local_nosplit(cell, u, G, sgn, certify)
                elif stage == "global":
                    better = found[k] or self._global(u, G, sgn, certify, True)
                else:
                    b, tree = self._group_run(cell, u, G, sgn, certify, False)
                    better = (b, {"inputs": G, "bound": to_fraction(b), "tree": tree})
                if better is not None:
                    found[k] = better
                if all(f is not None for f in found) and sum(f[0] for f in found) <= slack:
                    break
        if any(f is None for f in found):
            raise LemmaFailed
        return sum(f[0] for f in found), [f[1] for f in found]

    def _groups(self, cell: Cell, u: Unit) -> tuple[list[int], list[list[int]]]:
        """Known inputs of u, and its unknown inputs grouped by the direction of their (first-layer) hyperplanes."""
        l, i = u
        known: list[int] = []
        by_dir: dict[Any, list[int]] = {}
        for j, _ in self.plan.inputs[l][i]:
            if self.out_expr(cell, (l - 1, j)) is not None:
                known.append(j)
                continue
            key: Any = 0
            if l == 1:
                w = self.plan.W[0][j]
                lead = next((v for v in w if v), ONE)
                key = tuple(v / abs(lead) for v in w)
                key = max(key, tuple(-v for v in key))
            by_dir.setdefault(key, []).append(j)
        return known, list(by_dir.values())

    def _relax(self, cell: Cell, u: Unit, node: dict[str, Any] | None) -> bool:
        """Try to fix u in a slope-0 piece from a lifted LP over (x, h_J); True on success."""
        if not self.lazy:
            return False
        l, i = u
        spec = self.plan.units[l][i]
        q = self._target(cell, u)
        if q is None:
            return False
        d = self.plan.d
        wx = [ZERO] * d
        const = self.plan.c[l][i]
        J: list[tuple[int, Any]] = []
        for j, wt in self.plan.inputs[l][i]:
            o = self.out_expr(cell, (l - 1, j))
            if o is None:
                J.append((j, wt))
            else:
                for k in range(d):
                    wx[k] += wt * o[0][k]
                const += wt * o[1]
        obj = wx + [wt for _, wt in J]
        lo, hi = spec.pieces[q][0], spec.pieces[q][1]
        for (j, wt) in J:  # an unknown input pushing toward a needed bound it has no valid inequality against
            betas = [beta for _, beta, _ in self.plan.units[l - 1][j].templates]
            if (hi is not None and wt > 0 and not any(bt > 0 for bt in betas)) or \
               (lo is not None and wt < 0 and not any(bt > 0 for bt in betas)) or \
               (hi is not None and wt < 0 and not any(bt < 0 for bt in betas)) or \
               (lo is not None and wt > 0 and not any(bt < 0 for bt in betas)):
                return False
        k = len(J)
        A = [row + [ZERO] * k for row in cell.A]
        b = list(cell.b)
        for n, (j, _) in enumerate(J):
            t = self.pre_expr(cell, (l - 1, j))
            for alpha, beta, gamma in self.plan.units[l - 1][j].templates:
                if alpha and t is None:
                    continue
                row = [alpha * v for v in t[0]] if alpha and t is not None else [ZERO] * d
                hrow = [ZERO] * k
                hrow[n] = beta
                A.append(row + hrow)
                b.append(gamma - (alpha * t[1] if alpha and t is not None else ZERO))
        rec: dict[str, Any] = {"unit": [l, i], "pieces": [q, q], "relax": True}
        for bound, sgn, key in ((hi, 1, "hi"), (lo, -1, "lo")):
            if bound is None:
                continue
            self.lps += 1
            res = lp_max_q(A, b, [sgn * v for v in obj])
            if res.status != "optimal":
                return False
            assert res.value is not None
            if (sgn > 0 and res.value + const > bound) or (sgn < 0 and const - res.value < bound):
                return False
            if node is not None:
                rec[key] = sparse(res.multipliers)
        cell.fixed[u] = q
        if node is not None:
            node["seq"].append(rec)
        return True


# -- public API ------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """One full-dimensional activation region: polyhedron, pattern, exact affine map, interior point.

    ``pattern[k][i]`` is the piece index of unit ``i`` of the ``k``-th Act layer
    (None for a unit the output does not depend on, in lazy/merged results).
    """

    polyhedron: Polyhedron
    pattern: tuple[tuple[int | None, ...], ...]
    map: Affine
    point: tuple[Fraction, ...]
    polyhedra: tuple[Polyhedron, ...] = ()  # merge=True: the cells of a maximal linear piece

    def volume(self) -> Fraction:
        """Exact volume (bounded regions only; the sum over the cells for merged pieces).

        >>> from verify import Network
        >>> [r.volume() for r in linear_regions(Network.mlp([[[1]], [[1]]], [[0], [0]]), Box([-1], [3]))]
        [Fraction(1, 1), Fraction(3, 1)]
        """
        if self.polyhedra:
            return sum((p.volume() for p in self.polyhedra), Fraction(0))
        return self.polyhedron.volume()

    def is_zero(self) -> bool:
        """Whether the affine map is identically zero."""
        return affine_is_zero(self.map)


def affine_is_zero(a: Affine) -> bool:
    """Whether an affine map is identically zero.

    >>> affine_is_zero(Affine([[0, 0]], [0])), affine_is_zero(Affine([[0, 0]], [1]))
    (True, False)
    """
    return not any(any(r) for r in a.weight) and not any(a.bias)


def root_cell(d: int, A: list[list[Any]], b: list[Any]) -> Cell | None:
    """A root cell from exact constraints, or None when it has empty interior."""
    P = Polyhedron(tuple(tuple(to_fraction(v) for v in r) for r in A), tuple(to_fraction(v) for v in b), d)
    p = P.interior_point()
    if p is None:
        return None
    return Cell([list(r) for r in A], list(b), tuple(Q(v) for v in p), [], {}, {}, {})


def _clip_le(poly: list[tuple[Any, ...]], zs: list[Any], t: Any) -> tuple[list[tuple[Any, ...]], list[Any]]:
    """Sutherland-Hodgman: the part of a convex polygon where the affine z (values zs at the vertices) is <= t."""
    out, outz = [], []
    n = len(poly)
    for k in range(n):
        p, zp = poly[k], zs[k]
        q, zq = poly[(k + 1) % n], zs[(k + 1) % n]
        if zp <= t:
            out.append(p)
            outz.append(zp)
        if (zp < t < zq) or (zq < t < zp):
            s = (t - zp) / (zq - zp)
            out.append(tuple(a + s * (b - a) for a, b in zip(p, q)))
            outz.append(t)
    return out, outz


def _polygon(P: Polyhedron) -> list[tuple[Any, ...]] | None:
    """The vertices of a bounded 2-D polyhedron in cyclic order (seam numbers), or None."""
    import math

    if P.dim != 2 or not P.is_bounded():
        return None
    vs = P.vertices()
    cx = sum(v[0] for v in vs) / len(vs)
    cy = sum(v[1] for v in vs) / len(vs)
    vs.sort(key=lambda v: math.atan2(float(v[1] - cy), float(v[0] - cx)))
    return [tuple(Q(c) for c in v) for v in vs]


def domain_constraints(domain: Any, d: int) -> tuple[list[list[Any]], list[Any]]:
    """Rows (seam numbers) of a domain: None (R^d), a Box or a Polyhedron."""
    if domain is None:
        return [], []
    if isinstance(domain, Box):
        domain = Polyhedron.from_box(domain)
    if not isinstance(domain, Polyhedron):
        raise InvalidArgument(expected("None, a Box or a Polyhedron", "domain", domain))
    if domain.dim != d:
        raise InvalidArgument(expected(f"a domain of dimension {d}", "domain.dim", domain.dim))
    return [[Q(v) for v in r] for r in domain.A], [Q(v) for v in domain.b]


def leaf_region(plan: Plan, leaf: Leaf) -> Region:
    """The public Region of an engine leaf (Fractions)."""
    cell = leaf.cell
    d = plan.d
    rows = list(zip(cell.A, cell.b))
    if cell.poly is not None:  # keep the facets: rows tight at two vertices of the polygon
        rows = [(r, v) for r, v in rows if sum(1 for x in cell.poly if dot(r, x) == v) >= 2]
    P = Polyhedron.trusted(tuple(tuple(to_fraction(v) for v in r) for r, _ in rows),
                           tuple(to_fraction(v) for _, v in rows), d)
    pattern = tuple(tuple(cell.fixed.get((l, i)) for i in range(len(plan.units[l]))) for l in range(len(plan.units)))
    amap = Affine(tuple(tuple(to_fraction(v) for v in r) for r in leaf.map_rows), tuple(to_fraction(v) for v in leaf.map_const))
    return Region(P, pattern, amap, tuple(to_fraction(v) for v in cell.p))


def linear_regions(net: Any, domain: Any = None, *, merge: bool = False, budget: int | None = None,
                   progress: Any = None) -> list[Region]:
    """Every full-dimensional activation region of a piecewise-linear network over ``domain``.

    ``domain`` is None (all of R^d), a Box or a Polyhedron; the network may
    end in an affine or an Act layer (a prefix of a bigger network). The
    regions are closed polyhedra with disjoint interiors covering the domain;
    each carries its activation pattern and the exact affine map of the
    output. ``merge=True`` returns the maximal linear pieces instead: the
    connected components (two cells connect when they intersect) of the
    union of regions sharing one affine map, each with ``.polyhedra``.
    ``budget`` caps the number of cells explored (UnsupportedNetwork beyond);
    ``progress(cells)`` is called every 200 cells when given.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> [r.map.weight[0][0] for r in sorted(linear_regions(hat), key=lambda r: r.point)]
    [Fraction(0, 1), Fraction(1, 1), Fraction(-1, 1), Fraction(0, 1)]
    """
    plan = make_plan(net)
    A, b = domain_constraints(domain, plan.d)
    root = root_cell(plan.d, A, b)
    if root is None:
        return []
    if plan.d == 2 and A:
        root.poly = _polygon(Polyhedron(tuple(tuple(to_fraction(v) for v in r) for r in A),
                                        tuple(to_fraction(v) for v in b), 2))
    engine = Engine(plan, lazy=False, certify=False, budget=budget, progress=progress)
    try:
        regions = [leaf_region(plan, leaf) for leaf in engine.run(root)]
    except BudgetExceeded as exc:
        raise UnsupportedNetwork(expected("a region count within the budget", "budget", budget) + f" ({exc})") from None
    return merge_regions(regions) if merge else regions


def merge_regions(regions: list[Region]) -> list[Region]:
    """Group regions by affine map into connected components (cells that intersect are connected)."""
    groups: dict[Affine, list[Region]] = {}
    for r in regions:
        groups.setdefault(r.map, []).append(r)
    out = []
    for amap, rs in groups.items():
        comp = list(range(len(rs)))
        for i in range(len(rs)):
            for j in range(i + 1, len(rs)):
                if _find(comp, i) != _find(comp, j) and rs[i].polyhedron.intersect(rs[j].polyhedron).is_feasible():
                    comp[_find(comp, i)] = _find(comp, j)
        members: dict[int, list[Region]] = {}
        for i, r in enumerate(rs):
            members.setdefault(_find(comp, i), []).append(r)
        for ms in members.values():
            first = ms[0]
            out.append(Region(first.polyhedron, first.pattern, amap, first.point, tuple(m.polyhedron for m in ms)))
    return out


def _find(comp: list[int], i: int) -> int:
    """Union-find root with path halving."""
    while comp[i] != i:
        comp[i] = comp[comp[i]]
        i = comp[i]
    return i
