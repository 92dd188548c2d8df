"""Exact pure-ReLU building blocks: hats, bumps, plateaus, max/min trees, the Freudenthal hat.

Every constructor returns a :class:`~verify.network.Network` whose activations are all
``relu``; the size of each is a closed formula (:func:`size_of` and the ``*_size``
functions below), which the tests compare with the built network.

Identities used (MATH.md §6), all exact over Q:

* ``max(a, b) = b + relu(a - b)``, ``min(a, b) = a - relu(a - b)``;
* ``t = relu(t) - relu(-t)`` (pass-through of a signed value: 2 units), and
  ``t = relu(t)`` when ``t >= 0`` (pass-through of a nonnegative value: 1 unit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verify.box import Box
from verify.construct._program import ONE, ZERO, Program, affine, parallel, then, to_network
from verify.errors import InvalidArgument, expected
from verify.layers import Act, Affine
from verify.network import Network
from verify.numbers import to_rational

__all__ = [
    "Size",
    "size_of",
    "hat",
    "bump",
    "plateau",
    "max_of",
    "min_of",
    "freudenthal_hat",
    "cube_union",
    "max_of_plateaus",
    "tree_size",
    "bump_size",
    "plateau_size",
    "freudenthal_size",
    "max_of_plateaus_size",
]


# -- sizes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Size:
    """Architecture of a network: ``hidden`` widths (one per ReLU layer), ``outputs``, ``pools``.

    ``readout`` is the width of the last affine layer when it differs from ``outputs``
    (``2 D`` before a final pooling layer).
    """

    hidden: tuple[int, ...]
    outputs: int
    pools: int = 0
    readout: int | None = None

    def __repr__(self) -> str:
        extra = f", readout={self.readout}" if self.readout is not None else ""
        return f"Size(hidden={self.hidden}, outputs={self.outputs}, pools={self.pools}{extra})"

    @property
    def depth(self) -> int:
        """Affine layers: one per hidden layer plus the read-out (pooling adds none)."""
        return len(self.hidden) + 1

    @property
    def width(self) -> int:
        return max((*self.hidden, self.outputs, self.readout or 0))

    @property
    def num_neurons(self) -> int:
        return sum(self.hidden)


def size_of(net: Network) -> Size:
    """The :class:`Size` of a built network (ReLU layers only; pooling layers counted).

    >>> size_of(hat(0, 1))
    Size(hidden=(3,), outputs=1, pools=0)
    """
    ins = (net.input_dim, *net.widths)
    hidden = tuple(ins[i] for i, layer in enumerate(net.layers) if isinstance(layer, Act))
    last = next((layer.out_dim for layer in reversed(net.layers) if isinstance(layer, Affine)), net.output_dim)
    return Size(hidden, net.output_dim, net.num_pool, None if last == net.output_dim else last)


def _levels(n: int) -> list[int]:
    """Number of entries at each level of a balanced binary tree on ``n`` leaves (while more than one)."""
    out = []
    while n > 1:
        out.append(n)
        n = (n + 1) // 2
    return out


def tree_size(n: int, *, nonnegative: bool = False) -> Size:
    """Size of :func:`max_of` / :func:`min_of`: ``ceil(log2 n)`` hidden layers.

    A level with ``k`` entries uses ``3 floor(k/2) + 2 (k mod 2)`` units (signed entries)
    or exactly ``k`` units (nonnegative entries).

    >>> tree_size(5), tree_size(5, nonnegative=True)
    (Size(hidden=(8, 5, 3), outputs=1, pools=0), Size(hidden=(5, 3, 2), outputs=1, pools=0))
    """
    per = (lambda k: k) if nonnegative else (lambda k: 3 * (k // 2) + 2 * (k % 2))
    return Size(tuple(per(k) for k in _levels(n)), 1)


def bump_size(d: int) -> Size:
    """Size of :func:`bump`: ``3d`` hat units, then a nonnegative min tree (``2 + ceil(log2 d)`` affine layers)."""
    return Size((3 * d, *tree_size(d, nonnegative=True).hidden), 1)


def plateau_size(d: int) -> Size:
    """Size of :func:`plateau`: ``4d`` trapezoid units, then a nonnegative min tree."""
    return Size((4 * d, *tree_size(d, nonnegative=True).hidden), 1)


def freudenthal_size(d: int) -> Size:
    """Size of :func:`freudenthal_hat`: ``2d`` units ``relu(±y_i)``, two nonnegative max trees, one output unit.

    Depth ``ceil(log2 d) + 3`` affine layers, width ``2d``.

    >>> freudenthal_size(3)
    Size(hidden=(6, 6, 4, 1), outputs=1, pools=0)
    """
    tree = tree_size(d, nonnegative=True).hidden
    return Size((2 * d, *(2 * k for k in tree), 1), 1)


def max_of_plateaus_size(d: int, n: int) -> Size:
    """Size of ``max_n plateau(B_n, margin)`` over ``n`` boxes in R^d (:func:`cube_union`, the cover indicator)."""
    one = plateau_size(d).hidden
    return Size((*(n * w for w in one), *tree_size(n, nonnegative=True).hidden), 1)


# -- trees ---------------------------------------------------------------------------


def _unit(k: int, i: int, sign: int = 1) -> tuple[Fraction, ...]:
    return tuple(Fraction(sign) if j == i else ZERO for j in range(k))


def _level(k: int, op: str, nonnegative: bool) -> Program:
    """One tree level on ``k`` entries: ``[A_in, A_out]`` with ``ceil(k/2)`` outputs."""
    rows: list[tuple[Fraction, ...]] = []
    outs: list[list[tuple[int, int]]] = []  # per output: (unit index, sign)

    def unit(row: tuple[Fraction, ...]) -> int:
        rows.append(row)
        return len(rows) - 1

    def keep(i: int) -> list[tuple[int, int]]:
        if nonnegative:
            return [(unit(_unit(k, i)), 1)]
        return [(unit(_unit(k, i)), 1), (unit(_unit(k, i, -1)), -1)]

    for p in range(0, k - 1, 2):
        diff = tuple(x - y for x, y in zip(_unit(k, p), _unit(k, p + 1)))
        if op == "max":  # max(a, b) = b + relu(a - b)
            outs.append([(unit(diff), 1), *keep(p + 1)])
        else:  # min(a, b) = a - relu(a - b)
            outs.append([*keep(p), (unit(diff), -1)])
    if k % 2:
        outs.append(keep(k - 1))
    w = len(rows)
    a_out = [tuple(Fraction(next((s for u, s in o if u == j), 0)) for j in range(w)) for o in outs]
    return [affine(rows, [ZERO] * w), affine(a_out, [ZERO] * len(outs))]


def _tree(n: int, op: str, nonnegative: bool) -> Program:
    prog: Program = [Affine.identity(n)]
    for k in _levels(n):
        prog = then(prog, _level(k, op, nonnegative))
    return prog


def _check_count(n: Any, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidArgument(expected("a positive int", name, n))
    return n


def max_of(n: int, *, nonnegative: bool = False) -> Network:
    """``x -> max(x_1, ..., x_n)`` as a balanced tree: ``ceil(log2 n)`` hidden ReLU layers.

    Pairs use ``max(a, b) = b + relu(a - b)``; the unpaired entry and ``b`` pass through
    as ``relu(t) - relu(-t)``, or as ``relu(t)`` when ``nonnegative`` (then the result is only
    claimed for inputs ``>= 0``). Size: :func:`tree_size`.

    >>> m = max_of(3)
    >>> m.eval_exact([-1, 5, 2]), m.depth
    ((Fraction(5, 1),), 3)
    """
    return to_network(_tree(_check_count(n, "n"), "max", nonnegative))


def min_of(n: int, *, nonnegative: bool = False) -> Network:
    """``x -> min(x_1, ..., x_n)`` as a balanced tree (``min(a, b) = a - relu(a - b)``); see :func:`max_of`.

    >>> min_of(4).eval_exact([3, -2, 7, 0])
    (Fraction(-2, 1),)
    """
    return to_network(_tree(_check_count(n, "n"), "min", nonnegative))


# -- one-dimensional pieces ------------------------------------------------------------


def _coord_rows(d: int, i: int, scale: Fraction, shifts: Sequence[Fraction]) -> tuple[list[tuple[Fraction, ...]], list[Fraction]]:
    """Rows ``scale * x_i + s`` for each shift ``s``."""
    row = tuple(scale if j == i else ZERO for j in range(d))
    return [row] * len(shifts), list(shifts)


def _hat_program(d: int, i: int, a: Fraction, b: Fraction) -> Program:
    """``relu(s+1) - 2 relu(s) + relu(s-1)`` with ``s = (x_i - c)/r``: the hat on ``[a, b]`` in coordinate ``i``."""
    c, r = (a + b) / 2, (b - a) / 2
    rows, bias = _coord_rows(d, i, 1 / r, [1 - c / r, -c / r, -1 - c / r])
    return [affine(rows, bias), affine([[ONE, Fraction(-2), ONE]], [ZERO])]


def _trapezoid_program(d: int, i: int, a: Fraction, b: Fraction, m: Fraction) -> Program:
    """1 on ``[a, b]``, 0 off ``(a - m, b + m)``, linear between, in coordinate ``i`` (4 units)."""
    rows, bias = _coord_rows(d, i, 1 / m, [(m - a) / m, -a / m, -b / m, (-b - m) / m])
    return [affine(rows, bias), affine([[ONE, -ONE, -ONE, ONE]], [ZERO])]


def _rational_pair(a: Any, b: Any) -> tuple[Fraction, Fraction]:
    qa, qb = to_rational(a, "a"), to_rational(b, "b")
    if not qa < qb:
        raise InvalidArgument(expected("a < b", "(a, b)", (str(qa), str(qb))))
    return qa, qb


def hat(a: Any, b: Any) -> Network:
    """The 1-D hat on ``[a, b]``: 0 off ``(a, b)``, 1 at the midpoint, linear in between.

    One hidden layer of 3 units; support exactly ``[a, b]``.

    >>> f = hat(2, 4)
    >>> [f.eval_exact([t])[0] for t in (2, 3, "7/2", 4, 5)]
    [Fraction(0, 1), Fraction(1, 1), Fraction(1, 2), Fraction(0, 1), Fraction(0, 1)]
    """
    qa, qb = _rational_pair(a, b)
    return to_network(_hat_program(1, 0, qa, qb))


def _as_box(box: Any, name: str = "box") -> Box:
    if not isinstance(box, Box):
        raise InvalidArgument(expected("a verify.Box", name, box))
    return box


def _product_program(pieces: list[Program]) -> Program:
    """``min`` over the (nonnegative) per-coordinate pieces, via a nonnegative min tree."""
    return then(parallel(pieces), _tree(len(pieces), "min", True))


def bump(box: Box) -> Network:
    """The pyramid ``min_i hat_i(x_i)`` on a full-dimensional box: positive exactly on the open box.

    So its support is the box and its measure the box's volume; the value is 1 at the centre
    and lies in ``[0, 1]``. Size: :func:`bump_size` (``2 + ceil(log2 d)`` affine layers).

    >>> f = bump(Box([0, 0], [2, 4]))
    >>> f.eval_exact([1, 2]), f.eval_exact(["1/2", 2]), f.eval_exact([1, 4])
    ((Fraction(1, 1),), (Fraction(1, 2),), (Fraction(0, 1),))
    """
    box = _as_box(box)
    if not box.is_full_dimensional:
        raise InvalidArgument(expected("a full-dimensional box", "box", str(box)))
    d = box.dim
    return to_network(_product_program([_hat_program(d, i, box.lower[i], box.upper[i]) for i in range(d)]))


def _plateau_program(box: Box, m: Fraction) -> Program:
    d = box.dim
    return _product_program([_trapezoid_program(d, i, box.lower[i], box.upper[i], m) for i in range(d)])


def _positive(x: Any, name: str) -> Fraction:
    q = to_rational(x, name)
    if q <= 0:
        raise InvalidArgument(expected("a positive rational", name, str(q)))
    return q


def plateau(box: Box, margin: Any) -> Network:
    """1 on ``box``, 0 outside its open ``margin``-neighbourhood (max norm), values in ``[0, 1]``.

    ``min_i T_i(x_i)`` with trapezoids ``T_i``; positive exactly on the interior of
    ``box.expanded(margin)``, so that is its support. Degenerate boxes (points) are allowed.

    >>> f = plateau(Box([0], [1]), "1/2")
    >>> [f.eval_exact([t])[0] for t in ("-1/2", "-1/4", 0, 1, "5/4", 2)]
    [Fraction(0, 1), Fraction(1, 2), Fraction(1, 1), Fraction(1, 1), Fraction(1, 2), Fraction(0, 1)]
    """
    return to_network(_plateau_program(_as_box(box), _positive(margin, "margin")))


def _max_of_plateaus_program(boxes: Sequence[Box], m: Fraction) -> Program:
    return then(parallel([_plateau_program(b, m) for b in boxes]), _tree(len(boxes), "max", True))


def max_of_plateaus(boxes: Sequence[Box], margin: Any) -> Network:
    """``max_n plateau(boxes[n], margin)``: 1 on the union, 0 off the open ``margin``-neighbourhood of it.

    >>> f = max_of_plateaus([Box([0], [0]), Box([3], [3])], 1)
    >>> [f.eval_exact([t])[0] for t in (0, "1/2", "3/2", 3)]
    [Fraction(1, 1), Fraction(1, 2), Fraction(0, 1), Fraction(1, 1)]
    """
    boxes = [_as_box(b, "boxes[i]") for b in boxes]
    if not boxes or len({b.dim for b in boxes}) != 1:
        raise InvalidArgument(expected("a non-empty list of boxes of one dimension", "boxes", boxes))
    return to_network(_max_of_plateaus_program(boxes, _positive(margin, "margin")))


def cube_union(cells: Iterable[Sequence[int]], h: Any) -> Network:
    """1 on the union of the grid cubes ``h (z + [0,1]^d)``, ``z`` in ``cells``; 0 outside its ``h``-neighbourhood.

    Values in ``[0, 1]``; the support is exactly the closed ``h``-neighbourhood (max norm).

    >>> f = cube_union([(0, 0), (1, 0)], "1/2")
    >>> f.eval_exact(["3/4", "1/4"]), f.eval_exact(["3/4", "3/4"]), f.eval_exact([2, 2])
    ((Fraction(1, 1),), (Fraction(1, 2),), (Fraction(0, 1),))
    """
    q = _positive(h, "h")
    zs = [tuple(z) for z in cells]
    if not zs or any(not all(isinstance(c, int) and not isinstance(c, bool) for c in z) for z in zs):
        raise InvalidArgument(expected("a non-empty list of integer tuples", "cells", zs))
    boxes = [Box(tuple(q * c for c in z), tuple(q * (c + 1) for c in z)) for z in sorted(set(zs))]
    return max_of_plateaus(boxes, q)


# -- the Freudenthal hat -------------------------------------------------------------------


def freudenthal_program(d: int, pre: Affine | None = None) -> Program:
    """``phi(pre(x))`` *before* its outer ReLU (so a read-out can be appended after one more ReLU).

    ``phi(y) = relu(1 - max_i relu(y_i) - max_i relu(-y_i))``.
    """
    rows = [_unit(d, i) for i in range(d)] + [_unit(d, i, -1) for i in range(d)]
    first = affine(rows, [ZERO] * (2 * d))
    if pre is not None:
        first = pre.then(first)
    trees = parallel([_tree(d, "max", True), _tree(d, "max", True)], shared_input=False)
    prog = then([first, Affine.identity(2 * d)], trees)
    return then(prog, [affine([[-ONE, -ONE]], [ONE])])


def freudenthal_hat(d: int) -> Network:
    """The nodal hat at 0 of the Freudenthal/Kuhn triangulation of Z^d (MATH.md §4.1 Q1).

    ``phi(y) = relu(1 - relu(max_i y_i) - relu(max_i (-y_i)))``; ``phi >= 0``, ``supp phi = [-1,1]^d``,
    and ``sum_{v in Z^d} phi(y - v) = 1`` (a partition of unity). Size: :func:`freudenthal_size`.

    >>> phi = freudenthal_hat(2)
    >>> phi.eval_exact([0, 0]), phi.eval_exact(["1/2", "1/2"]), phi.eval_exact(["1/2", "-1/2"])
    ((Fraction(1, 1),), (Fraction(1, 2),), (Fraction(0, 1),))
    """
    d = _check_count(d, "d")
    return to_network([*freudenthal_program(d), Affine.identity(1)])
