"""Checker rules for analytic certificates: nonvanishing witnesses, identically-zero decisions, supports.

Independent of the engine (no import of ``verify.analytic``, ``verify.semantics`` or
``verify.network``): the network is read from the certificate's netproof/1 text, balls are
computed by a small python-flint evaluator written here, and the exact reductions
(canonical sigmoid basis, merging of equal units, polynomial expansion) are re-derived with
``Fraction`` arithmetic.

Rules: ``RULES["nonvanishing"]``, ``RULES["identically_zero"]``; ``check_support_in_analytic``
for "support_in" certificates whose evidence says ``"engine": "analytic"`` (the owner of
``RULES["support_in"]`` dispatches to it).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint
from flint import arb

from verify.checker import RULES, CheckFailed
from verify.checker._analytic_forms import (
    _PL,
    _a,
    _dec_nonzero,
    _dec_zero,
    _expand,
    _read,
    _recorded,
    _same_network,
    _sig,
    rederive,
)
from verify.checker._net import CheckNet, q

__all__ = ["ball_eval", "check_nonvanishing", "check_identically_zero", "check_support_in_analytic", "rederive"]

_Z, _ONE = Fraction(0), Fraction(1)


# -- balls ----------------------------------------------------------------------------------
def _relu(t: arb) -> arb:
    """max(t, 0) on the ball's endpoints: exactly 0 when t <= 0 for certain (an (t + |t|) / 2 would keep a
    radius there, and reject a witness the engine's tight rule proved)."""
    lo, hi = t.lower(), t.upper()
    if hi <= 0:
        return arb(0)
    if lo >= 0:
        return t
    return arb.union(arb(0), hi)


def _unit(name: str, a: Fraction | None, t: arb) -> arb:
    if name == "relu":
        return _relu(t)
    if name in ("leaky_relu", "prelu"):
        assert a is not None
        return _a(a) * t + (1 - _a(a)) * _relu(t)
    if name == "abs":
        return abs(t)
    if name == "hardtanh":
        return _relu(t + 1) - _relu(t - 1) - 1
    if name == "identity":
        return t
    if name == "square":
        return t * t
    if name == "sigmoid":
        return _sig(t)
    if name == "tanh":
        return t.tanh()
    if name == "softplus":
        return t.exp().log1p()
    if name == "silu":
        return t * _sig(t)
    if name == "swish":
        assert a is not None
        return t * _sig(_a(a) * t)
    if name == "gelu":  # x Phi(x) = x erfc(-x/sqrt 2)/2: accurate in both tails
        return t * (-t / arb(2).sqrt()).erfc() / 2
    if name == "exp":
        return t.exp()
    if name == "sin":
        return t.sin()
    raise CheckFailed(f"no ball rule for {name}")


def ball_eval(doc: dict[str, Any], x: list[Fraction], prec: int) -> list[arb]:
    """Balls containing the outputs of the netproof/1 network ``doc`` at the rational ``x``, at ``prec`` bits.

    >>> doc = {"format": "netproof/1", "input_dim": 1, "layers": [{"act": "tanh"}]}
    >>> ball_eval(doc, [Fraction(0)], 64)[0].contains(0)
    True
    """
    d, layers = _read(doc)
    if len(x) != d:
        raise CheckFailed("witness point of the wrong dimension")
    with flint.ctx.workprec(prec):
        z = [_a(v) for v in x]
        for key, body in layers:
            if key == "affine":
                w, b = body
                z = [sum((_a(c) * t for c, t in zip(row, z) if c), _a(bi)) for row, bi in zip(w, b)]
            elif key == "act":
                z = [_unit(n, a, t) for (n, a), t in zip(body, z)]
            else:
                k = len(z) // 2
                z = [z[i] * z[i + k] for i in range(k)]
        return z


def _check_ball_witness(doc: dict[str, Any], w: dict[str, Any], output: int | None) -> None:
    point = [q(v) for v in w["point"]]
    prec, i = int(w["prec"]), int(w["output"])
    if prec < 2 or prec > 1 << 20:
        raise CheckFailed("precision out of range")
    if output is not None and i != output:
        raise CheckFailed("witness is for another output")
    balls = ball_eval(doc, point, prec)
    if not 0 <= i < len(balls):
        raise CheckFailed("witness output index out of range")
    if not (balls[i] > 0 or balls[i] < 0):
        raise CheckFailed(f"ball {balls[i]} at {prec} bits does not exclude 0")
    enc = w.get("enclosure")
    if enc is not None:
        with flint.ctx.workprec(prec):
            recorded = arb(str(enc[i]))
        if not (recorded > 0 or recorded < 0) or not recorded.overlaps(balls[i]):
            raise CheckFailed("recorded enclosure disagrees with the recomputed ball")


def _check_exact_witness(doc: dict[str, Any], w: dict[str, Any]) -> None:
    point = [q(v) for v in w["point"]]
    value = CheckNet(doc)(point)
    i = int(w["output"]) if w.get("output") is not None else next((j for j, v in enumerate(value) if v != 0), -1)
    if not 0 <= i < len(value) or value[i] == 0:
        raise CheckFailed("exact value at the witness is 0")
    if w.get("value") is not None and [q(v) for v in w["value"]] != value:
        raise CheckFailed("recorded exact value is wrong")


def _check_witness(doc: dict[str, Any], w: dict[str, Any] | None, output: int | None = None) -> None:
    if w is None:
        raise CheckFailed("no witness")
    if w.get("prec") is not None:
        _check_ball_witness(doc, w, output)
    else:
        _check_exact_witness(doc, w)


# -- rules ----------------------------------------------------------------------------------
def check_nonvanishing(cert: dict[str, Any]) -> None:
    """PROVED: the witness lies in the open box and its ball excludes 0. REFUTED: a zero certificate."""
    data, status = cert["claim"]["data"], cert["status"]
    doc, output = data["network"], data.get("output")
    if status == "proved":
        w = cert["witness"]
        lo, hi = [q(v) for v in data["box"]["lower"]], [q(v) for v in data["box"]["upper"]]
        point = [q(v) for v in w["point"]]
        if len(point) != len(lo) or not all(a < x < b for a, x, b in zip(lo, point, hi)):
            raise CheckFailed("witness is not inside the open box")
        _check_ball_witness(doc, w, output)
    elif status == "refuted":
        inner = cert["evidence"]["zero"]
        target = doc if output is None else _restricted(doc, int(output))
        if inner["status"] != "proved" or not _same_network(inner["claim"]["data"]["network"], target):
            raise CheckFailed("the zero certificate is not about this network")
        check_identically_zero(inner)
    else:
        raise CheckFailed("nothing to check for an unknown verdict")


def _restricted(doc: dict[str, Any], i: int) -> dict[str, Any]:
    layers = list(doc["layers"])
    last = layers[-1]
    if "affine" in last:
        body = last["affine"]
        layers[-1] = {"affine": {"weight": [body["weight"][i]], "bias": [body["bias"][i]]}}
    else:
        d, rest = _read(doc)
        width = len(ball_eval(doc, [_Z] * d, 16))
        layers.append({"affine": {"weight": [[str(int(j == i)) for j in range(width)]], "bias": ["0"]}})
    return {**doc, "layers": layers}


def check_identically_zero(cert: dict[str, Any]) -> None:
    """Re-check an "identically_zero" certificate by its method."""
    doc, status, ev = cert["claim"]["data"]["network"], cert["status"], cert.get("evidence") or {}
    method = ev.get("method")
    if status not in ("proved", "refuted"):
        raise CheckFailed("nothing to check for an unknown verdict")
    if status == "refuted":
        if cert.get("witness") is None:
            raise CheckFailed("a refutation needs a witness")
        _check_witness(doc, cert["witness"])
        return
    if method == "support":
        _check_pl(doc, status, ev)
    elif method == "polynomial":
        if status != "proved" or any(_expand(doc)):
            raise CheckFailed("polynomial expansion is not zero")
    elif method in ("onelayer", "reduction"):
        _check_reduction(doc, status, ev)
    elif method == "mixed":
        if status != "proved":
            raise CheckFailed("the mixed route only proves")
        _check_mixed(doc, ev, [])
    elif method == "sympy":
        if status != "proved" or not _sympy_zero(doc):
            raise CheckFailed("sympy normal form is not literally 0")
    else:
        raise CheckFailed(f"no rule for method {method!r} with status {status!r}")


def _check_pl(doc: dict[str, Any], status: str, ev: dict[str, Any]) -> None:
    from verify.checker import explain

    inner = ev["support_in"]
    data = inner["claim"]["data"]
    everywhere = data.get("everywhere") is True or ("K" in data and data["K"] in ([], None))
    if inner["status"] != status or not everywhere:
        raise CheckFailed("inner support certificate is not about all of R^d")
    if not _same_network(data.get("net") or data["network"], doc):
        raise CheckFailed("inner support certificate is about another network")
    reason = explain(inner)
    if reason:
        raise CheckFailed(f"inner support certificate: {reason}")


def _check_reduction(doc: dict[str, Any], status: str, ev: dict[str, Any]) -> None:
    r = rederive(doc)
    if r["decs"] is not None:
        decs = r["decs"]
        got = [(x.nz_classes(), x.nz_consts(), [str(v) for v in x.lin], str(x.c)) for x in decs]
        if got != _recorded(ev["decompositions"]):
            raise CheckFailed("recorded merged coefficients differ from the re-derived ones")
        if status == "proved" and not all(_dec_zero(x) for x in decs):
            raise CheckFailed("a merged coefficient or the affine remainder is nonzero")
        if status == "refuted" and not any(_dec_nonzero(x, ev) for x in decs):
            raise CheckFailed("no merged coefficient proves the network nonzero")
    elif r["final"] is not None:
        zero = not any(any(row) for row in r["final"][0]) and not any(r["final"][1])
        if zero != (status == "proved"):
            raise CheckFailed("the affine remainder contradicts the verdict")
    elif "remainder" in ev:
        inner = ev["remainder"]
        if inner["status"] != status or not _same_network(inner["claim"]["data"]["network"], r["rest"]):
            raise CheckFailed("remainder certificate is not about the re-derived remainder")
        check_identically_zero(inner)
    else:
        raise CheckFailed("the reduction chain does not reach a decision")


def _sympy_zero(doc: dict[str, Any]) -> bool:
    import sympy

    d, layers = _read(doc)
    z = [sympy.Symbol(f"x{i}") for i in range(d)]
    rules = {"identity": lambda t, a: t, "square": lambda t, a: t**2, "exp": lambda t, a: sympy.exp(t),
             "sigmoid": lambda t, a: 1 / (1 + sympy.exp(-t)), "tanh": lambda t, a: sympy.tanh(t),
             "softplus": lambda t, a: sympy.log(1 + sympy.exp(t)), "silu": lambda t, a: t / (1 + sympy.exp(-t)),
             "swish": lambda t, a: t / (1 + sympy.exp(-a * t)), "sin": lambda t, a: sympy.sin(t),
             "gelu": lambda t, a: t / 2 * (1 + sympy.erf(t / sympy.sqrt(2)))}
    for key, body in layers:
        if key == "affine":
            z = [sum((sympy.Rational(c.numerator, c.denominator) * t for c, t in zip(r, z)),
                     sympy.Rational(bi.numerator, bi.denominator)) for r, bi in zip(*body)]
        elif key == "act":
            z = [rules[n](t, None if a is None else sympy.Rational(a.numerator, a.denominator)) for (n, a), t in zip(body, z)]
        else:
            k = len(z) // 2
            z = [z[i] * z[i + k] for i in range(k)]
    for e in z:
        e = sympy.simplify(sympy.together(sympy.sympify(e).rewrite(sympy.exp)))
        if e != sympy.S.Zero and sympy.simplify(sympy.expand(e)) != sympy.S.Zero:
            return False
    return True


def check_support_in_analytic(cert: dict[str, Any]) -> None:
    """A "support_in" certificate of the analytic engine: zero certificate, or a witness outside K."""
    data, status, ev = cert["claim"]["data"], cert["status"], cert.get("evidence") or {}
    if ev.get("engine") != "analytic":
        raise CheckFailed("not an analytic support certificate")
    doc = data["network"]
    if status == "proved" and ev.get("method") == "mixed":
        _check_mixed(doc, ev, data["K"])
        return
    if status == "proved":
        inner = ev["zero"]
        if inner["status"] != "proved" or not _same_network(inner["claim"]["data"]["network"], doc):
            raise CheckFailed("zero certificate is not about this network")
        check_identically_zero(inner)
        return
    if status != "refuted":
        raise CheckFailed("nothing to check for an unknown verdict")
    if cert.get("witness") is None:
        raise CheckFailed("a refutation needs a witness outside K")
    point = [q(v) for v in cert["witness"]["point"]]
    if any(_in_region(region, point) for region in data["K"]):
        raise CheckFailed("witness lies in K")
    _check_witness(doc, cert["witness"])


# -- mixed: a piecewise-linear prefix feeding an analytic suffix --------------------------------
def _rank(rows: list[list[Fraction]]) -> int:
    m = [list(r) for r in rows]
    rank, col, ncols = 0, 0, len(m[0]) if m else 0
    while rank < len(m) and col < ncols:
        piv = next((i for i in range(rank, len(m)) if m[i][col]), None)
        if piv is None:
            col += 1
            continue
        m[rank], m[piv] = m[piv], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][col]:
                f = m[i][col] / m[rank][col]
                m[i] = [x - f * y for x, y in zip(m[i], m[rank])]
        rank, col = rank + 1, col + 1
    return rank


def _k_regions(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The K of a piecewise-linear support_in claim as a list of regions (``[]`` for everywhere)."""
    if data.get("everywhere"):
        return []
    if "box" in data:
        return [{"box": data["box"]}]
    if "boxes" in data:
        return [{"box": b} for b in data["boxes"]]
    if "polyhedron" in data:
        return [{"polyhedron": data["polyhedron"]}]
    return list(data["K"])


def _region_key(r: dict[str, Any]) -> Any:
    if "box" in r:
        return ("box", tuple(q(v) for v in r["box"]["lower"]), tuple(q(v) for v in r["box"]["upper"]))
    P = r["polyhedron"]
    return ("poly", tuple(tuple(q(v) for v in row) for row in P["A"]), tuple(q(v) for v in P["b"]))


def _check_mixed(doc: dict[str, Any], ev: dict[str, Any], K: list[dict[str, Any]]) -> None:
    """h(x) in c0 + ker M outside K (PL certificate), ker M = span B, and g(c0 + B s) == 0 (analytic)."""
    from verify.checker import explain

    cut, hull = int(ev["cut"]), ev["hull"]
    c0 = [q(v) for v in hull["c0"]]
    B = [[q(v) for v in b] for b in hull["B"]]
    M = [[q(v) for v in r] for r in hull["M"]]
    m = len(c0)
    if any(len(v) != m for v in B + M):
        raise CheckFailed("hull vectors of the wrong length")
    if any(sum((x * y for x, y in zip(r, b)), _Z) for r in M for b in B):
        raise CheckFailed("M B != 0")
    if (_rank(M) if M else 0) + (_rank(B) if B else 0) != m:
        raise CheckFailed("ker M is not span B")
    layers = doc["layers"]
    prefix, suffix = layers[:cut], layers[cut:]
    _, pl_layers = _read({**doc, "layers": prefix})
    if any(k == "pool" for k, _ in pl_layers) or any(
        n not in _PL for k, b in pl_layers if k == "act" for n, _ in b
    ):
        raise CheckFailed("the prefix is not piecewise-linear")
    if M:
        pl = ev["pl"]
        Mc0 = [str(-sum((x * y for x, y in zip(r, c0)), _Z)) for r in M]
        want = {**doc, "layers": [*prefix, {"affine": {"weight": [[str(v) for v in r] for r in M], "bias": Mc0}}]}
        pdata = pl["claim"]["data"]
        if pl["status"] != "proved" or not _same_network(pdata.get("net") or pdata["network"], want):
            raise CheckFailed("the piecewise-linear certificate is not about M h - M c0")
        if sorted(map(_region_key, _k_regions(pdata))) != sorted(map(_region_key, K)):
            raise CheckFailed("the piecewise-linear certificate is about another K")
        reason = explain(pl)
        if reason:
            raise CheckFailed(f"piecewise-linear certificate: {reason}")
    cols = B if B else [[_Z] * m]
    param = ([[b[i] for b in cols] for i in range(m)], c0)
    if suffix and "affine" in suffix[0]:
        w = [[q(v) for v in row] for row in suffix[0]["affine"]["weight"]]
        bb = [q(v) for v in suffix[0]["affine"]["bias"]]
        first = ([[sum((r[k] * param[0][k][j] for k in range(m)), _Z) for j in range(len(cols))] for r in w],
                 [sum((r[k] * c0[k] for k in range(m)), _Z) + bi for r, bi in zip(w, bb)])
        rest = suffix[1:]
    else:
        first, rest = param, suffix
    g = {"format": "netproof/1", "input_dim": len(cols),
         "layers": [{"affine": {"weight": [[str(v) for v in r] for r in first[0]], "bias": [str(v) for v in first[1]]}},
                    *rest]}
    inner = ev["analytic"]
    if inner["status"] != "proved" or not _same_network(inner["claim"]["data"]["network"], g):
        raise CheckFailed("the analytic certificate is not about g(c0 + B s)")
    check_identically_zero(inner)


def _in_region(region: dict[str, Any], x: list[Fraction]) -> bool:
    if "box" in region:
        lo, hi = [q(v) for v in region["box"]["lower"]], [q(v) for v in region["box"]["upper"]]
        return all(a <= t <= b for a, t, b in zip(lo, x, hi))
    A, b = region["polyhedron"]["A"], region["polyhedron"]["b"]
    return all(sum((q(c) * t for c, t in zip(row, x)), _Z) <= q(bi) for row, bi in zip(A, b))


RULES["nonvanishing"] = check_nonvanishing
RULES["identically_zero"] = check_identically_zero
RULES["support_in_analytic"] = check_support_in_analytic  # for a claim-kind dispatch; users see "support_in"
