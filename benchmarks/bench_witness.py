"""Time to a rigorous nonvanishing witness (python-flint balls with precision escalation).

Run: ``python benchmarks/bench_witness.py``. Prints one row per case: the witness precision,
the number of ball evaluations, and the median wall time over a few repeats.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verify import Act, Affine, Box, Network  # noqa: E402
from verify.activations import make_activation  # noqa: E402
from verify.analytic import nonvanishing_witness, prove_support_in  # noqa: E402
from verify.zero import is_identically_zero  # noqa: E402

FAR, TINY = Fraction(10**6), Fraction(1, 10**6)
FAR_TINY = Box([FAR, FAR], [FAR + TINY, FAR + TINY])


def one_layer(units: list[tuple[str, list[object], object, object]], out_bias: object = 0) -> Network:
    acts = tuple(make_activation(a) for a, *_ in units)
    first = Affine([w for _, w, _, _ in units], [b for _, _, b, _ in units])
    return Network(first.in_dim, (first, Act(acts), Affine([[c for *_, c in units]], [out_bias])))


def random_mlp(act: str, seed: int) -> Network:
    """2 -> 32 -> 32 -> 1 with rational weights k/8, |k| <= 8, scaled by 1/sqrt(fan-in) (roughly)."""
    rnd = random.Random(seed)

    def mat(n: int, m: int, scale: int) -> list[list[Fraction]]:
        return [[Fraction(rnd.randint(-8, 8), 8 * scale) for _ in range(m)] for _ in range(n)]

    ws = [mat(32, 2, 1), mat(32, 32, 6), mat(1, 32, 6)]
    bs = [[Fraction(rnd.randint(-8, 8), 8) for _ in range(n)] for n in (32, 32, 1)]
    return Network.mlp(ws, bs, act)


def cases() -> list[tuple[str, Network, Box]]:
    e40 = Fraction(1, 10**40)
    sigma_e40 = one_layer([("sigmoid", [1], 0, 1), ("sigmoid", [-1], 0, 1), ("tanh", [1], 0, e40)], -1)
    tanh_e30 = one_layer([("tanh", [2], 1, 1), ("tanh", [2], 1 + Fraction(1, 10**30), -1)])
    out = [
        ("sigmoid(-x1-x2), far tiny box", one_layer([("sigmoid", [-1, -1], 0, 1)]), FAR_TINY),
        ("tanh(x1)-tanh(x2)+1e-40(x1-x2), far tiny", one_layer(
            [("tanh", [1, 0], 0, 1), ("tanh", [0, 1], 0, -1), ("identity", [1, -1], 0, e40)]), FAR_TINY),
        ("sigma(x)+sigma(-x)-1+1e-40 tanh(x), [0,1]", sigma_e40, Box([0], [1])),
        ("tanh(2x+1)-tanh(2x+1+1e-30), [-1,1]", tanh_e30, Box([-1], [1])),
    ]
    for act in ("tanh", "sigmoid", "gelu"):
        out.append((f"2-32-32-1 {act}, far tiny box", random_mlp(act, 7), FAR_TINY))
    return out


def timed(fn, repeats: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    print(f"{'case':46} {'status':8} {'prec':>6} {'evals':>6} {'time':>10}")
    for name, net, box in cases():
        t, v = timed(lambda net=net, box=box: nonvanishing_witness(net, box))
        prec = v.witness.prec if v.witness else "-"
        evals = (v.evidence or {}).get("search", {}).get("evaluations", "-")
        print(f"{name:46} {v.status.value:8} {prec!s:>6} {evals!s:>6} {t * 1000:8.1f} ms")
    hat = one_layer([("gelu", [1], 1, 1), ("gelu", [1], 0, -2), ("gelu", [1], -1, 1)])
    for R in (10, 40, 100):
        t, v = timed(lambda R=R: prove_support_in(hat, Box([-R], [R])))
        prec = v.witness.prec if v.witness else "-"
        print(f"{f'GELU hat: witness outside [-{R},{R}]':46} {v.status.value:8} {prec!s:>6} {'':>6} {t * 1000:8.1f} ms")


def mirrored_tanh(width: int, d: int, seed: int) -> Network:
    """A width-``width`` one-hidden-layer tanh net minus its sign-flipped copy (Sussmann): exactly 0."""
    rnd = random.Random(seed)
    units = []
    for _ in range(width):
        w = [Fraction(rnd.randint(-9, 9), rnd.randint(1, 9)) for _ in range(d)]
        b, c = Fraction(rnd.randint(-9, 9), 7), Fraction(rnd.randint(1, 9), 5)
        units += [("tanh", w, b, c), ("tanh", [-v for v in w], -b, c)]
    return one_layer(units)


def decisions() -> None:
    print(f"\n{'exact decision':46} {'status':8} {'time':>10}")
    hard = [
        ("1 hidden layer, 2x500 tanh units (d=3), zero", mirrored_tanh(500, 3, 1)),
        ("same + 1e-40 sigmoid(x1): refuted, witness", mirrored_tanh(500, 3, 1)
         + Fraction(1, 10**40) * one_layer([("sigmoid", [1, 0, 0], 0, 1)])),
        ("f - f, f = 2-32-32-1 tanh (dedupe + peel)", random_mlp("tanh", 3) - random_mlp("tanh", 3)),
        ("f - f, f = 2-32-32-1 gelu", random_mlp("gelu", 4) - random_mlp("gelu", 4)),
    ]
    for name, net in hard:
        t, v = timed(lambda net=net: is_identically_zero(net), repeats=1)
        print(f"{name:46} {v.status.value:8} {t * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
    decisions()
