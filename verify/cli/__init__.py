"""The ``netproof`` command line.

Each subcommand lives in its own module of this package and exposes
``add_parser(subparsers)``, which registers the subcommand and sets
``func(args) -> int`` on its parser. Exit codes (DESIGN.md §6): 0 proved or
fine, 1 refuted, 3 unknown, 2 bad input. Every user error is one line on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from verify.errors import VerifyError
from verify.verdict import Status, Verdict

__all__ = ["main", "load_network", "emit_verdict", "EXIT"]

EXIT = {Status.PROVED: 0, Status.REFUTED: 1, Status.UNKNOWN: 3}
BAD_INPUT = 2

# subcommand modules, in the order --help lists them
SUBCOMMANDS = ["info", "eval", "support", "equiv", "regions", "zero", "witness", "theorems"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(BAD_INPUT, f"netproof: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="netproof", description="State and check facts about neural networks exactly.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"verify.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"verify.cli.{name}":
                raise
            continue  # not built yet
        module.add_parser(sub)
    return parser


def load_network(path: str) -> Any:
    """Read a network from a netproof/1 JSON file (or an ONNX model, when the ONNX importer is present)."""
    from verify.network import Network

    if path.endswith(".onnx"):
        return Network.from_onnx(path)  # type: ignore[attr-defined]
    return Network.from_json(Path(path))


def emit_verdict(verdict: Verdict, as_json: bool) -> int:
    """Print a verdict (text or JSON) and return its exit code."""
    if as_json:
        print(verdict.to_json())
    else:
        print(verdict.summary())
        if verdict.method:
            print(f"  method: {verdict.method}  ({verdict.seconds:.3f} s)")
    return EXIT[verdict.status]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return BAD_INPUT
    try:
        code = int(args.func(args))
    except VerifyError as exc:
        print(f"netproof: error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except OSError as exc:
        print(f"netproof: error: {exc.strerror or exc}: {getattr(exc, 'filename', '')}", file=sys.stderr)
        return BAD_INPUT
    except json.JSONDecodeError as exc:  # pragma: no cover - loaders turn these into InvalidNetwork
        print(f"netproof: error: not JSON: {exc}", file=sys.stderr)
        return BAD_INPUT
    sys.stdout.flush()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
