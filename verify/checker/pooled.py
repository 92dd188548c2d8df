"""Checker rule for ReLU+pooling support certificates (claim kind ``support_in_pooled``).

Claim: ``f == 0`` on R^d \\ K, with K the union of polyhedra ``{A_j x <= b_j}``.
A PROVED certificate lists, for every choice of one row ``r_j`` per
component (the closed piece ``{a_{r_j} x >= b_{r_j} for all j}``; these pieces
cover the closure of R^d \\ K), the leaves of a region tree over the units of
the network's piecewise-linear prefix (the layers before the first pooling
layer), in layer order, one branch per linear piece of each unit. This rule:

1. recomputes, from the network text alone, the affine pre-activation of
   every unit along each leaf's pattern and the rows ``lo <= z(x) <= hi`` it
   adds (lower bound first), after the piece's rows;
2. checks that the leaves form a complete tree: no pattern is a prefix of
   another and ``sum_leaves prod_j 1/arity_j = 1`` (Kraft equality);
3. checks every cut-off leaf's multipliers ``y >= 0, y != 0, y^T A = 0,
   y^T b <= 0`` (so the leaf has no interior), and for every other leaf pushes
   the affine pre-pool vector through the remaining affine/pooling layers
   with exact polynomial arithmetic and checks that every output polynomial
   is zero.

Leaves with no interior do not matter: f is continuous and the remaining
leaves are closed and cover each full-dimensional piece up to a set without
interior, hence cover it. A REFUTED certificate is checked by evaluating the
network exactly at its witness (and comparing the stated polynomial, if any,
at that point). Only Fraction arithmetic; no engine code.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

from verify.checker import RULES, CheckFailed
from verify.checker._net import CheckNet, q

__all__ = ["check_pooled"]

_Z, _O = Fraction(0), Fraction(1)
Piece = tuple[Fraction | None, Fraction | None, Fraction, Fraction]  # lo, hi, slope, intercept
Rows = list[tuple[list[Fraction], Fraction]]  # a.x <= beta, also affine forms (coeffs, const)
PolyQ = dict[tuple[int, ...], Fraction]


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
    """The network split at its first pooling layer: PL prefix units in order, then the polynomial suffix."""

    def __init__(self, net: CheckNet):
        self.d = net.input_dim
        layers = net.layers
        first = next((i for i, (k, _) in enumerate(layers) if k == "pool"), len(layers))
        self.prefix, self.suffix = layers[:first], layers[first:]
        for key, body in self.suffix:
            if key == "act" and any(s != "identity" for s in (body if isinstance(body, list) else [body])):
                raise CheckFailed("activation after pooling: not a piecewise-polynomial certificate")
        self.arity: list[int] = []
        width = self.d
        for key, body in self.prefix:
            if key == "affine":
                width = len(body[0])
            else:
                specs = body if isinstance(body, list) else [body] * width
                self.arity += [len(_pieces(s)) for s in specs]

    def walk(self, pattern: list[int]) -> tuple[Rows, Rows | None]:
        """Rows added along ``pattern``; and the affine forms reaching the suffix (None if the pattern stops early)."""
        d = self.d
        forms = [([_O if i == j else _Z for j in range(d)], _Z) for i in range(d)]
        rows: list[tuple[list[Fraction], Fraction]] = []
        pos = 0
        for key, body in self.prefix:
            if key == "affine":
                w, b = body
                if any(len(r) != len(forms) for r in w):
                    raise CheckFailed("shape mismatch in the network")
                forms = [([sum((wk * f[0][i] for wk, f in zip(row, forms)), _Z) for i in range(d)],
                          sum((wk * f[1] for wk, f in zip(row, forms)), bi)) for row, bi in zip(w, b)]
                continue
            specs = body if isinstance(body, list) else [body] * len(forms)
            out = []
            for spec, (c, k) in zip(specs, forms):
                if pos == len(pattern):
                    return rows, None
                choice = pattern[pos]
                pieces = _pieces(spec)
                if not 0 <= choice < len(pieces):
                    raise CheckFailed("a pattern entry names no linear piece")
                lo, hi, slope, icpt = pieces[choice]
                if lo is not None:
                    rows.append(([-v for v in c], k - lo))
                if hi is not None:
                    rows.append((list(c), hi - k))
                out.append(([slope * v for v in c], slope * k + icpt))
                pos += 1
            forms = out
        if pos != len(pattern):
            raise CheckFailed("a pattern is longer than the number of units")
        return rows, forms

    def polynomials(self, forms: list[tuple[list[Fraction], Fraction]]) -> list[dict[tuple[int, ...], Fraction]]:
        d = self.d
        polys = []
        for c, k in forms:
            p = {tuple(int(i == j) for j in range(d)): v for i, v in enumerate(c) if v != 0}
            if k != 0:
                p[(0,) * d] = k
            polys.append(p)
        for key, body in self.suffix:
            if key == "affine":
                w, b = body
                if any(len(r) != len(polys) for r in w):
                    raise CheckFailed("shape mismatch in the network")
                polys = [_combine(polys, row, bi, d) for row, bi in zip(w, b)]
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


def _read_K(data: Any, d: int) -> list[tuple[list[list[Fraction]], list[Fraction]]]:
    comps = []
    for comp in data:
        A = [[q(v) for v in row] for row in comp["A"]]
        b = [q(v) for v in comp["b"]]
        if len(A) != len(b) or any(len(r) != d for r in A):
            raise CheckFailed("a component of K is malformed")
        comps.append((A, b))
    return comps


def _check_tree(net: _Prefix, leaves: list[dict[str, Any]], base: list[tuple[list[Fraction], Fraction]]) -> None:
    patterns = [tuple(int(v) for v in leaf["pattern"]) for leaf in leaves]
    for a, b in zip(sorted(patterns), sorted(patterns)[1:]):
        if b[: len(a)] == a:
            raise CheckFailed("a leaf pattern repeats or extends another")
    total = _Z
    for p in patterns:
        if len(p) > len(net.arity):
            raise CheckFailed("a pattern is longer than the number of units")
        weight = _O
        for j in range(len(p)):
            weight /= net.arity[j]
        total += weight
    if total != 1:
        raise CheckFailed("the leaves do not cover every branch of the region tree")
    for leaf, p in zip(leaves, patterns):
        rows, forms = net.walk(list(p))
        rows = base + rows
        if "no_interior" in leaf:
            if not _no_interior(rows, [q(v) for v in leaf["no_interior"]], net.d):
                raise CheckFailed(f"the no-interior multipliers of leaf {list(p)} do not check")
        elif leaf.get("zero") is True:
            if forms is None:
                raise CheckFailed(f"leaf {list(p)} stops before the last unit")
            if any(net.polynomials(forms)):
                raise CheckFailed(f"the polynomial of leaf {list(p)} is not zero")
        else:
            raise CheckFailed("a leaf is neither cut off nor zero")


def check_pooled(cert: dict[str, Any]) -> None:
    """The rule for ``support_in_pooled`` certificates (raises CheckFailed)."""
    data = cert["claim"]["data"]
    net = CheckNet(data["network"])
    comps = _read_K(data["K"], net.input_dim)
    if cert["status"] == "refuted":
        _check_witness(net, comps, cert)
        return
    if cert["status"] != "proved":
        raise CheckFailed(f"nothing to check in a {cert['status']!r} verdict")
    ev = cert["evidence"]
    if ev.get("engine") != "pooled":
        raise CheckFailed("not a pooled-engine certificate")
    prefix = _Prefix(net)
    by_choice = {tuple(int(v) for v in piece["choice"]): piece["leaves"] for piece in ev["pieces"]}
    choices = list(itertools.product(*[range(len(A)) for A, _ in comps]))
    if set(by_choice) != set(choices) or len(ev["pieces"]) != len(choices):
        raise CheckFailed("the pieces do not match the complement of K")
    for choice in choices:
        base = [([-v for v in comps[j][0][r]], -comps[j][1][r]) for j, r in enumerate(choice)]
        _check_tree(prefix, by_choice[choice], base)


def _check_witness(net: CheckNet, comps: list[tuple[list[list[Fraction]], list[Fraction]]], cert: dict[str, Any]) -> None:
    w = cert["witness"]
    if w is None:
        raise CheckFailed("a refutation needs a witness")
    x = [q(v) for v in w["point"]]
    if len(x) != net.input_dim:
        raise CheckFailed("witness of the wrong dimension")
    for A, b in comps:
        if all(sum((a * t for a, t in zip(row, x)), _Z) <= bi for row, bi in zip(A, b)):
            raise CheckFailed("the witness lies in K")
    value = net(x)
    if all(v == 0 for v in value):
        raise CheckFailed("the network vanishes at the witness")
    if w.get("value") is not None and [q(v) for v in w["value"]] != value:
        raise CheckFailed("the stated value differs from the exact value at the witness")
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
