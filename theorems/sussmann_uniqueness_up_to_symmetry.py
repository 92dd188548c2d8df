r"""Sussmann: irreducible one-hidden-layer tanh networks are determined by their function up to symmetry.

Statement [STD: H. J. Sussmann, "Uniqueness of the weights for minimal feedforward nets with a given
input-output map", Neural Networks 5 (1992) 589-593; generalised by Albertini, Sontag & Maillot
(1993); MATH.md §7 item 3]: let
$f(x)=c_0+\sum_{j=1}^n c_j\tanh(w_j\cdot x+b_j)$ and $g$ likewise, both *irreducible* (no $c_j=0$, no
$w_j=0$, no $(w_i,b_i)=\pm(w_j,b_j)$ for $i\neq j$). Then
$$f\equiv g\iff g \text{ arises from } f \text{ by a permutation of the hidden units and sign flips }
(w_j,b_j,c_j)\mapsto(-w_j,-b_j,-c_j).$$

On an instance $(f,g)$ the check decides the symmetry relation combinatorially (exact) and decides
$f-g\equiv0$ with the exact one-hidden-layer zero decision (``verify.zero``); the statement holds on
the instance when the two answers agree. Dropping "irreducible" breaks it: the search finds equal
networks that are not related by the symmetries (a unit split into two with the same $(w,b)$).
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from theorems._common import Instance, engine, theorem_verdict, timed, weakened
from verify.layers import Affine
from verify.network import Network
from verify.verdict import Status, Verdict

NAME = "sussmann_uniqueness_up_to_symmetry"
SOURCE = "[STD] Sussmann 1992; Albertini-Sontag-Maillot 1993 (MATH.md §7.3)"
TITLE = "irreducible tanh nets: equal <=> permutation + sign flips"
DROPPED = "irreducible"  # the hypothesis search_counterexample drops

Unit = tuple[tuple[Fraction, ...], Fraction, Fraction]  # (w, b, c)


def tanh_net(units: list[Unit], c0: Any = 0) -> Network:
    """c0 + sum_j c_j tanh(w_j . x + b_j)."""
    return Network.mlp([[list(w) for w, _, _ in units], [[c for _, _, c in units]]], [[b for _, b, _ in units], [c0]], "tanh")


def units_of(net: Network) -> tuple[list[Unit], Fraction]:
    """The (w, b, c) units and output bias of a one-hidden-layer network."""
    first, last = net.layers[0], net.layers[-1]
    assert isinstance(first, Affine) and isinstance(last, Affine)
    units = [(tuple(first.weight[j]), first.bias[j], last.weight[0][j]) for j in range(first.out_dim)]
    return units, last.bias[0]


def _canonical(u: Unit) -> Unit:
    w, b, c = u
    lead = next((x for x in (*w, b) if x != 0), Fraction(0))
    return (tuple(-x for x in w), -b, -c) if lead < 0 else u


def irreducible(net: Network) -> bool:
    """Sussmann's irreducibility: no c_j = 0, no w_j = 0, no (w_i, b_i) = +-(w_j, b_j)."""
    units, _ = units_of(net)
    keys = [_canonical(u)[:2] for u in units]
    return all(c != 0 and any(x != 0 for x in w) for w, _, c in units) and len(set(keys)) == len(keys)


def related(f: Network, g: Network) -> bool:
    """Whether g is f up to a permutation of hidden units and sign flips (exact, combinatorial)."""
    (uf, cf), (ug, cg) = units_of(f), units_of(g)
    return cf == cg and sorted(map(_canonical, uf)) == sorted(map(_canonical, ug))


def _random_units(rng: random.Random, n: int, d: int) -> list[Unit]:
    seen: set[Any] = set()
    out: list[Unit] = []
    while len(out) < n:
        w = tuple(Fraction(rng.randint(-3, 3), rng.randint(1, 2)) for _ in range(d))
        b, c = Fraction(rng.randint(-3, 3), 2), Fraction(rng.choice([-2, -1, 1, 3]), rng.randint(1, 3))
        key = _canonical((w, b, c))[:2]
        if any(w) and key not in seen:
            seen.add(key)
            out.append((w, b, c))
    return out


def _flip_permute(units: list[Unit], rng: random.Random) -> list[Unit]:
    out = [(tuple(-x for x in w), -b, -c) if rng.random() < 0.5 else (w, b, c) for w, b, c in units]
    rng.shuffle(out)
    return out


def instances(quick: bool = True) -> list[Instance]:
    """An irreducible net against a flipped/permuted copy (equal) and a perturbed copy (different)."""
    rng = random.Random(1992)
    base = _random_units(rng, 3, 2)
    f = tanh_net(base, Fraction(1, 2))
    perturbed = [(base[0][0], base[0][1] + Fraction(1, 10**6), base[0][2]), *base[1:]]
    out = [
        Instance("f vs permuted + sign-flipped f", {"f": f, "g": tanh_net(_flip_permute(base, rng), Fraction(1, 2))}),
        Instance("f vs f with b_1 + 10^-6", {"f": f, "g": tanh_net(perturbed, Fraction(1, 2))}),
    ]
    if not quick:
        big = _random_units(rng, 6, 3)
        out.append(Instance("width 6, d = 3, flipped", {"f": tanh_net(big), "g": tanh_net(_flip_permute(big, rng))}))
    return out


def strategy() -> st.SearchStrategy[Instance]:
    """Seeded random irreducible pairs: related copies or perturbed copies."""

    def build(seed: int, perturb: bool) -> Instance:
        rng = random.Random(seed)
        base = _random_units(rng, rng.randint(1, 3), rng.randint(1, 2))
        other = _flip_permute(base, rng)
        if perturb:
            w, b, c = other[0]
            other[0] = (w, b, c + Fraction(1, 7))
        return Instance(f"seed {seed}", {"f": tanh_net(base), "g": tanh_net(other)})

    return st.builds(build, st.integers(0, 10**6), st.booleans())


@timed
def check(instance: Instance, *, require_irreducible: bool = True) -> Verdict:
    """Decide 'f == g' (exact zero decision of f - g) and 'related'; PROVED when they agree."""
    f, g = instance["f"], instance["g"]
    data = {"f": f.to_dict(), "g": g.to_dict()}
    rel = related(f, g)
    text = f"f == g iff related by symmetries (here: {'related' if rel else 'not related'})"
    if require_irreducible and not (irreducible(f) and irreducible(g)):
        return theorem_verdict(NAME, Status.UNKNOWN, text, data=data, reason="an input network is reducible")
    z = engine("zero", "is_identically_zero")(f - g)
    facts = [f"related by permutation and sign flips: {rel} (exact)"]
    if z.unknown:
        return theorem_verdict(NAME, Status.UNKNOWN, text, data=data, certificates=[z], reason=z.reason)
    equal = z.proved
    facts.append("f - g is identically zero (exact decision)" if equal else "f - g != 0 at the witness (rigorous)")
    status = Status.PROVED if equal == rel else Status.REFUTED
    return theorem_verdict(
        NAME, status, text, data=data, certificates=[z], witness=z.witness, facts=facts, method="exact zero decision"
    )


def search_counterexample(budget: int = 20, *, seed: int = 0) -> Verdict | None:
    """Drop "irreducible": split one unit of a random net into two halves with the same (w, b)."""
    rng = random.Random(seed)
    for _ in range(budget):
        base = _random_units(rng, rng.randint(1, 3), rng.randint(1, 2))
        w, b, c = base[0]
        split = [(w, b, c / 2), (w, b, c / 2), *base[1:]] if rng.random() < 0.5 else [(w, b, c), *base[1:], (w, b, Fraction(0))]
        v = check(Instance("reducible split", {"f": tanh_net(base), "g": tanh_net(split)}), require_irreducible=False)
        if v.refuted:
            return weakened(v, '"irreducible"')
    return None
