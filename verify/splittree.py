"""The lemma machinery of lazy (support) runs: fixing a unit in a slope-0 piece without splitting its inputs.

Three ways, each recorded in the split tree that :mod:`verify.checker.pl` re-checks:

* ``_relax``: an exact LP over (x, h_J), the unknown inputs h_J relaxed by their activation's template
  inequalities (``h >= 0``, ``h >= t`` for ReLU, ...);
* ``_group_lemma``: the pre-activation bounded by a sum of separately proved bounds, one per group of
  inputs with parallel first-layer hyperplanes (each group split by its own units only; bounds proved
  once on all of R^d are kept as *global* lemmas);
* ``_lemma``: a copy of the cell split by the unit's inputs only, the sub-tree being the proof.

:class:`SplitTreeLemmas` is a mixin of :class:`verify.splitengine.Engine`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from verify.cells import Cell, Leaf, LemmaFailed, NeedsSplit, Plan, Unit, dot, sparse
from verify.exactlp import ONE, ZERO, lp_max_q, to_fraction
from verify.lineglobal import line_lemma, line_scalars, line_shape, line_slab, relabel

__all__ = ["SplitTreeLemmas", "direction_key"]


def direction_key(w: Any) -> Any:
    """The line through a nonzero vector, as a canonical tuple (w and -w, c*w give the same key).

    >>> from verify.exactlp import Q
    >>> direction_key([Q(-2), Q(4)]) == direction_key([Q(1), Q(-2)])
    True
    """
    lead = next((v for v in w if v), ONE)
    key = tuple(v / abs(lead) for v in w)
    return max(key, tuple(-v for v in key))


class SplitTreeLemmas:
    """Lemmas of lazy runs (a mixin of the engine: it uses the engine's cells, expressions and ``_solve``)."""

    plan: Plan
    lazy: bool
    certify: bool
    lps: int
    targets: dict[Unit, int]
    groups: dict[Unit, tuple[list[int], int]]
    gmax: dict[Unit, Any]
    nosplit: bool
    use_globals: bool
    glob: dict[Any, tuple[Any, int]]
    glob_tried: set[Any]
    globals: list[dict[str, Any]]
    dirkeys: dict[int, Any]
    hopeless: dict[tuple[Unit, int], set[int]]
    lines: dict[tuple[int, ...], Any]
    partition: dict[Unit, list[list[int]]]
    duals: dict[Any, list[tuple[Any, ...]]]
    shapes: dict[Any, Any]

    if TYPE_CHECKING:
        def pre_expr(self, cell: Cell, u: Unit) -> tuple[tuple[Any, ...], Any] | None: ...

        def out_expr(self, cell: Cell, u: Unit) -> tuple[tuple[Any, ...], Any] | None: ...

        def value(self, cell: Cell, u: Unit, pre: bool = False) -> Any: ...

        def _solve(self, cell: Cell, stack: list[tuple[str, Unit]], node: dict[str, Any] | None) -> Iterator[Leaf]: ...

        def _one_row(self, cell: Cell, w: Any, sgn: int) -> tuple[Any, Any] | None: ...

        def _tick(self) -> None: ...

    def _target(self, cell: Cell, u: Unit) -> int | None:
        """The slope-0 piece holding u's pre-activation at the interior point, if any."""
        zp = self.value(cell, u, pre=True)
        for k, (lo, hi, s, _) in enumerate(self.plan.units[u[0]][u[1]].pieces):
            if not s and (lo is None or lo <= zp) and (hi is None or zp <= hi):
                return k
        return None

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
            if known:  # inputs already affine on the cell: one bound over the cell
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

    def _line(self, u: Unit, G: list[int]) -> list[Any] | None:
        """The scalars of a group of parallel first-layer units (see :func:`line_scalars`), cached; or None."""
        if u[0] != 1:
            return None
        key = tuple(G)
        got = self.lines.get(key, False)
        if got is False:
            keys = {self.dirkeys.get(j) for j in G}
            W0 = self.plan.W[0]
            k = next((t for t, v in enumerate(W0[G[0]]) if v), None)  # None: constant units (zero rows)
            if len(keys) == 1 and None not in keys and k is not None:  # one direction (exact keys): scale
                got = [W0[j][k] / W0[G[0]][k] for j in G]
            else:
                got = line_scalars(self.plan, G)
            self.lines[key] = got
        return got  # type: ignore[no-any-return]

    def _local_nosplit(self, cell: Cell, u: Unit, G: list[int], sgn: int, certify: bool) -> Any:
        """(bound, record) of a group on the cell when no split is needed, else None."""
        lams = self._line(u, G)
        if lams is not None:  # first along the line, from the cell's rows parallel to the group's hyperplanes
            a = self.plan.W[0][G[0]]
            slab = self._slab(cell, a)
            try:
                if slab == (None, None) and any(len(self.plan.units[0][j].pieces) > 1 for j in G):
                    raise NeedsSplit  # what line_lemma finds at the first unit: it ranges over all its pieces
                lb, ltree = line_lemma(self.plan, u, G, sgn, lams, self._tick, slab=slab, nrows=len(cell.A),
                                       nosplit=True)
                return lb, {"inputs": G, "bound": to_fraction(lb), "tree": ltree}
            except NeedsSplit:
                if slab == (None, None) and all(not dot(r, a) for r in cell.A):
                    # a.x takes every real value on the cell, as on the line: the engine's run needs a split too
                    if self.nosplit:
                        raise
                    return None
            except LemmaFailed:  # the other rows may still settle it
                pass
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
            lams = self._line(u, G)
            try:
                gtree: dict[str, Any] | None
                if lams is not None:  # parallel first-layer hyperplanes: the tree is built along the line
                    gb, gtree = self._line_global(u, G, sgn, lams)
                else:
                    gb, gtree = self._group_run(whole, u, G, sgn, certify, False)
                self.glob[key] = (gb, len(self.globals))
                self.globals.append({"unit": list(u), "inputs": G, "sign": sgn, "bound": to_fraction(gb), "tree": gtree})
            except LemmaFailed:
                pass
        if key not in self.glob:
            return None
        b, idx = self.glob[key]
        return b, {"inputs": G, "bound": to_fraction(b), "global": idx}

    @staticmethod
    def _slab(cell: Cell, a: Any) -> Any:
        """:func:`line_slab` of the cell's rows along a, kept on the cell (its rows never change)."""
        key = ("slab", tuple(a))
        slab = cell.memo.get(key)
        if slab is None:
            slab = cell.memo[key] = line_slab(cell.A, cell.b, a)
        return slab

    def _line_global(self, u: Unit, G: list[int], sgn: int, lams: list[Any]) -> tuple[Any, dict[str, Any]]:
        """The global line lemma of a group, built once per shape (translated copies get a relabelled tree)."""
        shape = line_shape(self.plan, u, G, sgn, lams)
        if shape in self.shapes:
            hit = self.shapes[shape]
            if hit is None:
                raise LemmaFailed
            gb, tree, G0 = hit
            return gb, relabel(tree, dict(zip(G0, G)))
        try:
            gb, tree = line_lemma(self.plan, u, G, sgn, lams, self._tick)
        except LemmaFailed:
            self.shapes[shape] = None
            raise
        self.shapes[shape] = (gb, tree, G)
        return gb, tree

    def _group_bounds(self, cell: Cell, u: Unit, groups: list[list[int]], sgn: int, certify: bool,
                      slack: Any) -> tuple[Any, list[dict[str, Any]]]:
        """Bounds for all groups, cheapest first: cached global lemmas, then local bounds without splits,
        then new global lemmas, then local splits; stops refining once the sum is within ``slack``."""
        if u[0] == 1 and self.use_globals and not self.nosplit:
            fast = self._line_bounds(cell, u, groups, sgn, certify, slack)
            if fast is not None:
                return fast
        found: list[Any] = [self._global(u, G, sgn, certify, False) for G in groups]
        for stage in ("nosplit", "global", "local"):
            if all(f is not None for f in found) and sum(f[0] for f in found) <= slack:
                break
            for k in self._likely_nosplit_first(cell, u, groups) if stage == "nosplit" else range(len(groups)):
                G = groups[k]
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

    def _line_bounds(self, cell: Cell, u: Unit, groups: list[list[int]], sgn: int, certify: bool,
                     slack: Any) -> tuple[Any, list[dict[str, Any]]] | None:
        """The common case of :meth:`_group_bounds` without its search: every group is a line (parallel
        first-layer units), bounded along the line on the cell's slab when that needs no split, else by its
        global lemma (valid on all of R^d, so on the cell). None when that is not enough (the search may be)."""
        found = []
        for G in groups:
            lams = self._line(u, G)
            if lams is None:
                return None
            slab = self._slab(cell, self.plan.W[0][G[0]])
            got = None
            if slab != (None, None):
                try:
                    lb, tree = line_lemma(self.plan, u, G, sgn, lams, self._tick, slab=slab, nrows=len(cell.A),
                                          nosplit=True)
                    got = (lb, {"inputs": G, "bound": to_fraction(lb), "tree": tree})
                except LemmaFailed:  # NeedsSplit too
                    pass
            if got is None:
                got = self._global(u, G, sgn, certify, True)
                if got is None:
                    return None
            found.append(got)
        total = sum(f[0] for f in found)
        return (total, [f[1] for f in found]) if total <= slack else None

    def _groups(self, cell: Cell, u: Unit) -> tuple[list[int], list[list[int]]]:
        """Known inputs of u, and its unknown inputs grouped by the direction of their (first-layer) hyperplanes."""
        l, i = u
        parts = self.partition.get(u)
        if parts is None:  # all inputs of u by direction (first layer) or in one group, computed once per unit
            by_dir: dict[Any, list[int]] = {}
            for j, _ in self.plan.inputs[l][i]:
                key: Any = 0
                if l == 1:
                    key = self.dirkeys.get(j)
                    if key is None:
                        key = self.dirkeys[j] = direction_key(self.plan.W[0][j])
                by_dir.setdefault(key, []).append(j)
            parts = self.partition[u] = list(by_dir.values())
        known: list[int] = []
        groups: list[list[int]] = []
        for part in parts:
            G = []
            for j in part:
                if self.out_expr(cell, (l - 1, j)) is None:
                    G.append(j)
                else:
                    known.append(j)
            if G:
                groups.append(G)
        return sorted(known), groups

    def _likely_nosplit_first(self, cell: Cell, u: Unit, groups: list[list[int]]) -> list[int]:
        """Group indices, those whose (first-layer) hyperplanes are parallel to a row of the cell first:
        they are the ones a run without splits is likely to bound (an ordering heuristic only)."""
        if u[0] != 1 or len(groups) < 2:
            return list(range(len(groups)))
        rows = cell.memo.get("directions")
        if rows is None:
            rows = cell.memo["directions"] = {direction_key(r) for r in cell.A}
        keys = [self.dirkeys.get(G[0]) for G in groups]
        return sorted(range(len(groups)), key=lambda k: keys[k] not in rows)

    def _hopeless(self, u: Unit, q: int, lo: Any, hi: Any) -> set[int]:
        """The inputs j of u that, unknown, push u toward a needed bound of piece q with no valid inequality
        against them (then the relaxation cannot fix u in q); computed once per (unit, piece)."""
        key = (u, q)
        got = self.hopeless.get(key)
        if got is None:
            got = self.hopeless[key] = set()
            for j, wt in self.plan.inputs[u[0]][u[1]]:
                betas = [beta for _, beta, _ in self.plan.units[u[0] - 1][j].templates]
                if (hi is not None and wt > 0 and not any(bt > 0 for bt in betas)) or \
                   (lo is not None and wt < 0 and not any(bt > 0 for bt in betas)) or \
                   (hi is not None and wt < 0 and not any(bt < 0 for bt in betas)) or \
                   (lo is not None and wt > 0 and not any(bt < 0 for bt in betas)):
                    got.add(j)
        return got

    def _cached_dual(self, key: Any, b: list[Any], limit: Any) -> tuple[Any, ...] | None:
        """Multipliers y of an earlier LP with the same rows and objective (``key``) whose bound y.b is <= limit.

        y >= 0 with A^T y = c depends on A and c only, so by weak duality y.b bounds max c.x over {A x <= b'}
        for every right-hand side b': sibling units (bumps translated by their centres) share one dual
        solution, and the simplex runs once per shape instead of once per unit.
        """
        for y in self.duals.get(key, ()):
            if sum((v * bi for v, bi in zip(y, b) if v), ZERO) <= limit:
                return y  # type: ignore[no-any-return]
        return None

    def _relax(self, cell: Cell, u: Unit, node: dict[str, Any] | None) -> bool:
        """Try to fix u in a slope-0 piece from a lifted LP over (x, h_J); True on success."""
        if not self.lazy:
            return False
        l, i = u
        spec = self.plan.units[l][i]
        flat = [k for k, (_, _, s, _) in enumerate(spec.pieces) if not s]
        if len(flat) == 1:  # the only candidate piece: give up before evaluating u when an input is hopeless
            lo, hi = spec.pieces[flat[0]][:2]
            hopeless = self._hopeless(u, flat[0], lo, hi)
            if any(self.out_expr(cell, (l - 1, j)) is None for j in hopeless):
                return False
        q = self._target(cell, u)
        if q is None:
            return False
        d = self.plan.d
        wx = [ZERO] * d
        const = self.plan.c[l][i]
        J: list[tuple[int, Any]] = []
        lo, hi = spec.pieces[q][0], spec.pieces[q][1]
        hopeless = self._hopeless(u, q, lo, hi)
        for j, wt in self.plan.inputs[l][i]:
            o = self.out_expr(cell, (l - 1, j))
            if o is None:
                if j in hopeless:
                    return False
                J.append((j, wt))
            else:
                for k in range(d):
                    wx[k] += wt * o[0][k]
                const += wt * o[1]
        obj = wx + [wt for _, wt in J]
        lifts = []  # per relaxed input: its template inequalities and pre-activation (None: not affine here)
        b = list(cell.b)
        for j, _ in J:
            t = self.pre_expr(cell, (l - 1, j))
            tmpl = self.plan.units[l - 1][j].templates
            lifts.append((tmpl, t))
            for alpha, _, gamma in tmpl:
                if alpha and t is None:
                    continue
                b.append(gamma - (alpha * t[1] if alpha and t is not None else ZERO))
        # the rows of the lifted system are determined by the cell's rows and, per input, its templates (by
        # identity: one list per activation of the plan) and the linear part of its pre-activation
        rows_key = (tuple(map(tuple, cell.A)), tuple((id(tmpl), None if t is None else t[0]) for tmpl, t in lifts))
        A: list[list[Any]] | None = None
        rec: dict[str, Any] = {"unit": [l, i], "pieces": [q, q], "relax": True}
        for bound, sgn, key in ((hi, 1, "hi"), (lo, -1, "lo")):
            if bound is None:
                continue
            c = [sgn * v for v in obj]
            dkey = (tuple(c), rows_key)
            y = self._cached_dual(dkey, b, sgn * (bound - const))
            if y is None:
                if A is None:
                    A = self._lifted_rows(cell, lifts)
                self.lps += 1
                res = lp_max_q(A, b, c)
                if res.status != "optimal":
                    return False
                assert res.value is not None and res.multipliers is not None
                if (sgn > 0 and res.value + const > bound) or (sgn < 0 and const - res.value < bound):
                    return False
                y = res.multipliers
                ys = self.duals.setdefault(dkey, [])
                ys.insert(0, y)
                del ys[3:]
            if node is not None:
                rec[key] = sparse(y)
        cell.fixed[u] = q
        if node is not None:
            node["seq"].append(rec)
        return True

    def _lifted_rows(self, cell: Cell, lifts: list[tuple[Any, Any]]) -> list[list[Any]]:
        """The rows over (x, h_J): the cell's rows, then each input's template rows alpha t(x) + beta h_n
        (rows with alpha != 0 only where t is affine on the cell), in the order the checker rebuilds them."""
        d, k = self.plan.d, len(lifts)
        A = [row + [ZERO] * k for row in cell.A]
        for n, (tmpl, t) in enumerate(lifts):
            for alpha, beta, _ in tmpl:
                if alpha and t is None:
                    continue
                row = [alpha * v for v in t[0]] if alpha and t is not None else [ZERO] * d
                hrow = [ZERO] * k
                hrow[n] = beta
                A.append(row + hrow)
        return A
