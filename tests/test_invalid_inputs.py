"""The invalid-input table of issue 2: each bad input is a VerifyError naming the place, and exit code 2 in the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from verify.cli import main
from verify.errors import InvalidNetwork, VerifyError
from verify.fileformat import from_json

HEAD = '"format": "netproof/1", "input_dim": 1'
AFFINE = '{"affine": {"weight": [[1]], "bias": [0]}}'


def net(layers: str, head: str = HEAD) -> str:
    return f"{{{head}, \"layers\": [{layers}]}}"


def weight(value: str) -> str:
    return net(f'{{"affine": {{"weight": [[{value}]], "bias": [0]}}}}')


# (id, document text, text the message must contain: the place and the culprit)
TABLE = [
    # numbers
    ("nan literal", weight("NaN"), "layers[0].affine.weight[0][0]='NaN'"),
    ("infinity literal", net('{"affine": {"weight": [[1]], "bias": [-Infinity]}}'), "layers[0].affine.bias[0]='-Infinity'"),
    ("nan string", weight('"nan"'), "layers[0].affine.weight[0][0]='nan'"),
    ("inf string", weight('"inf"'), "layers[0].affine.weight[0][0]='inf'"),
    ("1/0", weight('"1/0"'), "layers[0].affine.weight[0][0]='1/0'"),
    ("abc", weight('"abc"'), "layers[0].affine.weight[0][0]='abc'"),
    ("boolean", weight("true"), "layers[0].affine.weight[0][0]=True"),
    ("null", weight("null"), "layers[0].affine.weight[0][0]=None"),
    ("list as number", weight("[1]"), "layers[0].affine.weight[0][0]=[1]"),
    ("object as number", weight('{"a": 1}'), "layers[0].affine.weight[0][0]={'a': 1}"),
    ("bad slope", net('{"act": {"leaky_relu": "x"}}'), "layers[0].act.leaky_relu='x'"),
    ("boolean slope", net('{"act": {"prelu": false}}'), "layers[0].act.prelu=False"),
    ("huge exponent", weight('"1e999999"'), "layers[0].affine.weight[0][0]='1e999999'"),
    # shapes
    ("columns", net(AFFINE + ', {"affine": {"weight": [[1, 2]], "bias": [0]}}'),
     "Expected a weight with 1 columns but got layers[1].affine columns=2"),
    ("columns deep", net(AFFINE * 1 + ', {"act": "relu"}, {"affine": {"weight": [[1, 2, 3]], "bias": [0]}}'),
     "Expected a weight with 1 columns but got layers[2].affine columns=3"),
    ("ragged rows", net('{"affine": {"weight": [[1], [1, 2]], "bias": [0, 0]}}'), "len(layers[0].affine.weight[1])=2"),
    ("bias length", net('{"affine": {"weight": [[1]], "bias": [0, 1]}}'), "len(layers[0].affine.bias)=2"),
    ("empty weight", net('{"affine": {"weight": [], "bias": []}}'), "layers[0].affine.weight=[]"),
    ("weight not a list", net('{"affine": {"weight": "1", "bias": [0]}}'), "layers[0].affine.weight='1'"),
    ("row not a list", net('{"affine": {"weight": [1], "bias": [0]}}'), "layers[0].affine.weight[0]=1"),
    ("bias not a list", net('{"affine": {"weight": [[1]], "bias": 0}}'), "layers[0].affine.bias=0"),
    # activations and pooling
    ("unknown activation", net('{"act": "swoosh"}'), "layers[0].act='swoosh'"),
    ("unknown in list", net('{"affine": {"weight": [[1], [1]], "bias": [0, 0]}}, {"act": ["relu", "relux"]}'),
     "layers[1].act[1]='relux'"),
    ("parametric without param", net('{"act": "leaky_relu"}'), "layers[0].act='leaky_relu'"),
    ("param on plain", net('{"act": {"relu": "1/2"}}'), "layers[0].act='relu'"),
    ("per-unit list length", net('{"affine": {"weight": [[1], [1]], "bias": [0, 0]}}, {"act": ["relu", "relu", "relu"]}'),
     "Expected 2 activations (one per unit) but got len(layers[1].act)=3"),
    ("empty act list", net('{"act": []}'), "layers[0].act=[]"),
    ("odd pooling width", net(AFFINE + ', {"pool": "hadamard"}'),
     "Expected an even width before pooling but got layers[1].pool input width=1"),
    ("pool kind", net('{"pool": "sum"}'), "layers[0].pool='sum'"),
    # document structure
    ("format version", net("", head='"format": "netproof/2", "input_dim": 1'), "format='netproof/2'"),
    ("missing format", net("", head='"input_dim": 1'), "missing field='format'"),
    ("missing input_dim", net("", head='"format": "netproof/1"'), "missing field='input_dim'"),
    ("missing layers", f"{{{HEAD}}}", "missing field='layers'"),
    ("input_dim zero", net("", head='"format": "netproof/1", "input_dim": 0'), "input_dim=0"),
    ("input_dim negative", net("", head='"format": "netproof/1", "input_dim": -2'), "input_dim=-2"),
    ("input_dim string", net("", head='"format": "netproof/1", "input_dim": "2"'), "input_dim='2'"),
    ("input_dim float", net("", head='"format": "netproof/1", "input_dim": 2.0'), "input_dim=2.0"),
    ("input_dim boolean", net("", head='"format": "netproof/1", "input_dim": true'), "input_dim=True"),
    ("layers not a list", f'{{{HEAD}, "layers": {{}}}}', "layers={}"),
    ("unknown key", net("", head=HEAD + ', "weights": 1'), "unknown key='weights'"),
    ("two keys in a layer", net('{"act": "relu", "pool": "hadamard"}'), "layers[0]={'act': 'relu', 'pool': 'hadamard'}"),
    ("unknown layer kind", net('{"conv": 1}'), "layers[0] key='conv'"),
    ("layer not an object", net('"relu"'), "layers[0]='relu'"),
    ("affine unknown key", net('{"affine": {"weight": [[1]], "bias": [0], "scale": 2}}'), "layers[0].affine unknown key='scale'"),
    ("affine missing bias", net('{"affine": {"weight": [[1]]}}'), "layers[0].affine missing field='bias'"),
    ("duplicate key", '{"format": "netproof/1", "format": "netproof/1", "input_dim": 1, "layers": []}', "duplicate key='format'"),
    ("description not text", net("", head=HEAD + ', "description": 3'), "description=3"),
    # not an object, not JSON
    ("JSON list", "[1, 2]", "document=[1, 2]"),
    ("JSON number", "42", "document=42"),
    ("JSON string", '"netproof/1"', "document='netproof/1'"),
    ("JSON null", "null", "document=None"),
    ("truncated JSON", '{"format": "netproof/1", ', "JSON at line 1 column"),
    ("empty file", "", "JSON at line 1 column 1"),
    ("not JSON", "format: netproof/1", "JSON at line 1 column 1"),
]
IDS = [row[0] for row in TABLE]


@pytest.mark.parametrize(("text", "place"), [row[1:] for row in TABLE], ids=IDS)
def test_malformed_documents_name_the_place(tmp_path: Path, text: str, place: str) -> None:
    path = tmp_path / "net.json"
    path.write_text(text)
    with pytest.raises(VerifyError) as info:
        from_json(path)
    assert isinstance(info.value, InvalidNetwork) and isinstance(info.value, ValueError)
    message = str(info.value)
    assert message.startswith("Expected ") and " but got " in message
    assert place in message, message
    if text.lstrip().startswith(("{", "[")):  # JSON text and parsed dicts are read the same way
        with pytest.raises(InvalidNetwork, match=".*"):
            from_json(text)


def test_files_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(InvalidNetwork, match=r"path='.*missing\.json'"):
        from_json(tmp_path / "missing.json")
    with pytest.raises(InvalidNetwork, match="path="):
        from_json(tmp_path)  # a directory
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(InvalidNetwork, match="UTF-8"):
        from_json(binary)
    with pytest.raises(InvalidNetwork, match="source=3"):
        from_json(3)  # type: ignore[arg-type]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors exit through SystemExit
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def assert_bad_input(code: int, out: str, err: str) -> None:
    assert code == 2
    assert out == ""
    assert err.startswith("netproof: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err


@pytest.mark.parametrize(("text", "place"), [row[1:] for row in TABLE], ids=IDS)
@pytest.mark.parametrize("command", [["info"], ["eval"]])
def test_cli_turns_each_into_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], text: str, place: str
) -> None:
    path = tmp_path / "net.json"
    path.write_text(text)
    code, out, err = run([*command, str(path), *(["0"] if command == ["eval"] else [])], capsys)
    assert_bad_input(code, out, err)
    assert place.split("=")[0] in err


HAT = str(Path(__file__).resolve().parent.parent / "examples" / "hat.json")
BAD_COMMANDS = [
    (["eval", HAT], "number of coordinates=0"),
    (["eval", HAT, "1", "2"], "number of coordinates=2"),
    (["eval", HAT, "abc"], "x0='abc'"),
    (["eval", HAT, "1/0"], "x0='1/0'"),
    (["eval", HAT, "nan"], "x0='nan'"),
    (["eval", HAT, "inf"], "x0='inf'"),
    (["eval", HAT, "--prec", "abc", "1"], "--prec"),
    (["eval", HAT, "--bogus", "1"], "--bogus"),
    (["eval", "missing.json", "1"], "path='missing.json'"),
    (["info", "missing.json"], "path='missing.json'"),
    (["info"], "NET"),
    (["info", HAT, "extra"], "extra"),
    (["nosuchcommand"], "nosuchcommand"),
]


@pytest.mark.parametrize(("argv", "place"), BAD_COMMANDS, ids=[" ".join(a[:1] + a[2:]) for a, _ in BAD_COMMANDS])
def test_bad_command_lines_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], place: str) -> None:
    code, out, err = run(argv, capsys)
    assert_bad_input(code, out, err)
    assert place in err


def test_bad_precision_for_a_ball_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    tanh_net = HAT.replace("hat.json", "tanh_net.json")
    code, out, err = run(["eval", tanh_net, "--prec", "1", "0", "0"], capsys)
    assert_bad_input(code, out, err)
    assert "prec=1" in err


def test_installed_console_script_exits_2_with_one_line(tmp_path: Path) -> None:
    script = shutil.which("netproof", path=str(Path(sys.executable).parent)) or shutil.which("netproof")
    if script is None:
        pytest.skip("the netproof console script is not installed")
    bad = tmp_path / "bad.json"
    bad.write_text(net('{"act": "swoosh"}'))
    done = subprocess.run([script, "info", str(bad)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "layers[0].act='swoosh'" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([script, "eval", HAT, "abc"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.strip() == (
        "netproof: error: Expected an int, a Fraction, a finite float or a decimal or p/q string but got x0='abc'"
    )
