# ruff: noqa: B023  (closures are timed immediately, inside their loop iteration)
"""z3 encodings and the pooled region engine, measured on the same networks in the same run.

Run: ``python benchmarks/bench_smt.py [--reps R] [--quick]``. Prints median seconds for

1. "f == 0 outside K" on sums of pyramid bumps (d = 2, 3; about 30, 100, 300 neurons), compactly
   supported (unsat / PROVED) and broken (one bias perturbed by 1/1000: sat / REFUTED): z3 with
   ReLU as ``If`` against the case-split encoding;
2. pooled networks ``g * psi`` (g a random d-w-w-1 ReLU net without support control, psi a bump): the
   exact region engine of ``verify.pooling`` against z3's nonlinear arithmetic (both styles);
3. the polynomial kernel of the pooled engine (products through pooling layers): the dict-of-Fraction
   polynomials used in ``verify.pooling`` against sympy ``Poly`` over QQ and python-flint ``fmpq_mpoly``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from verify import Box, Network
from verify.construct import bump
from verify.layers import Affine
from verify.pooling import _poly_mul, prove_support_in
from verify.smt import find_nonzero_outside


def median_time(fn: Callable[[], Any], reps: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def bump_sum(d: int, n: int, rng: random.Random) -> tuple[Network, Box]:
    """A sum of ``n`` pyramid bumps on random boxes inside [-n, n]^d, and the box K = [-n, n]^d."""
    net = None
    for _ in range(n):
        lo = [Fraction(rng.randint(-2 * n, 2 * n - 2), 2) for _ in range(d)]
        b = bump(Box(lo, [a + Fraction(rng.randint(1, 4), 2) for a in lo]))
        net = b if net is None else net + b
    assert net is not None
    return net, Box.cube(d, -n - 2, n + 2)


def perturbed(net: Network) -> Network:
    """The same network with the first bias of the first layer moved by 1/1000 (breaks compact support)."""
    first = net.layers[0]
    assert isinstance(first, Affine)
    bias = list(first.bias)
    bias[0] += Fraction(1, 1000)
    return Network(net.input_dim, (Affine(first.weight, bias), *net.layers[1:]))


def part1(reps: int, sizes: list[tuple[int, int]]) -> None:
    print("1. f == 0 outside K for sums of bumps: z3 If vs case split (median s)")
    print(f"{'d':>2} {'neurons':>8} {'variant':>8} {'If':>9} {'split':>9} {'If/split':>9}")
    rng = random.Random(1)
    for d, n in sizes:
        net, K = bump_sum(d, n, rng)
        for name, f in (("compact", net), ("broken", perturbed(net))):
            t_if, v_if = median_time(lambda: find_nonzero_outside(f, K, relu_style="if"), reps)
            t_sp, v_sp = median_time(lambda: find_nonzero_outside(f, K, relu_style="split"), reps)
            assert v_if.status == v_sp.status, (v_if.status, v_sp.status)
            print(f"{d:>2} {f.num_neurons:>8} {name:>8} {t_if:>9.3f} {t_sp:>9.3f} {t_if / t_sp:>9.2f}  [{v_sp.status.value}]")


def random_relu(d: int, w: int, rng: random.Random) -> Network:
    def q() -> Fraction:
        return Fraction(rng.randint(-8, 8), rng.choice([1, 2, 4]))

    weights = [[[q() for _ in range(d)] for _ in range(w)], [[q() for _ in range(w)] for _ in range(w)],
               [[q() for _ in range(w)]]]
    return Network.mlp(weights, [[q() for _ in range(w)], [q() for _ in range(w)], [q()]])


def part2(reps: int, widths: list[int]) -> None:
    print("\n2. g * psi (pooled): exact region engine vs z3 nonlinear arithmetic (median s)")
    print(f"{'d':>2} {'w(g)':>5} {'variant':>8} {'regions':>9} {'z3 If':>9} {'z3 split':>9}")
    rng = random.Random(2)
    for d in (1, 2):
        for w in widths:
            g = random_relu(d, w, rng)
            f = g * bump(Box.cube(d, -1, 1))
            for name, K in (("compact", Box.cube(d, -1, 1)), ("broken", Box.cube(d, -1, "1/2"))):
                t_re, v_re = median_time(lambda: prove_support_in(f, K), reps)
                t_if, v_if = median_time(lambda: find_nonzero_outside(f, K, relu_style="if", timeout_ms=60_000), reps)
                t_sp, v_sp = median_time(lambda: find_nonzero_outside(f, K, relu_style="split", timeout_ms=60_000), reps)
                for v in (v_if, v_sp):
                    assert v.unknown or v.status == v_re.status
                print(f"{d:>2} {w:>5} {name:>8} {t_re:>9.3f} {t_if:>9.3f} {t_sp:>9.3f}  [{v_re.status.value}]")


def _poly_of(form: tuple[tuple[Fraction, ...], Fraction]) -> dict[tuple[int, ...], Fraction]:
    coeffs, const = form
    d = len(coeffs)
    p = {tuple(int(j == i) for j in range(d)): c for i, c in enumerate(coeffs) if c}
    if const:
        p[(0,) * d] = const
    return p


def part3(reps: int) -> None:
    print("\n3. polynomial kernel: product of 8 random affine forms in d variables (median ms)")
    import sympy
    from flint import fmpq, fmpq_mpoly_ctx

    print(f"{'d':>2} {'dict Fraction':>14} {'sympy Poly QQ':>14} {'flint mpoly':>12}")
    rng = random.Random(3)
    for d in (1, 2, 3, 4):
        forms = [(tuple(Fraction(rng.randint(-9, 9), rng.randint(1, 9)) for _ in range(d)), Fraction(rng.randint(-9, 9), 7))
                 for _ in range(8)]

        def with_dict() -> Any:
            p = _poly_of(forms[0])
            for f in forms[1:]:
                p = _poly_mul(p, _poly_of(f))
            return p

        xs = sympy.symbols(f"x0:{d}")

        def with_sympy() -> Any:
            p = sympy.Poly(1, *xs, domain="QQ")
            for c, k in forms:
                p = p * sympy.Poly(sum((sympy.Rational(v.numerator, v.denominator) * x for v, x in zip(c, xs)),
                                       sympy.Rational(k.numerator, k.denominator)), *xs, domain="QQ")
            return p

        ctx = fmpq_mpoly_ctx.get(("x", d), "lex")
        gens = ctx.gens()

        def with_flint() -> Any:
            p = ctx.from_dict({(0,) * d: 1})
            for c, k in forms:
                p = p * (sum((fmpq(v.numerator, v.denominator) * x for v, x in zip(c, gens)), ctx.from_dict({})) +
                         fmpq(k.numerator, k.denominator))
            return p

        t1, a = median_time(with_dict, reps)
        t2, _ = median_time(with_sympy, reps)
        t3, c = median_time(with_flint, reps)
        assert len(a) == len(c.to_dict())
        print(f"{d:>2} {1e3 * t1:>14.3f} {1e3 * t2:>14.3f} {1e3 * t3:>12.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    args = ap.parse_args()
    if args.quick:
        part1(args.reps, [(2, 2), (2, 6)])
        part2(args.reps, [4, 8])
    else:
        part1(args.reps, [(2, 2), (2, 6), (2, 20), (3, 2), (3, 5), (3, 15)])
        part2(args.reps, [4, 8, 16, 32])
    part3(max(args.reps, 5))


if __name__ == "__main__":
    main()
