"""The random model generator: valid files, full coverage, compiler-like field values."""

import numpy as np
import pytest

import kpuref  # noqa: F401
from k210tools.kmodel import v3 as fmt
from kpuref import gen, kpu, v3
from realmodels import model_path  # noqa: E402

REAL_KPU = ["yolo20class_nncase01_v3.kmodel", "mnist_maixpy_v3.kmodel", "facedetect_maixpy_0x300000_v3.kmodel"]
OFFSET_FIELDS = ("image_src_addr", "image_dst_addr", "pad_value", "shr_w", "shr_x", "arg_w", "arg_x", "arg_add")


@pytest.fixture(scope="module")
def suite():
    return gen.suite()


@pytest.mark.parametrize("name", REAL_KPU)
def test_conv_args_match_the_compiler(name):
    """gen.conv_args reproduces every real nncase 0.1 layer argument from its shapes alone."""
    m = fmt.parse(open(model_path(name), "rb").read())
    for body in m.layers:
        if isinstance(body, fmt.K210Conv):
            a = body.args
            d = gen.POOL_DIV[a.pool_type]
            exp = gen.conv_args(a.i_ch_num + 1, a.i_col_high + 1, a.i_row_wid + 1, a.o_ch_num + 1, a.kernel_type == 1,
                                a.pool_type, bool(a.depth_wise_layer), a.image_src_addr, a.image_dst_addr,
                                m.eight_bit, **{f: getattr(a, f) for f in OFFSET_FIELDS[2:]})
            assert (a.o_col_high + 1, a.o_row_wid + 1) == ((a.i_col_high + 1) // d, (a.i_row_wid + 1) // d)
            assert exp == a


def test_suite_covers_everything(suite):
    types = {b.TYPE for g in suite for b in g.model.layers}
    implemented = set(fmt.BODY_TYPES)
    missing = {fmt.LAYER_NAMES[t] for t in implemented - types}
    assert missing == set(), missing
    convs = [b for g in suite for b in g.model.layers if isinstance(b, fmt.K210Conv)]
    assert {c.args.pool_type for c in convs} == set(range(10))
    convs8 = [b for g in suite if g.model.eight_bit for b in g.model.layers if isinstance(b, fmt.K210Conv)]
    assert {c.args.pool_type for c in convs8} == set(range(10))   # also without 16-bit models
    assert {c.args.kernel_type for c in convs} == {0, 1} and {c.args.depth_wise_layer for c in convs} == {0, 1}
    assert any(c.flags & 1 for c in convs) and any(not c.flags & 1 for c in convs)
    assert {g.model.eight_bit for g in suite} == {True, False}
    assert {c.args.shr_x for c in convs} > {0, 15}


def test_suite_files_valid(suite):
    for g in suite:
        m = fmt.parse(g.data, g.name)
        assert fmt.write(m) == g.data
        top = 32768
        for b in m.layers:
            if isinstance(b, fmt.K210Conv):
                a = b.args
                assert a.para_size <= (30720 if m.eight_bit else 61440)
                assert (a.load_time + 1) * (a.o_ch_num_coef + 1) >= a.o_ch_num + 1
                assert min(a.o_col_high, a.o_row_wid) >= 3      # maps >= 4x4 after pooling
                top = min(top, a.image_src_addr, a.image_dst_addr)
        assert m.max_start_address <= top
        for o in m.outputs:
            assert o.address + o.size <= m.main_mem_usage


@pytest.mark.parametrize("rule", kpu.RULES)
def test_suite_runs_and_rules_matter(suite, rule):
    diffs = 0
    for g in suite:
        r = v3.run_model(g.data, g.input, rule=rule)
        other = v3.run_model(g.data, g.input, rule="nncase01" if rule == "nncase02" else "nncase02")
        assert len(r.layers) == len(g.model.layers)
        for x in r.outputs:
            assert np.isfinite(x).all()
        diffs += sum(int(np.any(a != b)) for a, b in zip(r.layers, other.layers))
    assert diffs > 10   # boundary/half cases actually occur in the generated layers


def test_generator_is_deterministic():
    assert gen.cpu_model(6).data == gen.cpu_model(6).data
    assert gen.kpu_model(9, [2]).data != gen.kpu_model(10, [2]).data
