"""Global group lemmas along a line: first-layer units with parallel hyperplanes, split in one variable.

A global lemma (see :mod:`verify.splittree`) bounds ``sgn * sum_{j in G} W[u][j] out_j`` on all of R^d. When
every unit of the group G is a first-layer unit whose pre-activation is ``lam_j * t + c_j`` with one common
``t = a.x`` (parallel hyperplanes), every cell of its split tree is a slab ``L <= t <= U`` and every row is
``mu * a`` for a scalar ``mu``: each bound is a single row with the multiplier ``sigma / mu``. This module
builds that split tree directly, in the engine's order (the units of G in turn, one child per reachable piece,
the lower breakpoint row before the upper one), without LPs, interior points or cell copies. The tree has
the same shape as the engine's, so :mod:`verify.checker.pl` re-checks it with Fractions unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verify.cells import LemmaFailed, NeedsSplit, Plan, Unit
from verify.exactlp import to_fraction

__all__ = ["line_scalars", "line_lemma", "line_slab", "line_shape", "relabel"]

# one end of the slab: (value of t, index of the row giving it, that row's scalar mu); None = infinite
End = tuple[Any, int, Any] | None


def line_scalars(plan: Plan, G: list[int]) -> list[Any] | None:
    """Scalars lam_j with W0[j] = lam_j * W0[G[0]] for all j in G (exactly), or None if some row is not parallel.

    >>> from verify import Network
    >>> from verify.cells import make_plan
    >>> plan = make_plan(Network.mlp([[[1, 2], [-2, -4], [1, 0]], [[1, 1, 1]]], [[0, 1, 0], [0]]))
    >>> line_scalars(plan, [0, 1]), line_scalars(plan, [0, 2])
    ([mpq(1,1), mpq(-2,1)], None)
    """
    W0 = plan.W[0]
    a = W0[G[0]]
    k = next((t for t, v in enumerate(a) if v), None)
    if k is None:
        return None
    lams = [W0[j][k] / a[k] for j in G]
    if any(any(W0[j][t] != lam * a[t] for t in range(len(a))) for j, lam in zip(G, lams)):
        return None
    return lams


def _piece_at(pcs: list[Any], z: Any, upper: bool) -> int:
    """The piece reached at z from below (upper=False: z at a breakpoint belongs to the upper piece) or above."""
    for k, (_, hi, _, _) in enumerate(pcs):
        if hi is None or z < hi or (upper and z == hi):
            return k  # pieces are ordered and cover R: the first whose upper end is not below z
    raise AssertionError("the pieces of an activation cover R")


def _cert(sigma: Any, lo: End, hi: End) -> list[list[Any]]:
    """Multipliers proving max of (sigma * t) over the slab, i.e. sigma * U (sigma > 0) or sigma * L (sigma < 0)."""
    end = hi if sigma > 0 else lo
    if not sigma:
        return []
    assert end is not None
    return [[end[1], to_fraction(sigma / end[2])]]


def line_slab(A: list[list[Any]], b: list[Any], a: Any) -> tuple[End, End]:
    """The slab L <= a.x <= U implied by the single rows of ``A x <= b`` parallel to ``a`` (ends with row indices).

    >>> from verify.exactlp import Q
    >>> line_slab([[Q(2), Q(0)], [Q(0), Q(1)], [Q(-1), Q(0)]], [Q(4), Q(1), Q(3)], [Q(1), Q(0)])
    ((mpq(-3,1), 2, mpq(-1,1)), (mpq(2,1), 0, mpq(2,1)))
    """
    k = next(t for t, v in enumerate(a) if v)
    lo: End = None
    hi: End = None
    for r, (row, rhs) in enumerate(zip(A, b)):
        if not row[k]:
            continue
        mu = row[k] / a[k]
        if any(row[t] != mu * a[t] for t in range(len(a))):
            continue
        t = rhs / mu
        if mu > 0 and (hi is None or t < hi[0]):
            hi = (t, r, mu)
        elif mu < 0 and (lo is None or t > lo[0]):
            lo = (t, r, mu)
    return lo, hi


def line_lemma(plan: Plan, u: Unit, G: list[int], sgn: int, lams: list[Any], tick: Callable[[], None], *,
               slab: tuple[End, End] = (None, None), nrows: int = 0,
               nosplit: bool = False) -> tuple[Any, dict[str, Any]]:
    """(bound, split tree) of max of sgn * sum_{j in G} W[u][j] out_j over a cell; LemmaFailed when unbounded.

    ``lams`` from :func:`line_scalars`; ``tick`` is called once per node (the engine's budget and deadline).
    The cell is all of R^d by default; else a cell with ``nrows`` rows whose parallel rows give ``slab``
    (:func:`line_slab`), the other rows unused. ``nosplit``: NeedsSplit instead of a split.

    >>> from verify import Network
    >>> from verify.cells import make_plan
    >>> hat = make_plan(Network.mlp([[[1], [1], [1]], [[1, -2, 1]], [[1]]], [[1, 0, -1], [0], [0]]))  # relu(hat)
    >>> bound, tree = line_lemma(hat, (1, 0), [0, 1, 2], 1, line_scalars(hat, [0, 1, 2]), lambda: None)
    >>> bound, len(tree["split"])  # max of the hat is 1; the first unit splits R at x = -1
    (mpq(1,1), 2)
    """
    spec = plan.units[0]
    Wu = plan.W[u[0]][u[1]]
    c0 = plan.c[0]

    def leaf(fixed: dict[int, int], lo: End, hi: End, node: dict[str, Any]) -> Any:
        sigma, const = 0, 0
        for j, lam in zip(G, lams):
            _, _, s, e = spec[j].pieces[fixed[j]]
            sigma += Wu[j] * s * lam
            const += Wu[j] * (s * c0[j] + e)
        sigma, const = sgn * sigma, sgn * const
        if (sigma > 0 and hi is None) or (sigma < 0 and lo is None):
            raise LemmaFailed
        node["leaf"] = "gbound"
        node["y"] = _cert(sigma, lo, hi)
        if not sigma:
            return const
        end = hi if sigma > 0 else lo
        assert end is not None
        return sigma * end[0] + const

    def walk(idx: int, fixed: dict[int, int], nrows: int, lo: End, hi: End, node: dict[str, Any]) -> Any:
        tick()
        for n in range(idx, len(G)):
            j, lam, c = G[n], lams[n], c0[G[n]]
            pcs = spec[j].pieces
            tl = None if lo is None else lam * lo[0] + c
            th = None if hi is None else lam * hi[0] + c
            zmin, zmax = (tl, th) if lam > 0 else (th, tl)
            qa = 0 if zmin is None else _piece_at(pcs, zmin, False)
            qb = len(pcs) - 1 if zmax is None else _piece_at(pcs, zmax, True)
            rec: dict[str, Any] = {"unit": [0, j], "pieces": [qa, qb]}
            if pcs[qa][0] is not None:
                rec["lo"] = _cert(-lam, lo, hi)
            if pcs[qb][1] is not None:
                rec["hi"] = _cert(lam, lo, hi)
            node["seq"].append(rec)
            if qa == qb:
                fixed[j] = qa
                continue
            if nosplit:
                raise NeedsSplit
            kids: list[dict[str, Any]] = []
            node["split"] = kids
            best = None
            for q in range(qa, qb + 1):
                clo, chi, r = lo, hi, nrows
                for mu, beta in ([(-lam, c - pcs[q][0])] if q > qa else []) + \
                                ([(lam, pcs[q][1] - c)] if q < qb else []):
                    t = beta / mu  # mu * t <= beta
                    if mu > 0 and (chi is None or t < chi[0]):
                        chi = (t, r, mu)
                    elif mu < 0 and (clo is None or t > clo[0]):
                        clo = (t, r, mu)
                    r += 1
                kid: dict[str, Any] = {"seq": []}
                kids.append(kid)
                v = walk(n + 1, {**fixed, j: q}, r, clo, chi, kid)
                best = v if best is None or v > best else best
            return best
        return leaf(fixed, lo, hi, node)

    tree: dict[str, Any] = {"seq": []}
    return walk(0, {}, nrows, slab[0], slab[1], tree), tree


def line_shape(plan: Plan, u: Unit, G: list[int], sgn: int, lams: list[Any]) -> Any:
    """A key equal for groups whose global line lemmas have the same tree up to the names of their units.

    The lemma on all of R^d depends on the group only through t -> sum_j W[u][j] act_j(lam_j t + c_j); a
    translation t -> t + s changes every c_j by -lam_j s and leaves the tree (pieces, split rows, multipliers
    sigma / mu) and the bound unchanged, so the key keeps the offsets c_j - lam_j c_{G[0]} (lam_{G[0]} = 1).

    >>> from verify import Network
    >>> from verify.cells import make_plan
    >>> two = make_plan(Network.mlp([[[1], [1], [1], [1]], [[1, -1, 0, 0], [0, 0, 1, -1]], [[1, 1]]],
    ...                             [[0, -1, 5, 4], [0, 0], [0]]))  # relu(x) - relu(x - 1) and its copy at x + 5
    >>> line_shape(two, (1, 0), [0, 1], 1, [1, 1]) == line_shape(two, (1, 1), [2, 3], 1, [1, 1])
    True
    """
    spec, Wu, c0 = plan.units[0], plan.W[u[0]][u[1]], plan.c[0]
    tau = c0[G[0]]
    return sgn, tuple((lam, Wu[j], id(spec[j]), c0[j] - lam * tau) for j, lam in zip(G, lams))


def relabel(tree: dict[str, Any], names: dict[int, int]) -> dict[str, Any]:
    """A copy of a line lemma's tree with first-layer unit j renamed names[j] (see :func:`line_shape`)."""
    out: dict[str, Any] = {"seq": [{**rec, "unit": [0, names[rec["unit"][1]]]} for rec in tree["seq"]]}
    if "split" in tree:
        out["split"] = [relabel(kid, names) for kid in tree["split"]]
    for key in ("leaf", "y"):
        if key in tree:
            out[key] = tree[key]
    return out
