"""The quantitative approximation theorem as a function (MATH.md §4.1, [RECON] of the paper's Theorem 3).

Let ``f: R^d -> R^D`` be ``L``-Lipschitz (max norms) with ``supp f ⊆ K`` (a box or a union of boxes),
``m`` the least positive integer with ``K ⊆ Q_m = [-m, m]^d``, ``k = ceil(L m / eps)``, ``h = m / k``.

* **Q1 (no pooling).** The Freudenthal interpolant ``g`` on ``h Z^d`` satisfies ``||g - f||_sup <= L h <= eps``,
  ``supp g ⊆ K^h ∩ Q_m``, ``|V| <= 2^d N_inf(K, h/2)`` hat units, depth ``ceil(log2 d) + 3``,
  width ``2 d |V| <= d 2^{d+1} N_inf(K, h/2)``, ``|V| n_phi(d)`` neurons, no pooling layer.
* **Q2 (one pooling layer).** ``F = g ⊙ psi`` with ``psi`` the indicator of a grid delta-cover of ``K``
  with ``N' <= #boxes * ceil(diam_inf K / (2 delta))^d`` centres: ``||F - f||_sup <= eps``,
  ``supp F ⊆ K^{2 delta}``, depth ``max(ceil(log2 d) + 3, 2 + ceil(log2 d) + ceil(log2 N'))``,
  width ``<= 2 d |V| + 4 d N' + 2 D + 2``, exactly one pooling layer.

Every bound is evaluated on the built network and compared exactly (``Approximant.bounds``).
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil
from typing import Any

from verify.box import Box
from verify.construct._program import ceil_log2
from verify.construct.approximants import Approximant, interpolant, support_cut
from verify.construct.covering import as_boxes, covering_bounds, diameter
from verify.construct.primitives import freudenthal_size
from verify.errors import InvalidArgument, expected
from verify.numbers import to_rational

__all__ = ["approximate_with_support", "cube_index"]


def cube_index(K: Any) -> int:
    """The least integer ``m >= 1`` with ``K ⊆ Q_m = [-m, m]^d``.

    >>> cube_index(Box([2], [4])), cube_index(Box(["-1/2", 0], ["1/2", 1]))
    (4, 1)
    """
    boxes = as_boxes(K)
    far = max(max(abs(a), abs(b)) for box in boxes for a, b in zip(box.lower, box.upper))
    return max(1, ceil(far))


def _positive(x: Any, name: str) -> Fraction:
    q = to_rational(x, name)
    if q <= 0:
        raise InvalidArgument(expected("a positive rational", name, str(q)))
    return q


def approximate_with_support(
    f: Any,
    L: Any,
    K: Any,
    eps: Any,
    *,
    pooling: bool = True,
    delta: Any = None,
    symbols: Any = None,
) -> Approximant:
    """A ReLU network ``eps``-close to ``f`` in sup norm whose support stays near ``K``, with its size bounds.

    ``f``: a PL network, a callable on rationals or a sympy expression; ``L``: a Lipschitz constant
    (max norms); ``K``: a box or boxes containing ``supp f``; ``pooling``: the Q2 route (one pooling
    layer, ``delta`` defaults to ``h``) or the Q1 route (pure ReLU). The result's ``bounds`` map each
    bound of the theorem (module docstring) to ``(bound, actual)``; all are checked here.

    >>> from verify.construct import hat
    >>> a = approximate_with_support(hat(-1, 1), 1, Box([-1], [1]), "1/4", pooling=False)
    >>> a.params["h"], a.error_bound, a.network.num_pool, a.bounds_hold, a.size_matches
    (Fraction(1, 4), Fraction(1, 4), 0, True, True)
    """
    Lq, e = to_rational(L, "L"), _positive(eps, "eps")
    if Lq < 0:
        raise InvalidArgument(expected("a nonnegative Lipschitz constant", "L", str(Lq)))
    boxes = as_boxes(K)
    d = boxes[0].dim
    m = cube_index(boxes)
    k = max(1, ceil(Lq * m / e))
    h = Fraction(m, k)
    q1 = interpolant(f, h=h, cube=Box.cube(d, -m, m), lipschitz=Lq, support=boxes, symbols=symbols)
    nodes, D = q1.params["nodes"], q1.params["D"]
    cover = covering_bounds(boxes, h / 2)
    n_phi = freudenthal_size(d).num_neurons
    N = cover.lower  # N(K, h/2) is only known to lie in [lower, upper]: a <= c N is proved by a <= c lower
    q1_bounds = {
        "sup error <= eps": (e, q1.error_bound),
        "|V| <= 2^d N(K, h/2)": (2**d * N, nodes),
        "depth <= ceil(log2 d) + 3": (ceil_log2(d) + 3 if nodes else 1, q1.network.depth),
        "width <= d 2^(d+1) N(K, h/2)": (max(d * 2 ** (d + 1) * N, D), q1.network.width),
        "neurons <= 2^d N(K, h/2) n_phi(d)": (2**d * N * n_phi, q1.network.num_neurons),
        "pooling layers <= 0": (0, q1.network.num_pool),
    }
    params = {**q1.params, "m": m, "k": k, "eps": e, "diam": diameter(boxes), "N(K,h/2) in": (cover.lower, cover.upper)}
    if not pooling:
        out = Approximant(q1.network, "Q1", q1.support, q1.support_bound, q1.error_bound, q1.l1_bound, q1.size,
                          params, {**q1.bounds, **q1_bounds})
        assert out.size_matches and _exact_bounds_hold(out), "Q1 construction violates its stated bounds"
        return out
    r = _positive(delta, "delta") if delta is not None else h
    cut = support_cut(q1, boxes, r)
    n_c = cut.params["centres"]
    psi_depth = 2 + ceil_log2(d) + ceil_log2(n_c)
    cover_r = covering_bounds(boxes, r)
    q2_bounds = {
        "sup error <= eps": (e, cut.error_bound),
        "pooling layers <= 1": (1, cut.network.num_pool),
        "depth <= max(depth g, depth psi)": (max(q1.network.depth, psi_depth), cut.network.depth),
        "centres <= #boxes ceil(diam/(2 delta))^d": (len(boxes) * max(1, ceil(diameter(boxes) / (2 * r))) ** d, n_c),
        "width <= 2 d |V| + 4 d N' + 2 D + 2": (2 * d * nodes + 4 * d * n_c + 2 * D + 2, cut.network.width),
    }
    params.update({"delta": r, "centres": n_c, "N(K,delta) in": (cover_r.lower, cover_r.upper),
                   "cutoff": cut.params["cutoff"], "base": q1.network})
    out = Approximant(cut.network, "Q2", cut.support, cut.support_bound, cut.error_bound, cut.l1_bound, cut.size,
                      params, {**cut.bounds, **q2_bounds})
    assert out.size_matches and _exact_bounds_hold(out), "Q2 construction violates its stated bounds"
    return out


def _exact_bounds_hold(a: Approximant) -> bool:
    """The stated bounds that do not involve a covering number hold (those that do compare with the proved
    lower bound of N, and the construction's own cover may be larger than an optimal one)."""
    return all(actual <= bound for key, (bound, actual) in a.bounds.items() if "N(K" not in key)
