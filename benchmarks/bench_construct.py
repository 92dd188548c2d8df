"""Q1 (Freudenthal interpolant) on [0,1]^2: construction time, exact verification time, size against the bound.

Target: the pyramid ``bump`` on [1/8, 7/8] x [1/4, 5/6] (a PL network, Lipschitz constant 24/7 in
max norms, kinks off the grid). For each mesh h the script builds the interpolant, then verifies
exactly (a) the sup error ``max |g - f|`` cell by cell with ``max_abs`` and (b) ``supp g ⊆ K^h``
with ``prove_support_in``; it prints the neurons against the theorem's bound
``2^d N(K, h/2) n_phi(d)`` (``N`` the computed covering-number upper bound).

Run: ``python benchmarks/bench_construct.py [--quick]`` (``--quick`` skips h = 1/16).
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction

from verify.box import Box
from verify.construct import bump, covering_bounds, freudenthal_size, interpolant, sup_error
from verify.construct._analysis import find

K = Box(["1/8", "1/4"], ["7/8", "5/6"])
CUBE = Box([0, 0], [1, 1])


def run(h: Fraction) -> dict[str, object]:
    f = bump(K)
    t0 = time.perf_counter()
    a = interpolant(f, h=h, cube=CUBE, support=K)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    err = sup_error(a, f)
    t_err = time.perf_counter() - t0
    t0 = time.perf_counter()
    prove = find("prove_support_in")
    proved = prove(a.network, list(a.support_bound)).proved if prove else None
    t_supp = time.perf_counter() - t0
    cover = covering_bounds(K, h / 2)
    bound = 2**2 * cover.upper * freudenthal_size(2).num_neurons
    return {
        "h": h, "nodes": a.params["nodes"], "neurons": a.network.num_neurons, "bound": bound,
        "width": a.network.width, "depth": a.network.depth, "L*h": a.error_bound, "sup err": err,
        "supp proved": proved, "build s": t_build, "err s": t_err, "supp s": t_supp,
    }


def main() -> None:
    meshes = [Fraction(1, 4), Fraction(1, 8)] + ([] if "--quick" in sys.argv else [Fraction(1, 16)])
    cols = ["h", "nodes", "neurons", "bound", "width", "depth", "L*h", "sup err", "supp proved", "build s", "err s", "supp s"]
    print(" | ".join(f"{c:>11}" for c in cols))
    for h in meshes:
        row = run(h)
        cells = []
        for c in cols:
            v = row[c]
            cells.append(f"{v:11.3f}" if isinstance(v, float) else f"{str(v):>11}")
        print(" | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
