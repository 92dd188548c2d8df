"""netproof info and netproof eval on the example networks: sizes, classes and exact values."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest

from verify.cli import main
from verify.network import Network

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ALL = sorted(p.name for p in EXAMPLES.glob("*.json"))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert err == ""
    return code, out


def info(name: str, capsys: pytest.CaptureFixture[str]) -> dict:
    code, out = run(["info", str(EXAMPLES / name), "--json"], capsys)
    assert code == 0
    return json.loads(out)


def evaluate(path: str | Path, coords: list[str], capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    code, out = run(["eval", str(path), *coords, "--json", *extra], capsys)
    assert code == 0
    return json.loads(out)


# -- info -----------------------------------------------------------------------------
INFO = {  # name: (input_dim, output_dim, depth, width, num_pool, num_neurons, num_parameters, class)
    "hat.json": (1, 1, 2, 3, 0, 3, 10, "piecewise-linear"),
    "far_leak.json": (1, 1, 2, 2, 0, 2, 7, "piecewise-linear"),
    "bump2d.json": (2, 1, 3, 6, 0, 7, 18 + 7 + 2, "piecewise-linear"),
    "pyramid2d.json": (2, 1, 3, 6, 0, 8, 18 + 14 + 3, "piecewise-linear"),
    "diamond_bump.json": (2, 1, 3, 4, 0, 5, 12 + 5 + 2, "piecewise-linear"),
    "pooled_hats.json": (2, 1, 2, 6, 1, 6, 18 + 14, "relu+pool"),
    "sigmoid_zero.json": (1, 1, 2, 2, 0, 2, 7, "analytic"),
    "tanh_net.json": (2, 1, 2, 3, 0, 3, 9 + 4, "analytic"),
}
KEYS = ("input_dim", "output_dim", "depth", "width", "num_pool", "num_neurons", "num_parameters", "class")


@pytest.mark.parametrize("name", sorted(INFO))
def test_info_json_reports_sizes_and_class(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    d = info(name, capsys)
    assert tuple(d[k] for k in KEYS) == INFO[name]
    net = Network.from_json(EXAMPLES / name)
    assert len(d["layers"]) == len(net.layers)
    assert d["activations"] == [[str(next(iter(layer.activations())))] for layer in net.layers if hasattr(layer, "functions")]


def test_every_example_has_an_info_row() -> None:
    assert set(ALL) == set(INFO)


def test_info_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["info", str(EXAMPLES / "pooled_hats.json")], capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0].endswith("pooled_hats.json: R^2 -> R^1, relu+pool")
    assert lines[1] == "depth 2, width 6, pooling layers 1, neurons 6, parameters 32"
    assert lines[2:] == ["  [0] affine 2 -> 6", "  [1] act relu (6 units)", "  [2] affine 6 -> 2", "  [3] pool hadamard 2 -> 1"]


def test_info_of_a_mixed_per_unit_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mixed.json"
    path.write_text(
        '{"format": "netproof/1", "input_dim": 1, "layers": [{"affine": {"weight": [[1], [2]], "bias": [0, 0]}},'
        ' {"act": ["relu", {"swish": "1/2"}]}, {"affine": {"weight": [["1/2", -1]], "bias": [0]}}]}'
    )
    code, out = run(["info", str(path), "--json"], capsys)
    d = json.loads(out)
    assert d["class"] == "mixed" and d["activations"] == [["relu", "swish(1/2)"]]
    assert d["layers"][1] == "act [relu, swish(1/2)]"


# -- eval: exact -------------------------------------------------------------------------
EXACT = [
    ("hat.json", ["1/3"], ["2/3"]),
    ("hat.json", ["-1/3"], ["2/3"]),
    ("hat.json", ["-1e-3"], ["999/1000"]),
    ("hat.json", ["0.25"], ["3/4"]),
    ("hat.json", ["5"], ["0"]),
    ("far_leak.json", ["1000000000.5"], ["1/2"]),
    ("far_leak.json", ["999999999"], ["0"]),
    ("far_leak.json", ["2e9"], ["1"]),
    ("bump2d.json", ["1/4", "1/2"], ["1/4"]),
    ("pyramid2d.json", ["1/2", "-1/4"], ["1/2"]),
    ("pyramid2d.json", ["2", "0"], ["0"]),
    ("pooled_hats.json", ["1/2", "1/2"], ["1/4"]),
    ("pooled_hats.json", ["-1/3", "0"], ["2/3"]),
    ("diamond_bump.json", ["1/2", "1/2"], ["1/2"]),
    ("diamond_bump.json", ["1/4", "3/4"], ["0"]),
    ("diamond_bump.json", ["0.4", "0.6"], ["3/10"]),
]


@pytest.mark.parametrize(("name", "coords", "values"), EXACT)
def test_eval_exact(name: str, coords: list[str], values: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    d = evaluate(EXAMPLES / name, coords, capsys)
    assert d["exact"] is True and d["values"] == values
    assert [Fraction(p) for p in d["point"]] == [Fraction(c) if "/" in c else Fraction(c) for c in coords]


def test_eval_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["eval", str(EXAMPLES / "hat.json"), "1/3"], capsys)
    assert code == 0 and out == "f0(1/3) = 2/3  (~ 0.66666666666666663)\n"
    code, out = run(["eval", str(EXAMPLES / "hat.json"), "--", "-1"], capsys)
    assert out == "f0(-1) = 0\n"


def test_eval_multi_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hat = Network.from_json(EXAMPLES / "hat.json")
    path = tmp_path / "two.json"
    path.write_text(Network.concat(hat, 3 * hat).to_json())
    assert evaluate(path, ["1/2"], capsys)["values"] == ["1/2", "3/2"]


# -- eval: balls -----------------------------------------------------------------------------
def test_eval_ball_contains_zero_for_sigmoid_zero(capsys: pytest.CaptureFixture[str]) -> None:
    for x in ["0", "3", "-7/2", "1e-3"]:
        d = evaluate(EXAMPLES / "sigmoid_zero.json", [x], capsys)
        (v,) = d["values"]
        assert d["exact"] is False and d["prec"] == 128
        assert Fraction(v["lower"]) <= 0 <= Fraction(v["upper"])
        assert Fraction(v["upper"]) - Fraction(v["lower"]) < Fraction(1, 2**100)


@pytest.mark.parametrize("prec", [64, 128, 300])
def test_eval_ball_encloses_the_tanh_formula(prec: int, capsys: pytest.CaptureFixture[str]) -> None:
    d = evaluate(EXAMPLES / "tanh_net.json", ["1/3", "-2"], capsys, "--prec", str(prec))
    (v,) = d["values"]
    with mpmath.workprec(prec + 200):
        a, b = mpmath.mpf(1) / 3, mpmath.mpf(-2)
        y = 2 * mpmath.tanh(a - b + mpmath.mpf(1) / 4) - mpmath.tanh(a / 2 + 2 * b) / 3 + mpmath.tanh(-3 * b / 2 - 1) + 0.5
        exact = Fraction(*(int(n) for n in y.as_integer_ratio()))
    lo, hi = Fraction(v["lower"]), Fraction(v["upper"])
    assert d["prec"] == prec and lo <= exact <= hi and hi - lo < Fraction(1, 2 ** (prec - 12))
    mid = v["ball"].strip("[]").split(" +/- ")[0]
    assert abs(Fraction(mid) - exact) < Fraction(1, 10**15) and len(mid) > prec * 0.25


@pytest.mark.parametrize("name", ALL)
def test_info_and_eval_work_on_every_example(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    d = info(name, capsys)
    out = evaluate(EXAMPLES / name, ["0"] * d["input_dim"], capsys)
    assert len(out["values"]) == d["output_dim"]
    assert out["exact"] is (d["class"] in ("piecewise-linear", "relu+pool"))
