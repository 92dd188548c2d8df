"""Supports of analytic networks: never bounded unless the network is zero (MATH.md §5, Theorem N).

A real-analytic ``f`` that vanishes on the non-empty open set ``R^d \\ K`` (``K`` compact)
vanishes everywhere (identity theorem). So ``prove_support_in(net, K)`` is PROVED only with a
certificate that ``f == 0``, and otherwise REFUTED with a rigorous witness outside ``K``. The
zero set of a nonzero analytic ``f`` is a closed null set (Mityagin, arXiv:1512.07276), so the
support ``closure{f != 0}`` is all of R^d: unbounded, of infinite measure.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.analytic.witness import search_witness
from verify.box import Box
from verify.errors import InvalidArgument, UnsupportedNetwork, expected
from verify.verdict import Claim, Status, Verdict, Witness

if TYPE_CHECKING:
    from verify.network import Network
    from verify.support import Support

__all__ = ["prove_support_in", "support", "as_region_list", "outside_boxes"]


def as_region_list(K: Any, d: int) -> list[Any]:
    """``K`` as a list of boxes and polyhedra (``[]``: the empty set).

    >>> as_region_list(Box([0], [1]), 1)
    [Box(lower=(Fraction(0, 1),), upper=(Fraction(1, 1),))]
    """
    from verify.polyhedra import Polyhedron

    items = [K] if isinstance(K, (Box, Polyhedron)) else K
    if isinstance(items, (str, bytes, dict)) or not hasattr(items, "__iter__"):
        raise InvalidArgument(expected("a Box, a Polyhedron or a list of them", "K", K))
    out = list(items)
    for i, item in enumerate(out):
        if not isinstance(item, (Box, Polyhedron)) or item.dim != d:
            raise InvalidArgument(expected(f"a Box or Polyhedron of dimension {d}", f"K[{i}]", item))
    return out


def _bounding_box(regions: list[Any]) -> Box | None:
    """The smallest box containing every region (None when K is empty or some region is unbounded)."""
    lo: list[Fraction] | None = None
    hi: list[Fraction] | None = None
    for r in regions:
        if isinstance(r, Box):
            box: Box | None = r
        else:
            if not r.is_bounded():
                return None
            box = r.bounding_box()
        if box is None:
            continue
        lo = list(box.lower) if lo is None else [min(a, b) for a, b in zip(lo, box.lower)]
        hi = list(box.upper) if hi is None else [max(a, b) for a, b in zip(hi, box.upper)]
    return None if lo is None or hi is None else Box(lo, hi)


def outside_boxes(B: Box | None, d: int) -> list[Box]:
    """Open boxes disjoint from ``B``: thin bands along each face (nearest first), then far ones.

    >>> [str(b) for b in outside_boxes(Box([0], [1]), 1)]
    ['[1,2]', '[-1,0]', '[11,12]', '[-11,-10]']
    """
    if B is None:
        return [Box.cube(d, -1, 1), Box.cube(d, -10, 10)]
    lo = [a if a < b else a - 1 for a, b in zip(B.lower, B.upper)]
    hi = [b if a < b else b + 1 for a, b in zip(B.lower, B.upper)]
    out = []
    for gap in (0, 10):
        for i in range(d):
            for side in (1, -1):
                blo, bhi = list(lo), list(hi)
                if side == 1:
                    blo[i], bhi[i] = B.upper[i] + gap, B.upper[i] + gap + 1
                else:
                    blo[i], bhi[i] = B.lower[i] - gap - 1, B.lower[i] - gap
                out.append(Box(blo, bhi))
    return out


def _k_json(regions: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in regions:
        if isinstance(r, Box):
            out.append({"box": r.to_json()})
        else:
            out.append({"polyhedron": {"A": [[str(v) for v in row] for row in r.A], "b": [str(v) for v in r.b]}})
    return out


def _outside_witness(net: Network, regions: list[Any], *, budget: int, max_prec: int) -> Witness | None:
    """Search bands along the faces of K, boxes around the origin, then far boxes, for points outside K."""
    d = net.input_dim
    B = _bounding_box(regions)
    near = outside_boxes(B, d)
    boxes = near[: 2 * d] + [Box.cube(d, -1, 1), Box.cube(d, -10, 10)] + near[2 * d :]
    if B is not None:  # a box reaching across K, for a union of boxes with gaps
        boxes.append(B.expanded(1))

    def outside(p: tuple[Fraction, ...]) -> bool:
        return not any(r.contains(p) for r in regions)

    for box in boxes:
        w, _ = search_witness(net, box, max_prec=max_prec, budget=budget, accept=outside)
        if w is not None and outside(w.point):
            return w
    return None


def prove_support_in(net: Network, K: Any, *, budget: int = 64, max_prec: int = 16384) -> Verdict:
    """Decide "every output of ``net`` is 0 on R^d \\ K" for analytic (and mixed) networks.

    PROVED only with a certificate that the network is identically zero (``evidence["zero"]``).
    REFUTED with a rational witness outside every region of ``K`` whose ball excludes 0. Else UNKNOWN:
    also for an analytic network proved nonzero exactly (one hidden layer) when no witness was found
    within the budget (by the identity theorem it is nonzero off a compact K, but a refutation carries
    its counterexample; the decision is kept in ``evidence["nonzero"]``).

    >>> from verify import Network
    >>> gelu_hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]], "gelu")
    >>> v = prove_support_in(gelu_hat, Box([-3], [3]))
    >>> v.status.value, v.witness.point[0] > 3
    ('refuted', True)
    """
    from verify.zero import is_identically_zero

    if net.is_relu_pool and not net.is_analytic:  # piecewise linear (with pooling): the exact engines
        from verify.support import prove_support_in as exact_support_in

        return exact_support_in(net, K)
    start = time.perf_counter()
    regions = as_region_list(K, net.input_dim)
    claim = Claim("support_in", "every output is 0 outside K", {"network": net.to_dict(), "K": _k_json(regions)})
    evidence: dict[str, Any] = {"engine": "analytic"}

    def verdict(status: Status, witness: Witness | None = None, reason: str = "") -> Verdict:
        return Verdict(status, claim, witness=witness, evidence=evidence, method="analytic: identity theorem",
                       reason=reason, seconds=time.perf_counter() - start)

    witness = _outside_witness(net, regions, budget=budget // 4 + 1, max_prec=min(max_prec, 512))
    if witness is not None:
        return verdict(Status.REFUTED, witness)
    zero = is_identically_zero(net)
    if zero.proved:
        evidence["zero"] = zero.to_dict()
        return verdict(Status.PROVED)
    if not net.is_analytic:  # a piecewise-linear prefix feeding an analytic suffix: region by region
        from verify.analytic.mixed import zero_off

        route = zero_off(net, regions)
        if route is not None:
            evidence.update({"method": "mixed", **route})
            return verdict(Status.PROVED)
    witness = _outside_witness(net, regions, budget=budget, max_prec=max_prec)
    if witness is not None:
        return verdict(Status.REFUTED, witness)
    bounded = all(isinstance(r, Box) or r.is_bounded() for r in regions)
    if zero.refuted and net.is_analytic and bounded:  # R^d \ K is then open and non-empty
        evidence["nonzero"] = zero.to_dict()  # true, but a refutation carries its counterexample: UNKNOWN
        return verdict(Status.UNKNOWN, reason="a nonzero analytic network (exact decision) is nonzero off every "
                                              "compact K, but no witness outside K was found within the budget")
    return verdict(Status.UNKNOWN, reason=f"no witness outside K found; identically zero: {zero.status.value}")


def support(net: Network, *, budget: int = 64, max_prec: int = 4096) -> Support:
    """The support ``closure{f != 0}`` of an analytic network: empty (f == 0) or all of R^d.

    A nonzero analytic network has a null zero set (Mityagin), so its support is R^d:
    unbounded, measure ``math.inf``, with a rigorous witness point. Raises
    UnsupportedNetwork for non-analytic networks, or when neither a witness nor a zero
    certificate is found.

    >>> from verify import Network
    >>> s = support(Network.mlp([[[1]], [[1]]], [[0], [0]], "tanh"))
    >>> s.bounded, s.measure, s.contains([10**9])
    (False, inf, True)
    """
    from verify.polyhedra import Polyhedron
    from verify.support import Support
    from verify.zero import is_identically_zero

    if not net.is_analytic:
        raise UnsupportedNetwork(expected("an analytic network", "net", net))
    d = net.input_dim
    for box in outside_boxes(None, d):
        w, _ = search_witness(net, box, max_prec=max_prec, budget=budget)
        if w is not None:
            return Support(bounded=False, pieces=(Polyhedron.whole(d),), bounding_box=None, measure=math.inf, witness=w.point)
    zero = is_identically_zero(net, budget=budget, max_prec=max_prec)
    if zero.proved:
        return Support(bounded=True, pieces=(), bounding_box=None, measure=Fraction(0), witness=None)
    raise UnsupportedNetwork(f"could not decide the support: no witness found and identically zero is {zero.status.value}")
