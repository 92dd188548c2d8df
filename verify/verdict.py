"""Verdicts: the three-valued answer of every analysis, with its evidence.

``PROVED`` carries evidence that :mod:`verify.checker` re-checks exactly;
``REFUTED`` carries a witness that the exact (or rigorous ball) evaluator
confirms; ``UNKNOWN`` carries the reason. A verdict refuses ``bool()``: ask
``.proved`` or ``.refuted``.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from verify.numbers import format_rational

__all__ = ["Status", "Verdict", "Witness", "Claim", "jsonable"]


class Status(enum.Enum):
    """Outcome of a check."""

    PROVED = "proved"
    REFUTED = "refuted"
    UNKNOWN = "unknown"

    def __bool__(self) -> bool:
        raise TypeError("a Status has no truth value: compare with Status.PROVED / REFUTED / UNKNOWN")


@dataclass(frozen=True, slots=True)
class Claim:
    """What was asked: a sentence, and a structured form ``kind`` + ``data`` that the checker reads."""

    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Witness:
    """An exact rational point and the value there: exact (``value``) or a rigorous enclosure (``enclosure``)."""

    point: tuple[Fraction, ...]
    value: tuple[Fraction, ...] | None = None
    enclosure: tuple[str, ...] | None = None  # arb text "[mid +/- rad]" at ``prec`` bits
    prec: int | None = None
    output: int | None = None  # the output index that is nonzero, when it matters


@dataclass(frozen=True)
class Verdict:
    """The answer to a claim."""

    status: Status
    claim: Claim
    witness: Witness | None = None
    evidence: dict[str, Any] | None = None
    method: str = ""
    reason: str = ""
    seconds: float = 0.0

    def __bool__(self) -> bool:
        raise TypeError("a Verdict has no truth value: ask verdict.proved or verdict.refuted")

    @property
    def proved(self) -> bool:
        return self.status is Status.PROVED

    @property
    def refuted(self) -> bool:
        return self.status is Status.REFUTED

    @property
    def unknown(self) -> bool:
        return self.status is Status.UNKNOWN

    def to_dict(self) -> dict[str, Any]:
        w = self.witness
        return {
            "format": "netproof-verdict/1",
            "status": self.status.value,
            "claim": {"kind": self.claim.kind, "text": self.claim.text, "data": jsonable(self.claim.data)},
            "witness": None
            if w is None
            else jsonable(
                {"point": w.point, "value": w.value, "enclosure": w.enclosure, "prec": w.prec, "output": w.output}
            ),
            "evidence": jsonable(self.evidence),
            "method": self.method,
            "reason": self.reason,
            "seconds": round(self.seconds, 6),
        }

    def to_json(self) -> str:
        """The certificate: this verdict as JSON text, numbers as exact strings."""
        return json.dumps(self.to_dict())

    def summary(self) -> str:
        """One line for people."""
        head = f"{self.status.value.upper()}: {self.claim.text}"
        if self.witness is not None:
            pt = ", ".join(format_rational(c) for c in self.witness.point)
            val = self.witness.value or self.witness.enclosure
            shown = ", ".join(format_rational(v) if isinstance(v, Fraction) else _short(str(v)) for v in val or ())
            head += f"  [witness x=({pt}), f(x)=({shown})]"
        if self.reason:
            head += f"  ({self.reason})"
        return head


def _short(enclosure: str, digits: int = 24) -> str:
    """Display form of a long arb text ``[mid +/- rad]``: the mid cut to ``digits`` digits (the JSON keeps it all).

    >>> _short("[1.23456789e-5 +/- 1e-30]", digits=4)
    '[1.23...e-5 +/- 1e-30]'
    """
    m = re.fullmatch(r"\[([-+]?\d+\.?)(\d*)(e[-+]?\d+)?( \+/- .*\])", enclosure)
    if m is None or len(m.group(1)) + len(m.group(2)) <= digits:
        return enclosure
    keep = max(digits - len(m.group(1)), 1)
    return f"[{m.group(1)}{m.group(2)[:keep]}...{m.group(3) or ''}{m.group(4)}"


def jsonable(obj: Any) -> Any:
    """Plain JSON data with every Fraction written exactly as text."""
    if isinstance(obj, Fraction):
        return format_rational(obj)
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if hasattr(obj, "to_json") and callable(obj.to_json):
        out = obj.to_json()
        return json.loads(out) if isinstance(out, str) else out
    raise TypeError(f"cannot write {type(obj).__name__} into a certificate")
