"""The checker's own exact forms for analytic certificates: reading netproof/1, the canonical
sigmoid basis, merging equal units, the top-down reduction chain, polynomial expansion.

Written independently of ``verify.analytic`` (Fraction arithmetic; arb only for constants).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint
from flint import arb, fmpq

from verify.checker import CheckFailed
from verify.checker._net import q

_Z, _ONE = Fraction(0), Fraction(1)


def _a(v: Fraction) -> arb:
    return arb(fmpq(v.numerator, v.denominator))


def _sig(t: arb) -> arb:
    return 1 / (1 + (-t).exp())


# -- reading --------------------------------------------------------------------------------
def _spec(s: Any) -> tuple[str, Fraction | None]:
    if isinstance(s, dict):
        ((name, a),) = s.items()
        return str(name), q(a)
    return str(s), None


def _read(doc: dict[str, Any]) -> tuple[int, list[tuple[str, Any]]]:
    if doc.get("format") != "netproof/1":
        raise CheckFailed("network is not netproof/1")
    out: list[tuple[str, Any]] = []
    width = int(doc["input_dim"])
    d = width
    for layer in doc["layers"]:
        ((key, body),) = layer.items()
        if key == "affine":
            w = [[q(v) for v in row] for row in body["weight"]]
            b = [q(v) for v in body["bias"]]
            if any(len(r) != width for r in w) or len(b) != len(w):
                raise CheckFailed("affine shape mismatch")
            out.append(("affine", (w, b)))
            width = len(w)
        elif key == "act":
            specs = [_spec(s) for s in body] if isinstance(body, list) else [_spec(body)] * width
            if len(specs) != width:
                raise CheckFailed("activation count mismatch")
            out.append(("act", specs))
        elif key == "pool":
            if width % 2:
                raise CheckFailed("odd width before pooling")
            out.append(("pool", None))
            width //= 2
        else:
            raise CheckFailed(f"unknown layer {key!r}")
    return d, out


# -- canonical sigmoid basis ------------------------------------------------------------------
class _Dec:
    def __init__(self, dim: int, const: Fraction):
        self.classes: dict[tuple[str, tuple[Fraction, ...], Fraction], Fraction] = {}
        self.consts: dict[tuple[str, Fraction], Fraction] = {}
        self.lin = [_Z] * dim
        self.c = const

    def affine(self, c: Fraction, w: tuple[Fraction, ...], b: Fraction) -> None:
        self.lin = [u + c * v for u, v in zip(self.lin, w)]
        self.c += c * b

    def add(self, kind: str, w: tuple[Fraction, ...], b: Fraction, c: Fraction) -> None:
        nz = [v for v in w if v != 0]
        if kind != "E" and ((nz and nz[0] < 0) or (not nz and b < 0)):
            w, b = tuple(-v for v in w), -b
            if kind == "S":
                self.c += c
                c = -c
            elif kind == "N":
                c = -c
            else:
                self.affine(-c, w, b)
        if not nz:
            if b == 0 and kind != "P":
                self.c += c * {"S": Fraction(1, 2), "E": _ONE}.get(kind, _Z)
            else:
                self.consts[(kind, b)] = self.consts.get((kind, b), _Z) + c
            return
        self.classes[(kind, w, b)] = self.classes.get((kind, w, b), _Z) + c

    def unit(self, name: str, a: Fraction | None, w: tuple[Fraction, ...], b: Fraction, c: Fraction) -> None:
        if c == 0:
            return
        if name == "identity":
            self.affine(c, w, b)
        elif name == "sigmoid":
            self.add("S", w, b, c)
        elif name == "tanh":
            self.add("S", tuple(2 * v for v in w), 2 * b, 2 * c)
            self.c -= c
        elif name == "silu":
            self.add("L", w, b, c)
        elif name == "swish" and a == 0:
            self.affine(c / 2, w, b)
        elif name == "swish":
            assert a is not None
            self.add("L", tuple(a * v for v in w), a * b, c / a)
        elif name in ("softplus", "gelu", "exp", "sin"):
            self.add({"softplus": "P", "gelu": "G", "exp": "E", "sin": "N"}[name], w, b, c)
        else:
            raise CheckFailed(f"no canonical form for {name}")

    def nz_classes(self) -> set[tuple[str, tuple[str, ...], str, str]]:
        return {(k, tuple(str(v) for v in w), str(b), str(c)) for (k, w, b), c in self.classes.items() if c != 0}

    def nz_consts(self) -> set[tuple[str, str, str]]:
        return {(k, str(b), str(c)) for (k, b), c in self.consts.items() if c != 0}


_PL = {"relu", "leaky_relu", "prelu", "abs", "identity", "hardtanh"}
_SUPPORTED = {"identity", "sigmoid", "tanh", "silu", "swish", "softplus", "gelu", "exp", "sin"}

# a step of a normal form: (W, b, "act", specs) or (W, b, "pool", None)
_Step = tuple[list[list[Fraction]], list[Fraction], str, Any]


def _normal(doc: dict[str, Any]) -> tuple[int, list[_Step], tuple[list[list[Fraction]], list[Fraction]]]:
    d, layers = _read(doc)
    w: list[list[Fraction]] = [[Fraction(int(i == j)) for j in range(d)] for i in range(d)]
    b: list[Fraction] = [_Z] * d
    ident = True  # (w, b) is the identity: the next affine map is taken as it is
    steps: list[_Step] = []
    for key, body in layers:
        if key == "affine":
            lw, lb = body
            if ident:
                w, b = [list(r) for r in lw], list(lb)
            else:
                w = [[sum((r[k] * w[k][j] for k in range(len(w))), _Z) for j in range(len(w[0]))] for r in lw]
                b = [sum((r[k] * b[k] for k in range(len(b))), _Z) + bi for r, bi in zip(lw, lb)]
            ident = False
        else:
            if ident:
                n = len(b)
                w = [[_ONE if i == j else _Z for j in range(n)] for i in range(n)]
            steps.append((w, b, key, body))
            n = len(w) // 2 if key == "pool" else len(w)
            w, b, ident = [], [_Z] * n, True  # the identity, materialised only if two non-affine layers meet
    if ident:
        w = [[_ONE if i == j else _Z for j in range(len(b))] for i in range(len(b))]
    return d, steps, (w, b)


_SHIFT = ("silu", "softplus", "gelu", "relu")
_AT_ZERO = {"sigmoid": Fraction(1, 2), "tanh": _Z, "silu": _Z, "swish": _Z, "gelu": _Z, "sin": _Z, "exp": _ONE,
            "relu": _Z, "leaky_relu": _Z, "prelu": _Z, "abs": _Z, "hardtanh": _Z}


def _merge_layer(steps: list[_Step], final: list[Any], k: int) -> None:
    """Merge units of activation step k computing equal (or opposite, by symmetry) functions."""
    w, b, _, specs = steps[k]
    nw, nb = (steps[k + 1][0], list(steps[k + 1][1])) if k + 1 < len(steps) else (final[0], list(final[1]))
    specs, rows, bias = list(specs), [tuple(r) for r in w], list(b)
    cols = [[r[j] for r in nw] for j in range(len(rows))]
    seen: dict[Any, int] = {}
    live: list[int] = []
    j = 0
    while j < len(rows):
        (name, a), r, bb, col = specs[j], rows[j], bias[j], cols[j]
        opp = ((name, a), tuple(-v for v in r), -bb)
        if not any(r) and (name in ("identity", "square") or (bb == 0 and name in _AT_ZERO)):
            val = bb if name == "identity" else bb * bb if name == "square" else _AT_ZERO[name]
            nb = [x + c * val for x, c in zip(nb, col)]
        elif ((name, a), r, bb) in seen:
            t = seen[((name, a), r, bb)]
            cols[t] = [x + y for x, y in zip(cols[t], col)]
        elif opp in seen and name in ("tanh", "sin", "identity", "square", "abs", "sigmoid", *_SHIFT):
            t = seen[opp]
            plus = name in ("square", "abs", *_SHIFT)
            cols[t] = [x + (y if plus else -y) for x, y in zip(cols[t], col)]
            if name == "sigmoid":
                nb = [x + y for x, y in zip(nb, col)]
            if name in _SHIFT:  # rho(-u) = rho(u) - u: an identity unit carries the -u
                specs.append(("identity", None))
                rows.append(opp[1])
                bias.append(-bb)
                cols.append([-y for y in col])
        else:
            seen[((name, a), r, bb)] = j
            live.append(j)
        j += 1
    keep = [i for i in live if any(cols[i])]
    if not keep:  # one dead unit keeps the shapes valid
        keep = [0]
        specs[0], rows[0], bias[0], cols[0] = ("identity", None), tuple(_Z for _ in rows[0]), _Z, [_Z] * len(nb)
    steps[k] = ([list(rows[i]) for i in keep], [bias[i] for i in keep], "act", [specs[i] for i in keep])
    nxt = [[cols[i][o] for i in keep] for o in range(len(nb))]
    if k + 1 < len(steps):
        steps[k + 1] = (nxt, nb, steps[k + 1][2], steps[k + 1][3])
    else:
        final[:] = [nxt, nb]


def _merge_pool(steps: list[_Step], final: list[Any], k: int) -> None:
    """Merge products u_i v_i equal up to order and signs of the factors; drop zero products."""
    w, b, _, _ = steps[k]
    h = len(w) // 2
    nw, nb = (steps[k + 1][0], list(steps[k + 1][1])) if k + 1 < len(steps) else (final[0], list(final[1]))
    cols = [[r[i] for r in nw] for i in range(h)]

    def canon(row: list[Fraction], c: Fraction) -> tuple[tuple[Fraction, ...], int]:
        t = (*row, c)
        first = next((v for v in t if v), _Z)
        return (t, 1) if first > 0 else (tuple(-v for v in t), -1) if first < 0 else (t, 0)

    seen: dict[Any, tuple[int, int]] = {}
    order: list[int] = []
    for i in range(h):
        (a, sa), (c, sc) = canon(w[i], b[i]), canon(w[i + h], b[i + h])
        if not sa or not sc:
            continue
        key = tuple(sorted((a, c), key=repr))
        if key in seen:
            t, st = seen[key]
            cols[t] = [x + sa * sc * st * y for x, y in zip(cols[t], cols[i])]
        else:
            seen[key] = (i, sa * sc)
            order.append(i)
    live = [i for i in order if any(cols[i])]
    if live:
        new = ([w[i] for i in live] + [w[i + h] for i in live], [b[i] for i in live] + [b[i + h] for i in live])
        nxt = [[cols[i][o] for i in live] for o in range(len(nb))]
    else:
        new = ([[_Z] * len(w[0]), [_Z] * len(w[0])], [_Z, _Z])
        nxt = [[_Z] for _ in nb]
    steps[k] = (new[0], new[1], "pool", None)
    if k + 1 < len(steps):
        steps[k + 1] = (nxt, nb, steps[k + 1][2], steps[k + 1][3])
    else:
        final[:] = [nxt, nb]


def _top(steps: list[_Step], final: list[Any]) -> list[_Dec] | None:
    w, b, key, specs = steps[-1]
    if key != "act" or any(n not in _SUPPORTED for n, _ in specs):
        return None
    decs = []
    for fr, fb in zip(final[0], final[1]):
        dec = _Dec(len(w[0]), fb)
        for (n, a), r, bb, c in zip(specs, w, b, fr):
            dec.unit(n, a, tuple(r), bb, c)
        decs.append(dec)
    return decs


# -- global ranges: PL units whose pre-activation stays in one piece over all of R^d -----------
_RANGE = {"sigmoid": (_Z, _ONE), "tanh": (-_ONE, _ONE), "sin": (-_ONE, _ONE), "exp": (_Z, None),
          "softplus": (_Z, None), "square": (_Z, None), "silu": (Fraction(-3, 10), None), "gelu": (Fraction(-1, 5), None)}


def _pieces(name: str, a: Fraction | None) -> list[tuple[Any, Any, Fraction, Fraction]]:
    """(lo, hi, slope, intercept) pieces of the continuous PL activations (identity excluded)."""
    if name == "relu":
        return [(None, _Z, _Z, _Z), (_Z, None, _ONE, _Z)]
    if name in ("leaky_relu", "prelu"):
        assert a is not None
        return [(None, _Z, a, _Z), (_Z, None, _ONE, _Z)]
    if name == "abs":
        return [(None, _Z, -_ONE, _Z), (_Z, None, _ONE, _Z)]
    return [(None, -_ONE, _Z, -_ONE), (-_ONE, _ONE, _ONE, _Z), (_ONE, None, _Z, _ONE)]  # hardtanh


def _bound(row: list[Fraction], b: Fraction, iv: list[Any]) -> tuple[Any, Any]:
    lo: Any = b
    hi: Any = b
    for w, (l, h) in zip(row, iv):
        if w:
            lo_e, hi_e = (l, h) if w > 0 else (h, l)
            lo = None if lo is None or lo_e is None else lo + w * lo_e
            hi = None if hi is None or hi_e is None else hi + w * hi_e
    return lo, hi


def _image(name: str, a: Fraction | None, iv: tuple[Any, Any]) -> tuple[Any, Any]:
    if name == "identity":
        return iv
    if name in _RANGE:
        return _RANGE[name]
    if name == "swish":
        assert a is not None
        if a == 0:
            return tuple(None if v is None else v / 2 for v in iv)  # type: ignore[return-value]
        return (Fraction(-3, 10) / abs(a), None) if a > 0 else (None, Fraction(3, 10) / abs(a))
    if name not in _PL:
        return None, None
    ps = _pieces(name, a)
    lo, hi = iv
    vals, low_inf, high_inf = [], False, False
    for end, (_, _, s, c), direction in ((lo, ps[0], -1), (hi, ps[-1], 1)):
        if end is not None:
            vals.append(next(s2 * end + c2 for l2, h2, s2, c2 in ps if (l2 is None or l2 <= end) and (h2 is None or end <= h2)))
        elif s == 0:
            vals.append(c)
        elif s * direction > 0:
            high_inf = True
        else:
            low_inf = True
    vals += [s * l + c for l, _, s, c in ps[1:] if (lo is None or lo < l) and (hi is None or l < hi)]
    if not vals:
        return None, None
    return (None if low_inf else min(vals)), (None if high_inf else max(vals))


def _fix_pl_units(d: int, steps: list[_Step]) -> None:
    """Replace PL units whose global pre-activation range lies in one piece by identity units."""
    iv: list[Any] = [(None, None)] * d
    for k, (w, b, key, specs) in enumerate(steps):
        pre = [_bound(r, bi, iv) for r, bi in zip(w, b)]
        if key == "pool":
            half = len(pre) // 2
            iv = []
            for u, v in zip(pre[:half], pre[half:]):
                ends = None if None in u or None in v else [x * y for x in u for y in v]
                iv.append((None, None) if ends is None else (min(ends), max(ends)))
            continue
        specs = list(specs)
        for i, (name, a) in enumerate(specs):
            if name not in _PL or name == "identity":
                continue
            lo, hi = pre[i]
            for pl, ph, s, c in _pieces(name, a):
                if (pl is None or (lo is not None and pl <= lo)) and (ph is None or (hi is not None and hi <= ph)):
                    w[i] = [s * v for v in w[i]]
                    b[i] = s * b[i] + c
                    specs[i] = ("identity", None)
                    pre[i] = _bound(w[i], b[i], iv)
                    break
        steps[k] = (w, b, key, specs)
        iv = [_image(n, a, p) for (n, a), p in zip(specs, pre)]


def rederive(doc: dict[str, Any]) -> dict[str, Any]:
    """Re-run the exact reduction chain on a network: merged units, then peel zero top layers.

    Returns ``{"peeled": n, "decs": [...] | None, "final": (W, b) | None, "rest": doc | None}``:
    ``decs`` are the first-layer decompositions when one activation layer is left, ``final``
    the affine map when none is, ``rest`` the remaining network when the chain stops early.
    """
    d, steps, fin = _normal(doc)
    _fix_pl_units(d, steps)
    final: list[Any] = [fin[0], fin[1]]
    peeled = 0
    while True:
        for k in range(len(steps)):
            if steps[k][2] == "act":
                _merge_layer(steps, final, k)
            else:
                _merge_pool(steps, final, k)
        if steps and not any(any(r) for r in final[0]):  # the output ignores the hidden units
            steps, final = [], [[[_Z] * d for _ in final[1]], final[1]]
        if not steps:
            return {"peeled": peeled, "decs": None, "final": final, "rest": None}
        decs = _top(steps, final)
        if decs is not None and len(steps) == 1:
            return {"peeled": peeled, "decs": decs, "final": None, "rest": None}
        if decs is None or any(x.nz_classes() or x.nz_consts() for x in decs):
            return {"peeled": peeled, "decs": None, "final": None, "rest": _doc(d, steps, final)}
        final = [[list(x.lin) for x in decs], [x.c for x in decs]]
        steps = steps[:-1]
        peeled += 1
        rest = _doc(d, steps, final)
        _, layers = _read(rest)
        names = {n for key, body in layers if key == "act" for n, _ in body}
        if steps and (names <= {"identity", "square"} or (names <= _PL and bool(names - {"identity"}))):
            return {"peeled": peeled, "decs": None, "final": None, "rest": rest}


def _doc(d: int, steps: list[_Step], final: list[Any]) -> dict[str, Any]:
    def aff(w: list[list[Fraction]], b: list[Fraction]) -> dict[str, Any]:
        return {"affine": {"weight": [[str(v) for v in r] for r in w], "bias": [str(v) for v in b]}}

    layers: list[dict[str, Any]] = []
    for w, b, key, specs in steps:
        layers.append(aff(w, b))
        layers.append({"pool": "hadamard"} if key == "pool" else
                      {"act": [n if a is None else {n: str(a)} for n, a in specs]})
    layers.append(aff(final[0], final[1]))
    return {"format": "netproof/1", "input_dim": d, "layers": layers}


def _same_network(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal after reading (numbers compared as rationals, activations expanded per unit)."""
    return _read(a) == _read(b)


# -- constants ------------------------------------------------------------------------------
def _const_ball(dec: _Dec, prec: int) -> arb:
    with flint.ctx.workprec(prec):
        total = _a(dec.c)
        for (kind, b), c in dec.consts.items():
            t = _a(b)
            s = _sig(t)
            val = {"S": s, "L": t * s, "P": t.exp().log1p(), "G": t * (-t / arb(2).sqrt()).erfc() / 2,
                   "E": t.exp(), "N": t.sin()}[kind]
            total += _a(c) * val
        return total


def _recorded(decs_json: list[dict[str, Any]]) -> list[tuple[set[Any], set[Any], list[str], str]]:
    out = []
    for dj in decs_json:
        cls = {(c["kind"], tuple(str(q(v)) for v in c["w"]), str(q(c["b"])), str(q(c["coeff"]))) for c in dj["classes"]}
        cst = {(c["kind"], str(q(c["b"])), str(q(c["coeff"]))) for c in dj["constants"]}
        out.append((cls, cst, [str(q(v)) for v in dj["linear"]], str(q(dj["constant"]))))
    return out


def _dec_nonzero(dec: _Dec, ev: dict[str, Any]) -> bool:
    """Whether the first-layer decomposition proves the output nonzero (exactly, or by a constant ball)."""
    if dec.nz_classes() or any(dec.lin):
        return True
    if not dec.nz_consts():
        return dec.c != 0
    enc = ev.get("constant_enclosure") or {}
    ball = _const_ball(dec, int(enc.get("prec", 64)))
    return bool(ball > 0 or ball < 0)


def _dec_zero(dec: _Dec) -> bool:
    return not dec.nz_classes() and not any(dec.lin) and not dec.nz_consts() and dec.c == 0


# -- polynomials ----------------------------------------------------------------------------
def _expand(doc: dict[str, Any]) -> list[dict[tuple[int, ...], Fraction]]:
    d, layers = _read(doc)
    P = dict[tuple[int, ...], Fraction]

    def mul(p: P, r: P) -> P:
        out: P = {}
        for m1, a in p.items():
            for m2, c in r.items():
                m = tuple(x + y for x, y in zip(m1, m2))
                out[m] = out.get(m, _Z) + a * c
        return {m: v for m, v in out.items() if v}

    z: list[P] = [{tuple(int(i == j) for j in range(d)): _ONE} for i in range(d)]
    for key, body in layers:
        if key == "affine":
            new = []
            for row, bi in zip(*body):
                p: P = {(0,) * d: bi}
                for c, r in zip(row, z):
                    for m, v in r.items():
                        p[m] = p.get(m, _Z) + c * v
                new.append({m: v for m, v in p.items() if v})
            z = new
        elif key == "act":
            if any(n not in ("identity", "square") for n, _ in body):
                raise CheckFailed("not a polynomial network")
            z = [mul(p, p) if n == "square" else p for (n, _), p in zip(body, z)]
        else:
            k = len(z) // 2
            z = [mul(z[i], z[i + k]) for i in range(k)]
    return z


