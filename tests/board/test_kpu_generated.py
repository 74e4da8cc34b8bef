"""Every v3 layer type (all pools, 8/16-bit weights, the CPU zoo, FC first) through kpu on the board,
layer by layer via set_layers, against the numpy reference on models built by kpuref.gen."""
import binascii

import numpy as np
import pytest

from kpu_board import put_model
from kpuref import gen, v3 as ref

SUITE = gen.suite()


@pytest.mark.parametrize("g", SUITE, ids=[g.name for g in SUITE])
@pytest.mark.parametrize("rule", ["nncase01", "nncase02"])
def test_generated_model_layer_by_layer(board, g, rule):
    model = put_model(board, g.name + ".kmodel", data=g.data)
    inp = put_model(board, g.name + ".in", data=g.input)
    n = len(g.model.layers)
    const = "kpu.ACT_RULE_NNCASE01" if rule == "nncase01" else "kpu.ACT_RULE_NNCASE02"
    out = board.exec(
        "import kpu, binascii\n"
        f"m = kpu.load({model!r}, act_rule={const})\n"
        f"x = open({inp!r}, 'rb').read()\n"
        f"for i in range(1, {n + 1}):\n"
        "    kpu.set_layers(m, i)\n"
        "    o = kpu.forward(m, x)\n"
        "    print('f' if len(bytes(o)) != len(o) else 'B', binascii.b2a_base64(bytes(o), newline=False).decode())\n"
        f"for k in range({len(g.model.outputs)}):\n"
        "    print('f', binascii.b2a_base64(bytes(kpu.forward(m, x, k)), newline=False).decode())\n", timeout=60)
    expect = ref.run_model(g.data, g.input, rule=rule)
    lines = out.split("\n")
    for i in range(n - 1):   # set_layers(n) is the whole model: its results are the outputs below
        tc, data = lines[i].split()
        got = np.frombuffer(binascii.a2b_base64(data), np.float32 if tc == "f" else np.uint8)
        want = np.asarray(expect.layers[i]).reshape(-1).astype(got.dtype)
        if i in g.padding_fed:
            # a conv on a K210_ADD_PADDING map: only pixel (0,0) per channel is defined
            got, want = got.reshape(-1, 16)[:, 0], want.reshape(-1, 16)[:, 0]
        name = type(g.model.layers[i]).__name__
        if tc == "f":   # expf/sqrtf differ from numpy by an ulp; later float layers carry it (spec 7.5)
            np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6, err_msg=f"layer {i} {name}")
        else:
            np.testing.assert_array_equal(got, want, err_msg=f"layer {i} {name}")
    for k, want in enumerate(expect.outputs):
        tc, data = lines[n + k].split()
        np.testing.assert_allclose(np.frombuffer(binascii.a2b_base64(data), np.float32), want, rtol=2e-6, atol=1e-6)
