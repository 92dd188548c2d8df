"""``netproof zero`` and ``netproof witness``: verdicts, exit codes, JSON certificates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_zero import GELU_HAT, ZERO_FACTS, one_layer

from verify.checker import check
from verify.cli import main


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    far = one_layer([("sigmoid", [-1, -1], 0, 1)], d=2)  # underflows to 0.0 in float64 far out
    for name, net in (("zero", ZERO_FACTS["softplus(x)-softplus(-x)-x"]), ("hat", GELU_HAT), ("far", far)):
        path = tmp_path / f"{name}.json"
        path.write_text(net.to_json())
        out[name] = str(path)
    return out


def test_zero_proved_and_refuted(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["zero", files["zero"]]) == 0
    assert "PROVED" in capsys.readouterr().out
    assert main(["zero", files["hat"], "--json"]) == 1
    cert = json.loads(capsys.readouterr().out)
    assert cert["status"] == "refuted" and check(cert)


def test_witness_far_from_the_origin(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    box = "[1000000,1000000.000001]x[1000000,1000000.000001]"
    assert main(["witness", files["far"], "--box", box, "--json"]) == 0
    cert = json.loads(capsys.readouterr().out)
    assert cert["status"] == "proved" and check(cert)
    assert main(["witness", files["hat"], "--box", "[30,31]", "--json"]) == 0
    cert = json.loads(capsys.readouterr().out)
    assert cert["status"] == "proved" and check(cert)
    assert main(["witness", files["zero"], "--box", "[0,1]", "--budget", "8", "--max-prec", "128"]) == 1


def test_bad_input_exit_code(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["witness", files["hat"], "--box", "[0,1"]) == 2
    assert main(["witness", files["hat"], "--box", "[0,1]x[0,1]"]) == 2
    assert main(["zero", "/no/such/file.json"]) == 2
    assert "error" in capsys.readouterr().err
