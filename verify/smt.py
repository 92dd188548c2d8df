"""SMT encodings of networks for z3, and a solver-neutral SMT-LIB2 export.

The claim every query here asks about is "f == 0 on R^d \\ K": is there a
point ``x`` outside the closed set ``K`` (a box, a union of boxes, or nothing,
meaning all of R^d) where some output is nonzero? Piecewise-linear units are
encoded exactly (``If`` terms or a case split), pooling and ``square`` as
products (nonlinear real arithmetic), every constant as ``RealVal("p/q")``
built from a ``Fraction``.

A z3 model is only a suggestion: :meth:`Encoding.decode` turns it into an
exact rational point (rational model values exactly; algebraic ones through
rational approximations), and every REFUTED verdict carries a witness that
``net.eval_exact`` confirmed. An ``unsat`` answer is a PROVED verdict whose
evidence says ``"trust": "solver-trusted"``: z3 gives no certificate that
:mod:`verify.checker` could re-check with Fraction arithmetic alone, so the
checker rejects such PROVED certificates (see ``verify.checker.smt``); the
checkable proofs come from the region engines.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import z3

from verify.activations import Activation
from verify.box import Box
from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.layers import Act, Affine, Pool
from verify.numbers import format_rational
from verify.verdict import Claim, Status, Verdict, Witness

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["Encoding", "encode", "find_nonzero_outside", "to_smtlib", "outside_sets", "CLAIM_KIND"]

CLAIM_KIND = "support_in_smt"
"""Claim kind of the verdicts made here (re-checked by ``verify.checker.smt``)."""

_STYLES = ("if", "split")


def _rv(q: Fraction) -> z3.ArithRef:
    """The exact z3 real for a Fraction (never a float)."""
    return z3.RealVal(f"{q.numerator}/{q.denominator}")


def _from_z3(v: Any) -> Fraction:
    """A z3 rational numeral as an exact Fraction."""
    return Fraction(v.numerator_as_long(), v.denominator_as_long())


@dataclass
class Encoding:
    """The z3 form of a network: input variables, unit variables, output terms and defining constraints.

    ``constraints`` define the unit variables from the inputs (one value each for
    every input), so ``And(constraints)`` is satisfiable together with any
    choice of ``inputs``; ``outputs`` are terms over the variables.
    """

    net: Network
    inputs: tuple[z3.ArithRef, ...]
    units: list[tuple[z3.ArithRef, ...]]
    outputs: tuple[z3.ArithRef, ...]
    constraints: list[z3.BoolRef] = field(default_factory=list)
    relu_style: str = "if"

    def decode(self, model: z3.ModelRef, *, precision: int = 20) -> tuple[Fraction, ...]:
        """The network input that ``model`` assigns, as exact rationals.

        Rational model values are returned exactly; an algebraic value (from a
        nonlinear problem) is replaced by a rational within ``10**-precision``
        of it. The result is a suggestion: callers re-check it with
        ``net.eval_exact``.

        >>> from verify import Network
        >>> enc = encode(Network.mlp([[[2]]], [[-1]]))
        >>> s = z3.Solver(); s.add(enc.outputs[0] == 0); s.check()
        sat
        >>> enc.decode(s.model())
        (Fraction(1, 2),)
        """
        return tuple(_decode_value(model.eval(x, model_completion=True), precision) for x in self.inputs)


def _decode_value(v: Any, precision: int) -> Fraction:
    if z3.is_rational_value(v):
        return _from_z3(v)
    if z3.is_algebraic_value(v):
        return _from_z3(v.approx(precision))
    raise UnsupportedNetwork(expected("a rational or algebraic model value", "model value", str(v)))


# -- encoding -----------------------------------------------------------------


def _affine_terms(layer: Affine, z: Sequence[z3.ArithRef]) -> list[z3.ArithRef]:
    out = []
    for row, b in zip(layer.weight, layer.bias):
        terms = [zi if w == 1 else _rv(w) * zi for w, zi in zip(row, z) if w != 0]
        if b != 0 or not terms:
            terms.append(_rv(b))
        out.append(terms[0] if len(terms) == 1 else z3.Sum(terms))
    return out


def _max_form(f: Activation) -> tuple[str, Fraction, Fraction] | None:
    """``(kind, s_left, s_right)`` when ``f(t) = max/min(s_left t, s_right t)`` (two pieces through 0)."""
    pieces = f.pieces()
    if len(pieces) != 2 or any(p.intercept != 0 for p in pieces):
        return None
    left, right = pieces[0].slope, pieces[1].slope
    return ("max" if left <= right else "min", left, right)


def _if_term(f: Activation, z: z3.ArithRef) -> z3.ArithRef:
    """Nested ``If`` over the pieces of a piecewise-linear activation."""
    pieces = f.pieces()
    term = _lin(pieces[-1].slope, pieces[-1].intercept, z)
    for p in reversed(pieces[:-1]):
        assert p.hi is not None
        term = z3.If(z <= _rv(p.hi), _lin(p.slope, p.intercept, z), term)
    return term


def _lin(slope: Fraction, intercept: Fraction, z: z3.ArithRef) -> z3.ArithRef:
    t = z if slope == 1 else _rv(slope) * z
    return t if intercept == 0 else t + _rv(intercept)


def _split_constraints(f: Activation, z: z3.ArithRef, y: z3.ArithRef) -> list[z3.BoolRef]:
    """Case-split encoding of ``y = f(z)``: y >= 0, y >= z, (y <= 0 or y <= z) for relu, and alike."""
    form = _max_form(f)
    if form is not None:
        kind, a, b = form
        ya, yb = _lin(a, Fraction(0), z), _lin(b, Fraction(0), z)
        if kind == "max":
            return [y >= ya, y >= yb, z3.Or(y <= ya, y <= yb)]
        return [y <= ya, y <= yb, z3.Or(y >= ya, y >= yb)]
    cases = []
    for p in f.pieces():
        conds = [y == _lin(p.slope, p.intercept, z)]
        if p.lo is not None:
            conds.append(z >= _rv(p.lo))
        if p.hi is not None:
            conds.append(z <= _rv(p.hi))
        cases.append(z3.And(conds))
    return [z3.Or(cases)]


def encode(net: Network, *, relu_style: str = "if", prefix: str = "") -> Encoding:
    """The exact z3 encoding of ``net``.

    Contract: for every real input ``x`` there is exactly one assignment of the
    unit variables satisfying ``constraints``, and under it ``outputs`` equal
    ``net(x)``. Piecewise-linear units become ``If`` terms (``relu_style="if"``)
    or a case split (``"split"``: ``y >= 0, y >= z, y <= 0 or y <= z`` for relu),
    ``Pool`` and ``square`` become products. Analytic units other than the
    identity raise :class:`UnsupportedNetwork`.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> enc = encode(hat, relu_style="split")
    >>> len(enc.inputs), [len(u) for u in enc.units], len(enc.constraints)
    (1, [3], 9)
    """
    if relu_style not in _STYLES:
        raise InvalidArgument(expected(f"relu_style in {_STYLES}", "relu_style", relu_style))
    if not net.is_rational:
        raise UnsupportedNetwork(expected("piecewise-linear, square and pooling units for z3", "activations",
                                          sorted(str(a) for a in net.activations() if not a.rational)))
    xs = tuple(z3.Real(f"{prefix}x{i}") for i in range(net.input_dim))
    z: list[z3.ArithRef] = list(xs)
    units: list[tuple[z3.ArithRef, ...]] = []
    cons: list[z3.BoolRef] = []
    for k, layer in enumerate(net.layers):
        if isinstance(layer, Affine):
            z = _affine_terms(layer, z)
            continue
        half = len(z) // 2
        width = half if isinstance(layer, Pool) else len(z)
        ys = tuple(z3.Real(f"{prefix}y{k}_{i}") for i in range(width))
        if isinstance(layer, Pool):
            cons.extend(y == z[i] * z[i + half] for i, y in enumerate(ys))
        else:
            assert isinstance(layer, Act)
            for t, f, y in zip(z, layer.expanded(len(z)), ys):
                cons.extend(_unit(f, t, y, relu_style))
        units.append(ys)
        z = list(ys)
    return Encoding(net, xs, units, tuple(z), cons, relu_style)


def _unit(f: Activation, t: z3.ArithRef, y: z3.ArithRef, style: str) -> list[z3.BoolRef]:
    """Constraints saying ``y = f(t)``."""
    if f.name == "identity":
        return [y == t]
    if f.name == "square":
        return [y == t * t]
    if style == "if":
        return [y == _if_term(f, t)]
    return _split_constraints(f, t, y)


# -- the support query ----------------------------------------------------------


Region = Any  # a Box or a verify.polyhedra.Polyhedron


def outside_sets(K: Any, d: int) -> list[Region]:
    """Normalise ``K`` (``None``, ``[]``, a :class:`Box`, a ``Polyhedron`` or a list of them) to a list in R^d.

    >>> outside_sets(Box([0], [1]), 1)
    [Box(lower=(Fraction(0, 1),), upper=(Fraction(1, 1),))]
    """
    from verify.polyhedra import Polyhedron

    if K is None:
        return []
    parts = list(K) if isinstance(K, (list, tuple)) else [K]
    for part in parts:
        if not isinstance(part, (Box, Polyhedron)):
            raise InvalidArgument(expected("a Box, a Polyhedron, a list of them, [] or None", "K", K))
        if part.dim != d:
            raise InvalidArgument(expected(f"sets of dimension {d}", "K dimension", part.dim))
    return parts


def _rows(part: Region) -> list[tuple[tuple[Fraction, ...], Fraction]]:
    """``part`` as rows ``a.x <= beta`` (a box: ``x_i <= hi_i``, ``-x_i <= -lo_i`` per coordinate)."""
    if isinstance(part, Box):
        d = part.dim
        out = []
        for i in range(d):
            e = tuple(Fraction(int(i == j)) for j in range(d))
            out += [(e, part.upper[i]), (tuple(-v for v in e), -part.lower[i])]
        return out
    return list(zip(part.A, part.b))


def _dot_z3(row: Sequence[Fraction], xs: Sequence[z3.ArithRef]) -> z3.ArithRef:
    terms = [x if a == 1 else _rv(a) * x for a, x in zip(row, xs) if a != 0]
    return z3.Sum(terms) if len(terms) > 1 else terms[0] if terms else _rv(Fraction(0))


def _outside(xs: Sequence[z3.ArithRef], parts: list[Region]) -> list[z3.BoolRef]:
    out = []
    for part in parts:
        if isinstance(part, Box):
            out.append(z3.Or([c for x, lo, hi in zip(xs, part.lower, part.upper) for c in (x < _rv(lo), x > _rv(hi))]))
        else:
            out.append(z3.Or([_dot_z3(a, xs) > _rv(beta) for a, beta in _rows(part)] or [z3.BoolVal(False)]))
    return out


def _is_outside(x: Sequence[Fraction], parts: list[Region]) -> bool:
    return all(any(sum((a * t for a, t in zip(row, x)), Fraction(0)) > beta for row, beta in _rows(p)) for p in parts)


def _describe(parts: list[Region]) -> str:
    return " u ".join(str(p) if isinstance(p, Box) else f"{{A x <= b}} ({len(p.A)} rows)" for p in parts) or "the empty set"


def _claim(net: Network, parts: list[Region]) -> Claim:
    K = [{"A": [list(a) for a, _ in _rows(p)], "b": [beta for _, beta in _rows(p)]} for p in parts]
    return Claim(CLAIM_KIND, f"f == 0 outside {_describe(parts)}", {"network": _net_doc(net), "K": K})


def _net_doc(net: Network) -> dict[str, Any]:
    return net.to_dict()


def query(net: Network, K: Any = None, *, relu_style: str = "split") -> tuple[Encoding, list[z3.BoolRef]]:
    """The encoding and the assertions of "some output is nonzero at a point outside K".

    >>> from verify import Network
    >>> enc, facts = query(Network.mlp([[[1]]], [[0]]), Box([-1], [1]))
    >>> s = z3.Solver(); s.add(facts); s.check()
    sat
    """
    boxes = outside_sets(K, net.input_dim)
    enc = encode(net, relu_style=relu_style)
    facts = [*enc.constraints, *_outside(enc.inputs, boxes), z3.Or([y != 0 for y in enc.outputs])]
    return enc, facts


def find_nonzero_outside(
    net: Network, K: Any = None, *, timeout_ms: int = 60_000, relu_style: str = "split", trust_solver: bool = False
) -> Verdict:
    """Decide "f == 0 on R^d \\ K" with z3: REFUTED (exact witness), UNKNOWN, or PROVED only if you trust z3.

    ``K`` is a :class:`Box`, a ``Polyhedron``, a list of them (their union) or ``[]``/``None``
    (the claim is then "f is identically zero"). ``sat`` gives REFUTED after the
    decoded point passed the exact re-check (outside K, some output nonzero);
    ``unsat`` carries no certificate that an exact re-check could confirm, so by
    default it gives UNKNOWN with the reason "z3 reports unsat"; with
    ``trust_solver=True`` it gives PROVED with ``method="z3"`` and evidence marked
    ``"trust": "solver-trusted"`` (which :func:`verify.checker.check` never accepts).
    A timeout or ``unknown`` gives UNKNOWN.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> v = find_nonzero_outside(hat, Box([-1], [1]))
    >>> v.status, v.reason.startswith("z3 reports unsat")
    (<Status.UNKNOWN: 'unknown'>, True)
    >>> find_nonzero_outside(hat, Box([-1], [1]), trust_solver=True).status
    <Status.PROVED: 'proved'>
    >>> v = find_nonzero_outside(hat, Box(["-1/2"], ["1/2"]))
    >>> v.status, abs(v.witness.point[0]) > Fraction(1, 2), v.witness.value != (0,)
    (<Status.REFUTED: 'refuted'>, True, True)
    """
    t0 = time.perf_counter()
    boxes = outside_sets(K, net.input_dim)
    claim = _claim(net, boxes)
    enc, facts = query(net, boxes, relu_style=relu_style)
    solver = z3.Solver()
    solver.set("timeout", int(timeout_ms))
    solver.add(facts)
    answer = solver.check()
    elapsed = lambda: time.perf_counter() - t0  # noqa: E731
    evidence = {"engine": "z3", "solver": f"z3 {z3.get_version_string()}", "encoding": enc.relu_style}
    if answer == z3.unsat:
        evidence.update(trust="solver-trusted", answer="z3 unsat",
                        note="z3 gives no certificate: not re-checkable with Fraction arithmetic; "
                             "re-run to_smtlib(net, K) with any SMT solver")
        if not trust_solver:
            return Verdict(Status.UNKNOWN, claim, evidence=evidence, method="z3", seconds=elapsed(),
                           reason="z3 reports unsat, but gives no certificate that an exact re-check confirms "
                                  "(pass trust_solver=True to accept it)")
        return Verdict(Status.PROVED, claim, evidence=evidence, method="z3", seconds=elapsed())
    if answer == z3.sat:
        point = _exact_witness(net, enc, solver.model(), boxes)
        if point is None:
            return Verdict(Status.UNKNOWN, claim, evidence=evidence, method="z3", seconds=elapsed(),
                           reason="z3 found a model but no nearby rational point passed the exact re-check")
        value = net.eval_exact(point)
        out = next(i for i, v in enumerate(value) if v != 0)
        evidence.update(answer="z3 sat", trust="exact witness")
        return Verdict(Status.REFUTED, claim, witness=Witness(point, value, output=out), evidence=evidence,
                       method="z3", seconds=elapsed())
    return Verdict(Status.UNKNOWN, claim, evidence=evidence, method="z3", seconds=elapsed(),
                   reason=f"z3 answered unknown ({solver.reason_unknown()}) within {timeout_ms} ms")


def _good(net: Network, x: tuple[Fraction, ...], boxes: list[Region]) -> bool:
    return _is_outside(x, boxes) and any(v != 0 for v in net.eval_exact(x))


def _exact_witness(net: Network, enc: Encoding, model: z3.ModelRef, boxes: list[Region]) -> tuple[Fraction, ...] | None:
    """An exact rational point near the model's point that passes the exact re-check, or None.

    {x outside K : f(x) != 0} is open (K closed, f continuous), so rationals
    close enough to the model's (possibly algebraic) point belong to it; we
    try simple ones first (small height), then finer approximations.
    """
    for precision in (20, 40, 80):
        x = enc.decode(model, precision=precision)
        for bound in (10, 1000, 10**6, None):
            y = x if bound is None else tuple(c.limit_denominator(bound) for c in x)
            if _good(net, y, boxes):
                return y
        if all(z3.is_rational_value(model.eval(v, model_completion=True)) for v in enc.inputs):
            break
    return None


# -- SMT-LIB2 export --------------------------------------------------------------


def _num(q: Fraction) -> str:
    mag = f"{abs(q.numerator)}.0" if q.denominator == 1 else f"(/ {abs(q.numerator)}.0 {q.denominator}.0)"
    return f"(- {mag})" if q < 0 else mag


def _sum(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else f"(+ {' '.join(terms)})"


def _lin_text(slope: Fraction, intercept: Fraction, z: str) -> str:
    t = z if slope == 1 else f"(* {_num(slope)} {z})"
    return t if intercept == 0 else f"(+ {t} {_num(intercept)})"


def _ite_text(f: Activation, z: str) -> str:
    pieces = f.pieces()
    term = _lin_text(pieces[-1].slope, pieces[-1].intercept, z)
    for p in reversed(pieces[:-1]):
        assert p.hi is not None
        term = f"(ite (<= {z} {_num(p.hi)}) {_lin_text(p.slope, p.intercept, z)} {term})"
    return term


def _layer_lines(net: Network) -> tuple[list[str], list[str]]:
    """``define-fun`` lines for every unit, and the names of the outputs."""
    lines: list[str] = []
    z = [f"x{i}" for i in range(net.input_dim)]
    for k, layer in enumerate(net.layers):
        if isinstance(layer, Affine):
            vals = []
            for row, b in zip(layer.weight, layer.bias):
                terms = [zi if w == 1 else f"(* {_num(w)} {zi})" for w, zi in zip(row, z) if w != 0]
                if b != 0 or not terms:
                    terms.append(_num(b))
                vals.append(_sum(terms))
        elif isinstance(layer, Pool):
            half = len(z) // 2
            vals = [f"(* {z[i]} {z[i + half]})" for i in range(half)]
        else:
            vals = [t if f.name == "identity" else f"(* {t} {t})" if f.name == "square" else _ite_text(f, t)
                    for t, f in zip(z, layer.expanded(len(z)))]
        names = [f"{'z' if isinstance(layer, Affine) else 'y'}{k}_{i}" for i in range(len(vals))]
        lines += [f"(define-fun {n} () Real {v})" for n, v in zip(names, vals)]
        z = names
    return lines, z


def _lin_row(row: Sequence[Fraction]) -> str:
    terms = [f"x{i}" if a == 1 else f"(* {_num(a)} x{i})" for i, a in enumerate(row) if a != 0]
    return _sum(terms) if terms else "0.0"


def to_smtlib(net: Network, K: Any = None) -> str:
    """A self-contained SMT-LIB2 script: is there ``x`` outside ``K`` with ``net(x) != 0``?

    ``unsat`` means "f == 0 on R^d \\ K"; a ``sat`` model is a candidate witness.
    Inputs are ``x0..x{d-1}``; every unit is a ``define-fun`` (ReLU-like units
    as ``ite``), numbers are exact decimal ratios; no solver-specific commands.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> text = to_smtlib(hat, Box([-1], [1]))
    >>> s = z3.Solver(); s.from_string(text); s.check()
    unsat
    """
    if not net.is_rational:
        raise UnsupportedNetwork(expected("piecewise-linear, square and pooling units for SMT-LIB", "activations",
                                          sorted(str(a) for a in net.activations() if not a.rational)))
    boxes = outside_sets(K, net.input_dim)
    nonlinear = net.num_pool > 0 or any(a.name == "square" for a in net.activations())
    where = _describe(boxes)
    head = [
        "; netproof: is there an input x outside K with f(x) != 0 ?  unsat <=> f == 0 on R^d \\ K",
        f"; network: {net.input_dim} inputs, {net.output_dim} outputs, {len(net.layers)} layers; K = {where}",
        f"(set-logic {'QF_NRA' if nonlinear else 'QF_LRA'})",
    ]
    head += [f"(declare-fun x{i} () Real)" for i in range(net.input_dim)]
    body, outs = _layer_lines(net)
    tail = []
    for part in boxes:
        if isinstance(part, Box):
            sides = [f"(< x{i} {_num(lo)}) (> x{i} {_num(hi)})" for i, (lo, hi) in enumerate(zip(part.lower, part.upper))]
        else:
            sides = [f"(> {_lin_row(a)} {_num(beta)})" for a, beta in _rows(part)] or ["false"]
        tail.append(f"(assert (or {' '.join(sides)}))")
    nz = [f"(not (= {o} 0.0))" for o in outs]
    tail.append(f"(assert {nz[0] if len(nz) == 1 else '(or ' + ' '.join(nz) + ')'})")
    tail += ["(check-sat)", f"(get-value ({' '.join(f'x{i}' for i in range(net.input_dim))}))", ""]
    return "\n".join(head + body + tail)


def format_point(x: Sequence[Fraction]) -> str:
    """A point as text.

    >>> format_point([Fraction(1, 2), Fraction(-3)])
    '(1/2, -3)'
    """
    return "(" + ", ".join(format_rational(c) for c in x) + ")"
