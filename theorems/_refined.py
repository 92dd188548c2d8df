"""Exact facts about the refined topology (MATH.md §2, option A) that several theorems share.

Everything here is decided by the engines' verdicts, never by sampling:

* ``dsupp_r f = m`` for a continuous f: ``prove_support_in(f, rQ_m)`` PROVED and (when m >= 1)
  ``prove_support_in(f, rQ_{m-1})`` REFUTED with an exact witness x outside the closed cube
  ``rQ_{m-1}`` where f(x) != 0 (by continuity f has positive mass outside ``rQ_{m-1}``);
* ``||f - g||_{L^1} <= sup_{rQ_m} |f - g| * (2rm)^d`` when both vanish outside ``rQ_m``, with
  the sup from the exact ``max_abs``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from theorems._common import EngineMissing, as_fraction, engine
from verify.box import Box
from verify.network import Network
from verify.verdict import Verdict


def cube(d: int, n: int, r: Fraction = Fraction(1)) -> Box:
    """The cube ``r Q_n = [-rn, rn]^d``."""
    return Box.cube(d, -r * n, r * n)


def outside_box(d: int, m: int, r: Fraction = Fraction(1)) -> Box:
    """A unit box just outside ``rQ_m``: first coordinate in ``[rm + 1, rm + 2]``, the others in ``[0, 1]``."""
    lo = [r * m + 1] + [Fraction(0)] * (d - 1)
    hi = [r * m + 2] + [Fraction(1)] * (d - 1)
    return Box(lo, hi)


@dataclass
class Dsupp:
    """A certified value of ``dsupp_r f`` (``None`` when undecided) with the verdicts behind it."""

    value: int | float | None
    certificates: list[Verdict] = field(default_factory=list)
    reason: str = ""


def certified_dsupp(
    f: Network,
    *,
    r: Fraction = Fraction(1),
    n_max: int = 64,
    expect: int | None = None,
    point: tuple[Fraction, ...] | None = None,
) -> Dsupp:
    """``dsupp_r f`` for a piecewise-linear (or ReLU+pool) network, certified by two support verdicts.

    With ``expect = m`` the full support analysis is skipped: only ``supp f in rQ_m`` and a witness outside
    ``rQ_{m-1}`` (for m = 1: ``f(point) != 0``, exact) are established.
    """
    support = engine("support", "support")
    prove = engine("support", "prove_support_in")
    if expect is not None:
        return _dsupp_expected(f, expect, r, point)
    s = support(f)
    if not s.bounded:
        return Dsupp(math.inf, [], "support unbounded")
    box = s.bounding_box
    if box is None:
        return Dsupp(0, [], "f = 0")
    extent = max([abs(c) for c in (*box.lower, *box.upper)])
    m = max(1, math.ceil(extent / r))
    if m > n_max:
        return Dsupp(None, [], f"support extends beyond r*Q_{n_max}")
    inside = prove(f, cube(f.input_dim, m, r))
    if not inside.proved:
        return Dsupp(None, [inside], f"support in rQ_{m} not proved: {inside.reason}")
    if m == 1:
        return Dsupp(1, [inside])
    outside = prove(f, cube(f.input_dim, m - 1, r))
    if not outside.refuted:
        return Dsupp(None, [inside, outside], f"no witness outside rQ_{m - 1}: {outside.reason}")
    return Dsupp(m, [inside, outside])


def _dsupp_expected(f: Network, m: int, r: Fraction, point: tuple[Fraction, ...] | None) -> Dsupp:
    prove = engine("support", "prove_support_in")
    inside = prove(f, cube(f.input_dim, m, r))
    if not inside.proved:
        return Dsupp(None, [inside], f"support in rQ_{m} not proved: {inside.reason}")
    if m > 1:
        outside = prove(f, cube(f.input_dim, m - 1, r))
        return Dsupp(m, [inside, outside]) if outside.refuted else Dsupp(None, [inside, outside], "no witness outside")
    x = point if point is not None else (Fraction(0),) * f.input_dim
    if any(v != 0 for v in f.eval_exact(list(x))):
        return Dsupp(1, [inside], f"f({', '.join(map(str, x))}) != 0 (exact)")
    return Dsupp(None, [inside], "f = 0 at the probe point")


def sup_distance(f: Network, g: Network, domain: Box) -> tuple[Fraction | None, Any]:
    """Exact ``sup_domain |f - g|`` from ``verify.bounds.max_abs`` (value, raw answer)."""
    max_abs = engine("bounds", "max_abs")
    diff = f - g
    if not diff.is_piecewise_linear:  # exact max only for PL; rigorous balls otherwise
        return ball_sup_upper(diff, domain, pieces=max(2, int(400 ** (1 / domain.dim)))), "ball"
    raw = max_abs(diff, domain)
    if isinstance(raw, Verdict):
        ev = raw.evidence or {}
        for key in ("value", "max", "max_abs", "bound"):
            if key in ev:
                return Fraction(ev[key]), raw
        return None, raw
    return as_fraction(raw), raw


def l1_distance(f: Network, g: Network, box: Box) -> tuple[Fraction | None, list[str]]:
    """An exact upper bound on ``||f - g||_{L^1(box)}``: the exact integral (``verify.topology.l1_norm``,
    piecewise-linear networks), else ``sup_box |f - g| * vol(box)`` from the exact ``max_abs``."""
    diff = f - g
    if diff.is_piecewise_linear:
        try:
            value = engine("topology", "l1_norm")(diff, box)
            return Fraction(value), [f"||f - g||_L1({box}) = {value} (exact integral over the regions)"]
        except EngineMissing:
            pass
    if not diff.is_piecewise_linear:  # pooled: rigorous balls on sub-boxes
        pieces = max(2, int(400 ** (1 / box.dim)))
        bound = ball_l1_upper(diff, box, pieces=pieces)
        return bound, [f"||f - g||_L1({box}) <= {float(bound):.4g} (rigorous balls on {pieces}^{box.dim} sub-boxes)"]
    sup, _ = sup_distance(f, g, box)
    if sup is None:
        return None, ["no exact sup"]
    bound = sup * box.volume
    return bound, [f"sup over {box} of |f - g| = {sup} (exact)", f"||f - g||_L1 <= {sup} * vol = {bound}"]


def _ball_bounds(ball: Any) -> tuple[Fraction, Fraction]:
    """The exact rational interval of an arb ball (its endpoints are binary floats: exact)."""
    m, e = ball.mid().man_exp()
    rm, re_ = ball.rad().man_exp()
    mid, rad = Fraction(int(m)) * Fraction(2) ** int(e), Fraction(int(rm)) * Fraction(2) ** int(re_)
    return mid - rad, mid + rad


def ball_sup_upper(h: Network, box: Box, *, pieces: int, prec: int = 64) -> Fraction:
    """A rigorous upper bound on ``sup_box |h|``: the max over ``pieces^d`` sub-boxes of the ball's magnitude."""
    import itertools

    widths = [(b - a) / pieces for a, b in zip(box.lower, box.upper)]
    best = Fraction(0)
    for js in itertools.product(range(pieces), repeat=box.dim):
        lo = [a + j * w for a, j, w in zip(box.lower, js, widths)]
        for ball in h.eval_ball_box(Box(lo, [t + w for t, w in zip(lo, widths)]), prec=prec):
            if not ball.is_finite():
                raise ValueError("infinite ball")
            a, b = _ball_bounds(ball)
            best = max(best, abs(a), abs(b))
    return best


@dataclass
class SupDecision:
    """``sup_box |h| <= eps`` decided: ``status`` "proved" (``bound`` <= eps, rigorous), "refuted" (``point``
    with ``value``, exact, some ``|value_i| > eps``) or "unknown" (budget; ``bound`` is the best upper bound)."""

    status: str
    bound: Fraction | None = None
    point: tuple[Fraction, ...] | None = None
    value: tuple[Fraction, ...] | None = None
    boxes: int = 0


def ball_sup_decide(h: Network, box: Box, eps: Fraction, *, max_boxes: int = 20000, prec: int = 64) -> SupDecision:
    """Decide ``sup_box |h| <= eps`` by rigorous balls on an adaptive partition of ``box``.

    A sub-box whose ball bound exceeds eps is checked exactly at its centre (a rational point: a value
    above eps refutes the claim with that point) and otherwise bisected along its widest side. A ball
    bound is an upper bound only, so it never refutes; the budget ``max_boxes`` gives "unknown".

    >>> from verify import Network
    >>> h = Network.mlp([[[1]], [[1]]], [[0], [0]]) * Network.mlp([[[1]]], [[0]])  # relu(x) * x, sup 1 on [-1, 1]
    >>> ball_sup_decide(h, Box([-1], [1]), Fraction(2)).status
    'proved'
    >>> r = ball_sup_decide(h, Box([-1], [1]), Fraction(1, 2))
    >>> r.status, r.point, r.value
    ('refuted', (Fraction(3, 4),), (Fraction(9, 16),))
    """
    stack, best, n = [box], Fraction(0), 0
    exact = h.is_rational
    while stack:
        b = stack.pop()
        n += 1
        if n > max_boxes:
            return SupDecision("unknown", max(best, *(_ball_sup(h, r, prec) for r in stack + [b])), boxes=n - 1)
        top = _ball_sup(h, b, prec)
        if top <= eps:
            best = max(best, top)
            continue
        if exact:
            c = tuple((lo + hi) / 2 for lo, hi in zip(b.lower, b.upper))
            val = h.eval_exact(c)
            if any(abs(v) > eps for v in val):
                return SupDecision("refuted", point=c, value=tuple(val), boxes=n)
        k = max(range(b.dim), key=lambda i: b.upper[i] - b.lower[i])
        mid = (b.lower[k] + b.upper[k]) / 2
        stack.append(Box(b.lower, [mid if i == k else v for i, v in enumerate(b.upper)]))
        stack.append(Box([mid if i == k else v for i, v in enumerate(b.lower)], b.upper))
    return SupDecision("proved", best, boxes=n)


def _ball_sup(h: Network, b: Box, prec: int) -> Fraction:
    best = Fraction(0)
    for ball in h.eval_ball_box(b, prec=prec):
        if not ball.is_finite():
            return Fraction(10) ** 100  # no bound: bisect further
        lo, hi = _ball_bounds(ball)
        best = max(best, abs(lo), abs(hi))
    return best


def ball_l1_upper(h: Network, box: Box, *, pieces: int, prec: int = 64) -> Fraction:
    """A rigorous upper bound on ``||h||_{L^1(box)}``: sum over ``pieces^d`` sub-boxes of vol * sup of the ball."""
    import itertools

    widths = [(b - a) / pieces for a, b in zip(box.lower, box.upper)]
    vol, total = box.volume / pieces**box.dim, Fraction(0)
    for js in itertools.product(range(pieces), repeat=box.dim):
        lo = [a + j * w for a, j, w in zip(box.lower, js, widths)]
        sub = Box(lo, [t + w for t, w in zip(lo, widths)])
        for ball in h.eval_ball_box(sub, prec=prec):
            if not ball.is_finite():
                raise ValueError("infinite ball")
            a, b = _ball_bounds(ball)
            total += vol * max(abs(a), abs(b))
    return total


def l1_upper(f: Network, g: Network, m: int, *, r: Fraction = Fraction(1)) -> tuple[Fraction | None, list[str]]:
    """An exact upper bound on ``||f - g||_{L^1}`` for f, g vanishing outside ``rQ_m``."""
    return l1_distance(f, g, cube(f.input_dim, m, r))


def dsupp_lower_from_witness(g: Network, m: int, *, r: Fraction = Fraction(1), max_prec: int = 2048) -> Verdict:
    """A rigorous witness that g != 0 somewhere outside ``rQ_m``, so ``dsupp_r g >= m + 1``."""
    box = outside_box(g.input_dim, m, r)
    if g.is_analytic:
        return engine("analytic", "nonvanishing_witness")(g, box, max_prec=max_prec, budget=2000)
    return engine("support", "prove_support_in")(g, cube(g.input_dim, m, r))


__all__ = [
    "cube",
    "outside_box",
    "Dsupp",
    "certified_dsupp",
    "sup_distance",
    "ball_sup_decide",
    "SupDecision",
    "l1_upper",
    "dsupp_lower_from_witness",
    "EngineMissing",
]


def separation_verdict(
    name: str,
    f: Network,
    g: Network,
    *,
    r: Fraction = Fraction(1),
    g_is_zero: Verdict | None = None,
    g_witness: Verdict | None = None,
) -> Verdict:
    """PROVED: ``d_tau(f, g) >= 2^-(m+1)`` where ``m = dsupp f`` (A1), for an analytic (or polynomial) g.

    Either g is nonzero at a point outside ``rQ_m`` (then ``dsupp g >= m + 1``), or g is identically
    zero (then ``dsupp g = 0`` and ``|2^-m - 1| >= 1/2``).
    """
    from theorems._common import theorem_verdict
    from verify.verdict import Status

    ds = certified_dsupp(f, r=r)
    data = {"target": f.to_dict(), "net": g.to_dict(), "r": r}
    if not isinstance(ds.value, int) or ds.value < 1:
        return theorem_verdict(
            name,
            Status.UNKNOWN,
            "d_tau(f, g) >= 2^-(dsupp f + 1)",
            data=data,
            certificates=ds.certificates,
            reason=f"dsupp of the target not certified: {ds.reason}",
        )
    m = ds.value
    bound = Fraction(1, 2 ** (m + 1))
    text = f"d_tau(f, g) >= {bound} for the analytic g (dsupp f = {m})"
    w = g_witness if g_witness is not None else dsupp_lower_from_witness(g, m, r=r)
    facts = [f"dsupp f = {m} (support in rQ_{m} proved; a witness outside rQ_{m - 1})" if m > 1 else "dsupp f = 1"]
    if w.proved if g.is_analytic else w.refuted:
        facts += [f"g != 0 at a point outside rQ_{m}, so dsupp g >= {m + 1}", f"|2^-{m} - 2^-dsupp g| >= {bound} (A1)"]
        return theorem_verdict(
            name,
            Status.PROVED,
            text,
            data=data,
            certificates=[*ds.certificates, w],
            facts=facts,
            witness=w.witness,
            method="identity theorem witness",
        )
    z = g_is_zero if g_is_zero is not None else engine("zero", "is_identically_zero")(g)
    if z.proved:
        facts += ["g = 0, so dsupp g = 0 and |2^-m - 1| >= 1/2"]
        return theorem_verdict(
            name, Status.PROVED, text, data=data, certificates=[*ds.certificates, z], facts=facts, method="zero decision"
        )
    return theorem_verdict(
        name,
        Status.UNKNOWN,
        text,
        data=data,
        certificates=[*ds.certificates, w, z],
        reason=f"neither a witness outside rQ_{m} nor a zero proof: {w.reason}; {z.reason}",
    )
