"""The statements of MATH.md as executable checks.

Each module of this package is named as its statement and provides ``NAME``, ``SOURCE`` (the tag
exactly as MATH.md gives it: [P-v1]/[P-v2]/[SEC]/[STD]/[RECON]), ``TITLE``, a docstring with the
statement in LaTeX, ``instances(quick=True)``, ``strategy()`` (a hypothesis strategy of instances),
``check(instance) -> Verdict`` deciding the statement on the instance with the exact engines, and,
where a hypothesis can be dropped, ``search_counterexample(budget)`` returning the REFUTED verdict of
the weakened statement (or None).

``THEOREMS`` maps each name to its module; ``run(name, quick=True)`` checks every instance.

>>> "shallow_relu_not_compactly_supported_in_dim_ge_2" in THEOREMS
True
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from verify.verdict import Status, Verdict

__all__ = ["THEOREMS", "NAMES", "run", "Result", "recheck", "counterexamples", "Edge"]

NAMES = [
    "analytic_network_vanishing_on_open_set_is_zero",
    "analytic_networks_not_dense_in_refined_topology",
    "polynomials_not_dense_in_refined_topology",
    "relu_pool_dense_in_refined_topology",
    "relu_dense_without_pooling",
    "lipschitz_approximation_with_support",
    "shallow_relu_not_compactly_supported_in_dim_ge_2",
    "two_hidden_layers_suffice_for_compact_support",
    "prelu_reproduces_relu",
    "sussmann_uniqueness_up_to_symmetry",
    "lemma_2_convergence_criterion",
    "refined_topology_strictly_finer",
    "refined_metric_separation",
]

THEOREMS: dict[str, ModuleType] = {name: importlib.import_module(f"theorems.{name}") for name in NAMES}
"""statement name -> its module."""


@dataclass
class Result:
    """The outcome of one theorem on its instances."""

    name: str
    source: str
    labels: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""

    @property
    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for v in self.verdicts:
            out[v.status.value] += 1
        return out

    @property
    def failed(self) -> bool:
        """A check fails on an exception or a REFUTED instance (every instance is expected PROVED)."""
        return bool(self.error) or any(v.refuted for v in self.verdicts)

    @property
    def all_proved(self) -> bool:
        return not self.error and bool(self.verdicts) and all(v.proved for v in self.verdicts)


def run(name: str, quick: bool = True, *, progress: Callable[[str, int, int, str], Any] | None = None) -> Result:
    """Check every instance of the theorem ``name``; ``progress(name, i, n, label)`` is called before each.

    >>> r = run("refined_metric_separation")
    >>> r.all_proved
    True
    """
    module = THEOREMS[name]
    result = Result(name, module.SOURCE)
    start = time.perf_counter()
    try:
        cases = module.instances(quick)
        for i, inst in enumerate(cases):
            if progress is not None:
                progress(name, i, len(cases), inst.label)
            result.labels.append(inst.label)
            result.verdicts.append(module.check(inst))
    except Exception as exc:  # noqa: BLE001 - reported as a failed check, never hidden
        result.error = f"{type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - start
    return result


def recheck(verdict: Verdict) -> bool:
    """Re-check every engine certificate a theorem verdict carries with :func:`verify.checker.check`
    (those the checker has rules for); True when none is rejected."""
    from verify.checker import RULES, _load_rules, check

    _load_rules()
    for cert in (verdict.evidence or {}).get("certificates", []):
        if cert.get("claim", {}).get("kind") in RULES and cert.get("status") != "unknown" and not check(cert):
            return False
    return True


@dataclass
class Edge:
    """A hypothesis dropped from a statement, and the counterexample the search found (None: not found)."""

    name: str
    dropped: str
    verdict: Verdict | None
    seconds: float
    error: str = ""

    @property
    def found(self) -> bool:
        return self.verdict is not None and self.verdict.refuted


def counterexamples(names: list[str] | None = None) -> list[Edge]:
    """Run every ``search_counterexample`` (default budgets): each must find its edge case.

    >>> [e.found for e in counterexamples(["prelu_reproduces_relu"])]
    [True]
    """
    out = []
    for name in names or NAMES:
        module = THEOREMS[name]
        if not hasattr(module, "search_counterexample"):
            continue
        start = time.perf_counter()
        try:
            v, err = module.search_counterexample(), ""
        except Exception as exc:  # noqa: BLE001 - reported, never hidden
            v, err = None, f"{type(exc).__name__}: {exc}"
        out.append(Edge(name, module.DROPPED, v, time.perf_counter() - start, err))
    return out
