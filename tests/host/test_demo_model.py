"""Host checks of the demo's digit model: the compiled kmodel v3, run through the independent numpy
KPU reference (tests/kpuref), gives exactly the quantized arithmetic the compiler predicted."""
import numpy as np
import pytest

from k210tools import digits_kmodel as dk
from k210tools import train_digits as td
from k210tools.kmodel import v3
from kpuref import v3 as ref

from demo_small import small_model


@pytest.fixture(scope="module")
def compiled():
    return small_model()


def test_structure_and_round_trip(compiled):
    _, _, c = compiled
    raw = c.kmodel()
    m = v3.parse(raw, "digits")
    assert [type(b).__name__ for b in m.layers] == ["K210Conv", "K210Conv", "Dequantize", "FullyConnected", "Softmax"]
    assert v3.write(m) == raw
    a1, a2 = m.layers[0].args, m.layers[1].args
    # 16x16x1 -> 8x8x8 -> 4x4x16, zero-point-free activations, weight zero point 128
    assert (a1.i_row_wid, a1.i_ch_num, a1.o_row_wid, a1.o_ch_num, a1.pool_type) == (15, 0, 7, 7, 1)
    assert (a2.i_row_wid, a2.i_ch_num, a2.o_row_wid, a2.o_ch_num) == (7, 7, 3, 15)
    assert (a1.arg_x, a1.arg_w, a1.arg_add, a1.pad_value) == (-128, 0, 0, 0)
    assert m.layers[1].flags == 1 and m.outputs[0].size == 40


def test_reference_kpu_equals_compiler_arithmetic(compiled):
    data, _, c = compiled
    raw = c.kmodel()
    x = data.test_x[:24].repeat(2, axis=1).repeat(2, axis=2)[:, None]
    h1 = dk._qconv(c.q1, x)
    h2 = dk._qconv(c.q2, h1)
    logits = dk.quantized_logits(c, data.test_x[:24])
    for i in range(len(x)):
        r = ref.run_model(raw, x[i, 0].tobytes())
        assert np.array_equal(np.asarray(r.layers[0]).reshape(-1), h1[i].reshape(-1)), f"image {i}, layer 0"
        assert np.array_equal(np.asarray(r.layers[1]).reshape(-1), h2[i].reshape(-1)), f"image {i}, layer 1"
        e = np.exp(logits[i] - logits[i].max())
        assert np.allclose(r.outputs[0], e / e.sum(), atol=1e-5), f"image {i}, softmax"


def test_quantization_keeps_float_decisions(compiled):
    data, params, c = compiled
    f = td.forward(params, td.upscale(data.test_x)).argmax(axis=1)
    q = dk.quantized_logits(c, data.test_x).argmax(axis=1)
    assert (f == q).mean() >= 0.97


def test_relu_table_segments():
    t = dk.relu_table(12)
    starts = [s.x_start for s in t.segments]
    assert starts == sorted(starts) and starts[10] == 0
    assert (t.segments[10].mul, t.segments[10].shift) == (1, 12)
    assert all(s.mul == 0 for i, s in enumerate(t.segments) if i != 10)
