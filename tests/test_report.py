"""The main job writes its report and plots; the fitted analytic networks are exact conversions."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np

from verify.cli import main
from verify.report import fit_network, target


def test_main_job_writes_report_and_plots(tmp_path, capsys) -> None:
    out = tmp_path / "rep"
    code = main(["theorems", "--quick", "--only", "refined_metric_separation", "--only", "sussmann", "--report", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "refined_metric_separation" in captured.out and "sussmann_uniqueness_up_to_symmetry" in captured.out
    text = (out / "report.md").read_text()
    for png in ("target.png", "leak.png", "regions.png", "distance.png"):
        data = (out / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
        assert f"]({png})" in text
    assert "(ball," in text and "proved" in text.lower()  # rigorous witnesses and the ReLU support proof are stated
    assert "[-1,1]: PROVED" in text


def test_main_job_json_and_no_report(capsys) -> None:
    code = main(["theorems", "--quick", "--only", "refined_metric_separation", "--no-report", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and not doc["failed"]
    (res,) = doc["results"]
    assert {i["verdict"]["status"] for i in res["instances"]} == {"proved"}
    assert doc["counterexamples"] == []  # refined_metric_separation drops no hypothesis


def test_main_job_json_lists_counterexamples(capsys) -> None:
    code = main(["theorems", "--quick", "--only", "shallow", "--no-report", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    (edge,) = doc["counterexamples"]
    assert edge["found"] and edge["dropped"] == "d >= 2" and edge["verdict"]["status"] == "refuted"


def test_unknown_statement_is_bad_input(capsys) -> None:
    assert main(["theorems", "--only", "no_such_theorem", "--no-report"]) == 2
    assert "Expected a statement name" in capsys.readouterr().err


def test_fit_is_converted_exactly_and_fits() -> None:
    g = fit_network(target, activation="sigmoid", width=10, seed=0)
    first = g.layers[0]
    assert all(isinstance(v, Fraction) and Fraction(float(v)) == v for row in first.weight for v in row)
    X = np.linspace(-1, 1, 41).reshape(-1, 1)
    assert float(np.max(np.abs(g.eval_float(X)[:, 0] - target(X[:, 0])))) < 0.2
    assert fit_network(target, activation="sigmoid", width=10, seed=0) == g  # fixed seed: reproducible
