"""The demo's compiled digit model on the board agrees bit for bit with the numpy KPU reference,
layer by layer (kpu.set_layers), and its final probabilities within float rounding."""
import numpy as np
import pytest

from kpuref import v3 as ref

from demo_small import small_model

N_IMAGES = 8


@pytest.fixture(scope="module")
def model():
    data, _, comp = small_model()
    raw = comp.kmodel()
    xs = [x.repeat(2, axis=0).repeat(2, axis=1) for x in data.test_x[:N_IMAGES]]
    return raw, xs


def test_board_equals_reference_layer_by_layer(board, model):
    raw, xs = model
    board.put(raw, "/sd/digits.kmodel")
    for i, x in enumerate(xs):
        got = board.eval(
            "(lambda kpu, x: (lambda m: [(kpu.set_layers(m, n), bytes(kpu.forward(m, x)))[1] for n in (1, 2)] + "
            "[(kpu.set_layers(m, 0), list(kpu.forward(m, x)), kpu.deinit(m))[1]])"
            f"(kpu.load('/sd/digits.kmodel')))(__import__('kpu'), {x.tobytes()!r})")
        r = ref.run_model(raw, x.tobytes(), rule="nncase01")
        assert got[0] == r.layers[0].tobytes(), f"image {i}: layer 0 (K210_CONV 1->8)"
        assert got[1] == r.layers[1].tobytes(), f"image {i}: layer 1 (K210_CONV 8->16, main memory out)"
        assert np.allclose(got[2], r.outputs[0], rtol=1e-5, atol=1e-7), f"image {i}: softmax"
