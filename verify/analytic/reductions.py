"""Exact structural reductions of networks, layer by layer from the top.

A network in normal form is ``A_1, N_1, A_2, N_2, ..., N_K, F`` (affine maps merged,
``N_k`` an activation layer or a pooling layer). Two exact rewrites are used:

* **dedupe** (bottom-up, every activation layer): units that compute the same function of
  the previous state merge, their outgoing columns added: equal ``(act, w, b)``; opposite
  ``(w, b)`` for odd units (tanh, sin, identity: ``rho(-u) = -rho(u)``), even units
  (square), sigmoid (``sigma(-u) = 1 - sigma(u)``), and silu/softplus/gelu
  (``rho(-u) = rho(u) - u``, the ``- u`` carried by a new identity unit); units with a
  zero outgoing column are removed; units with a zero incoming row are constants and fold
  into the next bias when their value is rational; pooled products ``u_i v_i`` merge when
  equal up to order and signs of the factors (``u v = v u``, ``(-u) v = -(u v)``); a final
  map that ignores every hidden unit makes the output its (constant) bias;
* **peel** (the top activation layer): each output is written in the canonical sigmoid basis
  over the previous state ``z`` (:mod:`verify.analytic.onelayer`). If every merged
  coefficient vanishes, the output equals the affine remainder ``L z + c``, which is a
  network with one activation layer fewer. On the first layer (``z = x``) the
  independence theorem makes the decision complete.

Every rewrite is an exact identity, so PROVED from a chain of them is sound.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.activations import Activation
from verify.analytic.onelayer import SUPPORTED, Decomposition, decompose
from verify.layers import Act, Affine, Layer, Pool

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["NormalForm", "normal_form", "dedupe", "peel"]

_ZERO, _ONE = Fraction(0), Fraction(1)
_ODD = frozenset({"tanh", "sin", "identity"})
_SHIFTED = frozenset({"silu", "softplus", "gelu", "relu"})  # rho(-u) = rho(u) - u
_EVEN = frozenset({"square", "abs"})
_EXACT_AT_ZERO = {"sigmoid": Fraction(1, 2), "tanh": _ZERO, "silu": _ZERO, "swish": _ZERO, "gelu": _ZERO,
                  "sin": _ZERO, "exp": _ONE, "relu": _ZERO, "leaky_relu": _ZERO, "prelu": _ZERO, "abs": _ZERO,
                  "hardtanh": _ZERO}


@dataclass
class NormalForm:
    """``steps[k] = (W, b, layer)``: state ``z -> layer(W z + b)``; then ``final = (W, b)``."""

    input_dim: int
    steps: list[tuple[list[list[Fraction]], list[Fraction], Act | Pool]]
    final: tuple[list[list[Fraction]], list[Fraction]]

    def to_network(self) -> Network:
        from verify.network import Network

        layers: list[Layer] = []
        for w, b, layer in self.steps:
            layers += [Affine(w, b), layer]
        w, b = self.final
        layers.append(Affine(w, b))
        return Network(self.input_dim, tuple(layers))

    def state_dim(self, k: int) -> int:
        """Width of the state entering step ``k`` (``k = len(steps)`` is the final map)."""
        if k == 0:
            return self.input_dim
        w, _, layer = self.steps[k - 1]
        return len(w) // 2 if isinstance(layer, Pool) else len(w)


def normal_form(net: Network) -> NormalForm:
    """Merge consecutive affine layers and insert identities, giving ``A_1, N_1, ..., N_K, F``.

    >>> from verify import Network
    >>> nf = normal_form(Network.mlp([[[1]], [[2]], [[3]]], [[0], [0], [1]], "tanh"))
    >>> len(nf.steps), nf.final
    (2, ([[Fraction(3, 1)]], [Fraction(1, 1)]))
    """
    steps: list[tuple[list[list[Fraction]], list[Fraction], Act | Pool]] = []
    n = net.input_dim
    cur: Affine | None = None  # None stands for the identity (no O(n^2) products with it)
    for layer in net.layers:
        if isinstance(layer, Affine):
            cur = layer if cur is None else cur.then(layer)
        else:
            cur = cur or Affine.identity(n)
            w, b = [list(r) for r in cur.weight], list(cur.bias)
            if isinstance(layer, Act):
                layer = Act(layer.expanded(len(w)))
            steps.append((w, b, layer))
            n = len(w) // 2 if isinstance(layer, Pool) else len(w)
            cur = None
    cur = cur or Affine.identity(n)
    return NormalForm(net.input_dim, steps, ([list(r) for r in cur.weight], list(cur.bias)))


def _next_map(nf: NormalForm, k: int) -> tuple[list[list[Fraction]], list[Fraction]]:
    return (nf.steps[k + 1][0], nf.steps[k + 1][1]) if k + 1 < len(nf.steps) else nf.final


def _dedupe_layer(nf: NormalForm, k: int) -> int:
    """Merge equal/opposite units of activation step ``k``; return how many units were removed."""
    w, b, layer = nf.steps[k]
    assert isinstance(layer, Act)
    nw, nb = _next_map(nf, k)
    acts = list(layer.expanded(len(w)))
    rows, biases = [tuple(r) for r in w], list(b)
    cols = [[row[j] for row in nw] for j in range(len(rows))]
    kept: dict[tuple[Activation, tuple[Fraction, ...], Fraction], int] = {}
    alive = [False] * len(rows)
    j = 0
    while j < len(rows):
        act, r, bb, col = acts[j], rows[j], biases[j], cols[j]
        neg = (act, tuple(-v for v in r), -bb)
        zero_row = all(v == 0 for v in r)
        if zero_row and (act.name in ("identity", "square") or (bb == 0 and act.name in _EXACT_AT_ZERO)):
            value = bb if act.name == "identity" else bb * bb if act.name == "square" else _EXACT_AT_ZERO[act.name]
            for i in range(len(nb)):
                nb[i] += col[i] * value
        elif (act, r, bb) in kept:
            t = kept[(act, r, bb)]
            cols[t] = [x + y for x, y in zip(cols[t], col)]
        elif neg in kept and (act.name in _ODD or act.name in _EVEN or act.name == "sigmoid" or act.name in _SHIFTED):
            t = kept[neg]
            sign = _ONE if act.name in _EVEN or act.name in _SHIFTED else -_ONE
            cols[t] = [x + sign * y for x, y in zip(cols[t], col)]
            if act.name == "sigmoid":  # sigma(-u) = 1 - sigma(u)
                for i in range(len(nb)):
                    nb[i] += col[i]
            if act.name in _SHIFTED:  # rho(u_j) = rho(-u_t) = rho(u_t) - u_t: an identity unit carries -u_t
                acts.append(Activation("identity"))
                rows.append(neg[1])
                biases.append(-bb)
                cols.append([-y for y in col])
                alive.append(False)
        else:
            kept[(act, r, bb)] = j
            alive[j] = True
        j += 1
    keep = [i for i in range(len(rows)) if alive[i] and any(v != 0 for v in cols[i])]
    new_w = [list(rows[i]) for i in keep]
    new_b = [biases[i] for i in keep]
    if not keep:  # keep one dead unit so the shapes stay valid
        keep, new_w, new_b = [0], [[_ZERO] * len(rows[0])], [_ZERO]
        acts[0], cols[0] = Activation("identity"), [_ZERO] * len(nb)
    new_next = [[cols[i][o] for i in keep] for o in range(len(nb))]
    nf.steps[k] = (new_w, new_b, Act(tuple(acts[i] for i in keep)))
    if k + 1 < len(nf.steps):
        nf.steps[k + 1] = (new_next, nb, nf.steps[k + 1][2])
    else:
        nf.final = (new_next, nb)
    return len(w) - len(keep)


def _factor(row: list[Fraction], b: Fraction) -> tuple[tuple[Fraction, ...], int]:
    """A pooling factor ``row . z + b`` up to sign: (canonical coefficients, sign); sign 0 for the zero factor."""
    coeffs = (*row, b)
    lead = next((v for v in coeffs if v != 0), None)
    if lead is None:
        return coeffs, 0
    return (coeffs, 1) if lead > 0 else (tuple(-v for v in coeffs), -1)


def _dedupe_pool(nf: NormalForm, k: int) -> int:
    """Merge products ``u_i v_i`` equal up to sign (``u v = v u``, ``(-u) v = -(u v)``); drop zero ones."""
    w, b, _ = nf.steps[k]
    half = len(w) // 2
    nw, nb = _next_map(nf, k)
    cols = [[row[i] for row in nw] for i in range(half)]
    seen: dict[tuple[Any, Any], tuple[int, int]] = {}
    keep: list[int] = []
    for i in range(half):
        (fu, su), (fv, sv) = _factor(w[i], b[i]), _factor(w[i + half], b[i + half])
        if su == 0 or sv == 0:
            continue  # a zero factor: the product is 0
        key = (fu, fv) if repr(fu) <= repr(fv) else (fv, fu)
        if key in seen:
            t, st = seen[key]
            cols[t] = [x + su * sv * st * y for x, y in zip(cols[t], cols[i])]
        else:
            seen[key] = (i, su * sv)
            keep.append(i)
    live = [i for i in keep if any(cols[i])]
    removed = half - len(live)
    if not live:  # one zero product keeps the shapes valid
        zero_row = [_ZERO] * len(w[0])
        nf.steps[k] = ([zero_row, list(zero_row)], [_ZERO, _ZERO], Pool())
        _set_next(nf, k, [[_ZERO] for _ in nb], nb)
        return removed
    rows = [w[i] for i in live] + [w[i + half] for i in live]
    nf.steps[k] = (rows, [b[i] for i in live] + [b[i + half] for i in live], Pool())
    _set_next(nf, k, [[cols[i][o] for i in live] for o in range(len(nb))], nb)
    return removed


def _set_next(nf: NormalForm, k: int, w: list[list[Fraction]], b: list[Fraction]) -> None:
    if k + 1 < len(nf.steps):
        nf.steps[k + 1] = (w, b, nf.steps[k + 1][2])
    else:
        nf.final = (w, b)


def dedupe(nf: NormalForm) -> list[str]:
    """Apply the dedupe rewrite to every activation and pooling layer, bottom-up; return the steps taken.

    When the final affine map ends up ignoring its input, every step is dropped (the output is its bias).

    >>> from verify import Network
    >>> nf = normal_form(Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], [0]], "tanh"))   # tanh(x) + tanh(-x)
    >>> dedupe(nf)
    ['layer 1: merged or removed 1 units', 'the output ignores every hidden unit: constant']
    >>> nf.steps, nf.final
    ([], ([[Fraction(0, 1)]], [Fraction(0, 1)]))
    """
    notes = []
    for k in range(len(nf.steps)):
        removed = _dedupe_layer(nf, k) if isinstance(nf.steps[k][2], Act) else _dedupe_pool(nf, k)
        if removed:
            notes.append(f"layer {k + 1}: merged or removed {removed} units")
    fw, fb = nf.final
    if nf.steps and not any(any(r) for r in fw):
        nf.steps = []
        nf.final = ([[_ZERO] * nf.input_dim for _ in fb], fb)
        notes.append("the output ignores every hidden unit: constant")
    return notes


def peel(nf: NormalForm) -> list[Decomposition] | None:
    """Decompose every output over the state entering the top activation layer; None if not applicable.

    >>> from verify import Network
    >>> [d.nonzero_classes() for d in peel(normal_form(Network.mlp([[[1]], [[3]]], [[0], [0]], "sigmoid")))]
    [{('S', (Fraction(1, 1),), Fraction(0, 1)): Fraction(3, 1)}]
    """
    if not nf.steps:
        return None
    w, b, layer = nf.steps[-1]
    if not isinstance(layer, Act):
        return None
    acts = layer.expanded(len(w))
    if any(a.name not in SUPPORTED for a in acts):
        return None
    fw, fb = nf.final
    rows = tuple(tuple(r) for r in w)
    return [decompose(acts, rows, tuple(b), tuple(fr), fbi) for fr, fbi in zip(fw, fb)]


def remainder(nf: NormalForm, decs: list[Decomposition]) -> NormalForm:
    """The network ``L z + c`` left when every merged class of ``decs`` vanishes (the top layer removed)."""
    final = ([list(d.linear) for d in decs], [d.constant for d in decs])
    return NormalForm(nf.input_dim, nf.steps[:-1], final)


def summary(nf: NormalForm) -> dict[str, Any]:
    """Sizes of a normal form, for evidence."""
    return {"steps": [("pool" if isinstance(l, Pool) else f"act[{len(w)}]") for w, _, l in nf.steps],
            "outputs": len(nf.final[0])}
