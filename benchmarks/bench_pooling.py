"""Timings of exact support reasoning for Q2 networks ``F = g ⊙ psi`` (verify.pooling).

g: a pure-ReLU net d -> w -> w -> 1 with seeded random small-integer weights (no support control);
psi: the cutoff of a delta-cover of K = [0, 1]^d with n^d centres (delta = 1 / (2 n)).
Columns (seconds, each capped at --cap, a '>' entry): prove "F == 0 off K^{2 delta}" (factor route first),
re-check of its certificate by verify.checker, ok (both claims PROVED and checked), prove "F == 0 off the union
of the boxes B(x_n, 2 delta)", exact support(F) and its measure; with --old also the region-tree proofs
(factors=False) and the support as computed before (lazy tree over R^d with LPs; same measure asserted).
Run: ``python benchmarks/bench_pooling.py [--quick] [--old] [--cap S]``.
"""

from __future__ import annotations

import argparse
import functools
import random
import signal
import time
from fractions import Fraction
from typing import Any

from verify import Box, Network
from verify.checker import check
from verify.construct import support_cut
from verify.pooling import prove_support_in, support


class _Timeout(Exception):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise _Timeout


def relu_net(d: int, width: int, seed: int) -> Network:
    """A d -> width -> width -> 1 ReLU net with small integer weights (reproducible)."""
    rng = random.Random(seed)
    w1 = [[rng.randint(-3, 3) for _ in range(d)] for _ in range(width)]
    w2 = [[rng.randint(-2, 2) for _ in range(width)] for _ in range(width)]
    w3 = [[rng.randint(-2, 2) for _ in range(width)]]
    b = [[rng.randint(-3, 3) for _ in range(width)], [rng.randint(-3, 3) for _ in range(width)], [1]]
    return Network.mlp([w1, w2, w3], b)


def timed(fn: Any, cap: float) -> tuple[float | None, Any]:
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, cap)
    t0 = time.perf_counter()
    try:
        out = fn()
    except _Timeout:
        return None, None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return time.perf_counter() - t0, out


def old_support(F: Network) -> Fraction:
    """The measure as support() computed it before the factor box and polygon clipping (lazy tree over R^d, LPs)."""
    from verify.pooling import region_polynomials

    live = [r for r in region_polynomials(F, lazy=True) if not r.zero]
    return sum((r.polyhedron.volume() for r in live), Fraction(0))


def _fmt(t: float | None, cap: float) -> str:
    return f">{cap:.0f}" if t is None else f"{t:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cap", type=float, default=120.0)
    ap.add_argument("--old", action="store_true", help="also time the region-tree proof and the old support()")
    args = ap.parse_args()
    per_axis = {1: (1, 4, 9, 16), 2: (1, 2, 3, 4)}
    widths = (8,) if args.quick else (8, 16)
    print(f"{'d':>2} {'w':>3} {'ctr':>3} | {'prove':>6} {'check':>6} {'ok':>4} | {'boxes':>6} | "
          f"{'support':>7} {'measure':>8} | {'tree':>6} {'boxes':>6} {'old sup':>7}")
    for d in (1, 2):
        for width in widths:
            g = relu_net(d, width, seed=10 * d + width)
            for n in per_axis[d][: 3 if args.quick else 4]:
                delta = Fraction(1, 2 * n)
                A = support_cut(g, Box.cube(d, 0, 1), delta, eta=0)
                F = A.network
                K = Box.cube(d, -2 * delta, 1 + 2 * delta)
                union = list(A.support)  # the union of the boxes B(x_n, 2 delta)
                t, v = timed(functools.partial(prove_support_in, F, K), args.cap)
                tc, ok = timed(functools.partial(check, v.to_json()), args.cap) if v is not None else (None, None)
                tu, vu = timed(functools.partial(prove_support_in, F, union), args.cap)
                ts, s = timed(functools.partial(support, F), args.cap)
                row = (f"{d:>2} {width:>3} {n ** d:>3} | {_fmt(t, args.cap):>6} {_fmt(tc, args.cap):>6} "
                       f"{str(bool(ok and v.proved and vu is not None and vu.proved))[:4]:>4} | {_fmt(tu, args.cap):>6} | "
                       f"{_fmt(ts, args.cap):>7} {'' if s is None else str(s.measure):>8} |")
                if args.old:
                    t0, _ = timed(functools.partial(prove_support_in, F, K, factors=False), args.cap)
                    t1, _ = timed(functools.partial(prove_support_in, F, union, factors=False), args.cap)
                    t2, m = timed(functools.partial(old_support, F), args.cap)
                    assert m is None or s is None or m == s.measure
                    row += f" {_fmt(t0, args.cap):>6} {_fmt(t1, args.cap):>6} {_fmt(t2, args.cap):>7}"
                print(row, flush=True)


if __name__ == "__main__":
    main()
