"""The factor route for "f == 0 outside K" on ReLU networks with one Hadamard pooling layer.

After its first (and only) pooling layer such a network reads
``f_j(x) = sum_i B[j][i] u_i(x) v_i(x) + c_j``, where ``(u, v) = p(x)`` is the
pre-pool vector of the piecewise-linear prefix ``p`` (``u = p_0..p_{k-1}``,
``v = p_k..p_{2k-1}``) and ``B, c`` compose the affine layers after the pool.
If ``c = 0`` and, for every ``i`` with a nonzero column ``B[:, i]``, one
factor (``u_i`` or ``v_i``) vanishes on R^d \\ K, then ``f`` vanishes there.
Each factor is a piecewise-linear network (``p.restrict_output(index)``), so
that fact is a PL support certificate (``verify.support.prove_support_in``),
re-checked by ``verify.checker.pl``. For ``F = g ⊙ psi`` (Q2) the cutoff
``psi`` is the factor: ``g`` is never split.

The certificate (evidence ``engine: "pooled-factors"``) records ``B``, ``c``,
per term its column of ``B`` and the factor index, and per factor its sub-certificate;
``verify.checker.pooled`` re-derives ``B``, ``c`` and every sub-network from
the network text alone and re-checks every sub-certificate.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.box import Box
from verify.layers import Act, Affine, Pool

if TYPE_CHECKING:
    from verify.network import Network
    from verify.polyhedra import Polyhedron

__all__ = ["decompose", "factor_network", "factor_evidence", "vanishing_box"]

_Z = Fraction(0)


def decompose(net: Network) -> tuple[int, list[list[Fraction]], list[Fraction]] | None:
    """``(k, B, c)`` with ``f_j = sum_i B[j][i] p_i p_{i+k} + c_j`` when the net has exactly one pooling layer.

    None when there is no pooling layer, a second one, or a non-identity unit after it.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> k, B, c = decompose(3 * (hat * hat))
    >>> k, [[str(v) for v in row] for row in B], c
    (1, [['3']], [Fraction(0, 1)])
    """
    layers = net.layers
    first = next((i for i, layer in enumerate(layers) if isinstance(layer, Pool)), None)
    if first is None:
        return None
    width = net.widths[first - 1] if first else net.input_dim
    k = width // 2
    B = [[Fraction(int(i == j)) for j in range(k)] for i in range(k)]
    c = [_Z] * k
    for layer in layers[first + 1:]:
        if isinstance(layer, Pool):
            return None
        if isinstance(layer, Act):
            if any(a.name != "identity" for a in layer.activations()):
                return None
            continue
        assert isinstance(layer, Affine)
        B = [[sum((w * B[t][j] for t, w in enumerate(row) if w), _Z) for j in range(k)] for row in layer.weight]
        c = [sum((w * c[t] for t, w in enumerate(row) if w), _Z) + b for row, b in zip(layer.weight, layer.bias)]
    return k, B, c


def factor_network(net: Network, index: int) -> Network:
    """The pre-pool component ``p_index`` as a piecewise-linear network: the layers before the pool, restricted.

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> factor_network(hat * hat, 1).eval_exact([0])
    (Fraction(1, 1),)
    """
    from verify.network import Network

    first = next(i for i, layer in enumerate(net.layers) if isinstance(layer, Pool))
    prefix = Network(net.input_dim, net.layers[:first]) if first else None
    if prefix is None:
        e = tuple(Fraction(int(j == index)) for j in range(net.input_dim))
        return Network(net.input_dim, (Affine((e,), (_Z,)),))
    return prefix.restrict_output(index)


def factor_evidence(net: Network, comps: list[Polyhedron], rates: list[float],
                    budget: int | None = None) -> dict[str, Any] | None:
    """Evidence that ``f == 0`` off ``K`` (the union of ``comps``) by the factor route, or None if it fails.

    For each live term the factor with the higher ``rates`` (a float heuristic: how
    often it is zero) is tried first, then the other; each factor is proved once.

    >>> from verify import Network, Box
    >>> from verify.polyhedra import Polyhedron
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> relu = Network.mlp([[[1]], [[1]]], [[0], [0]])
    >>> ev = factor_evidence(relu * hat, [Polyhedron.from_box(Box([-1], [1]))], [0.0, 0.5])
    >>> [t["factor"] for t in ev["terms"]]
    [1]
    """
    from verify.support import prove_support_in as prove_pl

    dec = decompose(net)
    if dec is None:
        return None
    k, B, c = dec
    if any(c):
        return None
    proved: dict[int, dict[str, Any] | None] = {}

    def attempt(index: int) -> dict[str, Any] | None:
        if index not in proved:
            v = prove_pl(factor_network(net, index), list(comps), budget=budget)
            proved[index] = json.loads(v.to_json()) if v.proved else None
        return proved[index]

    terms: list[dict[str, Any]] = []
    for i in range(k):
        if not any(row[i] for row in B):
            continue
        order = sorted((i, i + k), key=lambda p: -rates[p] if p < len(rates) else 0.0)
        for p in order:
            cert = attempt(p)
            if cert is not None:
                terms.append({"term": i, "coefficients": [row[i] for row in B], "factor": p})
                break
        else:
            return None
    used = sorted({int(t["factor"]) for t in terms})
    factors = [{"index": p, "certificate": proved[p]} for p in used]
    return {"engine": "pooled-factors", "k": k, "constant": c, "terms": terms, "factors": factors}


def vanishing_box(net: Network, rates: list[float]) -> tuple[Box | None] | None:
    """``(B,)``: a box off which ``f`` vanishes (``(None,)``: ``f == 0``), from the exact PL supports of factors.

    With ``c = 0``, each live term picks a factor proved to vanish off a box (the
    one with the higher ``rates`` first; the box guessed from float samples and
    proved by the PL engine, or the exact PL support's bounding box when no
    sample is nonzero); ``f`` vanishes off the hull of those boxes.
    None when some live term has no such factor (then the caller works on R^d).

    >>> from verify import Network
    >>> hat = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
    >>> relu = Network.mlp([[[1]], [[1]]], [[0], [0]])
    >>> (box,) = vanishing_box(relu * hat, [0.0, 0.5])
    >>> box.contains([-1]) and box.contains([1])
    True
    """
    from verify.support import prove_support_in as prove_pl
    from verify.support import support as pl_support

    dec = decompose(net)
    if dec is None or any(dec[2]):
        return None
    k, B, _c = dec
    found: dict[int, Any] = {}

    def bbox(index: int) -> Any:
        if index not in found:
            fn = factor_network(net, index)
            guess = _guess_box(fn)
            if guess is not None:  # cheaper than the exact support; exact all the same (a failed guess: give up)
                found[index] = (guess,) if prove_pl(fn, guess).proved else None
            else:  # no nonzero sample: small or empty support, found exactly
                s = pl_support(fn)
                found[index] = (s.bounding_box,) if s.bounded else None
        return found[index]

    boxes = []
    for i in range(k):
        if not any(row[i] for row in B):
            continue
        order = sorted((i, i + k), key=lambda p: -rates[p] if p < len(rates) else 0.0)
        got = next((b for p in order if (b := bbox(p)) is not None), None)
        if got is None:
            return None
        if got[0] is not None:
            boxes.append(got[0])
    if not boxes:
        return (None,)
    d = net.input_dim
    lo = [min(b.lower[t] for b in boxes) for t in range(d)]
    hi = [max(b.upper[t] for b in boxes) for t in range(d)]
    return (Box(lo, hi),)


def _guess_box(fn: Network) -> Box | None:
    """A dyadic box around the float-sampled nonzero set of ``fn``, widened: a guess, proved or discarded by the caller."""
    import math

    import numpy as np

    rng = np.random.default_rng(1)
    d = fn.input_dim
    X = np.concatenate([s * rng.uniform(-1, 1, (1024, d)) for s in (1.0, 4.0, 16.0, 256.0)])
    V = np.abs(fn.eval_float(X)).max(axis=1)
    hit = X[V > 0]
    if not len(hit):
        return None
    lo, hi = hit.min(axis=0), hit.max(axis=0)
    pad = 0.25 * (hi - lo) + 1.0 / 16
    step = 2.0 ** math.floor(math.log2(float(max(pad.max(), 1e-6))))
    return Box([Fraction(math.floor((a - p) / step)) * Fraction(step) for a, p in zip(lo, pad)],
               [Fraction(math.ceil((b + p) / step)) * Fraction(step) for b, p in zip(hi, pad)])
