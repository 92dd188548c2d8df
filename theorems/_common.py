"""Shared plumbing for the theorem modules: instances, lazy engines, verdict assembly.

Every theorem module decides its statement *on one instance* with the exact
engines of :mod:`verify`. Engines are imported lazily (teammates' modules may
be missing on a given checkout): a missing engine turns into an ``UNKNOWN``
verdict whose reason names it, never into a fake ``PROVED``.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from verify.network import Network
from verify.verdict import Claim, Status, Verdict, Witness

__all__ = [
    "Instance",
    "EngineMissing",
    "engine",
    "theorem_verdict",
    "sub_certificates",
    "timed",
    "hat_net",
    "zero_net",
    "as_fraction",
]


@dataclass(frozen=True)
class Instance:
    """One concrete case of a statement: a short label and the data the check reads."""

    label: str
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


class EngineMissing(RuntimeError):
    """An engine module or function of :mod:`verify` is not available on this checkout."""


def engine(module: str, name: str, *also: str) -> Callable[..., Any]:
    """The function ``verify.<module>.<name>`` (else the same name in the modules ``also``), or
    :class:`EngineMissing` saying which is absent.

    >>> engine("network", "Network").__name__
    'Network'
    """
    for other in also:
        try:
            return _engine(module, name)
        except EngineMissing:
            module = other
    return _engine(module, name)


def _engine(module: str, name: str) -> Callable[..., Any]:
    try:
        mod = importlib.import_module(f"verify.{module}")
    except ModuleNotFoundError as exc:
        if exc.name and (exc.name == f"verify.{module}" or f"verify.{module}".startswith(exc.name + ".")):
            raise EngineMissing(f"engine verify.{module} has not landed") from None
        raise
    fn = getattr(mod, name, None)
    if fn is None:
        raise EngineMissing(f"engine verify.{module}.{name} has not landed")
    return fn  # type: ignore[no-any-return]


def theorem_verdict(
    name: str,
    status: Status,
    text: str,
    *,
    data: dict[str, Any] | None = None,
    certificates: list[Verdict] | None = None,
    facts: list[str] | None = None,
    witness: Witness | None = None,
    method: str = "",
    reason: str = "",
) -> Verdict:
    """The verdict of a theorem on one instance; sub-verdicts go into ``evidence['certificates']``."""
    evidence: dict[str, Any] = {
        "facts": list(facts or []),
        "certificates": [c.to_dict() for c in certificates or []],
    }
    return Verdict(status, Claim(f"theorem:{name}", text, dict(data or {})), witness, evidence, method, reason)


def sub_certificates(verdict: Verdict) -> list[dict[str, Any]]:
    """The engine certificates a theorem verdict rests on."""
    return list((verdict.evidence or {}).get("certificates", []))


def timed(fn: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """Wrap ``check``: record the time, turn a missing engine into UNKNOWN with its reason."""

    def wrapper(*args: Any, **kwargs: Any) -> Verdict:
        start = time.perf_counter()
        try:
            v = fn(*args, **kwargs)
        except EngineMissing as exc:
            name = fn.__module__.rsplit(".", 1)[-1]
            v = theorem_verdict(name, Status.UNKNOWN, f"{name} on this instance", reason=str(exc))
        return Verdict(v.status, v.claim, v.witness, v.evidence, v.method, v.reason, time.perf_counter() - start)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__module__ = fn.__module__
    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


def hat_net(a: Any = -1, b: Any = 1, *, height: Any = 1) -> Network:
    """The 1-D hat on ``[a, b]`` with peak ``height`` at the midpoint: one hidden layer of three ReLUs.

    >>> hat_net(0, 2).eval_exact([1]), hat_net(0, 2).eval_exact([3])
    ((Fraction(1, 1),), (Fraction(0, 1),))
    """
    a, b, height = Fraction(a), Fraction(b), Fraction(height)
    m, s = (a + b) / 2, 2 / (b - a)  # t = s (x - m) maps [a, b] to [-1, 1]
    w = [[[s], [s], [s]], [[height, -2 * height, height]]]
    return Network.mlp(w, [[1 - s * m, -s * m, -1 - s * m], [0]])


def zero_net(d: int) -> Network:
    """The zero function on ``R^d`` as an affine network."""
    return Network.mlp([[[0] * d]], [[0]])


def as_fraction(value: Any) -> Fraction | None:
    """A Fraction out of an engine's answer (a Fraction, an int, or an object with ``.value``)."""
    for candidate in (value, getattr(value, "value", None), getattr(value, "bound", None)):
        if isinstance(candidate, (Fraction, int)) and not isinstance(candidate, bool):
            return Fraction(candidate)
        if isinstance(candidate, tuple) and len(candidate) in (1, 2) and isinstance(candidate[0], (Fraction, int)):
            return Fraction(candidate[0])
    return None


def first(iterable: Iterator[Any] | list[Any]) -> Any:
    """The first element, or None."""
    return next(iter(iterable), None)


def tent_net(a: Any, p: Any, b: Any, *, height: Any = 1) -> Network:
    """The 1-D tent: 0 outside ``[a, b]``, linear up to ``height`` at ``p``, linear down to 0 at ``b``.

    >>> t = tent_net(-1, "1/3", 1)
    >>> t.eval_exact(["1/3"]), t.eval_exact([1]), t.eval_exact([0])
    ((Fraction(1, 1),), (Fraction(0, 1),), (Fraction(3, 4),))
    """
    a, p, b, height = Fraction(a), Fraction(p), Fraction(b), Fraction(height)
    s1, s2 = height / (p - a), height / (b - p)
    return Network.mlp([[[1], [1], [1]], [[s1, -(s1 + s2), s2]]], [[-a, -p, -b], [0]])


def bump_net(lower: Any, upper: Any) -> Network:
    """MATH.md §6 d-D bump ``relu(sum_i hat_i(x_i) - (d-1))`` on the box: two hidden layers, support in the box.

    >>> bump_net([0, 0], [2, 2]).eval_exact([1, 1]), bump_net([0, 0], [2, 2]).eval_exact([2, 1])
    ((Fraction(1, 1),), (Fraction(0, 1),))
    """
    lo, hi = [Fraction(v) for v in lower], [Fraction(v) for v in upper]
    d = len(lo)
    rows, bias, second = [], [], []
    for i in range(d):
        s, m = 2 / (hi[i] - lo[i]), (lo[i] + hi[i]) / 2
        for shift in (1, 0, -1):
            rows.append([s if j == i else Fraction(0) for j in range(d)])
            bias.append(shift - s * m)
        second += [Fraction(1), Fraction(-2), Fraction(1)]
    return Network.mlp([rows, [second], [[1]]], [bias, [-(d - 1)], [0]])


def interpolant_1d(f: Network, h: Any, a: Any, b: Any) -> Network:
    """The 1-D nodal (hat-basis) interpolant of the network ``f`` on the grid ``a + h Z`` inside ``[a, b]``.

    ``sum_v f(v) hat((x - v)/h)`` over grid points v with f(v) != 0; its support lies in ``[a, b]`` when
    f(a) = f(b) = 0. Exact (rational) values.

    >>> interpolant_1d(hat_net(-1, 1), "1/2", -1, 1).eval_exact(["1/4"])
    (Fraction(3, 4),)
    """
    h, a, b = Fraction(h), Fraction(a), Fraction(b)
    rows, bias, coef = [], [], []
    v = a
    while v <= b:
        fv = f.eval_exact([v])[0]
        if fv != 0:
            for shift, weight in ((1, 1), (0, -2), (-1, 1)):
                rows.append([1 / h])
                bias.append(shift - v / h)
                coef.append(weight * fv)
        v += h
    if not rows:
        return zero_net(1)
    return Network.mlp([rows, [coef]], [bias, [0]])


def weakened(verdict: Verdict, dropped: str) -> Verdict:
    """The verdict re-labelled as one about the weakened statement (hypothesis ``dropped`` removed)."""
    c = verdict.claim
    claim = Claim(c.kind, f"weakened ({dropped} dropped): {c.text}", c.data)
    return Verdict(verdict.status, claim, verdict.witness, verdict.evidence, verdict.method, verdict.reason, verdict.seconds)
