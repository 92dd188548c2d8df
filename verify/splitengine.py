"""The region engine: depth-first splitting of a root cell into full-dimensional activation cells.

A unit whose pre-activation (affine on the cell) stays in one piece is fixed after an exact LP (or a
single parallel row, or a known point beyond the breakpoint); otherwise the cell is split by the
breakpoint hyperplane(s), each child receiving an exact interior point. In *lazy* mode (support
proofs) only units the output depends on are decided, and the lemmas of :mod:`verify.splittree` may
fix a unit without splitting its inputs. Every decision records the LP dual multipliers in a split
tree node, so that :mod:`verify.checker.pl` re-derives each bound with Fractions alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from operator import mul
from typing import Any

from verify.cells import BudgetExceeded, Cell, Leaf, LemmaFailed, NeedsSplit, Plan, Unit, dot, sparse
from verify.exactlp import ONE, ZERO, Q, lp_max_q, to_fraction
from verify.polygon2d import exact_poly
from verify.splittree import SplitTreeLemmas

__all__ = ["Engine"]


class Engine(SplitTreeLemmas):
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
        self.dirkeys: dict[int, Any] = {}  # first-layer unit -> direction key of its hyperplane
        self.hopeless: dict[tuple[Unit, int], set[int]] = {}  # (unit, piece) -> inputs the relaxation cannot bound
        self.lines: dict[tuple[int, ...], Any] = {}  # group -> scalars along its line (or None)
        self.partition: dict[Unit, list[list[int]]] = {}  # unit -> its inputs by hyperplane direction
        self.duals: dict[Any, list[tuple[Any, ...]]] = {}  # (objective, rows) -> dual solutions of relaxation LPs
        self.shapes: dict[Any, Any] = {}  # line_shape -> (bound, tree, group) of a global line lemma, None if it fails

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
        vals = cell.vals
        key = (u[0], u[1] + (1 << 30)) if pre else u
        got = vals.get(key)
        if got is not None:
            return got
        l, i = u
        plan = self.plan
        if l == 0:
            t = plan.c[0][i] + sum(map(mul, plan.W[0][i], cell.p))
        elif l == 1:  # the common case, first-layer inputs evaluated in place
            t = plan.c[1][i]
            W0, c0, units0, p = plan.W[0], plan.c[0], plan.units[0], cell.p
            for j, w in plan.inputs[1][i]:
                v = vals.get((0, j))
                if v is None:
                    tj = c0[j] + sum(map(mul, W0[j], p))
                    vals[(0, j + (1 << 30))] = tj
                    for _, hi, s, e in units0[j].pieces:
                        if hi is None or tj <= hi:
                            v = vals[(0, j)] = s * tj + e
                            break
                t += w * v
        else:
            t = plan.c[l][i]
            for j, w in plan.inputs[l][i]:
                t += w * self.value(cell, (l - 1, j))
        vals[(l, i + (1 << 30))] = t
        for _, hi, s, e in plan.units[l][i].pieces:  # ordered, covering R, continuous at the breakpoints
            if hi is None or t <= hi:
                vals[(l, i)] = s * t + e
                break
        return vals[key]

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
            return exact_poly(cell, u, w, c0, pcs)
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
        one = self._one_row(cell, w, sgn)
        if inside and one is not None and \
                ((sgn > 0 and one[0] + c0 <= pcs[qp][1]) or (sgn < 0 and c0 - one[0] >= pcs[qp][0])):
            return qp, one[1], None
        ray = self._ray(cell, w, sgn) if one is None else None
        if ray is not None:
            return end, None, ("ray", ray, sgn * dot(w, ray))
        top = self._attained(cell, w, sgn, one[0]) if one is not None else None
        if top is not None:
            y = one[1] if one is not None else None
            v = top
        else:
            self.lps += 1
            res = lp_max_q(cell.A, cell.b, [sgn * v for v in w], feasible=cell.p)
            if res.status == "unbounded":
                return end, None, ("ray", res.ray, sgn * dot(w, res.ray))
            assert res.status == "optimal" and res.point is not None
            v = res.point
            y = sparse(res.multipliers) if self.certify else None
        cell.pts.append(v)
        if len(cell.pts) > 6:
            del cell.pts[0]
        zv = dot(w, v) + c0
        if sgn < 0:
            q = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo <= zv) and (hi is None or zv < hi))
        else:
            q = next(k for k, (lo, hi, _, _) in enumerate(pcs) if (lo is None or lo < zv) and (hi is None or zv <= hi))
        return q, y, ("pt", v, zv)

    @staticmethod
    def _ray(cell: Cell, w: Any, sgn: int) -> tuple[Any, ...] | None:
        """sgn*w itself when it is a recession direction of the cell (then sgn*w.x is unbounded above; no LP)."""
        r = tuple(sgn * v for v in w)
        return r if all(dot(row, r) <= 0 for row in cell.A) else None

    @staticmethod
    def _attained(cell: Cell, w: Any, sgn: int, bound: Any) -> tuple[Any, ...] | None:
        """A point of the cell where sgn*w.x reaches the upper bound ``bound`` (so it is the maximum; no LP), or None.

        Tried on the line p + s*sgn*w through the interior point, where a single parallel row bounds it.
        """
        p = cell.p
        s = (bound - sgn * dot(w, p)) / dot(w, w)
        v = tuple(a + s * sgn * t for a, t in zip(p, w))
        return v if all(dot(row, v) <= rhs for row, rhs in zip(cell.A, cell.b)) else None

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
