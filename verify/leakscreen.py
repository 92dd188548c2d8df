"""A quick exact REFUTED for "f = 0 outside the box K": small-height points beyond K's faces, screened in floats.

Floats only choose which exact points to try: every hit is rebuilt as an exact rational point strictly
outside K and confirmed by the exact evaluator before it is returned. Finding nothing decides nothing
(the region engine of :mod:`verify.support` then settles the claim).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from verify.box import Box
from verify.cells import make_plan

__all__ = ["leak_screen", "float_eval"]

_LEVELS = (-1, 0, 1, 2, 4, 8, 16, 32)  # distances 2^k beyond a face of K, nearest first (the engine settles the rest)


def leak_screen(net: Any, K: Box, *, points: int = 1000) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None:
    """A quick REFUTED: (x, f(x)) with x strictly outside K and f(x) != 0 exactly, or None (nothing decided).

    Points of small height beyond each face of K (a dyadic grid over the face, at distances 2^k, nearest
    first) are screened in floating point on ReLU networks; the first few hits are rebuilt exactly and
    confirmed by the exact evaluator. Floats only choose which exact points to try.
    """
    import numpy as np

    plan = make_plan(net)
    if any(u.name != "relu" for specs in plan.units for u in specs) or plan.out_W == []:
        return None
    d, levels = plan.d, len(_LEVELS)
    per_face = max(1, points // (2 * d * levels))
    e = 0
    while d > 1 and (2 ** (e + 1) + 1) ** (d - 1) <= per_face:
        e += 1
    m = 2**e + 1 if d > 1 and per_face >= 2 ** (d - 1) else 1
    lo, hi = np.array([float(v) for v in K.lower]), np.array([float(v) for v in K.upper])
    ts = np.stack(np.meshgrid(*[np.arange(m)] * (d - 1), indexing="ij"), -1).reshape(-1, d - 1) if d > 1 else \
        np.zeros((1, 0), dtype=int)
    X, recipe = [], []
    for k in _LEVELS:
        for i in range(d):
            others = [j for j in range(d) if j != i]
            base = np.empty((len(ts), d))
            base[:, others] = lo[others] + (ts / max(m - 1, 1) if m > 1 else 0.5) * (hi[others] - lo[others])
            for side in (1, -1):
                pts = base.copy()
                pts[:, i] = hi[i] + 2.0**k if side > 0 else lo[i] - 2.0**k
                X.append(pts)
                recipe.append((k, i, side, others))
    vals = float_eval(plan, np.concatenate(X))
    scale = 1e-8 * (1 + np.abs(np.concatenate(X)).max(axis=1))
    hits = np.flatnonzero(np.abs(vals).max(axis=1) > scale)[:4]
    for h in hits:
        block, t = divmod(int(h), len(ts))
        k, i, side, others = recipe[block]
        x = [Fraction(0)] * d
        x[i] = K.upper[i] + Fraction(2) ** k if side > 0 else K.lower[i] - Fraction(2) ** k
        for j, tj in zip(others, ts[t]):
            x[j] = K.lower[j] + (Fraction(int(tj), m - 1) if m > 1 else Fraction(1, 2)) * (K.upper[j] - K.lower[j])
        point = tuple(x)
        value = net.eval_exact(point)
        if not K.contains(point) and any(value):
            return point, value
    return None


def float_eval(plan: Any, X: Any) -> Any:
    """Float64 outputs of a ReLU plan at the points X (one per row); screening only.

    The first layer is d broadcast products, the later ones one short dot product per unit over its
    nonzero inputs: small operations that stay on one thread (a dense matmul of these shapes goes to a
    threaded BLAS, whose start-up costs more than the work and stalls under load).
    """
    import numpy as np

    if plan.floats is None:
        layers: list[Any] = []
        for n, (rows, c) in enumerate(list(zip(plan.inputs, plan.c)) + [(plan.out_inputs, plan.out_c)]):
            bias = np.array([float(v) for v in c])
            if n == 0 and plan.units:
                layers.append((np.array([[float(v) for v in row] for row in plan.W[0]]).reshape(len(rows), plan.d), bias))
                continue
            cols = np.array([j for row in rows for j, _ in row], dtype=np.intp)
            vals = np.array([float(w) for row in rows for _, w in row])
            ends = np.cumsum([len(row) for row in rows]).tolist()
            layers.append(([(cols[e - len(row):e], vals[e - len(row):e]) for row, e in zip(rows, ends)], bias))
        plan.floats = layers
    last = len(plan.floats) - 1
    parts = []
    for start in range(0, len(X), 256):  # blocks of points whose activations stay in cache
        Z = np.ascontiguousarray(X[start:start + 256].T, dtype=float)  # a row per coordinate / unit
        for n, (W, bias) in enumerate(plan.floats):
            out = np.empty((len(bias), Z.shape[1]))
            out[:] = bias[:, None]
            if isinstance(W, np.ndarray):
                for k in range(W.shape[1]):
                    out += W[:, k:k + 1] * Z[k]
            else:  # one short dot product per unit over its nonzero inputs
                for r, (cols, vals) in enumerate(W):
                    if len(cols):
                        out[r] += vals @ Z[cols]
            Z = np.maximum(out, 0.0, out=out) if n < last else out
        parts.append(Z.T)
    return np.concatenate(parts)
