"""The netproof/1 file format: JSON documents describing networks exactly (DESIGN.md §4).

A document is a JSON object ``{"format": "netproof/1", "input_dim": d, "layers": [...]}``
(and optionally ``"description"``, a string that is ignored). Each layer is an
object with exactly one key: ``{"affine": {"weight": rows, "bias": vector}}``,
``{"act": spec}`` (one activation for every unit) or ``{"act": [spec, ...]}``
(one per unit), or ``{"pool": "hadamard"}``. An activation spec is a name
(``"relu"``) or a one-key object for parametric ones (``{"leaky_relu": "1/10"}``).

Numbers are JSON strings (``"-1/3"``, ``"0.1"``, ``"1e-3"``) or number literals;
a literal is read from its *text* as a decimal, so ``0.1`` means exactly 1/10.
``NaN``/``Infinity`` literals, booleans and ``null`` are rejected. Loading never
evaluates anything as code. Every malformed document raises
:class:`~verify.errors.InvalidNetwork` with a message naming the place.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verify.activations import PARAMETRIC, make_activation
from verify.errors import InvalidNetwork, expected
from verify.layers import Act, Affine, Layer, Pool
from verify.numbers import format_rational, to_rational

if TYPE_CHECKING:
    from verify.network import Network

__all__ = ["FORMAT", "from_json", "to_json", "to_dict", "loads"]

FORMAT = "netproof/1"
_TOP_KEYS = {"format", "input_dim", "layers", "description"}
_LAYER_KEYS = ("affine", "act", "pool")


class _Literal:
    """A JSON number literal kept as its text, so that ``0.1`` is read as the decimal 1/10.

    ``NaN`` and ``Infinity`` are kept too, and rejected where they stand, so the message names the place.
    """

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidNetwork(expected("each key once per object", "duplicate key", key))
        out[key] = value
    return out


def loads(text: str) -> Any:
    """Parse JSON text keeping number literals as text (no floats are ever made).

    >>> loads('{"a": 0.1, "b": 2}')
    {'a': 0.1, 'b': 2}
    >>> type(loads('[0.1]')[0]).__name__
    '_Literal'
    """
    try:
        return json.loads(text, parse_float=_Literal, parse_constant=_Literal, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise InvalidNetwork(expected("valid JSON text", f"JSON at line {exc.lineno} column {exc.colno}", exc.msg)) from None
    except InvalidNetwork:
        raise
    except ValueError as exc:  # e.g. an integer literal longer than Python's digit limit
        raise InvalidNetwork(expected("valid JSON numbers", "document", str(exc))) from None
    except RecursionError:
        raise InvalidNetwork(expected("JSON nested at most a few hundred levels deep", "document", text[:40])) from None


def _read_source(source: Any) -> Any:
    """The parsed document from JSON text, a path, or a dict."""
    if isinstance(source, dict):
        return source
    if isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        return loads(source)
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InvalidNetwork(expected("an existing netproof/1 file", "path", str(path))) from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise InvalidNetwork(expected(f"a readable UTF-8 file ({reason})", "path", str(path))) from None
        return loads(text)
    raise InvalidNetwork(expected("JSON text, a path or a dict", "source", source))


def from_json(source: str | Path | dict[str, Any]) -> Network:
    """Read a netproof/1 network from JSON text, a file path, or an already parsed dict.

    A ``str`` is JSON text when it starts with ``{`` or ``[`` (after whitespace)
    and a path otherwise; a ``Path`` is always a file. In a dict, Python floats are taken
    at their exact binary value (JSON text keeps decimals exact).

    >>> net = from_json('{"format": "netproof/1", "input_dim": 1, "layers": '
    ...                 '[{"affine": {"weight": [[0.1]], "bias": ["-1/3"]}}]}')
    >>> net.eval_exact([10])
    (Fraction(2, 3),)
    >>> from_json('{"format": "netproof/2", "input_dim": 1, "layers": []}')
    Traceback (most recent call last):
    ...
    verify.errors.InvalidNetwork: Expected format "netproof/1" but got format='netproof/2'
    """
    from verify.network import Network

    doc = _read_source(source)
    if not isinstance(doc, dict):
        raise InvalidNetwork(expected("a JSON object", "document", doc))
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise InvalidNetwork(expected(f"only the keys {sorted(_TOP_KEYS)}", "unknown key", unknown[0]))
    for key in ("format", "input_dim", "layers"):
        if key not in doc:
            raise InvalidNetwork(expected(f'a "{key}" field', "missing field", key))
    if doc["format"] != FORMAT:
        raise InvalidNetwork(expected(f'format "{FORMAT}"', "format", doc["format"]))
    if "description" in doc and not isinstance(doc["description"], str):
        raise InvalidNetwork(expected("a string", "description", doc["description"]))
    d = doc["input_dim"]
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise InvalidNetwork(expected("a positive int", "input_dim", d))
    layers = doc["layers"]
    if not isinstance(layers, list):
        raise InvalidNetwork(expected("a list of layers", "layers", layers))
    return Network(d, tuple(_layer(spec, f"layers[{i}]") for i, spec in enumerate(layers)))


def _number(value: Any, where: str) -> Fraction:
    if isinstance(value, _Literal):
        value = value.text
    elif not isinstance(value, (str, int, float, Fraction)) or isinstance(value, bool):
        raise InvalidNetwork(expected("a number (a JSON string or number literal)", where, value))
    try:
        return to_rational(value, where)
    except ValueError as exc:
        raise InvalidNetwork(str(exc)) from None


def _layer(spec: Any, where: str) -> Layer:
    if not isinstance(spec, dict) or len(spec) != 1:
        raise InvalidNetwork(expected(f"an object with exactly one of the keys {list(_LAYER_KEYS)}", where, spec))
    ((key, body),) = spec.items()
    if key == "affine":
        return _affine(body, f"{where}.affine")
    if key == "act":
        return _act(body, f"{where}.act")
    if key == "pool":
        if body != "hadamard":
            raise InvalidNetwork(expected('"hadamard"', f"{where}.pool", body))
        return Pool()
    raise InvalidNetwork(expected(f"a layer kind in {list(_LAYER_KEYS)}", f"{where} key", key))


def _affine(body: Any, where: str) -> Affine:
    if not isinstance(body, dict):
        raise InvalidNetwork(expected('an object {"weight": rows, "bias": vector}', where, body))
    extra = sorted(set(body) - {"weight", "bias"})
    if extra:
        raise InvalidNetwork(expected('only the keys ["bias", "weight"]', f"{where} unknown key", extra[0]))
    for key in ("weight", "bias"):
        if key not in body:
            raise InvalidNetwork(expected(f'a "{key}" field', f"{where} missing field", key))
    weight, bias = body["weight"], body["bias"]
    if not isinstance(weight, list) or not weight:
        raise InvalidNetwork(expected("a non-empty list of rows", f"{where}.weight", weight))
    rows = []
    for i, row in enumerate(weight):
        if not isinstance(row, list) or not row:
            raise InvalidNetwork(expected("a non-empty list of numbers", f"{where}.weight[{i}]", row))
        if len(row) != len(weight[0]):
            raise InvalidNetwork(expected(f"{len(weight[0])} columns like row 0", f"len({where}.weight[{i}])", len(row)))
        rows.append(tuple(_number(v, f"{where}.weight[{i}][{j}]") for j, v in enumerate(row)))
    if not isinstance(bias, list):
        raise InvalidNetwork(expected("a list of numbers", f"{where}.bias", bias))
    if len(bias) != len(rows):
        raise InvalidNetwork(expected(f"{len(rows)} biases (one per weight row)", f"len({where}.bias)", len(bias)))
    return Affine(tuple(rows), tuple(_number(v, f"{where}.bias[{j}]") for j, v in enumerate(bias)))


def _activation_spec(spec: Any, where: str) -> Any:
    """Check one activation spec, converting a parametric activation's number exactly."""
    if isinstance(spec, str):
        return make_activation(spec, where)
    if isinstance(spec, dict) and len(spec) == 1:
        ((name, value),) = spec.items()
        if name not in PARAMETRIC:
            return make_activation(spec, where)  # raises, naming the place
        return make_activation({name: _number(value, f"{where}.{name}")}, where)
    raise InvalidNetwork(expected('an activation name or {"name": param}', where, spec))


def _act(body: Any, where: str) -> Act:
    if isinstance(body, list):
        if not body:
            raise InvalidNetwork(expected("at least one activation", where, body))
        return Act(tuple(_activation_spec(s, f"{where}[{i}]") for i, s in enumerate(body)))
    return Act(_activation_spec(body, where))


_TEXT: dict[int, tuple[Affine, list[list[str]], list[str]]] = {}


def _affine_text(layer: Affine) -> tuple[list[list[str]], list[str]]:
    """The weight and bias texts of an Affine layer, cached by layer identity (the cache holds the layer)."""
    hit = _TEXT.get(id(layer))
    if hit is not None and hit[0] is layer:
        return hit[1], hit[2]
    memo: dict[int, tuple[Fraction, str]] = {}  # by object identity (dense layers share their zeros); holds v
    weight = []
    for row in layer.weight:
        texts = []
        last, text = None, ""
        for v in row:
            if v is not last:  # runs of one object (a dense row's shared zero) skip the lookup
                hit_v = memo.get(id(v))
                if hit_v is None:
                    hit_v = memo[id(v)] = (v, format_rational(v))
                last, text = v, hit_v[1]
            texts.append(text)
        weight.append(texts)
    bias = [format_rational(v) for v in layer.bias]
    if len(_TEXT) > 64:
        _TEXT.clear()
    _TEXT[id(layer)] = (layer, weight, bias)
    return weight, bias


def _layer_dict(layer: Layer) -> dict[str, Any]:
    if isinstance(layer, Affine):
        weight, bias = _affine_text(layer)  # fresh lists of the cached (immutable) texts
        return {"affine": {"weight": [list(row) for row in weight], "bias": list(bias)}}
    if isinstance(layer, Act):
        f = layer.functions
        return {"act": [a.to_spec() for a in f] if isinstance(f, tuple) else f.to_spec()}
    return {"pool": "hadamard"}


def to_dict(net: Network) -> dict[str, Any]:
    """The netproof/1 document of ``net`` as plain JSON data (numbers as exact text).

    >>> from verify.network import Network
    >>> to_dict(Network.mlp([[["1/2"]]], [[0]]))
    {'format': 'netproof/1', 'input_dim': 1, 'layers': [{'affine': {'weight': [['1/2']], 'bias': ['0']}}]}
    """
    return {"format": FORMAT, "input_dim": net.input_dim, "layers": [_layer_dict(layer) for layer in net.layers]}


def _dump_layer(layer: dict[str, Any]) -> str:
    one_line = json.dumps(layer)
    if len(one_line) <= 100 or "affine" not in layer:
        return "  " + one_line
    body = layer["affine"]
    rows = ",\n    ".join(json.dumps(row) for row in body["weight"])
    return f'  {{"affine": {{\n   "weight": [\n    {rows}],\n   "bias": {json.dumps(body["bias"])}}}}}'


def to_json(net: Network) -> str:
    """The netproof/1 JSON text of ``net``: one layer per line, numbers as exact strings.

    ``from_json(to_json(net)) == net`` for every network.

    >>> from verify.network import Network
    >>> print(to_json(Network.mlp([[[1], [-1]], [[1, 1]]], [[0, 0], ["1/3"]])))
    {
     "format": "netproof/1",
     "input_dim": 1,
     "layers": [
      {"affine": {"weight": [["1"], ["-1"]], "bias": ["0", "0"]}},
      {"act": "relu"},
      {"affine": {"weight": [["1", "1"]], "bias": ["1/3"]}}
     ]
    }
    """
    doc = to_dict(net)
    layers = ",\n".join(_dump_layer(layer) for layer in doc["layers"])
    body = f"[\n{layers}\n ]" if layers else "[]"
    return f'{{\n "format": "{FORMAT}",\n "input_dim": {net.input_dim},\n "layers": {body}\n}}'
