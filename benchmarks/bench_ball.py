"""Rigorous ball evaluation vs float64: random 2->32->32->1 tanh / sigmoid / GELU nets at 1000 rational points.

Run: ``python benchmarks/bench_ball.py [--points N] [--prec P]``. Prints microseconds per point for

* ``ball batch``  : ``verify.semantics.ball.evaluate_many`` (arb_mat layer products, one call),
* ``ball loop``   : ``net.eval_ball(x)`` called once per point,
* ``float batch`` : ``net.eval_float(X)`` on the whole (n, 2) array,
* ``float loop``  : ``net.eval_float(x)`` called once per point,

and the ratios ball batch / float loop and ball batch / float batch. Also checks that every float
value lies within 1e-9 of its ball (a sanity check, not a proof).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from verify.network import Network
from verify.semantics import ball


def random_net(activation: str, rng: random.Random) -> Network:
    def q() -> Fraction:
        return Fraction(rng.randint(-16, 16), rng.choice([4, 8, 16, 3, 5]))

    def mat(o: int, i: int) -> list[list[Fraction]]:
        return [[q() / 4 for _ in range(i)] for _ in range(o)]

    return Network.mlp([mat(32, 2), mat(32, 32), mat(1, 32)], [[q() for _ in range(32)], [q() for _ in range(32)], [q()]],
                       activation=activation)


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def bench_one(net: Network, pts: list[list[Fraction]], X: np.ndarray, prec: int) -> tuple[list[float], int]:
    """Seconds for (ball batch, ball loop, float batch, float loop), and how many float values miss their ball."""
    ball.evaluate_many(net, pts[:2], prec=prec)  # warm the weight cache once, as a witness search would
    tb, balls = timed(lambda: ball.evaluate_many(net, pts, prec=prec))
    tl, _ = timed(lambda: [net.eval_ball(p, prec=prec) for p in pts], repeat=1)
    tf, F = timed(lambda: net.eval_float(X), repeat=5)
    tfl, _ = timed(lambda: [net.eval_float(x) for x in X], repeat=1)
    bad = sum(1 for (y,), f in zip(balls, F[:, 0]) if abs(float(y.mid()) - f) > 1e-9 * (1 + abs(f)))
    return [tb, tl, tf, tfl], bad


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--prec", type=int, default=128)
    args = ap.parse_args()
    rng = random.Random(2204_11231)
    pts = [[Fraction(rng.randint(-300, 300), 100), Fraction(rng.randint(-300, 300), 97)] for _ in range(args.points)]
    X = np.array([[float(v) for v in p] for p in pts])
    n = len(pts)
    print(f"2->32->32->1 networks, {n} rational points, prec={args.prec} bits; microseconds per point (best of 3)")
    cols = ["activation", "ball batch", "ball loop", "float batch", "float loop", "batch/f.loop", "batch/f.batch"]
    head = f"{cols[0]:<10} {cols[1]:>11} {cols[2]:>10} {cols[3]:>12} {cols[4]:>11} {cols[5]:>13} {cols[6]:>14}"
    print(head)
    print("-" * len(head))
    for act in ("tanh", "sigmoid", "gelu"):
        (tb, tl, tf, tfl), bad = bench_one(random_net(act, rng), pts, X, args.prec)
        us = [1e6 * t / n for t in (tb, tl, tf, tfl)]
        note = "" if not bad else f"   ({bad} float values off their ball!)"
        print(f"{act:<10} {us[0]:>11.1f} {us[1]:>10.1f} {us[2]:>12.2f} {us[3]:>11.1f} {tb / tfl:>13.2f} {tb / tf:>14.0f}{note}")


if __name__ == "__main__":
    main()
