"""The piecewise-linear network in normal form (:class:`Plan`) and the cells the region engine splits.

A :class:`Plan` holds every Act layer's incoming affine map (rows over the previous layer, or over x
for the first one) in the seam number type of :mod:`verify.exactlp`, with each unit's exact pieces and
its template inequalities (the rows :mod:`verify.checker.pl` rebuilds). A :class:`Cell` is a polyhedron
``A x <= b`` with an exact interior point and the units fixed on it; a :class:`Leaf` is a finished cell
with the exact affine map of the output.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from verify.errors import UnsupportedNetwork, expected
from verify.exactlp import ONE, ZERO, Q, to_fraction
from verify.layers import Act, Affine, Pool

__all__ = ["Plan", "UnitSpec", "make_plan", "Cell", "Leaf", "BudgetExceeded", "LemmaFailed", "NeedsSplit",
           "templates", "dot", "sparse", "gc_paused", "Unit"]

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
    floats: list[Any] | None = None  # float64 copies of the sparse layers (screening only; see verify.support)


_PLANS: dict[int, tuple[Any, Plan]] = {}


def make_plan(net: Any) -> Plan:
    """Normal form of a piecewise-linear network (no Pool), exact in the seam type.

    Cached by network identity (the cache holds the network, so its id stays valid; networks are
    immutable and nothing mutates a plan after it is built).
    """
    hit = _PLANS.get(id(net))
    if hit is not None and hit[0] is net:
        return hit[1]
    plan = _build_plan(net)
    if len(_PLANS) > 32:
        _PLANS.clear()
    _PLANS[id(net)] = (net, plan)
    return plan


def _build_plan(net: Any) -> Plan:
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
        W = [_seam_row(row) for row in aff.weight]
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
    plan.out_W = [_seam_row(row) for row in cur.weight]
    plan.out_c = [Q(v) for v in cur.bias]
    plan.out_inputs = [[(j, w) for j, w in enumerate(row) if w] for row in plan.out_W]
    return plan


def _seam_row(row: Any) -> list[Any]:
    """A weight row in the seam type; a dense row's zeros are often one shared object, tested once."""
    out, zero = [], None
    for v in row:
        if v is zero:
            out.append(ZERO)
        elif v:
            out.append(Q(v))
        else:
            zero = v
            out.append(ZERO)
    return out


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
    memo: dict[Any, Any] = field(default_factory=dict)  # facts of the rows A, b (never copied: children add rows)

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


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a certificate is built (restored on exit).

    A split tree is a large acyclic structure that lives until the end, so every full collection would
    walk all of it again; reference counting frees everything else (about 8% of a 300-neuron support
    proof, ``benchmarks/bench_support.py``).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def sparse(y: tuple[Any, ...] | None) -> list[list[Any]]:
    """Nonzero multipliers as [index, Fraction] pairs."""
    assert y is not None
    return [[i, to_fraction(v)] for i, v in enumerate(y) if v]

