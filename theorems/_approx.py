"""The positive side: build a support-controlled ReLU approximant and certify its refined distance.

Shared by ``relu_pool_dense_in_refined_topology``, ``relu_dense_without_pooling`` and
``lipschitz_approximation_with_support``. The construction comes from ``verify.construct``; the
certification uses only the support and bounds engines (exact verdicts).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from theorems._common import as_fraction, engine, theorem_verdict
from theorems._refined import certified_dsupp, l1_upper
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


def target_data(f: Network) -> tuple[Fraction, Any]:
    """Lipschitz constant (exact, sup norm) and the support's bounding box of a PL target."""
    lip = as_fraction(engine("bounds", "lipschitz_constant")(f, norm="inf"))
    box = engine("support", "support")(f).bounding_box
    if lip is None or box is None:
        raise ValueError("target has no exact Lipschitz constant or empty support")
    return lip, box


def approximate(f: Network, eps: Fraction, *, pooling: bool) -> tuple[Any, Network]:
    """``approximate_with_support(f, L, K, eps, pooling=...)`` on a PL target."""
    lip, box = target_data(f)
    result = engine("construct", "approximate_with_support")(f, lip, box, eps, pooling=pooling)
    return result, network_of(result)


def density_verdict(name: str, f: Network, eps: Fraction, *, pooling: bool) -> Verdict:
    """PROVED: the constructed F is in the class and ``dsupp F = dsupp f``, ``d_tau(f, F) <= eps``."""
    text = f"some F in NN^ReLU{'+Pool' if pooling else ''} has dsupp F = dsupp f and d_tau(f, F) <= {eps}"
    data: dict[str, Any] = {"target": f.to_dict(), "eps": eps, "pooling": pooling}
    df = certified_dsupp(f)
    if not isinstance(df.value, int):
        return theorem_verdict(name, Status.UNKNOWN, text, data=data, certificates=df.certificates, reason=df.reason)
    m = df.value
    uniform = eps / (2 * m) ** f.input_dim  # sup error that makes the L1 error <= eps on Q_m
    _, F = approximate(f, uniform, pooling=pooling)
    data["approximant"] = F.to_dict()
    cls = F.is_relu_pool if pooling else F.is_piecewise_linear
    if not cls:
        return theorem_verdict(name, Status.REFUTED, text, data=data, reason="the construction left the class")
    dF = certified_dsupp(F)
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
    l1, notes = l1_upper(f, F, m)
    if l1 is None or l1 > eps:
        return theorem_verdict(
            name, Status.UNKNOWN, text, data=data, certificates=certs, facts=notes, reason=f"L1 bound {l1} not <= {eps}"
        )
    facts = [
        f"dsupp f = dsupp F = {m} (exact support verdicts)",
        *notes,
        f"d_tau(f, F) = d_loc(f, F) <= ||f - F||_L1 <= {l1} <= {eps}",
        f"F: depth {F.depth}, width {F.width}, pooling layers {F.num_pool}, neurons {F.num_neurons}",
    ]
    return theorem_verdict(
        name, Status.PROVED, text, data=data, certificates=certs, facts=facts, method="construction + exact check"
    )
