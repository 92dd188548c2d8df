"""Exact linear regions of piecewise-linear networks, over R^d, a box or a polyhedron.

**Definition.** For a network without Pool whose activations are piecewise
linear, an *activation pattern* assigns to every unit one piece of its
activation; its *region* is the closed set of inputs where every unit's
pre-activation lies in its assigned piece. :func:`linear_regions` returns
every region with nonempty interior (a full-dimensional activation cell,
never merged), each with its polyhedron, its pattern and the exact affine
map ``x -> f(x)`` there; the regions cover the domain and have pairwise
disjoint interiors. ``merge=True`` instead returns the maximal linear pieces.

The engine (:mod:`verify.splitengine`, with the lemmas of :mod:`verify.splittree` and the 2-D
polygon path of :mod:`verify.polygon2d`; the normal form in :mod:`verify.cells`) splits a root cell
unit by unit: a unit whose
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

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.box import Box
from verify.cells import BudgetExceeded, Cell, Leaf, LemmaFailed, NeedsSplit, Plan, UnitSpec, dot, make_plan, sparse, templates
from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.exactlp import Q, to_fraction
from verify.layers import Affine
from verify.polygon2d import clip_le as _clip_le
from verify.polygon2d import polygon as _polygon
from verify.polyhedra import Polyhedron
from verify.splitengine import Engine

__all__ = ["Region", "linear_regions", "affine_is_zero"]
# engine names re-exported for verify.support / verify.bounds / benchmarks
_ENGINE = (BudgetExceeded, Cell, Engine, Leaf, LemmaFailed, NeedsSplit, Plan, UnitSpec, make_plan, sparse, templates,
           _clip_le)


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
    if len(A) == 1 and any(A[0]):  # a halfspace a.x <= b: the point (b - 1) a / |a|^2 has a.x = b - 1
        a = [Q(v) for v in A[0]]
        s = (Q(b[0]) - 1) / sum(v * v for v in a)
        return Cell([list(r) for r in A], list(b), tuple(s * v for v in a), [], {}, {}, {})
    P = Polyhedron(tuple(tuple(to_fraction(v) for v in r) for r in A), tuple(to_fraction(v) for v in b), d)
    p = P.interior_point()
    if p is None:
        return None
    return Cell([list(r) for r in A], list(b), tuple(Q(v) for v in p), [], {}, {}, {})



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
