"""Floats choose the basis, exact algebra certifies (verify.lpfloat): same optimum as the exact simplex."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from verify import exactlp
from verify.exactlp import Q, lp_max, lp_max_q
from verify.lpfloat import certified_optimum


@st.composite
def lps(draw, max_vars: int = 8, max_rows: int = 40):  # type: ignore[no-untyped-def]
    """Bounded feasible LPs around a point, with duplicate, scaled and redundant rows (degenerate optima)."""
    d = draw(st.integers(1, max_vars))
    p = [F(draw(st.integers(-6, 6)), draw(st.integers(1, 3))) for _ in range(d)]
    A, b = [], []
    for _ in range(draw(st.integers(0, max_rows))):
        row = [F(draw(st.integers(-4, 4))) for _ in range(d)]
        slack = F(draw(st.integers(0, 4)), draw(st.integers(1, 3)))  # 0: the row passes through p
        A.append(row)
        b.append(sum(a * t for a, t in zip(row, p)) + slack)
        if draw(st.booleans()):
            k = draw(st.integers(1, 3))
            A.append([k * a for a in row])  # a scaled copy: the same halfspace
            b.append(k * b[-1])
    for i in range(d):  # bounded, p inside
        for s in (1, -1):
            A.append([F(s if k == i else 0) for k in range(d)])
            b.append(s * p[i] + draw(st.integers(0, 20)))
    c = [F(draw(st.integers(-3, 3))) for _ in range(d)]
    return A, b, c


def _q(A, b, c):  # type: ignore[no-untyped-def]
    return [[Q(v) for v in row] for row in A], [Q(v) for v in b], [Q(v) for v in c]


@settings(max_examples=150, deadline=None)
@given(lps())
def test_a_certified_float_basis_is_an_exact_optimum(lp) -> None:  # type: ignore[no-untyped-def]
    A, b, c = lp
    truth = lp_max(A, b, c)
    assert truth.status == "optimal"
    Aq, bq, cq = _q(A, b, c)
    got = certified_optimum(Aq, bq, cq)
    if got is None:
        return  # the simplex decides instead
    value, x, y = got
    assert value == truth.value
    # the certificate itself: A x <= b, y >= 0, A^T y = c, y.b = c.x (what verify.checker re-derives)
    assert all(sum(a * t for a, t in zip(row, x)) <= bk for row, bk in zip(Aq, bq))
    assert all(v >= 0 for v in y)
    assert all(sum(yk * row[i] for yk, row in zip(y, Aq)) == cq[i] for i in range(len(cq)))
    assert sum(yk * bk for yk, bk in zip(y, bq)) == value == sum(ci * xi for ci, xi in zip(cq, x))


@settings(max_examples=40, deadline=None)
@given(lps(max_vars=12, max_rows=60))
def test_lp_max_q_answers_the_same_above_and_below_the_float_first_size(lp) -> None:  # type: ignore[no-untyped-def]
    A, b, c = lp
    Aq, bq, cq = _q(A, b, c)
    hybrid = lp_max_q(Aq, bq, cq, recheck=True)  # recheck: the certificate is verified exactly
    saved = exactlp.FLOAT_FIRST
    exactlp.FLOAT_FIRST = 10**18
    try:
        simplex = lp_max_q(Aq, bq, cq, recheck=True)
    finally:
        exactlp.FLOAT_FIRST = saved
    assert hybrid.status == simplex.status == "optimal" and hybrid.value == simplex.value


def test_no_certificate_for_infeasible_or_unbounded_lps() -> None:
    rows = [[Q(1), Q(0)], [Q(-1), Q(0)], [Q(0), Q(1)]]
    assert certified_optimum(rows, [Q(0), Q(-1), Q(5)], [Q(0), Q(1)]) is None  # x <= 0 and x >= 1
    assert certified_optimum(rows, [Q(1), Q(1), Q(5)], [Q(0), Q(-1)]) is None  # y unbounded below
    big = [[Q(10) ** 400, Q(1)], [Q(-1), Q(0)], [Q(0), Q(-1)]]  # not representable in floats
    assert certified_optimum(big, [Q(1), Q(0), Q(0)], [Q(1), Q(1)]) is None
