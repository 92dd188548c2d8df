"""netproof support / equiv / regions: exact answers, exit codes, JSON certificates, plots."""

from __future__ import annotations

import json
from fractions import Fraction as F
from pathlib import Path

import pytest

from verify.checker import check
from verify.cli import main
from verify.network import Network

HAT = Network.mlp([[[1], [1], [1]], [[1, -2, 1]]], [[1, 0, -1], [0]])
HALF = F(1, 2)
DIAMOND = Network.mlp([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[-1, -1, -1, -1]], [[1]]],
                      [[-HALF, HALF, -HALF, HALF], [HALF], [0]])
LEAK = Network.mlp([[[1], [1]], [[1, -1]]], [[-10**9, -10**9 - 1], [0]])


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, net in (("hat", HAT), ("diamond", DIAMOND), ("leak", LEAK), ("hat2", HAT + 0 * HAT)):
        p = tmp_path / f"{name}.json"
        p.write_text(net.to_json())
        out[name] = str(p)
    return out


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out, _ = capsys.readouterr()
    return code, out


def test_support_report(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["support", files["diamond"], "--json"], capsys)
    rep = json.loads(out)
    assert code == 0 and rep["bounded"] and rep["measure"] == "1/2" and rep["bounding_box"] == "[0,1]x[0,1]"
    code, out = run(["support", files["leak"]], capsys)
    assert code == 0 and "UNBOUNDED" in out and "measure: inf" in out


def test_support_within(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["support", files["hat"], "--within", "[-1,1]", "--json"], capsys)
    assert code == 0 and check(out)
    code, out = run(["support", files["hat"], "--within", "[-1,0]", "--within", "[0,1/2]", "--json"], capsys)
    doc = json.loads(out)
    assert code == 1 and check(out) and F(doc["witness"]["point"][0]) > HALF
    code, out = run(["support", files["leak"], "--within", "[-1000000,1000000]"], capsys)
    assert code == 1 and "REFUTED" in out


def test_equiv(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["equiv", files["hat"], files["hat2"], "--json"], capsys)
    assert code == 0 and check(out)
    code, out = run(["equiv", files["hat"], files["leak"]], capsys)
    assert code == 1 and "REFUTED" in out
    code, out = run(["equiv", files["hat"], files["diamond"]], capsys)
    assert code == 2  # dimensions differ: bad input


def test_regions(files: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = run(["regions", files["diamond"], "--domain", "[-1,2]x[-1,2]", "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["count"] == 8
    assert sum(F(r["volume"]) for r in doc["regions"]) == 9
    png = tmp_path / "d.png"
    code, out = run(["regions", files["diamond"], "--domain", "[-1,2]x[-1,2]", "--plot", str(png)], capsys)
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG" and "volumes add up to 9" in out
    png1 = tmp_path / "h.png"
    code, out = run(["regions", files["hat"], "--plot", str(png1)], capsys)
    assert code == 0 and png1.exists() and "4 linear regions" in out


def test_bad_box_is_bad_input(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["support", files["hat"], "--within", "[1,0]"], capsys)
    assert code == 2
    code, _ = run(["regions", files["hat"], "--domain", "[0,1]x[0,1]"], capsys)
    assert code == 2
