"""One error family for everything netproof rejects.

Every message has one shape, ``Expected X but got name=value``, and names the
place (layer index, field, unit) so that the user can find the fault.
"""

from __future__ import annotations

__all__ = [
    "VerifyError",
    "InvalidNetwork",
    "InvalidNumber",
    "InvalidArgument",
    "UnsupportedNetwork",
    "expected",
]


class VerifyError(Exception):
    """Base class of every error that netproof raises on purpose."""


class InvalidNumber(VerifyError, ValueError):
    """A value that cannot be read as an exact rational number."""


class InvalidNetwork(VerifyError, ValueError):
    """A network description (IR, JSON, ONNX, torch) that is malformed."""


class InvalidArgument(VerifyError, TypeError):
    """An argument of the wrong type or shape passed to a public function."""


class UnsupportedNetwork(VerifyError, ValueError):
    """A well-formed network outside the class an analysis or semantics handles."""


def _show(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expected(what: str, name: str, value: object) -> str:
    """Format the house message: ``Expected <what> but got <name>=<value>``.

    >>> expected("a positive int", "input_dim", 0)
    'Expected a positive int but got input_dim=0'
    """
    return f"Expected {what} but got {name}={_show(value)}"
