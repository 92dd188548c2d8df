"""Global ranges: piecewise-linear units fed by bounded (e.g. analytic) units, fixed on one piece.

A forward pass of exact rational intervals over all of R^d (``None`` is an infinite end):
affine maps exactly; bounded activations by their global ranges (sigmoid in [0, 1], tanh and
sin in [-1, 1], silu >= -3/10 > -0.2785, gelu >= -1/5 > -0.1700, exp, softplus, square >= 0);
piecewise-linear units by their exact image. A piecewise-linear unit whose pre-activation
interval lies inside one linear piece ``t -> s t + c`` computes ``s u + c`` for every input, so
it is replaced by an identity unit on ``s u + c``: an exact rewrite. This handles the
"analytic units feeding piecewise-linear ones" direction, e.g. ``relu(tanh(x) - 2) == 0``.
"""

from __future__ import annotations

from fractions import Fraction

from verify.activations import Activation, LinearPiece
from verify.analytic.reductions import NormalForm
from verify.layers import Act, Pool

__all__ = ["fix_by_ranges", "RANGES"]

Bound = Fraction | None
Interval = tuple[Bound, Bound]
F = Fraction

RANGES: dict[str, Interval] = {
    "sigmoid": (F(0), F(1)), "tanh": (F(-1), F(1)), "sin": (F(-1), F(1)), "exp": (F(0), None),
    "softplus": (F(0), None), "square": (F(0), None), "silu": (F(-3, 10), None), "gelu": (F(-1, 5), None),
}
"""Global ranges of the analytic activations (rational, possibly loose but always valid)."""


def _affine(row: list[Fraction], b: Fraction, iv: list[Interval]) -> Interval:
    lo: Bound = b
    hi: Bound = b
    for w, (l, h) in zip(row, iv):
        if w == 0:
            continue
        low_end, high_end = (l, h) if w > 0 else (h, l)
        lo = None if lo is None or low_end is None else lo + w * low_end
        hi = None if hi is None or high_end is None else hi + w * high_end
    return lo, hi


def _within(piece: LinearPiece, iv: Interval) -> bool:
    lo, hi = iv
    left = piece.lo is None or (lo is not None and piece.lo <= lo)
    right = piece.hi is None or (hi is not None and hi <= piece.hi)
    return left and right


def _pl_image(act: Activation, iv: Interval) -> Interval:
    """The exact image of a (closed, possibly infinite) interval under a continuous PL activation:
    the extremes over the finite ends and the breakpoints inside, or infinite along a sloped end piece."""
    lo, hi = iv
    pieces = act.pieces()
    values: list[Fraction] = []
    bottom_inf = top_inf = False
    for end, piece, direction in ((lo, pieces[0], -1), (hi, pieces[-1], 1)):
        if end is not None:
            values.append(_value(pieces, end))
        elif piece.slope == 0:
            values.append(piece.intercept)
        elif piece.slope * direction > 0:
            top_inf = True
        else:
            bottom_inf = True
    for p in pieces[1:]:
        t = p.lo
        if t is not None and (lo is None or lo < t) and (hi is None or t < hi):
            values.append(p.slope * t + p.intercept)
    if not values:
        return None, None
    return (None if bottom_inf else min(values)), (None if top_inf else max(values))


def _value(pieces: tuple[LinearPiece, ...], t: Fraction) -> Fraction:
    for p in pieces:
        if (p.lo is None or p.lo <= t) and (p.hi is None or t <= p.hi):
            return p.slope * t + p.intercept
    raise AssertionError("pieces cover R")


def _act_range(act: Activation, iv: Interval) -> Interval:
    if act.name == "identity":
        return iv
    if act.piecewise_linear:
        return _pl_image(act, iv)
    if act.name == "swish":
        beta = act.param
        assert beta is not None
        if beta == 0:
            return (None if iv[0] is None else iv[0] / 2, None if iv[1] is None else iv[1] / 2)
        bound = F(3, 10) / abs(beta)  # swish_b(t) = silu(b t)/b and silu >= -3/10
        return (-bound, None) if beta > 0 else (None, bound)
    return RANGES.get(act.name, (None, None))


def _product(a: Interval, b: Interval) -> Interval:
    if None in a or None in b:
        return None, None
    ends = [x * y for x in a for y in b]  # type: ignore[operator]
    return min(ends), max(ends)


def fix_by_ranges(nf: NormalForm) -> list[str]:
    """Replace piecewise-linear units whose global pre-activation range lies in one piece; return notes.

    >>> from verify import Act, Affine, Network
    >>> net = Network(1, (Affine([[1]], [0]), Act("tanh"), Affine([[1]], [-2]), Act("relu"), Affine([[1]], [0])))
    >>> nf = _nf(net)  # relu(tanh(x) - 2)
    >>> fix_by_ranges(nf), str(nf.steps[1][2].functions[0]), nf.steps[1][0], nf.steps[1][1]
    (['layer 2 unit 0: relu fixed on one piece'], 'identity', [[Fraction(0, 1)]], [Fraction(0, 1)])
    """
    iv: list[Interval] = [(None, None)] * nf.input_dim
    notes = []
    for k, (w, b, layer) in enumerate(nf.steps):
        pre = [_affine(row, bi, iv) for row, bi in zip(w, b)]
        if isinstance(layer, Pool):
            half = len(pre) // 2
            iv = [_product(pre[i], pre[i + half]) for i in range(half)]
            continue
        acts = list(layer.expanded(len(w)))
        for i, act in enumerate(acts):
            if not act.piecewise_linear or act.name == "identity":
                continue
            piece = next((p for p in act.pieces() if _within(p, pre[i])), None)
            if piece is not None:
                w[i] = [piece.slope * v for v in w[i]]
                b[i] = piece.slope * b[i] + piece.intercept
                acts[i] = Activation("identity")
                pre[i] = _affine(w[i], b[i], iv)
                notes.append(f"layer {k + 1} unit {i}: {act} fixed on one piece")
        nf.steps[k] = (w, b, Act(tuple(acts)))
        iv = [_act_range(a, p) for a, p in zip(acts, pre)]
    return notes


def _nf(net: object) -> NormalForm:
    from verify.analytic.reductions import normal_form

    return normal_form(net)  # type: ignore[arg-type]
