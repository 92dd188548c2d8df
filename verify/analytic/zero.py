"""Deciding "identically zero" for networks with analytic (and mixed) units.

Routes, in order, each PROVED only through exact identities:

1. polynomial networks (affine, identity, square, pooling): exact expansion over Q;
2. exact reductions (:mod:`verify.analytic.reductions`): dedupe, then peel top activation
   layers whose merged coefficients vanish; a remainder that is affine, polynomial or
   piecewise-linear is decided exactly (the last by the support engine); one hidden layer of
   sigmoidal units is decided completely by the independence theorem
   (:mod:`verify.analytic.onelayer`);
3. a sympy normal form (rewrite to exp/erf, simplify), accepted only when literally ``0``;
4. a rigorous nonvanishing witness (REFUTED) from a few boxes;
5. mixed networks (a piecewise-linear prefix feeding an analytic suffix): region by region
   (:mod:`verify.analytic.mixed`); else UNKNOWN with the reason.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.analytic import polynomial as poly
from verify.analytic.onelayer import Decomposition, describe
from verify.analytic.ranges import fix_by_ranges
from verify.analytic.reductions import NormalForm, dedupe, normal_form, peel, remainder, summary
from verify.analytic.witness import search_witness
from verify.box import Box
from verify.numbers import format_rational
from verify.verdict import Claim, Status, Verdict, Witness

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["decide_zero", "zero_claim", "constant_value", "witness_boxes"]



def zero_claim(net: Network) -> Claim:
    """The claim "every output of ``net`` is identically zero on R^d".

    >>> from verify import Network
    >>> zero_claim(Network.mlp([[[1]]], [[0]])).kind
    'identically_zero'
    """
    return Claim("identically_zero", "the network is identically zero on R^d", {"network": net.to_dict()})


def constant_value(dec: Decomposition, prec: int) -> Any:
    """A ball containing the constant ``dec.constant + sum coeff * kind(b)`` at ``prec`` bits.

    >>> from verify.analytic.onelayer import Decomposition
    >>> d = Decomposition(1); d.constant = Fraction(-1, 2); d.constants[("S", Fraction(0))] = Fraction(1)
    >>> constant_value(d, 64).contains(0)
    True
    """
    import flint
    from flint import arb, fmpq

    with flint.ctx.workprec(prec):
        total = arb(fmpq(dec.constant.numerator, dec.constant.denominator))
        for (kind, b), c in dec.nonzero_constants().items():
            t = arb(fmpq(b.numerator, b.denominator))
            s = 1 / (1 + (-t).exp())
            value = {"S": s, "L": t * s, "P": t.exp().log1p(), "G": t * (-t / arb(2).sqrt()).erfc() / 2,
                     "E": t.exp(), "N": t.sin()}[kind]
            total += arb(fmpq(c.numerator, c.denominator)) * value
        return total


def witness_boxes(d: int, decs: list[Decomposition] | None = None) -> list[Box]:
    """Boxes to search for a witness: around the origin, near the hyperplanes of nonzero classes, wider.

    >>> [str(b) for b in witness_boxes(1)]
    ['[-1,1]', '[-10,10]', '[-1/10,1/10]']
    """
    boxes = [Box.cube(d, -1, 1)]
    for dec in decs or []:
        for (_kind, w, b), _c in list(dec.nonzero_classes().items())[:3]:
            norm2 = sum(v * v for v in w)
            x0 = [-b * v / norm2 for v in w] if norm2 else [Fraction(0)] * d
            boxes.append(Box([v - 1 for v in x0], [v + 1 for v in x0]))
    boxes += [Box.cube(d, -10, 10), Box.cube(d, Fraction(-1, 10), Fraction(1, 10))]
    return boxes


def _find_witness(net: Network, boxes: list[Box], *, budget: int, max_prec: int, output: int | None = None) -> Witness | None:
    for box in boxes:
        w, _ = search_witness(net, box, max_prec=max_prec, budget=budget, output=output)
        if w is not None:
            return w
    return None


def _verdict(status: Status, net: Network, evidence: dict[str, Any], *, witness: Witness | None = None,
             reason: str = "", start: float) -> Verdict:
    return Verdict(status, zero_claim(net), witness=witness, evidence=evidence, method=evidence.get("method", ""),
                   reason=reason, seconds=time.perf_counter() - start)


def _polynomial(net: Network, start: float) -> Verdict:
    try:
        polys = poly.expand(net)
    except poly.TooLarge as exc:
        return _verdict(Status.UNKNOWN, net, {"engine": "analytic", "method": "polynomial"},
                        reason=f"polynomial expansion too large ({exc})", start=start)
    evidence: dict[str, Any] = {"engine": "analytic", "method": "polynomial", "terms": [len(p) for p in polys]}
    for i, p in enumerate(polys):
        if p:
            point = poly.grid_witness(p, net.input_dim)
            if point is None:
                return _verdict(Status.UNKNOWN, net, evidence, reason="nonzero polynomial, grid search exhausted", start=start)
            value = net.eval_exact(point)
            evidence["nonzero_output"] = i
            evidence["degree"] = poly.degree(p)
            return _verdict(Status.REFUTED, net, evidence, witness=Witness(point, value=value, output=i), start=start)
    return _verdict(Status.PROVED, net, evidence, start=start)


def decide_zero(net: Network, *, budget: int = 64, max_prec: int = 4096, use_sympy: bool = True) -> Verdict:
    """Decide whether a network with analytic (or mixed) units is identically zero; see the module docstring.

    >>> from verify import Network
    >>> f = Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [-1]], "sigmoid")      # sigmoid(x) + sigmoid(-x) - 1
    >>> decide_zero(f).status.value
    'proved'
    """
    start = time.perf_counter()
    if poly.is_polynomial_network(net):
        return _polynomial(net, start)
    nf = normal_form(net)
    fixed = fix_by_ranges(nf)
    chain: list[dict[str, Any]] = [{"fixed_by_ranges": fixed}] if fixed else []
    while True:
        notes = dedupe(nf)
        if not nf.steps:
            return _affine_decision(net, nf, chain, notes, start)
        decs = peel(nf)
        if decs is None:
            break
        if len(nf.steps) == 1:
            return _onelayer_decision(net, nf, decs, chain, notes, start, budget=budget, max_prec=max_prec)
        if any(d.nonzero_classes() or d.nonzero_constants() for d in decs):
            break
        chain.append({"dedupe": notes, "peeled": summary(nf), "decompositions": [d.to_json() for d in decs]})
        nf = remainder(nf, decs)
        rest = nf.to_network()
        if rest.is_relu_pool and not rest.is_analytic or poly.is_polynomial_network(rest):
            return _delegate(net, rest, chain, start)
    return _fallback(net, nf, chain, start, budget=budget, max_prec=max_prec, use_sympy=use_sympy)


def _affine_decision(net: Network, nf: NormalForm, chain: list[dict[str, Any]], notes: list[str], start: float) -> Verdict:
    w, b = nf.final
    evidence = {"engine": "analytic", "method": "reduction", "chain": chain, "dedupe": notes,
                "affine": {"weight": [[format_rational(v) for v in r] for r in w], "bias": [format_rational(v) for v in b]}}
    for i, (row, bi) in enumerate(zip(w, b)):
        if bi != 0 or any(v != 0 for v in row):
            x = tuple(Fraction(int(v != 0)) for v in row) if bi == 0 else (Fraction(0),) * net.input_dim
            witness = _find_witness(net, [Box([v - Fraction(1, 2) for v in x], [v + Fraction(1, 2) for v in x])],
                                    budget=32, max_prec=1024, output=i)
            if witness is None:  # a refutation carries its counterexample: without one the answer is UNKNOWN
                return _verdict(Status.UNKNOWN, net, {**evidence, "nonzero_output": i}, start=start,
                                reason="nonzero by the exact decision (a nonzero affine map); no ball witness found")
            return _verdict(Status.REFUTED, net, {**evidence, "nonzero_output": i}, witness=witness, start=start)
    return _verdict(Status.PROVED, net, evidence, start=start)


def _onelayer_decision(net: Network, nf: NormalForm, decs: list[Decomposition], chain: list[dict[str, Any]],
                       notes: list[str], start: float, *, budget: int, max_prec: int) -> Verdict:
    evidence: dict[str, Any] = {"engine": "analytic", "method": "onelayer" if not chain else "reduction",
                                "chain": chain, "dedupe": notes, "decompositions": [d.to_json() for d in decs]}
    undecided = []
    for i, dec in enumerate(decs):
        if not dec.nonconstant_zero:
            return _onelayer_refuted(net, decs, evidence, i, start, budget=budget, max_prec=max_prec)
        if not dec.nonzero_constants():
            if dec.constant != 0:
                return _onelayer_refuted(net, decs, evidence, i, start, budget=budget, max_prec=max_prec)
            continue
        for prec in (64, 256, 1024, max_prec):
            value = constant_value(dec, prec)
            if value > 0 or value < 0:
                evidence["constant_enclosure"] = {"output": i, "prec": prec, "ball": value.str(20, radius=True)}
                return _onelayer_refuted(net, decs, evidence, i, start, budget=budget, max_prec=max_prec)
        undecided.append(i)
    if undecided:
        return _verdict(Status.UNKNOWN, net, evidence, start=start,
                        reason=f"outputs {undecided} reduce to a constant of transcendental terms whose ball contains 0")
    return _verdict(Status.PROVED, net, evidence, start=start)


def _onelayer_refuted(net: Network, decs: list[Decomposition], evidence: dict[str, Any], i: int, start: float, *,
                      budget: int, max_prec: int) -> Verdict:
    """The exact decision says output ``i`` is nonzero: REFUTED with a rigorous witness, or UNKNOWN without one."""
    evidence = {**evidence, "nonzero_output": i, "decision": describe(decs[i])}
    witness = _find_witness(net, witness_boxes(net.input_dim, [decs[i]]), budget=budget, max_prec=max_prec, output=i)
    if witness is None:  # a refutation carries its counterexample: without one the answer is UNKNOWN
        return _verdict(Status.UNKNOWN, net, evidence, start=start,
                        reason="nonzero by the exact decision (independence theorem); no ball witness found "
                               "within the budget")
    return _verdict(Status.REFUTED, net, evidence, witness=witness, start=start)


def _delegate(net: Network, rest: Network, chain: list[dict[str, Any]], start: float) -> Verdict:
    """The reductions left a piecewise-linear or polynomial network, equal to ``net``: decide it exactly."""
    from verify.zero import is_identically_zero

    inner = is_identically_zero(rest)
    evidence = {"engine": "analytic", "method": "reduction", "chain": chain, "remainder": inner.to_dict()}
    if inner.proved:
        return _verdict(Status.PROVED, net, evidence, start=start)
    if inner.refuted and inner.witness is not None:
        return _verdict(Status.REFUTED, net, evidence, witness=inner.witness, start=start)
    return _verdict(Status.UNKNOWN, net, evidence, reason=f"remainder: {inner.reason or inner.status.value}", start=start)


def _fallback(net: Network, nf: NormalForm, chain: list[dict[str, Any]], start: float, *, budget: int, max_prec: int,
              use_sympy: bool) -> Verdict:
    evidence: dict[str, Any] = {"engine": "analytic", "method": "witness search", "chain": chain}
    witness = _find_witness(net, witness_boxes(net.input_dim), budget=budget, max_prec=max_prec)
    if witness is not None:
        return _verdict(Status.REFUTED, net, evidence, witness=witness, start=start)
    if not net.is_analytic:
        from verify.analytic.mixed import zero_off

        route = zero_off(net, [])
        if route is not None:
            return _verdict(Status.PROVED, net, {"engine": "analytic", "method": "mixed", **route}, start=start)
    if use_sympy and net.num_neurons <= 16:
        from verify.analytic.symbolic import sympy_zero

        if sympy_zero(net):
            return _verdict(Status.PROVED, net, {"engine": "analytic", "method": "sympy", "chain": chain}, start=start)
    return _verdict(Status.UNKNOWN, net, evidence, start=start,
                    reason="no exact reduction applies (deeper layers, pooling or other units) and no ball witness was found")
