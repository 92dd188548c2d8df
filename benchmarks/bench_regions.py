"""Exact region enumeration vs the same algorithm in floating point, on random 2 -> w -> w -> 1 ReLU nets.

In 2-D over a box the engine decides each unit from the cell polygon's vertices and splits by exact
polygon clipping (Sutherland-Hodgman on gmpy2 mpq); elsewhere it uses exact LPs.

The float version is the very same engine (verify.regions, cells, splitengine, ... + verify.exactlp) loaded with Python
floats in place of gmpy2 mpq (and a 1e-9 pivot tolerance, which floats need); it is not
sound (its regions are not certified), it is the yardstick. Regions are counted over the box
[-10, 10]^2. Run: python benchmarks/bench_regions.py [--quick]
"""

from __future__ import annotations

import random
import sys
import time
import types
from pathlib import Path

from verify import Box, Network
from verify import regions as exact_regions
from verify.polyhedra import Polyhedron

ROOT = Path(__file__).resolve().parent.parent / "verify"


def float_engine() -> types.ModuleType:
    """verify.regions (and the engine modules it uses) re-loaded over a float copy of verify.exactlp."""
    lp_src = (ROOT / "exactlp.py").read_text()
    lp_src = lp_src.replace("from gmpy2 import mpq as Q", "Q = float")
    lp_src = lp_src.replace("if a > 0 or", "if a > 1e-9 or").replace("if r[k] < 0)", "if r[k] < -1e-9)")
    lp = types.ModuleType("float_exactlp")
    sys.modules["float_exactlp"] = lp
    exec(compile(lp_src, "float_exactlp", "exec"), lp.__dict__)
    mod = None
    for name in ("cells", "polygon2d", "splittree", "splitengine", "regions"):  # dependency order
        src = (ROOT / f"{name}.py").read_text().replace("from verify.exactlp import", "from float_exactlp import")
        for dep in ("cells", "polygon2d", "splittree", "splitengine"):
            src = src.replace(f"from verify.{dep} import", f"from float_{dep} import")
        src = src.replace("cand = tuple(Q(round(v * den), den) for v in pt)", "return pt")
        mod = types.ModuleType(f"float_{name}")
        sys.modules[f"float_{name}"] = mod
        exec(compile(src, f"float_{name}", "exec"), mod.__dict__)
    assert mod is not None
    return mod


def random_net(w: int, seed: int) -> Network:
    rng = random.Random(seed)

    def mat(r: int, c: int) -> list[list[int]]:
        return [[rng.randint(-9, 9) for _ in range(c)] for _ in range(r)]

    return Network.mlp([mat(w, 2), mat(w, w), mat(1, w)], [[rng.randint(-9, 9) for _ in range(w)] for _ in range(2)] + [[0]])


def count(mod: types.ModuleType, net: Network, box: Box) -> int:
    plan = mod.make_plan(net)
    A, b = exact_regions.domain_constraints(box, 2)
    if mod is not exact_regions:
        A, b = [[float(v) for v in r] for r in A], [float(v) for v in b]
        plan = float_plan(plan)
    poly = exact_regions._polygon(Polyhedron.from_box(box))
    assert poly is not None
    if mod is not exact_regions:
        poly = [tuple(float(c) for c in v) for v in poly]
    p = tuple(sum(v[k] for v in poly) / len(poly) for k in range(2))
    root = mod.Cell([list(r) for r in A], list(b), p, [], {}, {}, {}, {}, poly)
    return sum(1 for _ in mod.Engine(plan, lazy=False, certify=False).run(root))


def float_plan(plan):  # type: ignore[no-untyped-def]
    f = float
    plan.W = [[[f(v) for v in r] for r in W] for W in plan.W]
    plan.c = [[f(v) for v in c] for c in plan.c]
    plan.inputs = [[[(j, f(w)) for j, w in row] for row in layer] for layer in plan.inputs]
    for layer in plan.units:
        for u in layer:
            u.pieces = [tuple(None if v is None else f(v) for v in p) for p in u.pieces]
    plan.out_W = [[f(v) for v in r] for r in plan.out_W]
    plan.out_c = [f(v) for v in plan.out_c]
    plan.out_inputs = [[(j, f(w)) for j, w in row] for row in plan.out_inputs]
    return plan


def main() -> None:
    quick = "--quick" in sys.argv
    fl = float_engine()
    box = Box.cube(2, -10, 10)
    print(f"{'w':>3} {'regions':>8} {'float regions':>13} {'exact s':>8} {'float s':>8} {'exact reg/s':>11}"
          f" {'float reg/s':>11} {'ratio':>6}")
    for w in (8, 16) if quick else (8, 16, 32):
        for seed in range(1 if quick else 3):
            net = random_net(w, 100 * w + seed)
            t = time.perf_counter()
            n = count(exact_regions, net, box)
            te = time.perf_counter() - t
            t = time.perf_counter()
            nf = count(fl, net, box)
            tf = time.perf_counter() - t
            print(f"{w:>3} {n:>8} {nf:>13} {te:8.3f} {tf:8.3f} {n / te:11.0f} {nf / tf:11.0f}"
                  f" {te / tf * nf / n:6.2f}x", flush=True)


if __name__ == "__main__":
    main()
