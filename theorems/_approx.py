"""The positive side: build a support-controlled ReLU approximant and certify its refined distance.

Shared by ``relu_pool_dense_in_refined_topology``, ``relu_dense_without_pooling`` and
``lipschitz_approximation_with_support``. The construction comes from ``verify.construct``; the
certification uses only the support and bounds engines (exact verdicts).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from theorems._common import EngineMissing, Instance, as_fraction, engine, tent_net, theorem_verdict
from theorems._refined import certified_dsupp, l1_upper
from verify.box import Box
from verify.network import Network
from verify.verdict import Status, Verdict


def network_of(result: Any) -> Network:
    """The network inside a constructor's answer (a Network, or an object/tuple carrying one)."""
    if isinstance(result, Network):
        return result
    for key in ("network", "net", "net_"):
        v = getattr(result, key, None)
        if isinstance(v, Network):
            return v
    if isinstance(result, tuple) and result and isinstance(result[0], Network):
        return result[0]
    if isinstance(result, dict):
        for v in result.values():
            if isinstance(v, Network):
                return v
    raise TypeError(f"no network in the constructor's answer {type(result).__name__}")


def facts_of(result: Any) -> dict[str, Any]:
    """The stated facts/bounds of a constructor's answer, as a dict (empty if none)."""
    for key in ("bounds", "facts", "stated"):
        v = result.get(key) if isinstance(result, dict) else getattr(result, key, None)
        if isinstance(v, dict):
            return v
        if v is not None and hasattr(v, "__dataclass_fields__"):
            return {k: getattr(v, k) for k in v.__dataclass_fields__}
    return {}


def target_data(f: Network) -> tuple[Fraction | None, Any]:
    """Lipschitz constant (exact, sup norm; None without the bounds engine) and the support's bounding box."""
    box = engine("support", "support")(f).bounding_box
    try:
        lip = as_fraction(engine("bounds", "lipschitz_constant")(f, norm="inf"))
    except EngineMissing:
        lip = None
    if box is None:
        raise ValueError("the target is zero")
    return lip, box


def leak(d: int, at: Fraction, height: Fraction, depth: int = 2) -> Network:
    """``height * relu(x_1 - at)`` with ``depth`` affine layers (ReLU chains, so sums stay pure ReLU):
    a far, unbounded leak, what an uncontrolled approximant may carry."""
    weights = [[[1] + [0] * (d - 1)]] + [[[1]]] * (depth - 2) + [[[height]]]
    return Network.mlp(weights, [[-at]] + [[0]] * (depth - 1))


def construct_route(f: Network, h: Fraction, m: int, *, pooling: bool) -> Any:
    """Q1 (``interpolant`` on ``Q_m``) or Q2 (``support_cut`` of a leaky ReLU approximant, delta = h/2)."""
    interpolant = engine("construct.approximants", "interpolant")
    d = f.input_dim
    if not pooling:
        return interpolant(f, h=h, cube=Box.cube(d, -m, m))
    _, K = target_data(f)
    base = interpolant(f, h=h, cube=Box.cube(d, -m - 1, m + 1)).network
    rough = base + leak(d, Fraction(m + 2), Fraction(1, 1000), base.depth)
    margin = m - max(abs(c) for c in (*K.lower, *K.upper))  # keep K^{2 delta} inside Q_m when K allows
    delta = margin / 2 if margin > 0 else h / 2
    return engine("construct.approximants", "support_cut")(rough, K, delta)


def approximate(f: Network, eps: Fraction, *, pooling: bool, h: Fraction | None = None, m: int = 1) -> tuple[Any, Network]:
    """The construction for a PL target: ``approximate_with_support(f, L, K, eps, pooling=...)`` when that
    engine and an exact Lipschitz constant are available, else the Q1/Q2 route at mesh ``h``."""
    lip, box = target_data(f)
    try:
        build = engine("construct", "approximate_with_support")
    except EngineMissing:
        build = None
    if build is not None and lip is not None and h is None:
        result = build(f, lip, box, eps, pooling=pooling)
    else:
        result = construct_route(f, h if h is not None else Fraction(m, 8), m, pooling=pooling)
    return result, network_of(result)


def _probe_points(f: Network) -> list[tuple[Fraction, ...]]:
    """A few rational points (a coarse grid of Q_1) where a nonzero approximant is probably nonzero."""
    import itertools

    ticks = [Fraction(k, 4) for k in range(-3, 4)]
    return list(itertools.product(ticks, repeat=f.input_dim))


def density_verdict(name: str, f: Network, eps: Fraction, *, pooling: bool, tries: int = 6) -> Verdict:
    """PROVED: a constructed F in the class with ``dsupp F = dsupp f`` and ``d_tau(f, F) <= eps`` (rigorous)."""
    text = f"some F in NN^ReLU{'+Pool' if pooling else ''} has dsupp F = dsupp f and d_tau(f, F) <= {eps}"
    data: dict[str, Any] = {"target": f.to_dict(), "eps": eps, "pooling": pooling}
    df = certified_dsupp(f)
    if not isinstance(df.value, int):
        return theorem_verdict(name, Status.UNKNOWN, text, data=data, certificates=df.certificates, reason=df.reason)
    m = df.value
    for j in range(1, tries + 1):
        _, F = approximate(f, eps, pooling=pooling, h=Fraction(m, 2**j), m=m)
        dist, notes = l1_upper(f, F, m)
        if dist is not None and dist <= eps:
            break
    data["approximant"] = F.to_dict()
    if not (F.is_relu_pool if pooling else F.is_piecewise_linear):
        # one construction outside the class says nothing about whether some F exists: a bug, not a refutation
        return theorem_verdict(name, Status.UNKNOWN, text, data=data, reason="the construction left the class")
    peak = max((tuple(x) for x in _probe_points(f)), key=lambda x: abs(F.eval_exact(list(x))[0]))
    dF = certified_dsupp(F, expect=m, point=peak)
    certs = [*df.certificates, *dF.certificates]
    if dF.value != m:
        return theorem_verdict(
            name,
            Status.UNKNOWN,
            text,
            data=data,
            certificates=certs,
            reason=f"construction has dsupp {dF.value} != {m} ({dF.reason})",
        )
    if dist is None or dist > eps:
        return theorem_verdict(
            name,
            Status.UNKNOWN,
            text,
            data=data,
            certificates=certs,
            facts=notes,
            reason=f"||f - F||_L1 <= {dist} not <= {eps} after {tries} refinements",
        )
    facts = [
        f"dsupp f = dsupp F = {m} (exact support verdicts): both vanish outside Q_{m}",
        *notes,
        f"d_tau(f, F) = d_loc(f, F) <= ||f - F||_L1 <= {dist} <= {eps}",
        f"F: depth {F.depth}, width {F.width}, pooling layers {F.num_pool}, neurons {F.num_neurons}",
    ]
    return theorem_verdict(
        name, Status.PROVED, text, data=data, certificates=certs, facts=facts, method="construction + exact check"
    )


def tent_instances() -> st.SearchStrategy[Instance]:
    """Density instances: tents on [-3/4, 3/4] with a rational peak and tolerances 2^-k."""
    peak = st.fractions(min_value=Fraction(-1, 2), max_value=Fraction(1, 2), max_denominator=8)
    eps = st.integers(1, 4).map(lambda k: Fraction(1, 2**k))
    return st.builds(
        lambda p, e: Instance(f"tent peak {p}, eps {e}", {"target": tent_net(Fraction(-3, 4), p, Fraction(3, 4)), "eps": e}),
        peak,
        eps,
    )
