"""Checker rule for ReLU+pooling support certificates (claim kind ``support_in_pooled``).

Claim: ``f == 0`` on R^d \\ K, with K the union of polyhedra ``{A_j x <= b_j}``.
A PROVED certificate lists, for every choice of one row ``r_j`` per
component (the closed piece ``{a_{r_j} x >= b_{r_j} for all j}``; these pieces
cover the closure of R^d \\ K), the leaves of a region tree over the units of
the network's piecewise-linear prefix (the layers before the first pooling
layer). Each leaf has a path of decisions ``(layer, unit, piece)``. This rule:

1. recomputes, from the network text alone, the affine pre-activation of each
   decided unit (its inputs must be determined earlier on the path; units with
   a single piece, like the identity, are determined as soon as their inputs
   are) and the rows ``lo <= z(x) <= hi`` it adds (lower bound first), after
   the piece's rows;
2. checks that the leaves form a complete tree: every node splits on one unit
   and has exactly one subtree per linear piece of that unit;
3. checks every ``same_as`` leaf (the unit's pre-activation is a constant in
   the closed intervals of this piece and of the earlier sibling it names, with
   equal outputs there: the same region and state, covered by the sibling); and
   every cut-off leaf's multipliers: ``y >= 0``, ``y^T A = 0`` and either
   ``y^T b < 0`` or ``y^T b = 0`` with ``y != 0`` on nonzero rows only (so the
   leaf has no interior); for every "zero" leaf it pushes the pre-pool vector
   through the remaining affine/pooling layers with exact polynomial
   arithmetic, a free symbol standing for each undetermined pre-pool
   component, and checks that every output polynomial is zero (then f = 0 on
   the leaf, whatever the undecided units do).

A factor certificate (evidence ``engine: "pooled-factors"``): the rule
re-derives, from the network alone, ``f_j = sum_i B[j][i] p_i p_{i+k} + c_j``
(the affine layers after the one pooling layer composed) and checks ``c = 0``,
the stated coefficients, and for every term with a nonzero column a factor
``p_i`` or ``p_{i+k}`` whose sub-certificate is a proved ``support_in`` claim
about exactly that PL sub-network (rebuilt here) and the same K, re-checked
by ``verify.checker.check``. Then every product, hence f, vanishes off K.
The sub-claims (or the region tree's pieces) may use a box H instead (``K_used``) when K is a union of
boxes covering H: every cell of the grid their boundaries cut H into has its
centre (so, being aligned, all of it) in one box of K; then off K is off H.

Why the region tree proves the claim: f is continuous; the zero leaves form a closed set
Z with f = 0 on Z; the leaves cover R^d \\ K, so the open set (R^d \\ K) \\ Z
lies in the finite union of the cut-off leaves, closed sets without interior,
so it is empty. A REFUTED certificate is checked by evaluating the network
exactly at its witness (and the stated polynomial, if any, at that point).
Only Fraction arithmetic; no engine code.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

from verify.checker import RULES, CheckFailed
from verify.checker._net import CheckNet, q, read_sets, witness_outside

__all__ = ["check_pooled"]

_Z, _O = Fraction(0), Fraction(1)
Piece = tuple[Fraction | None, Fraction | None, Fraction, Fraction]  # lo, hi, slope, intercept
Rows = list[tuple[list[Fraction], Fraction]]  # a.x <= beta, also affine forms (coeffs, const)
PolyQ = dict[tuple[int, ...], Fraction]
Form = tuple[list[Fraction], Fraction]
Outs = dict[tuple[int, int], Form]


def _pieces(spec: Any) -> list[Piece]:
    """The linear pieces of a unit, left to right (the convention of the certificates)."""
    if isinstance(spec, dict):
        ((name, a),) = spec.items()
        if name in ("leaky_relu", "prelu"):
            return [(None, _Z, q(a), _Z), (_Z, None, _O, _Z)]
        raise CheckFailed(f"not a piecewise-linear unit: {name}")
    table: dict[str, list[Piece]] = {
        "relu": [(None, _Z, _Z, _Z), (_Z, None, _O, _Z)],
        "abs": [(None, _Z, -_O, _Z), (_Z, None, _O, _Z)],
        "identity": [(None, None, _O, _Z)],
        "hardtanh": [(None, -_O, _Z, -_O), (-_O, _O, _O, _Z), (_O, None, _Z, _O)],
    }
    if spec not in table:
        raise CheckFailed(f"not a piecewise-linear unit: {spec!r}")
    return table[spec]


class _Prefix:
    """The network split at its first pooling layer, the prefix in normal form (consecutive affine maps composed).

    Act layer ``l`` has pre-activations ``W[l] h_{l-1} + c[l]`` (``h_{-1} = x``);
    the pre-pool vector is ``W_out h_last + c_out``; the suffix is affine maps,
    pooling and identity units only.
    """

    def __init__(self, net: CheckNet):
        self.d = d = net.input_dim
        layers = net.layers
        first = next((i for i, (k, _) in enumerate(layers) if k == "pool"), len(layers))
        prefix, self.suffix = layers[:first], layers[first:]
        for key, body in self.suffix:
            if key == "act" and any(s != "identity" for s in (body if isinstance(body, list) else [body])):
                raise CheckFailed("activation after pooling: not a piecewise-polynomial certificate")
        W = [[_O if i == j else _Z for j in range(d)] for i in range(d)]
        c = [_Z] * d
        self.W: list[list[list[Fraction]]] = []
        self.c: list[list[Fraction]] = []
        self.pieces: list[list[list[Piece]]] = []
        for key, body in prefix:
            if key == "affine":
                w, b = body
                if any(len(r) != len(W) for r in w):
                    raise CheckFailed("shape mismatch in the network")
                c = [sum((a * t for a, t in zip(row, c)), bi) for row, bi in zip(w, b)]
                W = [[sum((row[k] * W[k][j] for k in range(len(W))), _Z) for j in range(len(W[0]))] for row in w]
            else:
                specs = body if isinstance(body, list) else [body] * len(W)
                if len(specs) != len(W):
                    raise CheckFailed("shape mismatch in the network")
                self.W.append(W)
                self.c.append(c)
                self.pieces.append([_pieces(s) for s in specs])
                W = [[_O if i == j else _Z for j in range(len(W))] for i in range(len(W))]
                c = [_Z] * len(W)
        self.W_out, self.c_out = W, c

    def arity(self, l: int, i: int) -> int:
        if not (0 <= l < len(self.pieces) and 0 <= i < len(self.pieces[l])):
            raise CheckFailed("a path names no unit")
        return len(self.pieces[l][i])

    def leaf(self, path: list[tuple[int, int, int]]) -> tuple[Rows, Outs]:
        """The rows a path adds (in order, lower bound first) and the outputs of every unit it determines."""
        outs: Outs = {}
        rows: Rows = []
        for l, i, k in path:
            if (l, i) in outs or self.arity(l, i) < 2:
                raise CheckFailed("a path decides a unit twice, or a unit without choice")
            z = self.pre(l, i, outs)
            if z is None:
                raise CheckFailed("a path decides a unit before its inputs")
            if not 0 <= k < self.arity(l, i):
                raise CheckFailed("a path names no linear piece")
            lo, hi, slope, icpt = self.pieces[l][i][k]
            coeffs, const = z
            if lo is not None:
                rows.append(([-v for v in coeffs], const - lo))
            if hi is not None:
                rows.append((list(coeffs), hi - const))
            outs[(l, i)] = ([slope * v for v in coeffs], slope * const + icpt)
        return rows, outs

    def output(self, l: int, i: int, outs: Outs) -> Form | None:
        """The affine output of unit (l, i) if determined: decided on the path, or single-piece with determined inputs."""
        if (l, i) in outs:
            return outs[(l, i)]
        if self.arity(l, i) != 1:
            return None
        z = self.pre(l, i, outs)
        if z is None:
            return None
        _lo, _hi, slope, icpt = self.pieces[l][i][0]
        outs[(l, i)] = ([slope * v for v in z[0]], slope * z[1] + icpt)
        return outs[(l, i)]

    def pre(self, l: int, i: int, outs: Outs) -> Form | None:
        """The affine pre-activation of unit (l, i), or None when an input is undetermined."""
        return self._combine_row(self.W[l][i], self.c[l][i], l - 1, outs)

    def _combine_row(self, row: list[Fraction], c0: Fraction, prev: int,
                     outs: Outs) -> Form | None:
        coeffs, const = [_Z] * self.d, c0
        for j, w in enumerate(row):
            if w == 0:
                continue
            if prev < 0:
                coeffs[j] += w
                continue
            h = self.output(prev, j, outs)
            if h is None:
                return None
            const += w * h[1]
            coeffs = [a + w * v for a, v in zip(coeffs, h[0])]
        return coeffs, const

    def polynomials(self, outs: Outs) -> list[PolyQ]:
        """Output polynomials in x and one free symbol per undetermined pre-pool component."""
        d, m = self.d, len(self.W_out)
        polys: list[PolyQ] = []
        for k, (row, c0) in enumerate(zip(self.W_out, self.c_out)):
            form = self._combine_row(row, c0, len(self.W) - 1, outs)
            if form is None:
                polys.append({tuple(int(t == d + k) for t in range(d + m)): _O})
                continue
            p = {tuple(int(t == i) for t in range(d + m)): v for i, v in enumerate(form[0]) if v != 0}
            if form[1] != 0:
                p[(0,) * (d + m)] = form[1]
            polys.append(p)
        for key, body in self.suffix:
            if key == "affine":
                w, b = body
                if any(len(r) != len(polys) for r in w):
                    raise CheckFailed("shape mismatch in the network")
                polys = [_combine(polys, row, bi, d + m) for row, bi in zip(w, b)]
            elif key == "pool":
                h = len(polys) // 2
                polys = [_times(polys[i], polys[i + h]) for i in range(h)]
        return polys


def _combine(polys: list[PolyQ], row: list[Fraction], bias: Fraction, d: int) -> PolyQ:
    out: dict[tuple[int, ...], Fraction] = {(0,) * d: bias}
    for w, p in zip(row, polys):
        for e, v in p.items():
            out[e] = out.get(e, _Z) + w * v
    return {e: v for e, v in out.items() if v != 0}


def _times(p: dict[tuple[int, ...], Fraction], r: dict[tuple[int, ...], Fraction]) -> dict[tuple[int, ...], Fraction]:
    out: dict[tuple[int, ...], Fraction] = {}
    for e1, v1 in p.items():
        for e2, v2 in r.items():
            e = tuple(a + b for a, b in zip(e1, e2))
            out[e] = out.get(e, _Z) + v1 * v2
    return {e: v for e, v in out.items() if v != 0}


def _no_interior(rows: list[tuple[list[Fraction], Fraction]], y: list[Fraction], d: int) -> bool:
    """``y`` proves that ``{x : a_i x <= b_i}`` has no interior point.

    ``y >= 0``, ``y^T A = 0`` and either ``y^T b < 0`` (the set is empty) or
    ``y^T b = 0`` with ``y != 0`` supported on rows ``a_i != 0`` only: at an
    interior point those rows hold strictly, so ``0 = y^T A x < y^T b = 0``.
    (A zero row ``0 <= 0`` holds everywhere: it must not be used.)
    """
    if len(y) != len(rows) or any(v < 0 for v in y) or all(v == 0 for v in y):
        return False
    if any(sum((yi * r[i] for yi, (r, _) in zip(y, rows)), _Z) != 0 for i in range(d)):
        return False
    total = sum((yi * beta for yi, (_, beta) in zip(y, rows)), _Z)
    if total < 0:
        return True
    return total == 0 and all(any(v != 0 for v in r) for yi, (r, _) in zip(y, rows) if yi != 0)




def _complete(net: _Prefix, paths: list[tuple[tuple[int, int, int], ...]], depth: int) -> None:
    """The paths are the leaves of a complete tree: at each node one unit, one child per linear piece."""
    if len(paths) == 1 and len(paths[0]) == depth:
        return
    if any(len(p) <= depth for p in paths):
        raise CheckFailed("a leaf path repeats or is a prefix of another")
    units = {p[depth][:2] for p in paths}
    if len(units) != 1:
        raise CheckFailed("the leaves split one node on different units")
    ((l, i),) = units
    groups: dict[int, list[tuple[tuple[int, int, int], ...]]] = {}
    for p in paths:
        groups.setdefault(p[depth][2], []).append(p)
    if set(groups) != set(range(net.arity(l, i))):
        raise CheckFailed("the leaves do not cover every branch of the region tree")
    for group in groups.values():
        _complete(net, group, depth + 1)


def _check_same_as(net: _Prefix, path: list[tuple[int, int, int]], other: int) -> None:
    """The last decision repeats its sibling ``other``: same region, same unit output.

    The unit's pre-activation must be a constant ``c`` (zero coefficients) in the
    closed intervals of both pieces, with the same output ``slope * c + intercept``:
    then both branches add only rows ``0 <= beta`` with ``beta >= 0`` and fix the
    unit to the same value, so the sibling's subtree covers this branch.
    """
    if not path:
        raise CheckFailed("a same_as leaf needs a decision")
    l, i, k = path[-1]
    _rows, outs = net.leaf(path[:-1])
    z = net.pre(l, i, outs)
    if z is None or any(v != 0 for v in z[0]) or not 0 <= other < k < net.arity(l, i):
        raise CheckFailed(f"leaf {path} does not repeat an earlier sibling")
    c = z[1]
    vals = []
    for lo, hi, slope, icpt in (net.pieces[l][i][other], net.pieces[l][i][k]):
        if (lo is not None and c < lo) or (hi is not None and c > hi):
            raise CheckFailed(f"leaf {path}: the constant pre-activation is not in both pieces")
        vals.append(slope * c + icpt)
    if vals[0] != vals[1]:
        raise CheckFailed(f"leaf {path}: the two pieces give different outputs")


def _check_tree(net: _Prefix, leaves: list[dict[str, Any]], base: Rows) -> None:
    paths = [tuple((int(l), int(i), int(k)) for l, i, k in leaf["path"]) for leaf in leaves]
    if not paths:
        raise CheckFailed("the leaves do not cover every branch of the region tree")
    _complete(net, paths, 0)
    for leaf, p in zip(leaves, paths):
        rows, outs = net.leaf(list(p))
        rows = base + rows
        if "no_interior" in leaf:
            if not _no_interior(rows, [q(v) for v in leaf["no_interior"]], net.d):
                raise CheckFailed(f"the no-interior multipliers of leaf {list(p)} do not check")
        elif "same_as" in leaf:
            _check_same_as(net, list(p), int(leaf["same_as"]))
        elif leaf.get("zero") is True:
            if any(net.polynomials(outs)):
                raise CheckFailed(f"the output of leaf {list(p)} is not the zero polynomial")
        else:
            raise CheckFailed("a leaf is neither cut off nor zero")


def check_pooled(cert: dict[str, Any]) -> None:
    """The rule for ``support_in_pooled`` certificates (raises CheckFailed)."""
    data = cert["claim"]["data"]
    net = CheckNet(data["network"])
    comps = read_sets(data["K"], net.input_dim)
    if cert["status"] == "refuted":
        _check_witness(net, comps, cert)
        return
    if cert["status"] != "proved":
        raise CheckFailed(f"nothing to check in a {cert['status']!r} verdict")
    ev = cert["evidence"]
    if ev.get("engine") == "pooled-factors":
        _check_factors(net, data["K"], ev)
        return
    if ev.get("engine") != "pooled":
        raise CheckFailed("not a pooled-engine certificate")
    if "K_used" in ev:  # the tree covers the complement of a box H that K covers
        comps = read_sets([_covered_box(data["K"], ev["K_used"])], net.input_dim)
    prefix = _Prefix(net)
    by_choice = {tuple(int(v) for v in piece["choice"]): piece["leaves"] for piece in ev["pieces"]}
    # a point outside K violates, in every component, a row that can be violated (a != 0, or 0 <= b with b < 0)
    violable = [[r for r, (row, beta) in enumerate(zip(A, b)) if any(v != 0 for v in row) or beta < 0] for A, b in comps]
    choices = list(itertools.product(*violable))
    if set(by_choice) != set(choices) or len(ev["pieces"]) != len(choices):
        raise CheckFailed("the pieces do not match the complement of K")
    for choice in choices:
        base = [([-v for v in comps[j][0][r]], -comps[j][1][r]) for j, r in enumerate(choice)]
        _check_tree(prefix, by_choice[choice], base)


def _decompose(net: CheckNet) -> tuple[int, list[list[Fraction]], list[Fraction]]:
    """``(k, B, c)``: ``f_j = sum_i B[j][i] p_i p_{i+k} + c_j`` after the one pooling layer (``p``: the pre-pool vector)."""
    layers = net.layers
    first = next((i for i, (key, _) in enumerate(layers) if key == "pool"), None)
    if first is None:
        raise CheckFailed("a factor certificate needs a pooling layer")
    width = net.input_dim
    for key, body in layers[:first]:
        if key == "affine":
            width = len(body[1])
    if width % 2:
        raise CheckFailed("pooling of an odd-length vector")
    k = width // 2
    B = [[_O if i == j else _Z for j in range(k)] for i in range(k)]
    c = [_Z] * k
    for key, body in layers[first + 1:]:
        if key == "pool":
            raise CheckFailed("a factor certificate allows one pooling layer only")
        if key == "act":
            if any(s != "identity" for s in (body if isinstance(body, list) else [body])):
                raise CheckFailed("activation after pooling")
            continue
        w, b = body
        if any(len(row) != len(B) for row in w) or len(w) != len(b):
            raise CheckFailed("shape mismatch in the network")
        B = [[sum((wt * B[t][j] for t, wt in enumerate(row)), _Z) for j in range(k)] for row in w]
        c = [sum((wt * c[t] for t, wt in enumerate(row)), _Z) + bi for row, bi in zip(w, b)]
    return k, B, c


def _factor_layers(net: CheckNet, index: int) -> list[tuple[str, Any]]:
    """The layers of the pre-pool component ``index``: the layers before the pool, the last affine cut to one row."""
    first = next(i for i, (key, _) in enumerate(net.layers) if key == "pool")
    layers = list(net.layers[:first])
    if layers and layers[-1][0] == "affine":
        w, b = layers[-1][1]
        if not 0 <= index < len(b):
            raise CheckFailed("a factor index out of range")
        layers[-1] = ("affine", ([list(w[index])], [b[index]]))
        return layers
    width = net.input_dim if not layers else None
    if width is None:
        for key, body in layers:
            if key == "affine":
                width = len(body[1])
    assert width is not None
    if not 0 <= index < width:
        raise CheckFailed("a factor index out of range")
    return [*layers, ("affine", ([[_O if j == index else _Z for j in range(width)]], [_Z]))]


def _same_K(outer: Any, inner: dict[str, Any]) -> bool:
    """The sub-claim's K is the outer K: the same polyhedra, exactly (or both the empty set)."""
    if not outer:
        return inner.get("everywhere") is True
    polys = inner.get("polyhedra")
    if not isinstance(polys, list) or len(polys) != len(outer):
        return False
    for a, b in zip(outer, polys):
        if [[q(v) for v in r] for r in a["A"]] != [[q(v) for v in r] for r in b["A"]]:
            return False
        if [q(v) for v in a["b"]] != [q(v) for v in b["b"]]:
            return False
    return True


def _box_of(comp: dict[str, Any]) -> tuple[list[Fraction], list[Fraction]] | None:
    """(lo, hi) when the rows are exactly ``x_i <= hi_i, -x_i <= -lo_i`` per coordinate, in that order."""
    A = [[q(v) for v in r] for r in comp["A"]]
    b = [q(v) for v in comp["b"]]
    d = len(A[0]) if A else 0
    if d == 0 or len(A) != 2 * d or len(b) != 2 * d:
        return None
    for i in range(d):
        e = [_O if j == i else _Z for j in range(d)]
        if A[2 * i] != e or A[2 * i + 1] != [-v for v in e]:
            return None
    return [-b[2 * i + 1] for i in range(d)], [b[2 * i] for i in range(d)]


def _covered_box(K: Any, used: dict[str, Any]) -> dict[str, Any]:
    """``used`` is a box H inside the union of K's components, all boxes: every grid cell of H lies in one."""
    h = _box_of(used)
    boxes = [_box_of(c) for c in K]
    if h is None or not boxes or any(bx is None for bx in boxes):
        raise CheckFailed("K_used must be a box and K a union of boxes")
    lo, hi = h
    d = len(lo)
    if any(bx is not None and len(bx[0]) != d for bx in boxes) or any(a > z for a, z in zip(lo, hi)):
        raise CheckFailed("K_used has the wrong dimension or is empty")
    bs = [bx for bx in boxes if bx is not None]
    cuts = [sorted({lo[i], hi[i], *(v for bx in bs for v in (bx[0][i], bx[1][i]) if lo[i] < v < hi[i])}) for i in range(d)]
    for cell in itertools.product(*[list(zip(c, c[1:])) for c in cuts]):
        mid = [(a + z) / 2 for a, z in cell]
        if not any(all(bl <= t <= bh for t, bl, bh in zip(mid, bx[0], bx[1])) for bx in bs):
            raise CheckFailed("K_used is not inside K: a grid cell lies outside every box of K")
    return used


def _check_factors(net: CheckNet, K: Any, ev: dict[str, Any]) -> None:
    """f = sum_i B[j][i] u_i v_i + c_j with c = 0 and, for each live term, a factor proved zero off K."""
    from verify.checker import check

    k, B, c = _decompose(net)
    if "K_used" in ev:  # the factors vanish off a box H that K covers
        K = [_covered_box(K, ev["K_used"])]
    if int(ev["k"]) != k or [q(v) for v in ev["constant"]] != c or any(v != 0 for v in c):
        raise CheckFailed("the stated decomposition differs from the network's (or has a constant term)")
    proved: set[int] = set()
    for fac in ev["factors"]:
        p, inner = int(fac["index"]), fac["certificate"]
        if inner.get("status") != "proved" or inner["claim"].get("kind") != "support_in":
            raise CheckFailed(f"factor {p}: not a proved support claim")
        data = inner["claim"]["data"]
        if CheckNet(data["net"]).input_dim != net.input_dim or CheckNet(data["net"]).layers != _factor_layers(net, p):
            raise CheckFailed(f"factor {p}: the sub-certificate is about another network")
        if not _same_K(K, data):
            raise CheckFailed(f"factor {p}: the sub-certificate is about another set K")
        if not check(inner):
            raise CheckFailed(f"factor {p}: the sub-certificate does not check")
        proved.add(p)
    covered = {}
    for term in ev["terms"]:
        i, p = int(term["term"]), int(term["factor"])
        if not 0 <= i < k or p not in (i, i + k) or p not in proved:
            raise CheckFailed(f"term {i}: its factor {p} is not a proved factor of the term")
        if [q(v) for v in term["coefficients"]] != [row[i] for row in B]:
            raise CheckFailed(f"term {i}: the stated coefficients differ from the network's")
        covered[i] = p
    for i in range(k):
        if any(row[i] != 0 for row in B) and i not in covered:
            raise CheckFailed(f"term {i} has a nonzero coefficient and no factor proved zero off K")


def _check_witness(net: CheckNet, comps: list[tuple[list[list[Fraction]], list[Fraction]]], cert: dict[str, Any]) -> None:
    w = cert["witness"]
    x, value = witness_outside(net, comps, w)
    poly = (cert.get("evidence") or {}).get("polynomial")
    out = w.get("output")
    if poly is not None and out is not None:
        val = _Z
        for e, c in poly:
            term = q(c)
            for xi, k in zip(x, e):
                term *= xi ** int(k)
            val += term
        if val != value[int(out)]:
            raise CheckFailed("the stated polynomial does not give the value at the witness")


RULES["support_in_pooled"] = check_pooled
