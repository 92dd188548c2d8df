"""Rigorous nonvanishing witnesses: a rational point where a ball enclosure of an output excludes 0.

The search never decides anything in floating point. Candidate points (the
centre of the box, simple rationals, then a deterministic Halton sequence that
fills every sub-box of a dyadic subdivision) are ordered by a float screen,
and each candidate is then evaluated in python-flint ball arithmetic at
64, 128, 256, ... bits. A candidate is a witness only when the arb ball of an
output certainly excludes 0 (``ball > 0`` or ``ball < 0``, both of which are
True only when certain).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.box import Box
from verify.errors import InvalidArgument, expected
from verify.verdict import Claim, Status, Verdict, Witness

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["nonvanishing_witness", "search_witness", "precisions", "candidate_points", "iter_candidates", "excludes_zero"]

_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71)


def precisions(max_prec: int, *, start: int = 64) -> list[int]:
    """The precision schedule ``start, 2*start, ...`` capped by (and ending at) ``max_prec``.

    >>> precisions(300)
    [64, 128, 256, 300]
    """
    out, p = [], start
    while p < max_prec:
        out.append(p)
        p *= 2
    out.append(max_prec)
    return out


def excludes_zero(ball: Any) -> bool:
    """True only when the arb ball certainly excludes 0 (undecided comparisons are False).

    >>> from flint import arb
    >>> excludes_zero(arb("1e-40")), excludes_zero(arb("[0 +/- 1e-50]"))
    (True, False)
    """
    return bool(ball > 0) or bool(ball < 0)


def _simplest_between(a: Fraction, b: Fraction) -> Fraction:
    """The rational with the smallest denominator strictly inside ``(a, b)``, ``a < b`` (continued fractions)."""
    n = math.floor(a)
    if n + 1 < b:  # an integer lies strictly inside: take the one nearest 0
        if a < 0 < b:
            return Fraction(0)
        return Fraction(n + 1) if a >= 0 else Fraction(math.ceil(b) - 1)
    # (a, b) lies in [n, n + 1]: x = n + 1/y with y in (1/(b - n), 1/(a - n))
    low = 1 / (b - n)
    if a == n:
        return n + 1 / Fraction(math.floor(low) + 1)
    return n + 1 / _simplest_between(low, 1 / (a - n))


def _radical_inverse_int(k: int, base: int) -> tuple[int, int]:
    """The radical inverse of ``k`` in ``base`` as ``(numerator, base**digits)`` (integers only: fast)."""
    num, den = 0, 1
    while k:
        k, digit = divmod(k, base)
        num, den = num * base + digit, den * base
    return num, den


def iter_candidates(box: Box) -> Iterator[tuple[Fraction, ...]]:
    """Distinct rational points strictly inside the open ``box``: centre, simplest point, then Halton points.

    The Halton sequence (bases 2, 3, 5, ...) is low-discrepancy: every dyadic sub-box of the
    subdivision tree receives points, so the search also covers sub-boxes without listing them.

    >>> it = iter_candidates(Box([10**6], [10**6 + Fraction(1, 10**6)]))
    >>> [str(next(it)[0] - 10**6) for _ in range(3)]
    ['1/2000000', '1/1000001', '1/4000000']
    """
    lo, hi = box.lower, box.upper
    seen: set[tuple[Fraction, ...]] = set()
    first = [box.center, tuple(_simplest_between(a, b) for a, b in zip(lo, hi))]
    k = 0
    while True:
        if first:
            p = first.pop(0)
        else:
            k += 1
            coords = []
            for i, (a, b) in enumerate(zip(lo, hi)):
                num, den = _radical_inverse_int(k, _PRIMES[i % len(_PRIMES)])
                coords.append(a + (b - a) * Fraction(num, den))
            p = tuple(coords)
        if p not in seen and all(a < t < b for a, t, b in zip(lo, p, hi)):
            seen.add(p)
            yield p


def candidate_points(box: Box, count: int) -> list[tuple[Fraction, ...]]:
    """The first ``count`` points of :func:`iter_candidates`.

    >>> candidate_points(Box([0, 0], [1, 1]), 3)
    [(Fraction(1, 2), Fraction(1, 2)), (Fraction(1, 2), Fraction(1, 3)), (Fraction(1, 4), Fraction(2, 3))]
    """
    return list(itertools.islice(iter_candidates(box), count))


def _screen(net: Network, points: list[tuple[Fraction, ...]]) -> list[tuple[Fraction, ...]]:
    """Move points whose float outputs are all 0 (or NaN) to the back (a heuristic; never a decision)."""
    try:
        import numpy as np

        values = np.asarray(net.eval_float([[float(c) for c in p] for p in points]), dtype=float)
        score = np.nan_to_num(np.abs(values).max(axis=1), nan=0.0, posinf=0.0)
    except Exception:  # screening is optional: fall back to the given order
        return points
    order = sorted(range(len(points)), key=lambda i: float(score[i]) == 0.0)
    return [points[i] for i in order]


def _plan(budget: int, levels: int) -> list[int]:
    """Evaluations per precision level: 16 at the first, 8 at each middle one, the rest at the top.

    >>> _plan(256, 4)
    [16, 8, 8, 224]
    """
    plan = [min(16, budget)] + [8] * (levels - 1)
    used, out = 0, []
    for n in plan[:-1]:
        out.append(min(n, budget - used))
        used += out[-1]
    return [*out, budget - used] if levels > 1 else [budget]


def search_witness(
    net: Network, box: Box, *, max_prec: int = 4096, budget: int = 256, output: int | None = None,
    accept: Callable[[tuple[Fraction, ...]], bool] | None = None,
) -> tuple[Witness | None, dict[str, Any]]:
    """Search the open ``box`` for a rigorous witness; return it (or None) and a record of what was tried.

    Each precision level re-tries the first candidates (a ball containing 0 may only need more
    bits) and the top level spends the remaining budget on fresh points as well. Only points
    with ``accept(point)`` true are candidates (e.g. points outside a set ``K``).

    >>> from verify import Network
    >>> f = Network.mlp([[[1]], [[1]]], [[0], [0]], "tanh")
    >>> w, _ = search_witness(f, Box([1], [2]))
    >>> w.point, w.prec
    ((Fraction(3, 2),), 64)
    """
    from verify.semantics import ball

    outs = range(net.output_dim) if output is None else [output]
    stream: Iterator[tuple[Fraction, ...]] = iter_candidates(box)
    if accept is not None:
        stream = (p for p in itertools.islice(stream, 64 * budget) if accept(p))
    points = _screen(net, list(itertools.islice(stream, min(budget, 32))))
    tried: dict[str, Any] = {"evaluations": 0, "precisions": [], "points": 0}
    schedule = precisions(max_prec)
    for prec, count in zip(schedule, _plan(budget, len(schedule))):
        tried["precisions"].append(prec)
        while len(points) < count:
            nxt = next(stream, None)
            if nxt is None:
                break
            points.append(nxt)
        for p in points[:count]:
            tried["evaluations"] += 1
            balls = ball.evaluate(net, p, prec=prec)
            for i in outs:
                if excludes_zero(balls[i]):
                    tried["points"] = max(tried["points"], min(count, len(points)))
                    digits = max(20, prec * 30103 // 100000 + 5)
                    enclosure = tuple(b.str(digits, radius=True, more=True) for b in balls)
                    return Witness(point=p, enclosure=enclosure, prec=prec, output=i), tried
        tried["points"] = max(tried["points"], min(count, len(points)))
    return None, tried


def _check_args(net: Any, box: Any, max_prec: Any, budget: Any, output: Any) -> None:
    from verify.network import Network

    if not isinstance(net, Network):
        raise InvalidArgument(expected("a Network", "net", net))
    if not isinstance(box, Box):
        raise InvalidArgument(expected("a Box", "box", box))
    if box.dim != net.input_dim:
        raise InvalidArgument(expected(f"a box of dimension {net.input_dim}", "box.dim", box.dim))
    if not box.is_full_dimensional:
        raise InvalidArgument(expected("a box with a non-empty interior", "box", str(box)))
    for name, v, least in (("max_prec", max_prec, 64), ("budget", budget, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < least:
            raise InvalidArgument(expected(f"an int >= {least}", name, v))
    if output is not None and (isinstance(output, bool) or not isinstance(output, int) or not 0 <= output < net.output_dim):
        raise InvalidArgument(expected(f"None or an output index in [0, {net.output_dim})", "output", output))


def nonvanishing_witness(
    net: Network, box: Box, *, max_prec: int = 4096, budget: int = 256, output: int | None = None
) -> Verdict:
    """Prove that ``net`` (output ``output``, or some output) is nonzero at a rational point of the open ``box``.

    PROVED: ``witness.point`` lies strictly inside ``box`` and the python-flint ball of
    output ``witness.output``, computed at ``witness.prec`` bits, excludes 0 (the
    enclosures are in ``witness.enclosure``). REFUTED: the network is proved
    identically zero (``is_identically_zero``), so no witness exists. UNKNOWN: the
    budget of ball evaluations (or ``max_prec``) ran out; the reason says what was tried.

    >>> from verify import Network, Box
    >>> f = Network.mlp([[[1]], [[1]]], [[0], ["-1/2"]], "sigmoid")   # sigmoid(x) - 1/2
    >>> v = nonvanishing_witness(f, Box([1], [2]))
    >>> v.status.value, v.witness.point
    ('proved', (Fraction(3, 2),))
    """
    _check_args(net, box, max_prec, budget, output)
    start = time.perf_counter()
    which = "some output" if output is None else f"output {output}"
    claim = Claim(
        "nonvanishing",
        f"{which} of the network is nonzero somewhere in the open box {box}",
        {"network": net.to_dict(), "box": box.to_json(), "output": output},
    )
    witness, tried = search_witness(net, box, max_prec=max_prec, budget=budget, output=output)
    if witness is not None:
        return Verdict(
            Status.PROVED, claim, witness=witness, evidence={"search": tried}, method="ball search",
            seconds=time.perf_counter() - start,
        )
    from verify.zero import is_identically_zero

    target = net if output is None else net.restrict_output(output)
    zero = is_identically_zero(target)
    seconds = time.perf_counter() - start
    if zero.proved:
        return Verdict(
            Status.REFUTED, claim, evidence={"search": tried, "zero": zero.to_dict()}, method="identically zero",
            reason="the network is identically zero", seconds=seconds,
        )
    reason = (
        f"no ball excluded 0 in {tried['evaluations']} evaluations at precisions up to {max_prec} bits"
        f" (identically zero: {zero.status.value})"
    )
    return Verdict(Status.UNKNOWN, claim, evidence={"search": tried}, method="ball search", reason=reason, seconds=seconds)
