"""The json module on the board, checked against CPython's json (dumps text, loads values) and
against upstream MicroPython's documented differences (bytes dump as strings, separators)."""
import json

import pytest

VALUES = [None, True, False, 0, -7, 123456789012345678901234567890, 2.5, -1e-3, "", "abc",
          "quote\" back\\ nl\n tab\t ctl\x01 é", [], [1, [2, [3, []]]], {}, {"a": 1, "b": [True, None]},
          {"nested": {"k": {"x": "y"}}}, (1, 2)]


@pytest.mark.qemu_subset
def test_dumps_matches_cpython(board):
    out = board.exec("import json\n" + "".join(f"print(json.dumps({v!r}))\n" for v in VALUES))
    assert out.splitlines() == [json.dumps(v, ensure_ascii=False) for v in VALUES]


def test_loads_round_trips_cpython_text(board):
    docs = [json.dumps(v) for v in VALUES] + ['  {"a" : [ 1 , 2 ] ,\n\t"b":"\\u00e9\\n\\/"}  ',
                                               "1e2", "-2E-3", "[1.5, -0]"]
    out = board.exec("import json\n" + "".join(f"print(repr(json.loads({d!r})))\n" for d in docs))
    got = [eval(line) for line in out.splitlines()]
    want = [json.loads(d) for d in docs]
    want = [list(w) if isinstance(w, tuple) else w for w in want]
    assert got == want


def test_separators_dump_and_streams(board):
    out = board.exec(
        "import json, io\n"
        "d = {'a': (2, [3, None])}\n"
        "print(json.dumps(d, separators=(',', ':')))\n"
        "print(json.dumps(d, separators=[';', '=']))\n"
        "s = io.StringIO(); json.dump([1, {'k': 'v'}], s); print(s.getvalue())\n"
        "s = io.StringIO(); json.dump(d, s, separators=(',', ':')); print(s.getvalue())\n"
        "print(json.load(io.StringIO(' [false, {\"x\": 1.5}] ')))\n"
        "print(json.loads(b'[1,2]'), json.loads(bytearray(b'null')), json.dumps(b'12'))\n"
        "import ujson; print(ujson is json)\n"
    )
    assert out.splitlines() == ['{"a":[2,[3,null]]}', '{"a"=[2;[3;null]]}', '[1, {"k": "v"}]',
                                '{"a":[2,[3,null]]}', "[False, {'x': 1.5}]", '[1, 2] None "12"', "True"]


@pytest.mark.parametrize("text, where", [
    ("", "offset 0"), ('"abc', "closing"), ("]", "offset 0"), ("a", "offset 0"), ('{{}:"abc"}', "string key"),
    ("[null]   a", "offset 9"), ("[1,", "input ends"), ('{"a" 1}', "':'"), ('"\\q"', "escape"),
    ('"\\u12g4"', "hex digits"), ("[1 2]", "',' or ']'"),
])
def test_syntax_errors_name_the_offset(board, text, where):
    out = board.exec(f"import json\ntry:\n    json.loads({text!r})\nexcept ValueError as e:\n    print('VE', e)\n")
    assert out.startswith("VE syntax error in JSON") and where in out


@pytest.mark.parametrize("call, exc", [
    ("json.dump(1, 1)", "OSError"), ("json.dumps(1, separators=())", "ValueError"),
    ("json.dumps(1, separators=1)", "TypeError"), ("json.loads('[' * 5000)", "RuntimeError"),
])
def test_bad_arguments(board, call, exc):
    out = board.exec(f"import json\ntry:\n    {call}\nexcept Exception as e:\n    print(type(e).__name__)\n")
    assert out.strip() == exc
