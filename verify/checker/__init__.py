"""The independent certificate checker.

``check(certificate) -> bool`` re-checks a verdict certificate (the output of
``Verdict.to_json()``) with ``Fraction`` arithmetic alone, and python-flint
balls for analytic witnesses. It shares no code with the engines that
produced the certificate: it reads the network from the certificate's own
netproof/1 text with its own small reader (``verify.checker._net``).

Each claim kind has one rule, registered in ``RULES`` by the module that
checks it; an unknown kind, a malformed certificate or a failed step gives
``False`` (with ``explain=True``, the reason).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

__all__ = ["check", "explain", "RULES", "CheckFailed"]


class CheckFailed(Exception):
    """Raised inside a rule when a step of the certificate does not hold."""


RULES: dict[str, Callable[[dict[str, Any]], None]] = {}
"""claim kind -> rule; a rule returns None when the certificate holds and raises CheckFailed otherwise."""

_RULE_MODULES = ["pl", "pooled", "smt", "analytic", "construct", "polynomial"]


def _load_rules() -> None:
    for name in _RULE_MODULES:
        try:
            importlib.import_module(f"verify.checker.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"verify.checker.{name}":
                raise


def explain(certificate: str | dict[str, Any]) -> str:
    """Empty string when the certificate re-checks; otherwise why not."""
    _load_rules()
    try:
        cert = json.loads(certificate) if isinstance(certificate, str) else certificate
        if not isinstance(cert, dict) or cert.get("format") != "netproof-verdict/1":
            return "not a netproof-verdict/1 certificate"
        kind = cert["claim"]["kind"]
        rule = RULES.get(kind)
        if rule is None:
            return f"no checker rule for claim kind {kind!r}"
        rule(cert)
    except CheckFailed as exc:
        return str(exc) or "check failed"
    except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError, json.JSONDecodeError) as exc:
        return f"malformed certificate: {type(exc).__name__}: {exc}"
    return ""


def check(certificate: str | dict[str, Any]) -> bool:
    """True iff the certificate re-checks independently."""
    return explain(certificate) == ""
