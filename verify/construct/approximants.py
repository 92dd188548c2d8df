"""Support-controlled ReLU approximants (MATH.md §4.1): Q1 interpolation and the Q2 pooling cut.

* :func:`interpolant` (Q1, pure ReLU): ``g(x) = sum_{v in V} f(v) phi((x - v)/h)`` with the
  Freudenthal hat ``phi`` on the grid ``cube.lower + h Z^d`` and ``V`` the interior grid nodes
  where ``f(v) != 0``. If ``supp f ⊆ cube`` and ``f`` is ``L``-Lipschitz (max norms) then
  ``||g - f||_sup <= L h`` (at each ``x``, ``g(x)`` is a convex combination of ``f`` at the
  vertices of the Freudenthal simplex containing ``x``, all within distance ``h``), and
  ``supp g ⊆ ∪_{v in V} (v + h[-1,1]^d) ⊆ K^h ∩ cube``.
* :func:`support_cut` (Q2, one pooling layer): ``F = g ⊙ (psi 1_D)`` with
  ``psi = max_n plateau(B(x_n, delta), delta)`` over a genuine delta-cover ``{x_n} ⊆ K``;
  ``psi = 1`` on ``K``, ``psi = 0`` off ``∪ B(x_n, 2 delta) ⊆ K^{2 delta}``, ``0 <= psi <= 1``. So
  ``F = g`` on ``K`` and ``|F - f| = |F| <= |g - f|`` on ``K^{2 delta} \\ K`` where ``f = 0``:
  ``||F - f||_sup <= eta := sup_{K^{2 delta}} |g - f|``, and ``supp F ⊆ K^{2 delta}`` exactly.
* :func:`approximate_with_support`: the quantitative theorem, with either route.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil
from typing import Any

from verify.box import Box
from verify.construct._analysis import find
from verify.construct._program import RELU, ZERO, Program, affine, ceil_log2, pad, parallel, then, to_network
from verify.construct.covering import as_boxes, diameter, grid_cover, is_cover
from verify.construct.primitives import (
    Size,
    _max_of_plateaus_program,
    freudenthal_program,
    freudenthal_size,
    max_of_plateaus_size,
    size_of,
)
from verify.construct.targets import Target, as_target
from verify.errors import InvalidArgument, expected
from verify.layers import Act, Affine, Pool
from verify.network import Network
from verify.numbers import to_rational

__all__ = ["Approximant", "interpolant", "interpolant_size", "support_cut", "cut_size", "sup_error"]

Point = tuple[Fraction, ...]


@dataclass(frozen=True)
class Approximant:
    """A network with its stated facts.

    * ``support``: boxes whose union contains ``supp network`` (exact claim, checkable with
      ``prove_support_in``); ``support_bound``: the theorem's coarser set (``K^h ∩ cube`` or ``K^{2 delta}``);
    * ``error_bound``: ``||network - f||_sup <= error_bound`` (max norm over outputs), None if unknown;
    * ``l1_bound``: ``||network - f||_{L^1} <= l1_bound``;
    * ``size``: the architecture predicted by the formulas (compared with the built network);
    * ``params``: the inputs and derived quantities (``h``, ``delta``, ``nodes``, ``centres``, ...);
    * ``bounds``: the theorem's bounds, ``name -> (bound, actual)``, each ``actual <= bound``.
    """

    network: Network
    route: str
    support: tuple[Box, ...]
    support_bound: tuple[Box, ...]
    error_bound: Fraction | None
    l1_bound: Fraction | None
    size: Size
    params: dict[str, Any] = field(default_factory=dict)
    bounds: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def size_matches(self) -> bool:
        """Whether the built network has exactly the predicted architecture."""
        return size_of(self.network) == self.size

    @property
    def bounds_hold(self) -> bool:
        """Whether every stated bound holds on the built network (exact integer/rational comparisons)."""
        return all(actual <= bound for bound, actual in self.bounds.values())


# -- grid ----------------------------------------------------------------------------------


def _grid(cube: Any, h: Any) -> tuple[Box, Fraction, tuple[int, ...]]:
    if not isinstance(cube, Box) or not cube.is_full_dimensional:
        raise InvalidArgument(expected("a full-dimensional Box", "cube", cube))
    q = to_rational(h, "h")
    if q <= 0:
        raise InvalidArgument(expected("a positive mesh", "h", str(q)))
    ks = [(b - a) / q for a, b in zip(cube.lower, cube.upper)]
    if any(k.denominator != 1 for k in ks):
        raise InvalidArgument(expected("a mesh dividing every side of the cube", "h", str(q)))
    return cube, q, tuple(int(k) for k in ks)


def _index_range(lo: Fraction, hi: Fraction, a: Fraction, h: Fraction, k: int) -> range:
    """Interior indices ``j`` (``1 <= j <= k-1``) with ``lo <= a + j h <= hi``."""
    return range(max(1, ceil((lo - a) / h)), min(k - 1, int((hi - a) // h)) + 1)


def _interior_nodes(cube: Box, h: Fraction, ks: tuple[int, ...], K: tuple[Box, ...] | None) -> list[Point]:
    regions = K if K is not None else (cube,)
    nodes: set[Point] = set()
    for box in regions:
        axes = [
            [a + j * h for j in _index_range(lo, hi, a, h, k)]
            for lo, hi, a, k in zip(box.lower, box.upper, cube.lower, ks)
        ]
        nodes.update(itertools.product(*axes))
    return sorted(nodes)


def _boundary_nodes(cube: Box, h: Fraction, ks: tuple[int, ...]) -> list[Point]:
    axes = [range(k + 1) for k in ks]
    return [
        tuple(a + j * h for a, j in zip(cube.lower, js))
        for js in itertools.product(*axes)
        if any(j in (0, k) for j, k in zip(js, ks))
    ]


# -- Q1 --------------------------------------------------------------------------------------


def _interpolant_network(d: int, h: Fraction, nodes: Sequence[Point], values: Sequence[tuple[Fraction, ...]], D: int) -> Network:
    if not nodes:
        return Network(d, (affine([[ZERO] * d] * D, [ZERO] * D),))
    copies = []
    for v in nodes:
        pre = affine([[1 / h if j == i else ZERO for j in range(d)] for i in range(d)], [-v[i] / h for i in range(d)])
        copies.append(freudenthal_program(d, pre))
    prog = parallel(copies)
    prog.append(affine([[val[o] for val in values] for o in range(D)], [ZERO] * D))
    return to_network(prog)


def interpolant_size(d: int, nodes: int, outputs: int) -> Size:
    """Architecture of the Q1 interpolant with ``nodes`` hat units: width ``2 d nodes``, no pooling.

    >>> interpolant_size(2, 9, 1)
    Size(hidden=(36, 36, 9), outputs=1, pools=0)
    """
    if nodes == 0:
        return Size((), outputs)
    return Size(tuple(nodes * w for w in freudenthal_size(d).hidden), outputs)


def interpolant(
    f: Any,
    *,
    h: Any,
    cube: Box,
    lipschitz: Any = None,
    support: Any = None,
    symbols: Any = None,
    check_premise: bool = True,
) -> Approximant:
    """Q1: the CPWL nodal interpolant of ``f`` on the Freudenthal triangulation of ``cube.lower + h Z^d``.

    Premise (the caller's, partly checked): ``f`` is continuous, ``f = 0`` outside ``cube`` (checked at
    every boundary grid node; a nonzero value raises InvalidArgument) and outside ``support`` (a box or
    boxes, when given: only nodes in it are evaluated). Facts: ``supp g ⊆ ∪_{v in V} (v + h[-1,1]^d)``
    (``support``) ``⊆ K^h ∩ cube``; ``||g - f||_sup <= L h`` when a Lipschitz constant ``L`` is known;
    ``||g - f||_{L^1} <= L h λ(K^h)``. Architecture: :func:`interpolant_size` (pure ReLU, depth
    ``ceil(log2 d) + 3``, width ``2 d |V|``). For a network target with ``check_premise``, ``supp f ⊆ K``
    (or ``⊆ cube``) is proved exactly first (REFUTED raises InvalidArgument with the witness;
    ``params["premise"]`` records "proved", "unknown" or "assumed").

    >>> from verify.construct import hat
    >>> g = interpolant(hat(0, 2), h="1/2", cube=Box([0], [2]), lipschitz=1)
    >>> g.params["nodes"], g.error_bound, [g.network.eval_exact([t])[0] for t in ("1/4", 1, "7/4")]
    (3, Fraction(1, 2), [Fraction(1, 4), Fraction(1, 1), Fraction(1, 4)])
    """
    cube, q, ks = _grid(cube, h)
    d = cube.dim
    target = as_target(f, d, lipschitz=lipschitz, symbols=symbols)
    K = as_boxes(support, "support") if support is not None else None
    for v in _boundary_nodes(cube, q, ks):
        if any(target.value(v)):
            raise InvalidArgument(expected("f = 0 on the boundary of the cube (supp f ⊆ cube)", "f at boundary node", v))
    premise = _premise(target, K if K is not None else (cube,)) if check_premise else "not checked"
    nodes, values = [], []
    for v in _interior_nodes(cube, q, ks, K):
        val = target.value(v)
        if any(val):
            nodes.append(v)
            values.append(val)
    net = _interpolant_network(d, q, nodes, values, target.outputs)
    cells = tuple(Box(tuple(t - q for t in v), tuple(t + q for t in v)) for v in nodes)
    region = K if K is not None else (cube,)
    bound_boxes = tuple(_clip(b.expanded(q), cube) for b in region)
    L = target.lipschitz
    if L is None and target.network is not None and target.network.is_piecewise_linear:
        exact_lipschitz = find("lipschitz_constant")  # exact for PL targets, when the bounds module is present
        L = None if exact_lipschitz is None else to_rational(exact_lipschitz(target.network), "lipschitz")
    err = None if L is None else L * q
    vol = (diameter(region) + 2 * q) ** d if K is not None else cube.volume
    size = interpolant_size(d, len(nodes), target.outputs)
    params = {"d": d, "D": target.outputs, "h": q, "cube": cube, "grid": ks, "nodes": len(nodes),
              "values": dict(zip(nodes, values)), "L": L, "target": target.kind, "support": K,
              "premise": premise}
    bounds = {"nodes <= (2k-1)^d-type count": (_prod(k - 1 for k in ks), len(nodes)), "depth": (ceil_log2(d) + 3, net.depth)}
    if nodes:
        bounds["width <= 2 d |V|"] = (2 * d * len(nodes), net.width)
    return Approximant(net, "Q1", cells, bound_boxes, err, None if err is None else err * vol, size, params, bounds)


def _premise(target: Target, region: tuple[Box, ...]) -> str:
    """Prove ``supp f ⊆ region`` for a network target; a refutation is an invalid argument."""
    prove = find("prove_support_in")
    if target.network is None or prove is None:
        return "assumed"
    v = prove(target.network, list(region))
    if v.refuted:
        raise InvalidArgument(expected("a target supported in the stated region", "f nonzero at", v.witness.point))
    return "proved" if v.proved else "unknown"


def _clip(box: Box, cube: Box) -> Box:
    return Box(tuple(max(a, c) for a, c in zip(box.lower, cube.lower)), tuple(min(b, c) for b, c in zip(box.upper, cube.upper)))


def _prod(xs: Any) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


# -- Q2 ----------------------------------------------------------------------------------------


def _as_program(net: Network) -> Program | None:
    """``net`` as a pure-ReLU program ``[A_0, ..., A_L]``, or None when it has other units or pooling.

    Identity units (the Network algebra's depth padding) become ``relu(t) - relu(-t)``: one more unit each.
    """
    layers = net.layers
    if not layers or not isinstance(layers[0], Affine) or not isinstance(layers[-1], Affine):
        return None
    prog: Program = [layers[0]]
    for i in range(1, len(layers) - 1, 2):
        act, nxt = layers[i], layers[i + 1]
        if not isinstance(act, Act) or not isinstance(nxt, Affine):
            return None
        units = act.expanded(prog[-1].out_dim)
        if any(u.name not in ("relu", "identity") for u in units):
            return None
        rows, bias, cols = [], [], []
        for j, u in enumerate(units):
            rows.append(prog[-1].weight[j])
            bias.append(prog[-1].bias[j])
            cols.append((j, 1))
            if u.name == "identity":  # t = relu(t) - relu(-t)
                rows.append(tuple(-w for w in prog[-1].weight[j]))
                bias.append(-prog[-1].bias[j])
                cols.append((j, -1))
        prog[-1] = affine(rows, bias)
        prog.append(affine([[s * row[j] for j, s in cols] for row in nxt.weight], nxt.bias))
    return prog if len(layers) % 2 == 1 else None


def cut_size(base: Size, d: int, centres: int) -> Size:
    """Architecture of ``g ⊙ (psi 1_D)``: both branches padded to one depth (``relu(t) - relu(-t)``), one pooling layer."""
    psi = max_of_plateaus_size(d, centres)
    depth = max(len(base.hidden), len(psi.hidden))
    g_h = base.hidden + (2 * base.outputs,) * (depth - len(base.hidden))
    p_h = psi.hidden + (2,) * (depth - len(psi.hidden))
    return Size(tuple(a + b for a, b in zip(g_h, p_h)), base.outputs, 1, 2 * base.outputs)


def support_cut(g: Any, K: Any, delta: Any, *, eta: Any = None) -> Approximant:
    """Q2: ``F = g ⊙ (psi 1_D)``, the Hadamard pooling of ``g`` with the indicator of a genuine delta-cover of ``K``.

    ``g`` is a pure-ReLU network (or an :class:`Approximant`, whose ``error_bound`` is then ``eta``).
    The cover is :func:`~verify.construct.covering.grid_cover` (centres in ``K``, checked exactly to
    cover all of ``K``). Facts: ``supp F ⊆ ∪ B(x_n, 2 delta) ⊆ K^{2 delta}`` (``support``); ``F = g`` on ``K``;
    ``||F - f||_sup <= eta`` for every ``f`` vanishing off ``K`` with ``sup_{K^{2 delta}} |g - f| <= eta``;
    ``||F - f||_{L^1} <= eta (diam K + 4 delta)^d``. Exactly one pooling layer; size :func:`cut_size`.

    >>> from verify.construct import hat
    >>> F = support_cut(hat(-1, 3), Box([0], [1]), "1/4", eta=0)
    >>> [F.network.eval_exact([t])[0] for t in (0, 1, "9/8", "5/4", 2)], F.size_matches
    ([Fraction(1, 2), Fraction(1, 1), Fraction(15, 32), Fraction(0, 1), Fraction(0, 1)], True)
    """
    base_error = g.error_bound if isinstance(g, Approximant) else None
    net = g.network if isinstance(g, Approximant) else g
    if not isinstance(net, Network):
        raise InvalidArgument(expected("a Network or an Approximant", "g", g))
    boxes = as_boxes(K)
    d, D = net.input_dim, net.output_dim
    if boxes[0].dim != d:
        raise InvalidArgument(expected(f"K in R^{d}", "K dimension", boxes[0].dim))
    r = to_rational(delta, "delta")
    if r <= 0:
        raise InvalidArgument(expected("a positive delta", "delta", str(r)))
    prog = _as_program(net)
    if prog is None:
        raise InvalidArgument(expected("a pure-ReLU network (affine/relu layers, no pooling)", "g", net))
    centres = grid_cover(boxes, r)
    assert is_cover(centres, boxes, r)
    balls = [Box(tuple(t - r for t in c), tuple(t + r for t in c)) for c in centres]
    psi = _max_of_plateaus_program(balls, r)
    cutoff = to_network(psi)
    depth = max(len(prog), len(psi))
    # pad psi while it is scalar (2 units a layer), then replicate it to the D outputs
    psi = then(pad(psi, depth), [affine([[Fraction(1)]] * D, [ZERO] * D)])
    both = parallel([pad(prog, depth), psi])
    F = Network(d, (*_layers(both), Pool()))
    e = to_rational(eta, "eta") if eta is not None else base_error
    support = tuple(Box(tuple(t - 2 * r for t in c), tuple(t + 2 * r for t in c)) for c in centres)
    bound_boxes = tuple(b.expanded(2 * r) for b in boxes)
    l1 = None if e is None else e * (diameter(boxes) + 4 * r) ** d
    size = cut_size(size_of(to_network(prog)), d, len(centres))
    params = {"d": d, "D": D, "delta": r, "centres": len(centres), "eta": e, "cutoff": cutoff, "base": net}
    bounds = {"pooling layers": (1, F.num_pool), "centres <= sum_boxes prod ceil(s_i/(2 delta))": (
        sum(_prod(max(1, ceil((b - a) / (2 * r))) for a, b in zip(bx.lower, bx.upper)) for bx in boxes), len(centres))}
    return Approximant(F, "Q2", support, bound_boxes, e, l1, size, params, bounds)


def _layers(prog: Program) -> list[Any]:
    out: list[Any] = []
    for i, a in enumerate(prog):
        if i:
            out.append(RELU)
        out.append(a)
    return out


# -- exact errors ------------------------------------------------------------------------------


def sup_error(approx: Approximant, f: Network, *, local: bool = True) -> Fraction:
    """The exact ``sup_x ||approx(x) - f(x)||_inf`` for a Q1 approximant of a PL network ``f``.

    Needs ``verify.bounds.max_abs``. With ``local``, the maximum is taken cell by cell: on a closed grid
    cell only the hats at its ``2^d`` corners are nonzero, so ``g`` equals a small local network there
    (exact, and linear in the number of cells). Assumes ``supp f ⊆ cube`` (checked separately).
    """
    max_abs = find("max_abs")
    if max_abs is None:
        raise InvalidArgument(expected("verify.bounds.max_abs to be available", "max_abs", None))
    if approx.route != "Q1":
        raise InvalidArgument(expected("a Q1 approximant", "approx.route", approx.route))
    cube_lower, h, ks = approx.params["cube"].lower, approx.params["h"], approx.params["grid"]
    if not local:
        return _value(max_abs(approx.network - f, approx.params["cube"]))
    d, D = approx.params["d"], approx.params["D"]
    table, K = approx.params["values"], approx.params.get("support")
    if K is not None:  # f = 0 off K (proved here): a cell missing K with no node of V has zero error
        prove = find("prove_support_in")
        if prove is None or not prove(f, list(K)).proved:
            K = None
    worst = Fraction(0)
    for js in itertools.product(*(range(k) for k in ks)):
        lo = tuple(a + j * h for a, j in zip(cube_lower, js))
        corners = [tuple(t + e * h for t, e in zip(lo, es)) for es in itertools.product((0, 1), repeat=d)]
        keep = [(v, table[v]) for v in corners if v in table]
        if K is not None and not keep and not any(_meets(lo, h, box) for box in K):
            continue
        local_g = _interpolant_network(d, h, [v for v, _ in keep], [val for _, val in keep], D)
        cell = Box(lo, tuple(t + h for t in lo))
        worst = max(worst, _value(max_abs(local_g - f, cell)))
    return worst


def _meets(lo: Point, h: Fraction, box: Box) -> bool:
    """Whether the closed cell ``lo + [0, h]^d`` meets the closed box."""
    return all(a <= t + h and t <= b for t, a, b in zip(lo, box.lower, box.upper))


def _value(result: Any) -> Fraction:
    """The value of ``max_abs`` (which returns ``(value, maximizer)``)."""
    value = result[0] if isinstance(result, tuple) else result
    if not isinstance(value, Fraction):
        raise InvalidArgument(expected("a finite exact maximum", "max_abs", value))
    return value
