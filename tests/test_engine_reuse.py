"""What the support engine reuses between sibling units, and why each reuse is sound.

* relaxation LPs with the same rows and objective share their dual solution (weak duality);
* global line lemmas of translated groups share one tree, relabelled;
* the float leak screen agrees with exact evaluation; a half-space root cell gets an interior point.

Each reuse must leave the verdict and the checkability of the certificate unchanged, so the facts
checked here are about sums of translated bumps, whose support is known exactly.
"""

from __future__ import annotations

import gc
from fractions import Fraction as F

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.box import Box
from verify.checker import check
from verify.network import Network
from verify.strategies import relu_networks
from verify.support import prove_support_in


def bumps(centres: list[tuple[F, F]], kind: str) -> Network:
    """Sum of bumps with support the diamond |x1 - c1| + |x2 - c2| <= 1 around each centre.

    diamond: relu(1 - |x1 - c1| - |x2 - c2|); hat: relu(h(x1 - c1) + h(x2 - c2) - 1) with the 1-D hat
    h(t) = relu(t + 1) - 2 relu(t) + relu(t - 1) = max(0, 1 - |t|): h1 + h2 > 1 iff |t1| + |t2| < 1.
    """
    W1: list[list[int]] = []
    b1: list[F] = []
    W2: list[list[int]] = []
    b2: list[int] = []
    for c in centres:
        row = [0] * (len(centres) * (6 if kind == "hat" else 4))
        for i in range(2):
            e = [1 if t == i else 0 for t in range(2)]
            if kind == "hat":
                for off, w in ((1, 1), (0, -2), (-1, 1)):
                    row[len(W1)] = w
                    W1.append(e)
                    b1.append(off - c[i])
            else:
                for s in (1, -1):
                    row[len(W1)] = -1
                    W1.append([s * v for v in e])
                    b1.append(-s * c[i])
        W2.append(row)
        b2.append(-1 if kind == "hat" else 1)
    return Network.mlp([W1, W2, [[1] * len(centres)]], [b1, b2, [0]])


halves = st.integers(-8, 8).map(lambda k: F(k, 2))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(halves, halves), min_size=1, max_size=5), st.sampled_from(["hat", "diamond"]),
       st.tuples(halves, halves, st.integers(0, 10), st.integers(0, 10)))
def test_translated_bumps_are_proved_exactly_when_every_diamond_lies_in_K(centres, kind, box) -> None:  # type: ignore[no-untyped-def]
    """f >= 0 is a sum of bumps, so supp f is the union of the diamonds: f = 0 outside K iff each diamond's
    bounding square [c - 1, c + 1]^2 lies in K. Translated copies exercise the shared duals and trees."""
    net = bumps(centres, kind)
    lo = (box[0], box[1])
    K = Box(lo, (lo[0] + F(box[2], 2), lo[1] + F(box[3], 2)))
    inside = all(K.lower[i] <= c[i] - 1 and c[i] + 1 <= K.upper[i] for c in centres for i in range(2))
    v = prove_support_in(net, K)
    assert v.status.value == ("proved" if inside else "refuted")
    assert check(v.to_json())
    if not inside:
        x = v.witness.point
        assert not K.contains(x) and net.eval_exact(x)[0] > 0


def test_translated_diamonds_solve_one_relaxation_lp_per_shape() -> None:
    """The relaxation of every bump on a root piece has the same rows and objective (only the right-hand
    side moves with the centre), so the LPs solved do not grow with the number of bumps."""
    lps = {}
    for n in (1, 4, 16):
        centres = [(F(k), F(-k, 2)) for k in range(n)]
        net = bumps(centres, "diamond")
        v = prove_support_in(net, Box((-2, -n), (n + 1, 2)))
        assert v.proved and check(v.to_json())
        lps[n] = v.evidence["lps"]
    assert 0 < lps[1] and lps[16] == lps[4] == lps[1]


def test_a_cached_dual_that_is_too_weak_falls_back_to_the_lp() -> None:
    from verify.cells import make_plan
    from verify.exactlp import Q
    from verify.splitengine import Engine

    eng = Engine(make_plan(Network.mlp([[[1]]], [[0]])), lazy=True, certify=True)
    key = ("max x subject to x <= b1, x <= b2",)
    eng.duals[key] = [(Q(1), Q(0))]  # optimal for b = (1, 3): the bound y.b = b1
    assert eng._cached_dual(key, [Q(1), Q(3)], Q(1)) == (Q(1), Q(0))
    assert eng._cached_dual(key, [Q(5), Q(2)], Q(2)) is None  # y.b = 5 > 2, although max x = 2 here
    assert eng._cached_dual(("another objective",), [Q(1), Q(3)], Q(10)) is None


def test_a_relaxation_dual_is_reused_only_for_identical_rows() -> None:
    """A bump at 0 and one at (6, 0) whose first-layer rows are doubled (relu(1 - 2|x1 - 6| - 2|x2|)): the
    lifted systems differ in their rows, so no dual is shared; both proofs hold and check."""
    a = bumps([(F(0), F(0)), (F(6), F(0))], "diamond")
    W1 = [list(row) if k < 4 else [2 * v for v in row] for k, row in enumerate(a.layers[0].weight)]
    b1 = [v if k < 4 else 2 * v for k, v in enumerate(a.layers[0].bias)]
    net = Network.mlp([W1, [list(r) for r in a.layers[2].weight], [[1, 1]]], [b1, list(a.layers[2].bias), [0]])
    assert net.eval_exact((F(6), F(1, 4))) == (F(1, 2),)
    v = prove_support_in(net, Box((-2, -2), (8, 2)))
    assert v.proved and check(v.to_json())
    same = prove_support_in(a, Box((-2, -2), (8, 2)))
    assert v.evidence["lps"] > same.evidence["lps"] > 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, -1, 2, F(1, 2)]), st.integers(-4, 4), st.sampled_from([1, -2, 3])),
                min_size=1, max_size=4), st.integers(-6, 6), st.sampled_from([1, -1]),
       st.sampled_from(["relu", "abs", "hardtanh", {"leaky_relu": "1/4"}]))
def test_a_relabelled_global_line_lemma_is_the_lemma_of_the_translated_group(units, shift, sgn, act) -> None:  # type: ignore[no-untyped-def]
    """Group G' = G translated by s along x1 (c_j -> c_j - lam_j s): same tree up to unit names, same bound."""
    from verify.cells import LemmaFailed, make_plan
    from verify.lineglobal import line_lemma, line_scalars, line_shape, relabel

    n = len(units)
    W1 = [[lam, 0] for lam, _, _ in units] * 2
    b1 = [c for _, c, _ in units] + [c - lam * shift for lam, c, _ in units]
    W2 = [[w for _, _, w in units] + [0] * n, [0] * n + [w for _, _, w in units]]
    net = Network.mlp([W1, W2, [[1, 1]]], [b1, [0, 0], [0]], activation=act)
    plan = make_plan(net)
    G0, G1 = list(range(n)), list(range(n, 2 * n))
    lams = line_scalars(plan, G0)
    assert line_scalars(plan, G1) == lams
    assert line_shape(plan, (1, 0), G0, sgn, lams) == line_shape(plan, (1, 1), G1, sgn, lams)
    try:
        b0, t0 = line_lemma(plan, (1, 0), G0, sgn, lams, lambda: None)
    except LemmaFailed:
        b0 = None
    try:
        b1_, t1 = line_lemma(plan, (1, 1), G1, sgn, lams, lambda: None)
    except LemmaFailed:
        b1_ = None
    assert b0 == b1_
    if b0 is not None:
        assert relabel(t0, dict(zip(G0, G1))) == t1


@settings(max_examples=60, deadline=None)
@given(relu_networks(input_dim=2, max_depth=3, max_width=5),
       st.lists(st.tuples(st.integers(-40, 40), st.integers(-40, 40)), min_size=1, max_size=8))
def test_the_float_screen_evaluates_relu_networks_like_the_exact_evaluator(net, points) -> None:  # type: ignore[no-untyped-def]
    from verify.cells import make_plan
    from verify.leakscreen import float_eval

    X = np.array([[float(a) / 4, float(b) / 4] for a, b in points])
    got = float_eval(make_plan(net), X)
    for x, row in zip(points, got):
        exact = net.eval_exact((F(x[0], 4), F(x[1], 4)))
        assert np.allclose(row, [float(v) for v in exact], rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=4).filter(any), st.integers(-20, 20))
def test_a_halfspace_root_cell_starts_strictly_inside(a, b) -> None:  # type: ignore[no-untyped-def]
    from verify.exactlp import Q
    from verify.regions import root_cell

    cell = root_cell(len(a), [[Q(v) for v in a]], [Q(b)])
    assert cell is not None and sum(Q(v) * p for v, p in zip(a, cell.p)) < b


def test_gc_paused_restores_the_collector_as_it_was() -> None:
    from verify.cells import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_constant_first_layer_units_group_without_a_direction() -> None:
    """Regression (found by a random stress run): a first-layer unit with a zero weight row has no
    hyperplane direction; grouping it crashed the line shortcut. f = relu(|0| + |x2|) = |x2|: unbounded."""
    from verify.layers import Act

    first = Network.mlp([[[0, 0], [0, 1]], [[0, 0], [1, 1]], [[0, 1]]], [[0, 0], [0, 0], [0]], activation="abs")
    net = Network(2, (*first.layers[:3], Act("relu"), first.layers[4]))
    K = Box((-1, -1), (1, 1))
    v = prove_support_in(net, K)
    assert v.refuted and check(v.to_json())
    x = v.witness.point
    assert not K.contains(x) and net.eval_exact(x) == (abs(x[1]),) != (0,)
