"""``netproof theorems``: the main job — every statement of MATH.md checked on its instances.

Runs each theorem module of :mod:`theorems` on its instances (``--quick``: the small set), shows
progress on stderr, prints a table (statement, source, instances, verdicts, time) and writes a
Markdown report with plots (``--report DIR``, default ``./netproof-report``). Exit code 0 when no
check failed; 1 when an instance was REFUTED (every instance is expected PROVED), a counterexample
search came back empty, or a check raised.
UNKNOWN (e.g. an engine not installed) is shown but is not a failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

__all__ = ["add_parser", "handler", "format_table"]

DESCRIPTION = (
    "Check every statement of MATH.md on its instances with the exact engines, run the counterexample searches "
    "(one per hypothesis that cannot be dropped), print a summary table and write a Markdown report with plots. "
    "Exit code 0 when every check passed; 1 when an instance was REFUTED, a search found no counterexample, "
    "a check raised, or the report failed. UNKNOWN instances are listed but do not fail the run."
)


def add_parser(subparsers: Any) -> None:
    """Register ``netproof theorems``."""
    p = subparsers.add_parser(
        "theorems", help="check every statement of the paper on its instances, write a report", description=DESCRIPTION
    )
    p.add_argument("--quick", action="store_true", help="the small instance set (about a minute on 2 cores)")
    p.add_argument("--only", action="append", metavar="NAME", help="run only this statement (repeatable; a prefix works)")
    p.add_argument("--report", metavar="DIR", default="netproof-report", help="report directory (default ./netproof-report)")
    p.add_argument("--no-report", action="store_true", help="skip the report and its plots")
    p.add_argument("--json", action="store_true", help="machine-readable results on stdout")
    p.set_defaults(func=handler)


def _select(only: list[str] | None) -> list[str]:
    from theorems import NAMES

    if not only:
        return list(NAMES)
    chosen = [n for n in NAMES if any(n == o or n.startswith(o) for o in only)]
    if not chosen:
        from verify.errors import InvalidArgument, expected

        raise InvalidArgument(expected(f"a statement name in {NAMES}", "--only", only))
    return chosen


class _Progress:
    """One status line on stderr (rewritten in place on a terminal, one line per step otherwise)."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.tty = total, 0, sys.stderr.isatty()

    def __call__(self, name: str, i: int, n: int, label: str) -> None:
        text = f"[{self.done + 1}/{self.total}] {name}  ({i + 1}/{n}) {label}"
        if self.tty:
            sys.stderr.write("\r\033[K" + text[:150])
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def finish(self, note: str) -> None:
        self.done += 1
        if self.tty:
            sys.stderr.write("\r\033[K")
        sys.stderr.write(note + "\n")
        sys.stderr.flush()


def format_table(results: list[Any]) -> str:
    """The summary table: statement, source, instances, verdict counts, seconds."""
    head = ("statement", "source", "inst", "proved", "refuted", "unknown", "time")
    rows = [head]
    for r in results:
        c = r.counts
        src = r.source.split(" ")[0] if len(r.source) > 28 else r.source
        rows.append(
            (
                r.name,
                src,
                str(len(r.verdicts)),
                str(c["proved"]),
                str(c["refuted"]),
                str(c["unknown"]) + (" ERROR" if r.error else ""),
                f"{r.seconds:.2f}s",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _mark(r: Any) -> str:
    """ok / FAIL / ?? (some instance undecided)."""
    if r.failed:
        return "FAIL"
    return "ok  " if r.all_proved else "??  "


def handler(args: argparse.Namespace) -> int:
    """Run the selected theorems, print the table, write the report; 1 if any check failed."""
    from theorems import run

    names = _select(args.only)
    progress = _Progress(len(names))
    start = time.perf_counter()
    results = []
    for name in names:
        r = run(name, quick=args.quick, progress=progress)
        results.append(r)
        c = r.counts
        progress.finish(
            f"{_mark(r)} {name}: {c['proved']} proved, {c['refuted']} refuted, {c['unknown']} unknown "
            f"({r.seconds:.2f} s){'  ' + r.error if r.error else ''}"
        )
    from theorems import counterexamples

    edges = counterexamples(names)
    for e in edges:
        progress.finish(
            f"{'ok  ' if e.found else 'FAIL'} without '{e.dropped}', {e.name} fails: "
            f"{'counterexample found' if e.found else 'NOT found ' + e.error} ({e.seconds:.2f} s)"
        )
    failed = any(r.failed for r in results) or any(not e.found for e in edges)
    report_path = None
    if not args.no_report:
        sys.stderr.write(f"writing the report into {args.report}/ ...\n")
        try:
            from verify.report import write_report

            report_path = write_report(args.report, results, quick=args.quick, edges=edges)
        except Exception as exc:  # noqa: BLE001 - a broken report is a failed run, shown in one line
            sys.stderr.write(f"report failed: {type(exc).__name__}: {exc}\n")
            failed = True
    if args.json:
        doc = {
            "results": [
                {
                    "name": r.name,
                    "source": r.source,
                    "seconds": round(r.seconds, 4),
                    "error": r.error,
                    "instances": [{"label": lab, "verdict": v.to_dict()} for lab, v in zip(r.labels, r.verdicts)],
                }
                for r in results
            ],
            "counterexamples": [
                {
                    "name": e.name,
                    "dropped": e.dropped,
                    "found": e.found,
                    "error": e.error,
                    "verdict": e.verdict.to_dict() if e.verdict is not None else None,
                }
                for e in edges
            ],
            "failed": failed,
            "report": str(report_path) if report_path else None,
        }
        print(json.dumps(doc))
    else:
        print(format_table(results))
        for r in results:
            for lab, v in zip(r.labels, r.verdicts):
                if not v.proved:
                    print(f"  {v.status.value.upper()}: {r.name} / {lab}: {v.reason}")
        if edges:
            print("\nhypotheses that cannot be dropped (each search must find its counterexample):")
            for e in edges:
                shown = e.verdict.summary() if e.verdict is not None else "NOT FOUND " + e.error
                print(f"  without '{e.dropped}': {shown}")
        print(
            f"\n{sum(len(r.verdicts) for r in results)} instances in {time.perf_counter() - start:.1f} s"
            + (f"; report: {report_path}" if report_path else "")
        )
    return 1 if failed else 0
