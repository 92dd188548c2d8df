"""Checker rules for the piecewise-linear engine: claim kinds ``support_in`` and ``equivalent``.

Fraction arithmetic only; shares no code with the engine (``verify.regions``,
``verify.support``). The network is read with :class:`verify.checker._net.CheckNet`.

A PROVED certificate is a list of split trees, one per *root piece*; the
checker rebuilds the root pieces from the claim itself (they cover
``R^d \\ int K``, or the domain). Walking a tree it keeps the cell's
constraint rows (root rows plus one or two rows per split on the path) and
the pattern fixed so far, and re-derives every affine map from the pattern:

* a decision ``{"unit", "pieces": [qa, qb], "lo": y, "hi": y}`` claims the
  pre-activation ``z`` of the unit lies in ``[lo(qa), hi(qb)]`` on the cell;
  each finite end is proved by multipliers ``y >= 0`` with ``y^T A = -w``,
  ``c - y^T b >= lo`` (resp. ``y^T A = w``, ``y^T b + c <= hi``) over the cell
  rows, or, with ``"relax": true``, over the cell rows lifted to ``(x, h)`` with
  the globally valid inequalities of each input unit whose output is not yet
  affine (``h >= 0``, ``h >= t`` for ReLU, ...: the checker's own table);
* ``qa == qb`` fixes the unit; ``qa < qb`` ends the node's sequence with a
  split into one child per piece (children cover the cell);
* ``{"lemma": subtree}`` fixes a unit on the whole cell by a subtree (splitting a
  copy of the cell) all of whose leaves (``"bound"``) fix that unit in that piece;
* ``{"groups": [...], "sign": s}`` bounds ``s * z`` by the sum of per-group bounds,
  where the groups partition the unit's inputs and each group's bound is proved by
  its own subtree (leaves ``"gbound"`` with multipliers) or by a *global lemma*
  (``evidence["globals"]``, proved once from all of R^d and checked first);
* a leaf re-derives the output map from the pattern and requires it to be zero;
* a root piece with empty interior may carry ``{"empty": y}`` instead of a tree
  (Motzkin: ``y >= 0``, ``y^T A = 0``, ``y^T b <= 0``, ``y > 0`` on a nonzero row);
  it is a null set, and f = 0 on the rest implies f = 0 off K by continuity.

So every point of every root piece lies in a leaf on which f is zero.
REFUTED certificates are checked by evaluating the witness exactly.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

from verify.checker import RULES, CheckFailed
from verify.checker._net import CheckNet, q

__all__ = ["check_support_in", "check_equivalent"]

F0, F1 = Fraction(0), Fraction(1)
Row = list[Fraction]


# -- activations: pieces (lo, hi, slope, intercept) and valid inequalities alpha*t + beta*h <= gamma -----
def _pieces(spec: Any) -> list[tuple[Fraction | None, Fraction | None, Fraction, Fraction]]:
    if isinstance(spec, dict):
        ((name, a),) = spec.items()
        if name in ("leaky_relu", "prelu"):
            return [(None, F0, q(a), F0), (F0, None, F1, F0)]
        raise CheckFailed(f"no piecewise-linear rule for {name}")
    table = {
        "relu": [(None, F0, F0, F0), (F0, None, F1, F0)],
        "abs": [(None, F0, -F1, F0), (F0, None, F1, F0)],
        "identity": [(None, None, F1, F0)],
        "hardtanh": [(None, -F1, F0, -F1), (-F1, F1, F1, F0), (F1, None, F0, F1)],
    }
    if spec not in table:
        raise CheckFailed(f"no piecewise-linear rule for {spec!r}")
    return table[spec]  # type: ignore[return-value]


def _valid_rows(spec: Any) -> list[tuple[Fraction, Fraction, Fraction]]:
    if isinstance(spec, dict):
        ((_, a),) = spec.items()
        a = q(a)
        return [(a, -F1, F0), (F1, -F1, F0)] if a <= 1 else [(-a, F1, F0), (-F1, F1, F0)]
    return {
        "relu": [(F0, -F1, F0), (F1, -F1, F0)],
        "abs": [(F1, -F1, F0), (-F1, -F1, F0)],
        "hardtanh": [(F0, -F1, F1), (F0, F1, F1)],
        "identity": [(F1, -F1, F0), (-F1, F1, F0)],
    }[spec]


class _Form:
    """The checker's normal form: steps (W, c, unit specs) and the output affine map."""

    def __init__(self, net: CheckNet):
        d = net.input_dim
        W: list[Row] = [[F1 if i == j else F0 for j in range(d)] for i in range(d)]
        c: Row = [F0] * d
        fresh = True
        self.steps: list[tuple[list[Row], Row, list[Any]]] = []
        for key, body in net.layers:
            if key == "affine":
                w2, b2 = body
                if fresh:  # W is the identity: skip the product
                    W, c, fresh = [list(r) for r in w2], list(b2), False
                else:
                    W = [[sum((r[k] * W[k][j] for k in range(len(W)) if r[k]), F0) for j in range(d)] for r in w2]
                    c = [sum((r[k] * c[k] for k in range(len(c))), F0) + bb for r, bb in zip(w2, b2)]
            elif key == "act":
                specs = body if isinstance(body, list) else [body] * len(W)
                self.steps.append((W, c, specs))
                d = len(W)
                W = [[F1 if i == j else F0 for j in range(d)] for i in range(d)]
                c = [F0] * d
                fresh = True
            else:
                raise CheckFailed("pooling is not a piecewise-linear network")
        self.out = (W, c)
        self.d = net.input_dim


class _Walker:
    def __init__(self, form: _Form):
        self.f = form
        self.globals: list[tuple[tuple[int, int], list[int], int]] = []
        self.gbounds: list[Fraction] = []

    def check_globals(self, docs: Any) -> None:
        """Global lemmas: sign * (sum of a group of inputs of a unit) <= bound on all of R^d."""
        for g in docs:
            u = (int(g["unit"][0]), int(g["unit"][1]))
            if not 1 <= u[0] < len(self.f.steps) or not 0 <= u[1] < len(self.f.steps[u[0]][2]):
                raise CheckFailed("a global lemma names a unit that does not exist")
            inputs = [int(j) for j in g["inputs"]]
            sgn, B = int(g["sign"]), q(g["bound"])
            if sgn not in (1, -1) or len(set(inputs)) != len(inputs):
                raise CheckFailed("a malformed global lemma")
            self.walk(g["tree"], [], [], {}, ("group", u, inputs, sgn, B))
            self.globals.append((u, sorted(inputs), sgn))
            self.gbounds.append(B)

    def pre(self, fixed: dict[tuple[int, int], int], u: tuple[int, int]) -> tuple[Row, Fraction] | None:
        l, i = u
        W, c, _ = self.f.steps[l]
        if l == 0:
            return list(W[i]), c[i]
        row, const = [F0] * self.f.d, c[i]
        for j, wt in enumerate(W[i]):
            if wt:
                o = self.out(fixed, (l - 1, j))
                if o is None:
                    return None
                row = [a + wt * b for a, b in zip(row, o[0])]
                const += wt * o[1]
        return row, const

    def out(self, fixed: dict[tuple[int, int], int], u: tuple[int, int]) -> tuple[Row, Fraction] | None:
        if u not in fixed:
            return None
        _, _, s, e = _pieces(self.f.steps[u[0]][2][u[1]])[fixed[u]]
        if s == 0:
            return [F0] * self.f.d, e
        p = self.pre(fixed, u)
        return None if p is None else ([s * v for v in p[0]], s * p[1] + e)

    def system(self, A: list[Row], b: Row, fixed: dict[tuple[int, int], int],
               u: tuple[int, int]) -> tuple[list[Row], Row, Row, Fraction]:
        """Rows, rhs, objective w and constant c of z_u over the (lifted) cell."""
        l, i = u
        p = self.pre(fixed, u)
        if p is not None:
            return A, b, p[0], p[1]
        W, c, _ = self.f.steps[l]
        wx, const, J = [F0] * self.f.d, c[i], []
        for j, wt in enumerate(W[i]):
            if wt:
                o = self.out(fixed, (l - 1, j))
                if o is None:
                    J.append((j, wt))
                else:
                    wx = [a + wt * v for a, v in zip(wx, o[0])]
                    const += wt * o[1]
        k = len(J)
        rows = [r + [F0] * k for r in A]
        rhs = list(b)
        for n, (j, _) in enumerate(J):
            t = self.pre(fixed, (l - 1, j))
            for alpha, beta, gamma in _valid_rows(self.f.steps[l - 1][2][j]):
                if alpha and t is None:
                    continue
                h = [F0] * k
                h[n] = beta
                rows.append(([alpha * v for v in t[0]] if alpha and t else [F0] * self.f.d) + h)
                rhs.append(gamma - (alpha * t[1] if alpha and t else F0))
        return rows, rhs, wx + [wt for _, wt in J], const

    def bound(self, rows: list[Row], rhs: Row, w: Row, y_text: Any, sign: int) -> Fraction:
        """Certified bound: sign=+1 gives an upper bound of w.v over the rows, -1 a lower bound."""
        comb = [F0] * len(w)
        total = F0
        for idx, val in y_text:
            k, y = int(idx), q(val)
            if y < 0 or not 0 <= k < len(rows):
                raise CheckFailed("a multiplier is negative or out of range")
            comb = [a + y * v for a, v in zip(comb, rows[k])]
            total += y * rhs[k]
        if comb != [sign * v for v in w]:
            raise CheckFailed("multipliers do not combine to the pre-activation")
        return sign * total

    def groups(self, rec: Any, A: list[Row], b: Row, fixed: dict[tuple[int, int], int], u: tuple[int, int],
               piece: Any, one: bool) -> None:
        """z_u = c + sum over groups; each group's sign*sum is at most its bound on the whole cell."""
        l, i = u
        if l == 0 or not one:
            raise CheckFailed("a group decision fixes one piece of a hidden unit")
        W, c, _ = self.f.steps[l]
        sgn = int(rec["sign"])
        if sgn not in (1, -1):
            raise CheckFailed("a group sign is +1 or -1")
        seen = sorted(int(j) for g in rec["groups"] for j in g["inputs"])
        if seen != [j for j, wt in enumerate(W[i]) if wt]:
            raise CheckFailed("the groups do not partition the unit's inputs")
        total = sgn * c[i]
        for g in rec["groups"]:
            B = q(g["bound"])
            inputs = [int(j) for j in g["inputs"]]
            if "global" in g:  # a lemma proved once on all of R^d
                k = int(g["global"])
                if not 0 <= k < len(self.globals) or self.globals[k] != (u, sorted(inputs), sgn) or self.gbounds[k] > B:
                    raise CheckFailed("a group refers to a global lemma that does not match")
            else:
                self.walk(g["tree"], A, b, fixed, ("group", u, inputs, sgn, B))
            total += B
        lo, hi = piece[0], piece[1]
        if (sgn > 0 and (hi is None or lo is not None or total > hi)) or \
           (sgn < 0 and (lo is None or hi is not None or -total < lo)):
            raise CheckFailed(f"the group bounds do not fix unit {u}")

    def walk(self, node: Any, A: list[Row], b: Row, fixed: dict[tuple[int, int], int],
             goal: Any = None) -> int:
        """Check one subtree; return its number of leaves.

        With a goal (u, q) the subtree is a lemma: every leaf must have fixed u in piece q.
        """
        fixed = dict(fixed)
        seq = node["seq"]
        for n, rec in enumerate(seq):
            u = (int(rec["unit"][0]), int(rec["unit"][1]))
            if u in fixed or not 0 <= u[0] < len(self.f.steps) or not 0 <= u[1] < len(self.f.steps[u[0]][2]):
                raise CheckFailed(f"unit {u} is decided twice or does not exist")
            pcs = _pieces(self.f.steps[u[0]][2][u[1]])
            qa, qb = int(rec["pieces"][0]), int(rec["pieces"][1])
            if not 0 <= qa <= qb < len(pcs):
                raise CheckFailed("piece range out of order")
            if "groups" in rec:
                self.groups(rec, A, b, fixed, u, pcs[qa], qa == qb)
                fixed[u] = qa
                continue
            if "lemma" in rec:
                if qa != qb:
                    raise CheckFailed("a lemma fixes one piece")
                self.walk(rec["lemma"], A, b, fixed, (u, qa))
                fixed[u] = qa
                continue
            if rec.get("relax"):
                rows, rhs, w, c = self.system(A, b, fixed, u)
            else:
                p = self.pre(fixed, u)
                if p is None:
                    raise CheckFailed(f"pre-activation of {u} is not affine on the cell")
                rows, rhs, w, c = A, b, p[0], p[1]
            lo, hi = pcs[qa][0], pcs[qb][1]
            if lo is not None and c + self.bound(rows, rhs, w, rec["lo"], -1) < lo:
                raise CheckFailed(f"lower bound of unit {u} not proved")
            if hi is not None and c + self.bound(rows, rhs, w, rec["hi"], 1) > hi:
                raise CheckFailed(f"upper bound of unit {u} not proved")
            if qa == qb:
                fixed[u] = qa
                continue
            if n != len(seq) - 1 or rec.get("relax") or len(node["split"]) != qb - qa + 1:
                raise CheckFailed("a split must end its node, be exact and have one child per piece")
            p = self.pre(fixed, u)
            assert p is not None
            total = 0
            for k, child in zip(range(qa, qb + 1), node["split"]):
                A2, b2 = list(A), list(b)
                if k > qa:
                    A2.append([-v for v in p[0]])
                    b2.append(p[1] - pcs[k][0])  # type: ignore[operator]
                if k < qb:
                    A2.append(list(p[0]))
                    b2.append(pcs[k][1] - p[1])  # type: ignore[operator]
                total += self.walk(child, A2, b2, {**fixed, u: k}, goal)
            return total
        if goal is not None and goal[0] == "group":
            if node.get("leaf") != "gbound" or "split" in node:
                raise CheckFailed("a group leaf must bound the group's sum")
            _, u, inputs, sgn, B = goal
            row, const = [F0] * self.f.d, F0
            W = self.f.steps[u[0]][0][u[1]]
            for j in inputs:
                o = self.out(fixed, (u[0] - 1, j))
                if o is None:
                    raise CheckFailed("a group input is not affine at a group leaf")
                row = [a + W[j] * v for a, v in zip(row, o[0])]
                const += W[j] * o[1]
            val = self.bound(A, b, row, node["y"], sgn) + const
            if sgn * val > B:
                raise CheckFailed("a group bound does not hold at a leaf")
            return 1
        if goal is not None:
            if node.get("leaf") != "bound" or "split" in node or fixed.get(goal[0]) != goal[1]:
                raise CheckFailed(f"a lemma leaf does not fix unit {goal[0]} in piece {goal[1]}")
            return 1
        if node.get("leaf") != "map" or "split" in node:
            raise CheckFailed("a node must end in a split or a leaf")
        w_out, c_out = self.f.out
        last = len(self.f.steps) - 1
        for r, cr in zip(w_out, c_out):
            if last < 0:
                coeffs, const = list(r), cr
            else:
                coeffs, const = [F0] * self.f.d, cr
                for j, wt in enumerate(r):
                    if wt:
                        o = self.out(fixed, (last, j))
                        if o is None:
                            raise CheckFailed("output map is not determined at a leaf")
                        coeffs = [a + wt * v for a, v in zip(coeffs, o[0])]
                        const += wt * o[1]
            if any(coeffs) or const:
                raise CheckFailed("output map is not zero at a leaf")
        return 1


# -- root pieces ------------------------------------------------------------------
def _e(d: int, i: int, s: int) -> Row:
    return [Fraction(s) if k == i else F0 for k in range(d)]


def _box(text: Any) -> tuple[Row, Row]:
    return [q(v) for v in text["lower"]], [q(v) for v in text["upper"]]


def _roots(data: dict[str, Any], d: int) -> tuple[list[tuple[list[Row], Row]], Any]:
    """Root pieces covering R^d \\ int K, and the predicate 'x strictly outside K'."""
    if "box" in data:
        lo, hi = _box(data["box"])
        roots = []
        for i in range(d):
            roots += [([_e(d, i, 1)], [lo[i]]), ([_e(d, i, -1)], [-hi[i]])]
        return roots, lambda x: any(not lo[i] <= x[i] <= hi[i] for i in range(d))
    if "polyhedron" in data:
        A = [[q(v) for v in r] for r in data["polyhedron"]["A"]]
        b = [q(v) for v in data["polyhedron"]["b"]]
        inside = lambda x: all(sum((a * t for a, t in zip(r, x)), F0) <= bi for r, bi in zip(A, b))  # noqa: E731
        if any(not any(r) and bi < 0 for r, bi in zip(A, b)):
            return [([], [])], lambda x: True
        return [([[-v for v in r]], [-bi]) for r, bi in zip(A, b) if any(r)], lambda x: not inside(x)
    if "polyhedra" in data:
        Ps = [([[q(v) for v in r] for r in P["A"]], [q(v) for v in P["b"]]) for P in data["polyhedra"]]
        choices: list[list[Any]] = []
        for A, b in Ps:
            if any(not any(r) and bi < 0 for r, bi in zip(A, b)):
                choices.append([None])
            else:
                choices.append([([-v for v in r], -bi) for r, bi in zip(A, b) if any(r)])
        roots = [([c[0] for c in combo if c is not None], [c[1] for c in combo if c is not None])
                 for combo in itertools.product(*choices)]

        def outside(x: list[Fraction]) -> bool:
            return not any(all(sum((a * t for a, t in zip(r, x)), F0) <= bi for r, bi in zip(A, b)) for A, b in Ps)

        return roots, outside
    if "boxes" in data:
        boxes = [_box(t) for t in data["boxes"]]
        cuts = [sorted({bx[0][i] for bx in boxes} | {bx[1][i] for bx in boxes}) for i in range(d)]
        axes = [[(None, c[0])] + list(zip(c, c[1:])) + [(c[-1], None)] for c in cuts]
        roots = []
        for cell in itertools.product(*axes):
            if any(all(a is not None and z is not None and bl[i] <= a and z <= bu[i] for i, (a, z) in enumerate(cell))
                   for bl, bu in boxes):
                continue
            rows, rhs = [], []
            for i, (a, z) in enumerate(cell):
                if a is not None:
                    rows.append(_e(d, i, -1))
                    rhs.append(-a)
                if z is not None:
                    rows.append(_e(d, i, 1))
                    rhs.append(z)
            roots.append((rows, rhs))
        return roots, lambda x: not any(all(bl[i] <= x[i] <= bu[i] for i in range(d)) for bl, bu in boxes)
    if data.get("everywhere") is True:
        return [([], [])], lambda x: True
    raise CheckFailed("K is not given")


def _check_trees(form: _Form, roots: list[tuple[list[Row], Row]], evidence: Any) -> None:
    trees = evidence["trees"]
    if len(trees) != len(roots):
        raise CheckFailed("one tree per root piece is required")
    walker = _Walker(form)
    walker.check_globals(evidence.get("globals", []))
    for (A, b), tree in zip(roots, trees):
        if tree is None:
            raise CheckFailed("a root piece has no tree")
        if "empty" in tree:  # a null root piece: y >= 0, y^T A = 0, y^T b <= 0 on some nonzero row
            _check_no_interior(A, b, tree["empty"])
            continue
        walker.walk(tree, A, b, {})


def _check_no_interior(A: list[Row], b: Row, y_text: Any) -> None:
    """Motzkin: y >= 0, y^T A = 0, y^T b <= 0 with y > 0 on a nonzero row proves {A x <= b} has no interior."""
    d = len(A[0]) if A else 0
    comb, total, nonzero_row = [F0] * d, F0, False
    for idx, val in y_text:
        k, y = int(idx), q(val)
        if y < 0 or not 0 <= k < len(A):
            raise CheckFailed("a multiplier is negative or out of range")
        comb = [a + y * v for a, v in zip(comb, A[k])]
        total += y * b[k]
        nonzero_row = nonzero_row or (y > 0 and any(A[k]))
    if any(comb) or total > 0 or not nonzero_row:
        raise CheckFailed("a root piece is not shown to have empty interior")


def _witness(cert: dict[str, Any], d: int) -> list[Fraction]:
    w = cert["witness"]
    x = [q(v) for v in w["point"]]
    if len(x) != d:
        raise CheckFailed("witness of the wrong dimension")
    return x


def check_support_in(cert: dict[str, Any]) -> None:
    """Rule for "f = 0 on R^d \\ K"."""
    evidence = cert.get("evidence") or {}
    if evidence.get("engine") == "analytic":  # analytic networks: balls and reductions, checked there
        from verify.checker.analytic import check_support_in_analytic

        check_support_in_analytic(cert)
        return
    data = cert["claim"]["data"]
    net = CheckNet(data["net"])
    roots, outside = _roots(data, net.input_dim)
    if cert["status"] == "refuted":
        x = _witness(cert, net.input_dim)
        if not outside(x):
            raise CheckFailed("the witness is not outside K")
        if not any(net(x)):
            raise CheckFailed("the network vanishes at the witness")
        return
    if cert["status"] != "proved":
        raise CheckFailed("an unknown verdict certifies nothing")
    _check_trees(_Form(net), roots, cert["evidence"])


def _difference(f: CheckNet, g: CheckNet) -> _Form:
    """The checker's own normal form of f - g: units side by side, the shallower side padded with identities."""
    ff, gf = _Form(f), _Form(g)
    if len(ff.steps) < len(gf.steps):
        ff, gf, sign = gf, ff, -F1
    else:
        sign = F1
    gsteps = list(gf.steps)
    gout = gf.out
    if len(gsteps) < len(ff.steps):
        D = len(gout[0])
        eye = [[F1 if i == j else F0 for j in range(D)] for i in range(D)]
        gsteps.append((gout[0], gout[1], ["identity"] * D))
        while len(gsteps) < len(ff.steps):
            gsteps.append((eye, [F0] * D, ["identity"] * D))
        gout = (eye, [F0] * D)
    h = _Form.__new__(_Form)
    h.d = f.input_dim
    h.steps = []
    for k, ((W1, c1, s1), (W2, c2, s2)) in enumerate(zip(ff.steps, gsteps)):
        if k == 0:
            W = [list(r) for r in W1] + [list(r) for r in W2]
        else:
            n1, n2 = len(W1[0]), len(W2[0])
            W = [list(r) + [F0] * n2 for r in W1] + [[F0] * n1 + list(r) for r in W2]
        h.steps.append((W, list(c1) + list(c2), list(s1) + list(s2)))
    (O1, o1), (O2, o2) = ff.out, gout
    if not h.steps:
        h.out = ([[sign * (a - b) for a, b in zip(r1, r2)] for r1, r2 in zip(O1, O2)], [sign * (a - b) for a, b in zip(o1, o2)])
    else:
        h.out = ([[sign * v for v in r1] + [-sign * v for v in r2] for r1, r2 in zip(O1, O2)],
                 [sign * (a - b) for a, b in zip(o1, o2)])
    return h


def check_equivalent(cert: dict[str, Any]) -> None:
    """Rule for "f = g on the domain" (the domain: all of R^d, a box or a polyhedron)."""
    data = cert["claim"]["data"]
    f, g = CheckNet(data["f"]), CheckNet(data["g"])
    d = f.input_dim
    if g.input_dim != d:
        raise CheckFailed("f and g have different input dimensions")
    dom = data.get("domain")
    if dom is None:
        roots: list[tuple[list[Row], Row]] = [([], [])]
        inside = lambda x: True  # noqa: E731
    elif "lower" in dom:
        lo, hi = _box(dom)
        rows, rhs = [], []
        for i in range(d):
            rows += [_e(d, i, 1), _e(d, i, -1)]
            rhs += [hi[i], -lo[i]]
        roots = [(rows, rhs)]
        inside = lambda x: all(lo[i] <= x[i] <= hi[i] for i in range(d))  # noqa: E731
    else:
        A = [[q(v) for v in r] for r in dom["A"]]
        b = [q(v) for v in dom["b"]]
        roots = [(A, b)]
        inside = lambda x: all(sum((a * t for a, t in zip(r, x)), F0) <= bi for r, bi in zip(A, b))  # noqa: E731
    if cert["status"] == "refuted":
        x = _witness(cert, d)
        if not inside(x) or f(x) == g(x):
            raise CheckFailed("the witness is outside the domain or f = g there")
        return
    if cert["status"] != "proved":
        raise CheckFailed("an unknown verdict certifies nothing")
    _check_trees(_difference(f, g), roots, cert["evidence"])


RULES["support_in"] = check_support_in
RULES["equivalent"] = check_equivalent
