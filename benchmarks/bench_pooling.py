"""Timings of exact support reasoning for Q2 networks ``F = g ⊙ psi`` (verify.pooling).

g: a pure-ReLU net d -> w -> w -> 1 with seeded random small-integer weights (no support control);
psi: the cutoff of a delta-cover of K = [0, 1]^d with n^d centres (delta = 1 / (2 n)).
Columns: prove "F == 0 off K^{2 delta}" (PROVED, re-checked by verify.checker), exact support(F) (its measure),
each capped at --cap seconds (a '>' entry). Run: ``python benchmarks/bench_pooling.py [--quick] [--cap S]``.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cap", type=float, default=120.0)
    ap.add_argument("--no-support", action="store_true")
    ap.add_argument("--tree", action="store_true", help="prove with the full region tree (no factor route)")
    args = ap.parse_args()
    per_axis = {1: (1, 4, 9, 16), 2: (1, 2, 3, 4)}
    widths = (8,) if args.quick else (8, 16)
    print(f"{'d':>2} {'w':>3} {'centres':>7} {'prove s':>9} {'status':>7} {'check':>6} {'support s':>10} {'measure':>10}")
    for d in (1, 2):
        for width in widths:
            g = relu_net(d, width, seed=10 * d + width)
            for n in per_axis[d][: 3 if args.quick else 4]:
                delta = Fraction(1, 2 * n)
                F = support_cut(g, Box.cube(d, 0, 1), delta, eta=0).network
                K = Box.cube(d, -2 * delta, 1 + 2 * delta)
                t, v = timed(functools.partial(prove_support_in, F, K, factors=not args.tree), args.cap)
                ok = "" if v is None else str(check(v.to_json()))
                ts = "-"
                m = ""
                if not args.no_support:
                    t2, s = timed(functools.partial(support, F), args.cap)
                    ts = f">{args.cap:.0f}" if t2 is None else f"{t2:.2f}"
                    m = "" if s is None else f"{float(s.measure):.4f}"
                tp = f">{args.cap:.0f}" if t is None else f"{t:.2f}"
                st = "" if v is None else v.status.value
                print(f"{d:>2} {width:>3} {n ** d:>7} {tp:>9} {st:>7} {ok:>6} {ts:>10} {m:>10}", flush=True)


if __name__ == "__main__":
    main()
