"""The refined topology on L^1_loc (MATH.md §2): discretized supports and the distances built on them.

Norms: ``||f||_{L^1(A)} = ∫_A ||f(x)||_1 dx`` (the sum of the output components' absolute values;
any norm on R^D gives the same topology). ``Q_n = [-n, n]^d``.

* Option A (primary): ``dsupp_r(f) = inf{n >= 0 : ||f||_{L^1(R^d \\ r Q_n)} = 0}`` and
  ``d_tau(f, g) = d_loc(f, g) + |2^{-dsupp f} - 2^{-dsupp g}|`` (``2^{-inf} = 0``).
* Option B: ``L^1_c`` open, with the strict LF topology on it (:func:`refined_distance` explains its gauge).
* Option C: the set of charged cells ``D_r(f) = {z in Z^d : ||f||_{L^1(r(z + [0,1)^d))} > 0}``.

For piecewise-linear networks everything is exact: supports come from the exact region analysis,
``L^1`` norms are sums of exact polytope volumes (``∫_P |a.x + c| = vol{(x, t): x in P, 0 <= t <= ±(a.x + c)}``,
a polytope one dimension up). Nonzero analytic networks are never compactly supported (identity theorem):
``dsupp = inf``, decided by ``verify.zero.is_identically_zero``, never guessed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil, floor
from typing import Any

from verify.box import Box
from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.network import Network
from verify.numbers import to_rational

__all__ = [
    "Enclosure",
    "Fact",
    "dsupp",
    "dsupp_bounds",
    "charged_cells",
    "l1_norm",
    "d_loc",
    "refined_distance",
    "separation",
    "lemma2_trigger",
    "strict_refinement",
]

INF = math.inf


@dataclass(frozen=True)
class Enclosure:
    """A real number known to lie in ``[lower, upper]`` (exact Fractions); ``value`` when they agree."""

    lower: Fraction
    upper: Fraction

    @property
    def value(self) -> Fraction | None:
        return self.lower if self.lower == self.upper else None

    def __add__(self, other: Enclosure | Fraction) -> Enclosure:
        o = other if isinstance(other, Enclosure) else Enclosure(other, other)
        return Enclosure(self.lower + o.lower, self.upper + o.upper)


@dataclass(frozen=True)
class Fact:
    """A checked mathematical statement about instances: ``holds`` and the exact ``evidence``."""

    name: str
    statement: str
    holds: bool
    evidence: dict[str, Any] = field(default_factory=dict)


def _scale(r: Any) -> Fraction:
    q = to_rational(r, "r")
    if q <= 0:
        raise InvalidArgument(expected("a positive grid scale", "r", str(q)))
    return q


def _network(f: Any, name: str = "f") -> Network:
    if not isinstance(f, Network):
        raise InvalidArgument(
            expected("a Network (for callables use dsupp_bounds with a support box)", name, f)
        )
    return f


# -- option A: dsupp ---------------------------------------------------------------------------


def _support(f: Network) -> Any:
    from verify.support import support

    return support(f)


def dsupp(f: Any, r: Any = 1) -> int | float:
    """The discretized support index ``dsupp_r(f)``: least ``n`` with ``supp f ⊆ r Q_n``; ``math.inf`` if none.

    Exact for ReLU (and ReLU + pooling) networks, from the exact support (``dsupp(0) = 0``,
    ``dsupp(f) >= 1`` otherwise); for analytic networks ``0`` or ``inf`` by the identity theorem,
    from an exact zero decision (UnsupportedNetwork when that is undecided).

    >>> from verify.construct import hat
    >>> dsupp(hat(-1, 1)), dsupp(hat(2, 4)), dsupp(hat(2, 4), 2), dsupp(0 * hat(0, 1))
    (1, 4, 2, 0)
    """
    f, q = _network(f), _scale(r)
    if f.is_relu_pool:
        s = _support(f)
        if s.empty:
            return 0
        if not s.bounded:
            return INF
        bb = s.bounding_box
        far = max(max(abs(a), abs(b)) for a, b in zip(bb.lower, bb.upper))
        return max(1, ceil(far / q))
    if f.is_analytic:
        from verify.zero import is_identically_zero

        v = is_identically_zero(f)
        if v.proved:
            return 0
        if v.refuted:
            return INF
        raise UnsupportedNetwork(expected("a decided zero test", "is_identically_zero", v.reason))
    raise UnsupportedNetwork(expected("a ReLU(+pool) or an analytic network", "f", f))


def dsupp_bounds(f: Any, *, support: Any, r: Any = 1, step: Any = None) -> tuple[int, int]:
    """Rigorous bounds ``lo <= dsupp_r(f) <= hi`` for a continuous target given as a callable.

    ``support`` (a box or boxes containing ``supp f``, the caller's premise) gives ``hi``; ``lo`` is the
    largest ``n`` such that ``f(x) != 0`` at a grid point ``x`` (spacing ``step``) with ``||x||_inf > r(n - 1)``
    (by continuity ``f`` then has positive mass outside ``r Q_{n-1}``).

    >>> dsupp_bounds(lambda x: max(0, 1 - abs(x[0] - 3)), support=Box([2], [4]))
    (4, 4)
    """
    from verify.construct.covering import as_boxes
    from verify.construct.targets import as_target

    boxes, q = as_boxes(support, "support"), _scale(r)
    t = as_target(f, boxes[0].dim)
    far = max(max(abs(a), abs(b)) for box in boxes for a, b in zip(box.lower, box.upper))
    hi = max(1, ceil(far / q))
    h = to_rational(step, "step") if step is not None else q / 4
    lo = 0
    for box in boxes:
        axes = [[a + j * h for j in range(int((b - a) / h) + 1)] for a, b in zip(box.lower, box.upper)]
        for x in itertools.product(*axes):
            if any(t.value(x)):
                norm = max(abs(c) for c in x)
                lo = max(lo, 1, ceil(norm / q))  # x in supp f, so supp f ⊄ r Q_n for r n < ||x||
    return lo, hi


# -- option C: charged cells -----------------------------------------------------------------


def charged_cells(f: Any, r: Any = 1) -> frozenset[tuple[int, ...]]:
    """Option C: ``{z in Z^d : ||f||_{L^1(r(z + [0,1)^d))} > 0}``, exact for ReLU(+pool) networks.

    A cell is charged iff the open set ``{f != 0}`` meets it, iff some support piece (a polyhedron on
    which ``f`` is a nonzero affine map or polynomial) meets the cell's interior in a full-dimensional set.

    >>> from verify.construct import hat
    >>> sorted(charged_cells(hat(-1, 1))), sorted(charged_cells(hat(0, 3), "1/2"))
    ([(-1,), (0,)], [(0,), (1,), (2,), (3,), (4,), (5,)])
    """
    from verify.polyhedra import Polyhedron

    f, q = _network(f), _scale(r)
    if not f.is_relu_pool:
        raise UnsupportedNetwork(expected("a ReLU(+pool) network (analytic ones charge every cell)", "f", f))
    s = _support(f)
    if s.empty:
        return frozenset()
    if not s.bounded:
        raise UnsupportedNetwork(expected("a compactly supported network (infinitely many charged cells)", "f", f))
    bb = s.bounding_box
    ranges = [range(floor(a / q), max(floor(a / q) + 1, ceil(b / q))) for a, b in zip(bb.lower, bb.upper)]
    out = set()
    for z in itertools.product(*ranges):
        cell = Polyhedron.from_box(Box(tuple(q * c for c in z), tuple(q * (c + 1) for c in z)))
        if any(p.intersect(cell).is_full_dimensional() for p in s.pieces):
            out.add(z)
    return frozenset(out)


# -- exact L^1 norms ---------------------------------------------------------------------------


def _lifted_volume(A: Sequence[Sequence[Fraction]], b: Sequence[Fraction], a: Sequence[Fraction], c: Fraction) -> Fraction:
    """``∫_{Ax <= b} max(0, a.x + c) dx`` as the volume of ``{(x, t): Ax <= b, 0 <= t <= a.x + c}``."""
    from verify.polyhedra import Polyhedron

    zero = Fraction(0)
    rows = [(*row, zero) for row in A] + [(*(zero for _ in a), Fraction(-1)), (*(-v for v in a), Fraction(1))]
    return Polyhedron(tuple(rows), (*b, zero, c)).volume()


def l1_norm(f: Any, box: Box) -> Fraction:
    """``∫_box ||f(x)||_1 dx`` exactly, for a piecewise-linear network (a Fraction).

    >>> from verify.construct import hat
    >>> l1_norm(hat(-1, 1), Box([-2], [2])), l1_norm(hat(-1, 1), Box([0], ["1/2"]))
    (Fraction(1, 1), Fraction(3, 8))
    """
    from verify.regions import linear_regions

    f = _network(f)
    if not isinstance(box, Box):
        raise InvalidArgument(expected("a Box", "box", box))
    if not f.is_piecewise_linear:
        raise UnsupportedNetwork(expected("a piecewise-linear network (no pooling) for exact L1 norms", "f", f))
    total = Fraction(0)
    for region in linear_regions(f, box):
        P = region.polyhedron
        for a, c in zip(region.map.weight, region.map.bias):
            if any(a) or c:
                total += _lifted_volume(P.A, P.b, a, c) + _lifted_volume(P.A, P.b, [-v for v in a], -c)
    return total


def _ball_l1(f: Network, box: Box, *, pieces: int, prec: int) -> Enclosure:
    """Rigorous enclosure of ``∫_box ||f||_1`` by ball arithmetic on ``pieces^d`` sub-boxes (any network)."""
    lo_total, hi_total = Fraction(0), Fraction(0)
    widths = [(b - a) / pieces for a, b in zip(box.lower, box.upper)]
    vol = box.volume / pieces**box.dim
    for js in itertools.product(range(pieces), repeat=box.dim):
        sub = Box(
            tuple(a + j * w for a, j, w in zip(box.lower, js, widths)),
            tuple(a + (j + 1) * w for a, j, w in zip(box.lower, js, widths)),
        )
        for ball in f.eval_ball_box(sub, prec=prec):
            lo, hi = _ball_interval(ball)
            lo_total += vol * (lo if lo > 0 else (-hi if hi < 0 else Fraction(0)))
            hi_total += vol * max(abs(lo), abs(hi))
    return Enclosure(lo_total, hi_total)


def _ball_interval(ball: Any) -> tuple[Fraction, Fraction]:
    """The exact rational interval ``[mid - rad, mid + rad]`` of an arb ball (outward, rigorous)."""
    if not ball.is_finite():
        raise UnsupportedNetwork(expected("a finite ball enclosure", "ball", str(ball)))
    m, e = ball.mid().man_exp()
    rm, re_ = ball.rad().man_exp()
    mid = Fraction(int(m)) * Fraction(2) ** int(e)
    rad = Fraction(int(rm)) * Fraction(2) ** int(re_)
    return mid - rad, mid + rad


def _l1_enclosure(f: Network, box: Box, *, pieces: int, prec: int) -> Enclosure:
    if f.is_piecewise_linear:
        v = l1_norm(f, box)
        return Enclosure(v, v)
    return _ball_l1(f, box, pieces=pieces, prec=prec)


def d_loc(f: Any, g: Any, n_max: int = 8, *, r: Any = 1, pieces: int = 16, prec: int = 64) -> Enclosure:
    """``d_loc(f, g) = sum_{n >= 1} 2^{-n} min(1, ||f - g||_{L^1(r Q_n)})``, rigorously enclosed.

    Terms ``n <= n_max`` are exact Fractions for PL networks (exact region integration) and ball
    enclosures otherwise (``pieces^d`` sub-boxes at ``prec`` bits); the tail lies in ``[0, 2^{-n_max}]``,
    and is exact when ``f - g`` is PL with support inside ``r Q_{n_max}`` (the norms are then constant).

    >>> from verify.construct import hat
    >>> d_loc(hat(-1, 1), hat(0, 2) * "1/2", 3).value   # ||f - g||_{L^1(Q_1)} = 11/12, 7/6 on Q_n for n >= 2
    Fraction(23, 24)
    """
    f, g, q = _network(f), _network(g, "g"), _scale(r)
    if isinstance(n_max, bool) or not isinstance(n_max, int) or n_max < 1:
        raise InvalidArgument(expected("a positive int", "n_max", n_max))
    diff = f - g
    d = f.input_dim
    total = Enclosure(Fraction(0), Fraction(0))
    last = None
    for n in range(1, n_max + 1):
        e = _l1_enclosure(diff, Box.cube(d, -q * n, q * n), pieces=pieces, prec=prec)
        w = Fraction(1, 2**n)
        total = total + Enclosure(w * min(Fraction(1), e.lower), w * min(Fraction(1), e.upper))
        last = e
    tail = Fraction(1, 2**n_max)
    if diff.is_piecewise_linear and last is not None and last.value is not None and dsupp(diff, q) <= n_max:
        t = tail * min(Fraction(1), last.value)
        return total + Enclosure(t, t)
    return total + Enclosure(Fraction(0), tail)


def _pow2(m: int | float) -> Fraction:
    return Fraction(0) if m == INF else Fraction(1, 2 ** int(m))


def refined_distance(f: Any, g: Any, option: str = "A", *, n_max: int = 8, r: Any = 1) -> Enclosure:
    """The refined distance (a gauge of ``g`` around ``f``) under option A, B or C, rigorously enclosed.

    * ``"A"``: ``d_tau(f, g) = d_loc(f, g) + |2^{-dsupp f} - 2^{-dsupp g}|``, a metric.
    * ``"B"``: ``d_loc(f, g) + [f in L^1_c, g not in L^1_c]``; a ball of radius ``< 1`` around ``f in L^1_c`` stays
      in the open set ``L^1_c``. (The strict LF topology on ``L^1_c`` is not metrizable: its sequential
      content, "one common cube", is what :func:`lemma2_trigger` checks.)
    * ``"C"``: ``d_loc(f, g) + [f in L^1_c, D_r(g) != D_r(f)]``; for ``eps <= 1`` the set ``{g : gauge < eps}``
      is option C's basic neighbourhood of ``f``.

    >>> from verify.construct import hat
    >>> refined_distance(hat(-1, 1), hat(2, 4), "A", n_max=5).value    # d_loc = 1, |2^-1 - 2^-4| = 7/16
    Fraction(23, 16)
    """
    if option not in ("A", "B", "C"):
        raise InvalidArgument(expected('option "A", "B" or "C"', "option", option))
    base = d_loc(f, g, n_max, r=r)
    mf, mg = dsupp(f, r), dsupp(g, r)
    if option == "A":
        jump = abs(_pow2(mf) - _pow2(mg))
    elif option == "B":
        jump = Fraction(int(mf != INF and mg == INF))
    else:
        jump = Fraction(int(mf != INF and (mg == INF or charged_cells(f, r) != charged_cells(g, r))))
    return base + Enclosure(jump, jump)


# -- the facts A1, A3, A4 as functions on instances ------------------------------------------------


def separation(f: Any, g: Any, *, r: Any = 1) -> Fact:
    """(A1) If ``dsupp f = m < inf`` and ``dsupp g != m`` then ``d_tau(f, g) >= |2^{-m} - 2^{-dsupp g}| >= 2^{-(m+1)}``.

    >>> from verify.construct import hat
    >>> separation(hat(-1, 1), hat(2, 4)).holds
    True
    """
    m, mg = dsupp(f, r), dsupp(g, r)
    gap = abs(_pow2(m) - _pow2(mg))
    if m == INF or mg == m:
        return Fact("A1", "separation (vacuous: dsupp f infinite or equal to dsupp g)", True,
                    {"dsupp_f": m, "dsupp_g": mg, "gap": gap})
    radius = Fraction(1, 2 ** (int(m) + 1))
    return Fact("A1", f"d_tau(f, g) >= |2^-{m} - 2^-{mg}| >= 2^-{int(m) + 1}", gap >= radius,
                {"dsupp_f": m, "dsupp_g": mg, "gap": gap, "radius": radius, "d_tau_lower_bound": gap})


def lemma2_trigger(f: Any, g: Any, *, r: Any = 1) -> Fact:
    """(A4, quantitative) ``dsupp g = m := dsupp f`` as soon as ``supp g ⊆ r Q_m`` and
    ``||g - f||_{L^1} < ||f||_{L^1(R^d \\ r Q_{m-1})}``; checked exactly on PL instances.

    ``holds`` is True when the trigger holds *and* the conclusion is confirmed by computing ``dsupp g``,
    or when the trigger does not hold (the implication is then vacuous; see ``evidence["trigger"]``).

    >>> from verify.construct import hat
    >>> fact = lemma2_trigger(hat(-1, 1), hat(-1, "9/10"))
    >>> fact.holds, fact.evidence["trigger"]
    (True, True)
    """
    f, g, q = _network(f), _network(g, "g"), _scale(r)
    m = dsupp(f, q)
    if m in (0, INF):
        raise InvalidArgument(expected("f with 1 <= dsupp f < inf", "dsupp(f)", m))
    mg = dsupp(g, q)
    d = f.input_dim
    Qm, Qm1 = Box.cube(d, -q * m, q * m), Box.cube(d, -q * (m - 1), q * (m - 1))
    inside = mg <= m
    mass_out = l1_norm(f, Qm) - (l1_norm(f, Qm1) if m > 1 else Fraction(0))
    dist = l1_norm(f - g, Qm) if inside else None
    trigger = inside and dist is not None and dist < mass_out
    evidence = {"m": m, "dsupp_g": mg, "supp_g_in_rQm": inside, "l1_distance": dist, "mass_outside_rQ_{m-1}": mass_out,
                "trigger": trigger}
    return Fact("A4", f"supp g ⊆ rQ_{m} and ||g - f||_1 < ||f||_(L1 outside rQ_{m - 1}) imply dsupp g = {m}",
                (not trigger) or mg == m, evidence)


def strict_refinement(f: Any, *, x0: Sequence[Any] | None = None, ks: Sequence[int] = (1, 10, 100, 1000), r: Any = 1) -> Fact:
    """(A3) ``f_k = f + b/k`` with a bump ``b`` far from ``supp f``: ``d_loc(f_k, f) <= ||b||_1 / k -> 0`` but
    ``d_tau(f_k, f) >= 2^{-(m+1)}`` for every ``k``; so ``tau`` is strictly finer than the ``L^1_loc`` topology.

    >>> from verify.construct import hat
    >>> strict_refinement(hat(-1, 1), ks=(1, 100)).holds
    True
    """
    from verify.construct import bump

    f, q = _network(f), _scale(r)
    m = dsupp(f, q)
    if m == INF:
        raise InvalidArgument(expected("a compactly supported f", "dsupp(f)", m))
    d = f.input_dim
    corner = tuple(to_rational(v, "x0") for v in x0) if x0 is not None else tuple(q * (int(m) + 2) for _ in range(d))
    b = bump(Box(corner, tuple(c + q for c in corner)))
    mass = l1_norm(b, Box(corner, tuple(c + q for c in corner)))
    rows, ok = [], True
    for k in ks:
        fk = f + Fraction(1, k) * b
        gap = abs(_pow2(dsupp(fk, q)) - _pow2(m))
        upper = d_loc(fk, f, int(m) + 4, r=q).upper
        ok = ok and upper <= mass / k + Fraction(1, 2 ** (int(m) + 4)) and gap >= Fraction(1, 2 ** (int(m) + 1))
        rows.append({"k": k, "d_loc_upper": upper, "dsupp_gap": gap})
    return Fact("A3", "f_k -> f in L^1_loc but d_tau(f_k, f) >= 2^-(m+1): tau strictly refines L^1_loc", ok,
                {"m": m, "bump_mass": mass, "rows": rows})
