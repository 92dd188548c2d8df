"""Late-bound access to the exact analyses (support, bounds, equivalence) built in other modules.

The constructions do not depend on the analyses; the *checks* of their stated facts do.
Each accessor returns the analysis function, or ``None`` when its module is not available.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["find"]

_WHERE: dict[str, tuple[str, ...]] = {
    "support": ("verify.support", "verify.pooling"),
    "prove_support_in": ("verify.support", "verify.pooling"),
    "pooled_support": ("verify.pooling:support",),
    "pooled_prove_support_in": ("verify.pooling:prove_support_in",),
    "equivalent": ("verify.support", "verify.equivalence", "verify.bounds", "verify"),
    "max_abs": ("verify.bounds", "verify"),
    "lipschitz_constant": ("verify.bounds", "verify"),
    "linear_regions": ("verify.regions",),
    "is_identically_zero": ("verify.analytic",),
    "nonvanishing_witness": ("verify.analytic",),
}


def find(name: str) -> Callable[..., Any] | None:
    """The analysis ``name`` from the first module that has it, else ``None``."""
    for where in _WHERE.get(name, ()):
        module, _, attr = where.partition(":")
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        fn = getattr(mod, attr or name, None)
        if callable(fn):
            return fn
    return None
