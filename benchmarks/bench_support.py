"""Support proofs on sums of pyramid bumps: the exact region engine vs a plain z3 encoding.

Two kinds of bumps, summed with random centres c on a half-integer grid:
* "diamond": b(x) = relu(1 - sum_i |x_i - c_i|), |t| = relu(t) + relu(-t) (2d + 1 neurons per bump);
  broken variant: one weight -1 on relu(x_1 - c_1) becomes 0, so that the bump leaks along an axis
  (no smaller change of one weight breaks a diamond bump: any negative weight still decays);
* "hat": b(x) = relu(h(x_1) + ... + h(x_d) - (d - 1)) with the 1-D hat
  h(t) = relu(t - c + 1) - 2 relu(t - c) + relu(t - c - 1) (3d + 1 neurons per bump), compact by
  cancellation; broken variant: one -2 becomes -2 + 1/1000, so that f grows along an axis.
K is the bounding box of the bumps' cubes [c - 1, c + 1]^d.

The z3 encoding is the plain one: ReLU as If, exact RealVal from Fractions, no input bounds,
"exists x outside K with f(x) != 0". Each timed run gets a freshly built network, so nothing cached for
one network object (its plan, its file-format text) carries over; median of 5 runs (1 with --quick).
Run: python benchmarks/bench_support.py [--quick]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from fractions import Fraction

import z3

from verify import Box, Network
from verify.checker import check
from verify.layers import Act, Affine
from verify.support import prove_support_in


def bumps(d: int, n: int, seed: int, broken: bool, kind: str = "hat") -> tuple[Network, Box]:
    rng = random.Random(seed)
    centres = [[Fraction(rng.randint(-20, 20), 2) for _ in range(d)] for _ in range(n)]
    offs = (1, 0, -1) if kind == "hat" else (0, 0)
    per = len(offs)
    W1, b1 = [], []
    for c in centres:
        for i in range(d):
            for k, off in enumerate(offs):
                sign = -1 if kind == "diamond" and k == 1 else 1
                W1.append([sign if t == i else 0 for t in range(d)])
                b1.append(sign * (-c[i]) + off)
    W2, b2 = [], []
    for k in range(n):
        row = [Fraction(0)] * (per * d * n)
        for i in range(d):
            base = per * (k * d + i)
            if kind == "hat":
                row[base], row[base + 1], row[base + 2] = Fraction(1), Fraction(-2), Fraction(1)
            else:
                row[base], row[base + 1] = Fraction(-1), Fraction(-1)
        W2.append(row)
        b2.append(Fraction(-(d - 1)) if kind == "hat" else Fraction(1))
    if broken:
        k = n // 2
        if kind == "hat":
            W2[k][per * (k * d) + 1] += Fraction(1, 1000)
        else:
            W2[k][per * (k * d)] += 1  # -1 -> 0: the bump no longer decays as x_1 grows
    net = Network(d, (Affine(W1, b1), Act("relu"), Affine(W2, b2), Act("relu"), Affine([[1] * n], [0])))
    lo = [min(c[i] for c in centres) - 1 for i in range(d)]
    hi = [max(c[i] for c in centres) + 1 for i in range(d)]
    return net, Box(lo, hi)


def z3_plain(net: Network, K: Box) -> str:
    """sat (a point outside K with f != 0) / unsat, with ReLU as If."""
    xs = [z3.Real(f"x{i}") for i in range(net.input_dim)]
    z: list = list(xs)
    for layer in net.layers:
        if isinstance(layer, Affine):
            z = [z3.Sum([z3.RealVal(f"{w.numerator}/{w.denominator}") * v for w, v in zip(row, z) if w] or [z3.RealVal(0)])
                 + z3.RealVal(f"{b.numerator}/{b.denominator}") for row, b in zip(layer.weight, layer.bias)]
        else:
            z = [z3.If(v > 0, v, z3.RealVal(0)) for v in z]
    s = z3.Solver()
    below = [x < z3.RealVal(str(lo)) for x, lo in zip(xs, K.lower)]
    above = [x > z3.RealVal(str(hi)) for x, hi in zip(xs, K.upper)]
    s.add(z3.Or(below + above))
    s.add(z3.Or([v != 0 for v in z]))
    return str(s.check())


def median_time(make, fn, reps: int) -> tuple[float, object]:
    """Median seconds of fn(*make()) over reps runs, each on a freshly built network (no cache carries over)."""
    ts, out = [], None
    for _ in range(reps):
        args = make()
        t = time.perf_counter()
        out = fn(*args)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), out


def main() -> None:
    quick = "--quick" in sys.argv
    reps = 1 if quick else 5
    print(f"{'bump':>7} {'d':>2} {'neurons':>7} {'variant':>8} {'engine s':>9} {'z3 s':>8} {'speedup':>8}"
          "  engine/z3  certificate")
    for kind in ("diamond", "hat"):
        for d in (2, 3):
            for target in (30, 100, 300):
                n = max(1, round(target / ((3 if kind == "hat" else 2) * d + 1)))
                for broken in (False, True):
                    def make(d=d, n=n, target=target, broken=broken, kind=kind):  # type: ignore[no-untyped-def]
                        return bumps(d, n, seed=d * 1000 + target, broken=broken, kind=kind)

                    te, v = median_time(make, prove_support_in, reps)
                    tz, r = median_time(make, z3_plain, reps)
                    net = make()[0]
                    ok = check(v.to_json())
                    print(f"{kind:>7} {d:>2} {net.num_neurons:>7} {'broken' if broken else 'compact':>8} {te:9.3f} {tz:8.3f}"
                          f" {tz / te:8.1f}x  {v.status.value}/{r}  {'checks' if ok else 'FAILS'}", flush=True)


if __name__ == "__main__":
    main()
